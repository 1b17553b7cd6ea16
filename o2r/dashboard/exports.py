"""The funder's report for a period: CSV and XLSX. The same tables as the page, with the small
counts masked (masking.py: counts from 1 to 4 as "< 5", and one more cell where a total would
reveal one, as "secret"); the first sheet says the filters and the date of extraction, a sheet
defines each indicator in plain French."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .masking import MASK, RULE_FR, SECRET, SMALLEST_SHOWN, suppress
from .tables import COUNT, PERCENT, Table

TITLE = "Du logement à l'emploi (O2R) — rapport au financeur"
UNITS = {PERCENT: "%", "days": "jours"}


def masked_rows(table: Table) -> list[list]:
    """The table's values with the small counts replaced by MASK, the counts hidden because a
    total would reveal one by SECRET, and a share or a median computed on a row with a masked
    count by SECRET too."""
    count_columns = [i for i, kind in enumerate(table.kinds) if kind == COUNT]
    # A health cell hidden on the page enters the rule as a small count (masked, and a total
    # that would reveal it masks one more cell).
    matrix = [
        [1 if row.health_hidden()[i] else row.values[i] for i in count_columns]
        for row in table.rows
    ]
    flags = suppress(matrix, total_row=table.total_row, total_column=table.total_column)
    rows = []
    for row, row_flags in zip(table.rows, flags, strict=True):
        any_masked = any(row_flags)
        health = row.health_hidden()
        values = []
        for i, (value, kind) in enumerate(zip(row.values, table.kinds, strict=True)):
            if kind == COUNT:
                masked = row_flags[count_columns.index(i)]
                small = value is not None and 0 < value < SMALLEST_SHOWN and not health[i]
                values.append((MASK if small else SECRET) if masked else value)
            else:
                values.append(SECRET if any_masked and value is not None else value)
        rows.append(values)
    return rows


def _text(value):
    """A label as plain text: never a formula in a spreadsheet (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return value


def to_csv(tables, *, filters, extracted_at, computed_at, by):
    """One CSV file (semicolons, UTF-8 with BOM for spreadsheets): the filters, then each
    table under its title, then the definitions."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([TITLE])
    writer.writerow(["Extrait le", f"{extracted_at:%d/%m/%Y à %H:%M}"])
    writer.writerow(["Chiffres calculés le", f"{computed_at:%d/%m/%Y à %H:%M}"])
    writer.writerow(["Par", _text(by.get_full_name())])
    for label, value in filters:
        writer.writerow([label, _text(value)])
    writer.writerow([])
    for table in tables:
        writer.writerow([f"[{table.key}] {table.title}"])
        writer.writerow([table.label_header, *table.columns])
        for row, values in zip(table.rows, masked_rows(table), strict=True):
            writer.writerow([_text(row.label), *[_cell(v) for v in values]])
        writer.writerow([])
    writer.writerow(["Définitions"])
    for table in tables:
        writer.writerow([table.title, table.definition])
    writer.writerow(["Secret statistique", RULE_FR])
    return buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8"


def _put(sheet, row, column, value, *, bold=False, wrap=False):
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # never a formula, whatever the text starts with
    else:
        cell.value = value
    if bold:
        cell.font = Font(bold=True)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def to_xlsx(tables, *, filters, extracted_at, computed_at, by):
    """One sheet of filters first, one sheet per table (named by its key), one sheet of
    definitions."""
    book = Workbook()
    first = book.active
    first.title = "Filtres"
    _put(first, 1, 1, TITLE, bold=True)
    _put(first, 3, 1, "Extrait le", bold=True)
    _put(first, 3, 2, f"{extracted_at:%d/%m/%Y à %H:%M}")
    _put(first, 4, 1, "Chiffres calculés le", bold=True)
    _put(first, 4, 2, f"{computed_at:%d/%m/%Y à %H:%M}")
    _put(first, 5, 1, "Par", bold=True)
    _put(first, 5, 2, by.get_full_name())
    for i, (label, value) in enumerate(filters, start=6):
        _put(first, i, 1, label, bold=True)
        _put(first, i, 2, value)
    line = 7 + len(filters)
    _put(first, line, 1, "Secret statistique", bold=True)
    _put(first, line, 2, RULE_FR, wrap=True)
    first.column_dimensions["A"].width = 28
    first.column_dimensions["B"].width = 90

    for table in tables:
        sheet = book.create_sheet(table.key[:31])
        _put(sheet, 1, 1, table.title, bold=True)
        _put(sheet, 2, 1, table.label_header, bold=True)
        for j, column in enumerate(table.columns, start=2):
            _put(sheet, 2, j, column, bold=True)
        for i, (row, values) in enumerate(zip(table.rows, masked_rows(table), strict=True), 3):
            _put(sheet, i, 1, row.label, bold=row.total)
            for j, value in enumerate(values, start=2):
                _put(sheet, i, j, value)
        sheet.column_dimensions["A"].width = 42
        for j in range(2, len(table.columns) + 2):
            sheet.column_dimensions[get_column_letter(j)].width = 18
        if table.note:
            _put(sheet, len(table.rows) + 4, 1, table.note)

    definitions = book.create_sheet("Définitions")
    _put(definitions, 1, 1, "Tableau", bold=True)
    _put(definitions, 1, 2, "Feuille", bold=True)
    _put(definitions, 1, 3, "Définition", bold=True)
    for i, table in enumerate(tables, start=2):
        _put(definitions, i, 1, table.title)
        _put(definitions, i, 2, table.key[:31])
        _put(definitions, i, 3, table.definition, wrap=True)
    last = len(tables) + 2
    _put(definitions, last, 1, "Secret statistique", bold=True)
    _put(definitions, last, 3, RULE_FR, wrap=True)
    definitions.column_dimensions["A"].width = 40
    definitions.column_dimensions["B"].width = 22
    definitions.column_dimensions["C"].width = 100

    buffer = io.BytesIO()
    book.save(buffer)
    return (
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


FORMATS = {"csv": to_csv, "xlsx": to_xlsx}
