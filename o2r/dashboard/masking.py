"""The statistical-disclosure rule of the funder's exports: which counts of a table are hidden.

`suppress` reads a table of counts (a list of rows) and says which cells to hide; the export
writes `MASK` in their place and `RULE_FR` on its definitions sheet. A cell whose value is None
is not a count (a percentage, a median): it is never hidden here and takes no part in a total.
"""

MASK = "< 5"

SMALLEST_SHOWN = 5  # counts from 1 to 4 are hidden; 0 is shown

# What an export shows in place of a count hidden only because a total would reveal another
# (it may be 5 or more), and of a share or a median computed on a row with a hidden count.
SECRET = "secret"  # noqa: S105 - the word an export shows, no password

RULE_FR = (
    "Secret statistique : tout effectif compris entre 1 et 4 est remplacé par "
    f"« {MASK} » ; un effectif nul (0) reste affiché. "
    "Quand le total d'une ligne ou d'une colonne permettrait de retrouver par soustraction "
    "un effectif masqué, un second effectif de cette ligne ou de cette colonne est masqué "
    f"aussi, et remplacé par « {SECRET} » (il peut valoir 5 ou plus) : le plus petit effectif "
    "non nul encore affiché, ou à défaut le total lui-même. "
    "Ce second masquage est répété jusqu'à ce qu'aucun effectif masqué ne puisse être "
    "retrouvé ainsi à partir du total de sa ligne ou de sa colonne. Un taux ou un délai "
    f"calculé sur une ligne où un effectif est masqué est remplacé par « {SECRET} »."
)

type Cell = tuple[int, int]


def suppress(
    values: list[list[int | None]], *, total_row: bool = False, total_column: bool = False
) -> list[list[bool]]:
    """The masked flags, same shape as `values`.

    `total_column`: the last column is the sum of the others in its row; `total_row`: the last
    row is the sum of the rows above in each column (with both, the corner is the grand total).
    """
    width = len(values[0]) if values else 0
    if any(len(row) != width for row in values):
        raise ValueError("suppress() takes a rectangular table: every row the same length.")

    hidden = {
        (i, j)
        for i, row in enumerate(values)
        for j, value in enumerate(row)
        if value is not None and 1 <= value < SMALLEST_SHOWN
    }
    lines = _lines_with_a_total(values, total_row=total_row, total_column=total_column)
    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            if total in hidden or len(hidden.intersection(cells)) != 1:
                continue
            shown = [(i, j) for i, j in cells if (i, j) not in hidden and values[i][j] > 0]
            hidden.add(min(shown, key=lambda cell: values[cell[0]][cell[1]]) if shown else total)
            changed = True

    return [[(i, j) in hidden for j in range(width)] for i in range(len(values))]


def _lines_with_a_total(
    values: list[list[int | None]], *, total_row: bool, total_column: bool
) -> list[tuple[list[Cell], Cell]]:
    """Each row (then each column) that ends with a total: its count cells, and its total cell.
    A line whose total is not a count reveals nothing and is left out."""
    height = len(values)
    width = len(values[0]) if values else 0
    lines = []
    if total_column and width:
        lines += [([(i, j) for j in range(width - 1)], (i, width - 1)) for i in range(height)]
    if total_row and height:
        lines += [([(i, j) for i in range(height - 1)], (height - 1, j)) for j in range(width)]
    return [
        ([(i, j) for i, j in cells if values[i][j] is not None], total)
        for cells, total in lines
        if values[total[0]][total[1]] is not None
    ]
