"""A figure table: what the page shows (with its chart and its links) and what the exports
write (one sheet each, with its definition), in one shape."""

from dataclasses import dataclass, field

COUNT, PERCENT, DAYS = "count", "percent", "days"
# Counts below this are small: hidden in the exports, and on the page for health information.
SMALL = 5


@dataclass
class Row:
    label: str
    values: list  # int | float | None, one per column
    # One drill-down indicator per cell (None: no list behind it, e.g. health categories).
    links: list | None = None
    total: bool = False
    # A row of health information (a health barrier, RQTH, an exit for health reasons): the
    # number of people each cell is a part of. A cell is hidden, on the page too, when it or
    # its complement is from 1 to 4 (or the whole from 1 to 4): with a list of the people
    # behind the whole, a small count or a small complement would name whose health it is.
    health_of: list | None = None

    def health_hidden(self) -> list[bool]:
        if self.health_of is None:
            return [False] * len(self.values)
        return [
            0 < whole < SMALL or 0 < (value or 0) < SMALL or 0 < whole - (value or 0) < SMALL
            for value, whole in zip(self.values, self.health_of, strict=True)
        ]

    def cells(self, kinds):
        links = self.links or [None] * len(self.values)
        hidden = self.health_hidden()
        return [
            {"value": value, "kind": kind, "link": link, "hidden": secret}
            for value, kind, link, secret in zip(self.values, kinds, links, hidden, strict=True)
        ]


@dataclass
class Table:
    key: str
    section: str
    title: str
    definition: str
    label_header: str
    columns: list[str]
    kinds: list[str]
    rows: list[Row] = field(default_factory=list)
    total_row: bool = False  # the last row is the sum of those above (counts)
    # The last count column is the sum of the other count columns (percent and days columns
    # are no part of it).
    total_column: bool = False
    chart: dict | None = None
    note: str = ""
    # The page shows at most this many rows (the largest totals), the exports all of them.
    page_rows: int | None = None

    @property
    def is_empty(self) -> bool:
        counts = [i for i, kind in enumerate(self.kinds) if kind == COUNT]
        return not any(row.values[i] for row in self.rows for i in counts)

    def value(self, row_label: str, column: str):
        """One cell by its labels (tests and the XLSX check read figures this way)."""
        for row in self.rows:
            if row.label == row_label:
                return row.values[self.columns.index(column)]
        raise KeyError(row_label)


def percent(part, whole):
    """A share in percent, one decimal; None when there is nothing to divide."""
    if not whole or part is None:
        return None
    return round(100 * part / whole, 1)


def days(value):
    return None if value is None else round(value, 1)
