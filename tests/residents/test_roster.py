"""The residence roster import: an insertion officer uploads a CSV or XLSX for one of her
residences, sees what it would do row by row, confirms, and downloads the rows to fix."""

import csv
import datetime
import html
import io
import re

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from residents import roster
from residents.models import Resident, RosterImport, StageChange
from residents.roster import RosterFileError, RowStatus, parse_roster
from residents.roster_services import roster_confirm, roster_preview_create
from residents.services import resident_create
from residents.tasks import purge_roster_imports
from tests.accounts.factories import UserFactory
from tests.residents.factories import ResidenceMembershipFactory
from tests.utils import history_edits

HEADER = ["Nom", "Prénom", "Date de naissance", "Téléphone", "Logement", "Date d'entrée"]
SAMIA = ["Benali", "Samia", "26/11/1980", "06 12 34 56 78", "B12", "01/03/2021"]
KARIM = ["Haddad", "Karim", "1975-02-14", "07 81 23 45 67", "A3", ""]
ELODIE = ["N'Diaye-Kéita", "Élodie", "03-07-1992", "", "C7", "15/09/2023"]
TODAY = datetime.date.today


def csv_bytes(rows, header=HEADER, delimiter=";", encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER, title=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def parse(data, name="liste.csv"):
    return parse_roster(data, name, today=timezone.localdate())


@pytest.fixture
def residence(nantes_residences):
    return nantes_residences[0]


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def upload(client, residence, content, name="liste.csv"):
    return client.post(
        reverse("residents:roster_upload"),
        {"residence": residence.pk, "file": SimpleUploadedFile(name, content)},
    )


def upload_ok(client, residence, content, name="liste.csv"):
    response = upload(client, residence, content, name)
    assert response.status_code == 302, _errors(response)
    roster_import = RosterImport.objects.latest("uploaded_at")
    assert response["Location"] == reverse("residents:roster_preview", args=[roster_import.pk])
    return roster_import


def confirm(client, roster_import):
    response = client.post(reverse("residents:roster_confirm", args=[roster_import.pk]))
    assert response.status_code == 302
    roster_import.refresh_from_db()
    return roster_import


def text(response):
    """The page as read: entities decoded, white space collapsed."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def table(response):
    return re.search(r"<table.*</table>", text(response)).group(0)


def _errors(response):
    body = text(response)
    return re.findall(r"invalid-feedback[^>]*>\s*(?:<strong>)?([^<]+)", body)


def make_resident(officer, residence, **fields):
    data = {
        "last_name": "Benali",
        "first_name": "Samia",
        "birth_date": datetime.date(1980, 11, 26),
        "phone": "06 12 34 56 78",
        "residence": residence,
        "housing_unit": "B12",
        "moved_in_on": datetime.date(2021, 3, 1),
        **fields,
    }
    return resident_create(by=officer, data=data, enter_programme=False)


def statuses(roster_import):
    return [row["status"] for row in roster_import.rows]


# --- Reading files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ["nom", "prénom", "date de naissance"],
        ["NOM", "PRENOM", "DATE DE NAISSANCE"],
        ["Last name", "First name", "Birth date"],
        ["last name", "first name", "date of birth"],
        ["  Nom ", "Prénom(s)", "Date de naissance (JJ/MM/AAAA)"],
    ],
)
def test_headers_french_or_english_any_case_or_accent(header):
    rows = parse(csv_bytes([SAMIA[:3]], header=header))
    assert rows[0]["values"]["last_name"] == "Benali"
    assert rows[0]["values"]["birth_date"] == "1980-11-26"


def test_optional_columns_in_any_order_english():
    header = ["Move-in date", "Unit", "Phone", "Birth date", "First name", "Last name"]
    rows = parse(csv_bytes([list(reversed(SAMIA))], header=header))
    values = rows[0]["values"]
    assert values["phone"] == "+33612345678"
    assert values["housing_unit"] == "B12"
    assert values["moved_in_on"] == "2021-03-01"


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (["Nom", "Prénom", "Téléphone"], "« date de naissance »"),
        (["Nom", "Date de naissance"], "« prénom »"),
        (["Identité", "Âge", "Tel"], "« nom », « prénom », « date de naissance »"),
    ],
)
def test_missing_required_column_is_named(header, missing):
    with pytest.raises(RosterFileError) as error:
        parse(csv_bytes([["a", "b", "c"]], header=header))
    assert missing in error.value.message
    assert "introuvable" in error.value.message


def test_missing_column_under_a_title_line_is_named():
    data = b"Liste des residents au 01/01/2026\r\nNom;Prenom;Tel\r\nBenali;Samia;0612345678\r\n"
    with pytest.raises(RosterFileError) as error:
        parse(data)
    assert error.value.message.startswith(
        "Colonne obligatoire introuvable : « date de naissance »."
    )


def test_duplicate_column_is_refused():
    with pytest.raises(RosterFileError, match="apparaît deux fois"):
        parse(
            csv_bytes([["a", "b", "c", "d"]], header=["Nom", "Prénom", "Date de naissance", "Nom"])
        )


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_delimiter_and_encoding_are_detected(delimiter, encoding):
    rows = parse(csv_bytes([ELODIE, SAMIA], delimiter=delimiter, encoding=encoding))
    assert [row["values"]["last_name"] for row in rows] == ["N'Diaye-Kéita", "Benali"]
    assert rows[0]["values"]["first_name"] == "Élodie"


def test_excel_unicode_text_export_is_read():
    data = csv_bytes([ELODIE], delimiter="\t", encoding="utf-16")
    assert parse(data)[0]["values"]["first_name"] == "Élodie"


def test_title_lines_above_the_header_and_blank_lines_are_skipped():
    data = b"Liste des residents;;\r\n\r\nExport du 01/01/2026\r\n" + csv_bytes([SAMIA, [], KARIM])
    rows = parse(data)
    assert [row["line"] for row in rows] == [5, 7]


@pytest.mark.parametrize(
    "value", ["26/11/1980", "26-11-1980", "1980-11-26", "26.11.1980", "1980-11-26 00:00:00"]
)
def test_date_formats(value):
    assert (
        parse(csv_bytes([["Benali", "Samia", value]], header=HEADER[:3]))[0]["values"]["birth_date"]
        == "1980-11-26"
    )


def test_xlsx_with_real_dates_numbers_and_a_title_line():
    data = xlsx_bytes(
        [
            [
                "Benali",
                "Samia",
                datetime.datetime(1980, 11, 26),
                612345678,
                "B12",
                datetime.date(2021, 3, 1),
            ],
            ["Haddad", "Karim", 27439, "+33 7 81 23 45 67", 3, None],  # an Excel serial date
        ],
        header=["NOM", "Prénom", "Né(e) le", "Tél", "N° logement", "Date d'entrée"],
        title="Résidence Port-Boyer — liste au 01/01/2026",
    )
    rows = parse(data, "liste.xlsx")
    assert [row["status"] for row in rows] == ["new", "new"]
    assert rows[0]["values"] == {
        "last_name": "Benali", "first_name": "Samia", "birth_date": "1980-11-26",
        "phone": "+33612345678", "phone_raw": "0612345678", "housing_unit": "B12",
        "moved_in_on": "2021-03-01",
    }  # fmt: skip
    assert rows[1]["values"]["birth_date"] == "1975-02-14"
    assert rows[1]["values"]["housing_unit"] == "3"
    assert rows[0]["line"] == 3


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (["", "Samia", "26/11/1980"], "Nom manquant."),
        (["Benali", "  ", "26/11/1980"], "Prénom manquant."),
        (["B" * 101, "Samia", "26/11/1980"], "Nom trop long (101 caractères, 100 au plus)."),
        (["x" * 20_000, "Samia", "26/11/1980"], "Nom trop long (20\u202f000 caractères"),
        (["Ben\x00ali", "Samia", "26/11/1980"], "Nom : caractères invalides."),
        (["=HYPERLINK(1)", "Samia", "26/11/1980"], "Nom : ne peut pas commencer par"),
        (["1234", "Samia", "26/11/1980"], "Nom : des lettres sont attendues."),
        (["Benali", "Samia", ""], "Date de naissance manquante."),
        (["Benali", "Samia", "31/02/1980"], "Date de naissance inexistante (31/02/1980)."),
        (["Benali", "Samia", "26/11/80"], "l'année s'écrit avec 4 chiffres"),
        (["Benali", "Samia", "hier"], "Date de naissance illisible"),
        (["Benali", "Samia", "11/26/1980"], "Date de naissance inexistante"),
        (["Benali", "Samia", "01/01/1850"], "Date de naissance invraisemblable (avant 1900)."),
        (["Benali", "Samia", "26/11/1980", "07 00 00 00 00"], "Numéro de téléphone invalide"),
        (["Benali", "Samia", "26/11/1980", "06 12"], "Numéro de téléphone invalide"),
        (["Benali", "Samia", "26/11/1980", "appeler le soir"], "Numéro de téléphone invalide"),
        (["Benali", "Samia", "26/11/1980", "", "U" * 31], "Logement trop long (31 caractères"),
        (["Benali", "Samia", "26/11/1980", "", "", "32/01/2020"], "Date d'entrée inexistante"),
        (["Benali", "Samia", "26/11/1980", "", "", "01/01/1970"], "antérieure à la naissance"),
    ],
)  # fmt: skip
def test_invalid_rows_say_why_in_french(cells, reason):
    rows = parse(csv_bytes([SAMIA, cells]))
    assert rows[0]["status"] == RowStatus.NEW
    assert rows[1]["status"] == RowStatus.INVALID
    assert rows[1]["values"] is None
    assert any(reason in error for error in rows[1]["errors"]), rows[1]["errors"]


def test_future_birth_date_is_invalid():
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    rows = parse(csv_bytes([["Benali", "Samia", tomorrow]]))
    assert rows[0]["errors"] == [f"Date de naissance dans le futur ({tomorrow})."]


def test_landline_is_valid_and_overseas_mobile_found():
    rows = parse(csv_bytes([[*SAMIA[:3], "02 40 12 34 56"], [*KARIM[:3], "0690 12 34 56"]]))
    assert rows[0]["values"]["phone"] == "+33240123456"
    assert rows[1]["values"]["phone"] == "+590690123456"


def test_short_and_long_csv_rows_are_read():
    data = csv_bytes([["Benali", "Samia"], [*SAMIA, "extra", "cells"]])
    rows = parse(data)
    assert rows[0]["errors"] == ["Date de naissance manquante."]
    assert rows[1]["status"] == RowStatus.NEW


def test_more_than_5000_rows_is_refused():
    rows = [[f"Nom{chr(65 + i % 26)}", "Samia", "26/11/1980"] for i in range(5001)]
    with pytest.raises(RosterFileError, match="plus de 5\u202f000 lignes"):
        parse(csv_bytes(rows, header=HEADER[:3]))
    assert len(parse(csv_bytes(rows[:5000], header=HEADER[:3]))) == 5000


# --- Matching -----------------------------------------------------------------------------


def resident_dict(pk, last, first, birth, phone="", unit="", moved_in=None, moved_out=None):
    return {
        "id": pk, "last_name": last, "first_name": first, "birth_date": birth, "phone": phone,
        "housing_unit": unit, "moved_in_on": moved_in, "moved_out_on": moved_out,
    }  # fmt: skip


def match(rows, residents):
    return roster.match_rows(parse(csv_bytes(rows)), residents)


def test_match_by_folded_names_and_birth_date_or_by_phone():
    residents = [
        resident_dict(1, "BENALI", "Samia", datetime.date(1980, 11, 26), "+33612345678", "B12",
                      datetime.date(2021, 3, 1)),
        resident_dict(2, "Hadad", "Karim", datetime.date(1975, 2, 14), "+33781234567", "A3"),
        resident_dict(3, "N'Diaye Keita", "Elodie", datetime.date(1992, 7, 3), "", "C7",
                      datetime.date(2023, 9, 15)),
    ]  # fmt: skip
    rows = match([SAMIA, KARIM, ELODIE, ["Moreau", "Lucie", "01/01/2000"]], residents)
    assert [row["status"] for row in rows] == ["unchanged", "update", "unchanged", "new"]
    assert rows[0]["resident_id"] == 1
    # Karim: same phone and birth date, the name spelled differently: the spelling is corrected.
    assert rows[1]["resident_id"] == 2
    assert rows[1]["changes"] == [["Nom", "Hadad", "Haddad"]]
    assert rows[2]["changes"] == []  # accents and punctuation are not a change


def test_changes_are_listed_and_blank_cells_change_nothing():
    residents = [
        resident_dict(1, "Benali", "Samia", datetime.date(1980, 11, 26), "+33612345678", "B12",
                      datetime.date(2021, 3, 1)),
    ]  # fmt: skip
    rows = match([["Benali", "Samia", "26/11/1980", "07 81 23 45 67", "", "02/03/2021"]], residents)
    assert rows[0]["status"] == RowStatus.UPDATE
    assert rows[0]["changes"] == [
        ["Téléphone", "06 12 34 56 78", "07 81 23 45 67"],
        ["Date d'entrée", "01/03/2021", "02/03/2021"],
    ]
    assert dict(rows[0]["_update"]) == {
        "phone": "07 81 23 45 67", "moved_in_on": datetime.date(2021, 3, 2)
    }  # fmt: skip


def test_a_shared_phone_alone_is_not_the_same_person():
    residents = [resident_dict(1, "Benali", "Karim", datetime.date(1978, 1, 1), "+33612345678")]
    rows = match([SAMIA], residents)
    assert rows[0]["status"] == RowStatus.NEW
    assert rows[0]["note"] == "Même téléphone que Karim BENALI (une autre personne)."


def test_a_resident_known_without_birth_date_is_matched_by_names():
    residents = [resident_dict(1, "Benali", "Samia", None)]
    rows = match([SAMIA], residents)
    assert rows[0]["status"] == RowStatus.UPDATE
    assert ["Date de naissance", "", "26/11/1980"] in rows[0]["changes"]


def test_duplicates_in_the_file_or_in_the_residence_are_refused():
    residents = [
        resident_dict(1, "Haddad", "Karim", datetime.date(1975, 2, 14)),
        resident_dict(2, "Haddad", "Karim", datetime.date(1975, 2, 14)),
    ]
    samia_again = ["BENALI", "samia", "26/11/1980", "", "B13"]
    samia_typo = ["Benali", "Samia", "27/11/1980", "06 12 34 56 78"]
    rows = match([SAMIA, samia_again, samia_typo, KARIM], residents)
    assert [row["status"] for row in rows] == ["new", "invalid", "invalid", "invalid"]
    assert rows[1]["errors"] == ["Doublon de la ligne 2."]
    assert rows[2]["errors"] == ["Même téléphone et même personne que la ligne 2 ?"]
    assert "plusieurs résidents" in rows[3]["errors"][0].lower()


def test_a_resident_who_moved_out_is_not_moved_back_silently():
    residents = [
        resident_dict(
            1, "Benali", "Samia", datetime.date(1980, 11, 26),
            moved_out=datetime.date(2020, 6, 30),
        ),
    ]  # fmt: skip
    rows = match([SAMIA], residents)
    assert rows[0]["status"] == RowStatus.INVALID
    assert "Sortie de la résidence enregistrée le 30/06/2020" in rows[0]["errors"][0]


# --- Upload and preview through the views --------------------------------------------------


def test_upload_page_offers_her_residences_and_explains_the_columns(officer_client, officer):
    response = officer_client.get(reverse("residents:roster_upload"))
    assert response.status_code == 200
    body = text(response)
    assert "date de naissance" in body
    assert 'enctype="multipart/form-data"' in body
    assert body.count("<option") == 1 + 6  # the empty choice and her six residences
    assert 'style="' not in body
    assert not re.search(r"<script(?![^>]*\ssrc=)", body)


def test_preview_shows_new_match_unchanged_and_invalid_rows(officer_client, officer, residence):
    make_resident(officer, residence)  # Samia, exactly as in the file
    make_resident(
        officer, residence, last_name="Haddad", first_name="Karim",
        birth_date=datetime.date(1975, 2, 14), phone="", housing_unit="A1", moved_in_on=None,
    )  # fmt: skip
    future = (timezone.localdate() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    data = csv_bytes([SAMIA, KARIM, ELODIE, ["Moreau", "Lucie", future]])
    roster_import = upload_ok(officer_client, residence, data)
    assert statuses(roster_import) == ["unchanged", "update", "new", "invalid"]
    assert Resident.objects.count() == 2  # the preview writes nothing

    response = officer_client.get(reverse("residents:roster_preview", args=[roster_import.pk]))
    assert response.status_code == 200
    body = text(response)
    assert "inchangé" in body
    assert "Téléphone : <del>(vide)</del> → <ins>07 81 23 45 67</ins>" in body
    assert "Logement : <del>A1</del> → <ins>A3</ins>" in body
    assert "Date de naissance dans le futur" in body
    assert re.search(r'data-status="new"[^>]*>Nouveau <span class="badge text-bg-success">1<', body)
    assert re.search(r'data-status="invalid"[^>]*>Invalide <span class="badge [^"]*">1<', body)
    assert "Confirmer l'import" in body
    assert 'style="' not in body
    assert not re.search(r"<script(?![^>]*\ssrc=)", body)


def test_preview_survives_a_reload_and_filters_by_status(officer_client, residence):
    roster_import = upload_ok(officer_client, residence, csv_bytes([SAMIA, ["", "X", "hier"]]))
    url = reverse("residents:roster_preview", args=[roster_import.pk])
    first = officer_client.get(url)
    again = officer_client.get(url)
    assert again.status_code == 200
    assert table(again) == table(first)
    assert "Benali Samia" in table(again)
    invalid_only = text(officer_client.get(url, {"statut": "invalid"}))
    assert 'data-status="invalid"' in invalid_only
    assert '<tr data-line="2" data-status="new">' not in invalid_only
    assert officer_client.get(url, {"statut": "nonsense", "page": "x"}).status_code == 200


def test_preview_of_a_big_file_is_paginated(officer_client, residence):
    rows = [[f"Nom{i}", "Samia", "26/11/1980"] for i in range(250)]
    roster_import = upload_ok(officer_client, residence, csv_bytes(rows, header=HEADER[:3]))
    url = reverse("residents:roster_preview", args=[roster_import.pk])
    body = officer_client.get(url, {"page": 3}).content.decode()
    assert "Page 3 sur 3" in body
    assert body.count("<tr data-line=") == 50


def test_a_residence_outside_her_memberships_is_a_form_error(
    officer_client, other_territory_residence
):
    response = upload(officer_client, other_territory_residence, csv_bytes([SAMIA]))
    assert response.status_code == 200
    assert "Choisissez une de vos résidences." in text(response)
    assert not RosterImport.objects.exists()


def test_an_inactive_residence_is_not_offered(officer_client, residence):
    residence.active = False
    residence.save()
    response = upload(officer_client, residence, csv_bytes([SAMIA]))
    assert response.status_code == 200
    assert "Choisissez une de vos résidences." in text(response)


def test_the_service_refuses_a_residence_outside_her_scope(officer, other_territory_residence):
    with pytest.raises(Exception, match="Vous ne travaillez pas sur cette résidence"):
        roster_preview_create(
            by=officer, residence=other_territory_residence, file_name="x.csv",
            rows=parse(csv_bytes([SAMIA])),
        )  # fmt: skip


def test_upload_without_file_or_residence(officer_client):
    response = officer_client.post(reverse("residents:roster_upload"), {})
    assert response.status_code == 200
    body = text(response)
    assert "Choisissez le fichier à importer." in body
    assert "Choisissez la résidence de cette liste." in body


TEN_MB = b"Nom;Prenom;Date de naissance\r\n".ljust(10 * 1024 * 1024, b"x")
BROKEN_XLSX = xlsx_bytes([SAMIA])[:3000]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("liste.csv", b"", "Le fichier est vide."),
        ("liste.csv", TEN_MB, "Le fichier pèse 10,0 Mo : 5 Mo au plus."),
        ("liste.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "Ce fichier est une image"),
        ("liste.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "Ce fichier est un PDF"),
        ("liste.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "anciens (.xls)"),
        ("liste.xlsx", BROKEN_XLSX, "Ce fichier Excel est endommagé ou illisible."),
        ("liste.xlsx", b"PK\x03\x04" + bytes(200), "Ce fichier Excel est endommagé ou illisible."),
        ("liste.xlsx", b"Nom;Prenom\r\nBenali;Samia", "Ce fichier Excel est endommagé"),
        ("liste.csv", bytes(range(256)) * 40, "données binaires"),
        ("liste.csv", "Nom;Prénom;Date\x00".encode() * 3, "données binaires"),
        ("liste.csv", b"\x81\x8d\x8f\x90\x9d" * 100, "n'est pas un texte lisible"),
        ("liste.csv", b"Nom;Prenom;Date de naissance\r\nA;\"" + b"x" * 200_000, "mal formé"),
        ("liste.csv", b"Nom;Prenom;Date de naissance\r\n\r\n", "aucune ligne de résident"),
        ("liste.csv", b"   \r\n\r\n", "aucune ligne"),
        ("liste.csv", b"Nom;Prenom;Telephone\r\nBenali;Samia;0612345678", "« date de naissance »"),
        (
            "liste.csv",
            csv_bytes([["Nom", "Samia", "26/11/1980"]] * 5001, header=HEADER[:3]),
            "plus de 5\u202f000 lignes",
        ),
    ],
    ids=[
        "empty", "10MB", "png", "pdf", "xls", "truncated-xlsx", "zip-garbage", "csv-named-xlsx",
        "random-bytes", "nul-bytes", "undecodable", "unclosed-quote", "header-only", "blank",
        "missing-column", "too-many-rows",
    ],
)  # fmt: skip
def test_garbage_files_get_a_french_message_never_a_500(
    officer_client, residence, name, content, message
):
    response = upload(officer_client, residence, content, name)
    assert response.status_code == 200
    body = text(response)
    assert message in body, _errors(response)
    assert "is-invalid" in body  # the message stands beside the file field
    assert not RosterImport.objects.exists()
    assert not Resident.objects.exists()


def test_a_zip_that_is_not_a_workbook(officer_client, residence):
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", "<x/>")
    response = upload(officer_client, residence, out.getvalue(), "liste.xlsx")
    assert response.status_code == 200
    assert "OpenDocument (.ods)" in text(response)


def test_broken_rows_are_shown_and_never_written(officer_client, officer, residence):
    future = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    data = csv_bytes(
        [
            SAMIA,
            ["x" * 20_000, "Lucie", "01/01/2000"],
            ["Moreau", "Lu\x00cie", "01/01/2000"],
            ["Moreau", "Lucie", "31/02/2000"],
            ["Moreau", "Lucie", future],
            ["Moreau", "Lucie", "01/01/2000", "06 12"],
            ["Moreau"],
        ]
    )
    roster_import = upload_ok(officer_client, residence, data)
    assert statuses(roster_import) == ["new"] + ["invalid"] * 6
    assert len(roster_import.rows[1]["raw"]["last_name"]) == roster.CELL_KEEP
    body = text(officer_client.get(reverse("residents:roster_preview", args=[roster_import.pk])))
    for reason in [
        "Nom trop long (20\u202f000 caractères, 100 au plus).",
        "Prénom : caractères invalides.",
        "Date de naissance inexistante (31/02/2000).",
        f"Date de naissance dans le futur ({future}).",
        "Numéro de téléphone invalide",
        "Prénom manquant.",
    ]:
        assert reason in body
    confirm(officer_client, roster_import)
    assert list(Resident.objects.values_list("last_name", flat=True)) == ["Benali"]


# --- Confirmation -------------------------------------------------------------------------


def test_confirm_writes_residents_without_a_stage(officer_client, officer, residence):
    roster_import = upload_ok(
        officer_client, residence, csv_bytes([SAMIA, KARIM, ELODIE, ["", "Lucie", ""]])
    )
    roster_import = confirm(officer_client, roster_import)
    assert roster_import.confirmed_at is not None
    assert roster_import.summary == {"created": 3, "updated": 0, "unchanged": 0, "invalid": 1}
    samia = Resident.objects.get(last_name="Benali")
    assert samia.residence == residence
    assert samia.stage is None
    assert samia.created_by == officer
    assert str(samia.phone) and samia.phone.as_e164 == "+33612345678"
    assert samia.phone_raw == "06 12 34 56 78"
    assert samia.phone_is_mobile
    assert samia.birth_date == datetime.date(1980, 11, 26)
    assert samia.moved_in_on == datetime.date(2021, 3, 1)
    assert samia.housing_unit == "B12"
    assert "benali" in samia.search_text
    assert not StageChange.objects.exists()
    assert history_edits(samia) == []

    response = officer_client.get(reverse("residents:roster_preview", args=[roster_import.pk]))
    body = text(response)
    assert "Import enregistré" in body
    assert "Confirmer l'import" not in body
    assert reverse("residents:roster_invalid_csv", args=[roster_import.pk]) in body
    assert reverse("residents:detail", args=[samia.pk]) in body


def test_confirm_is_one_transaction(officer, residence, monkeypatch):
    from residents import roster_services

    roster_import = roster_preview_create(
        by=officer, residence=residence, file_name="liste.csv",
        rows=parse(csv_bytes([SAMIA, KARIM, ELODIE])),
    )  # fmt: skip
    calls = []
    real_create = roster_services.resident_create

    def failing_create(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real_create(**kwargs)

    monkeypatch.setattr(roster_services, "resident_create", failing_create)
    with pytest.raises(RuntimeError):
        roster_confirm(roster_import=roster_import, by=officer)
    assert not Resident.objects.exists()
    roster_import.refresh_from_db()
    assert roster_import.confirmed_at is None


def test_confirming_twice_writes_once(officer_client, officer, residence):
    roster_import = upload_ok(officer_client, residence, csv_bytes([SAMIA, KARIM]))
    confirm(officer_client, roster_import)
    response = officer_client.post(
        reverse("residents:roster_confirm", args=[roster_import.pk]), follow=True
    )
    assert response.status_code == 200
    assert "déjà été enregistré" in text(response)
    assert Resident.objects.count() == 2
    with pytest.raises(Exception, match="déjà été enregistré"):
        roster_confirm(roster_import=roster_import, by=officer)
    assert Resident.objects.count() == 2


def test_confirm_matches_again_what_changed_since_the_preview(officer_client, residence):
    first = upload_ok(officer_client, residence, csv_bytes([SAMIA]))
    second = upload_ok(officer_client, residence, csv_bytes([SAMIA]))
    assert statuses(second) == ["new"]  # nothing was saved when it was previewed
    confirm(officer_client, first)
    second = confirm(officer_client, second)
    assert second.summary["created"] == 0
    assert second.summary["unchanged"] == 1
    assert Resident.objects.count() == 1


def test_identical_reimport_changes_nothing(officer_client, residence):
    data = csv_bytes([SAMIA, KARIM, ELODIE])
    confirm(officer_client, upload_ok(officer_client, residence, data))
    before = dict(Resident.objects.values_list("pk", "updated_at"))

    again = upload_ok(officer_client, residence, data)
    assert statuses(again) == ["unchanged"] * 3
    again = confirm(officer_client, again)
    assert again.summary == {"created": 0, "updated": 0, "unchanged": 3, "invalid": 0}
    assert dict(Resident.objects.values_list("pk", "updated_at")) == before
    assert all(history_edits(resident) == [] for resident in Resident.objects.all())


def test_corrected_reimport_updates_only_the_corrected_rows(officer_client, officer, residence):
    bad_karim = [*KARIM[:3], "07 00 00 00 00", *KARIM[4:]]
    first = confirm(
        officer_client, upload_ok(officer_client, residence, csv_bytes([SAMIA, bad_karim, ELODIE]))
    )
    assert first.summary == {"created": 2, "updated": 0, "unchanged": 0, "invalid": 1}
    before = dict(Resident.objects.values_list("pk", "updated_at"))

    elodie_moved = [*ELODIE[:4], "D2", ELODIE[5]]
    second = upload_ok(officer_client, residence, csv_bytes([SAMIA, KARIM, elodie_moved]))
    assert statuses(second) == ["unchanged", "new", "update"]
    second = confirm(officer_client, second)
    assert second.summary == {"created": 1, "updated": 1, "unchanged": 1, "invalid": 0}

    samia = Resident.objects.get(last_name="Benali")
    elodie = Resident.objects.get(first_name="Élodie")
    assert samia.updated_at == before[samia.pk]
    assert elodie.updated_at > before[elodie.pk]
    assert elodie.housing_unit == "D2"
    assert history_edits(samia) == []
    assert history_edits(elodie) == [
        (officer, [("Identité et situation (modification)", [("logement", "C7", "D2")])])
    ]
    assert Resident.objects.get(last_name="Haddad").phone.as_e164 == "+33781234567"
    assert not StageChange.objects.exists()


def test_confirm_checks_again_a_move_out_recorded_since_the_preview(officer, residence):
    samia = make_resident(officer, residence, moved_in_on=None)
    Resident.objects.filter(pk=samia.pk).update(moved_out_on=datetime.date(2020, 1, 1))
    rows = parse(csv_bytes([[*SAMIA[:5], "01/01/2019"], KARIM]))
    roster_import = roster_preview_create(
        by=officer, residence=residence, file_name="x.csv", rows=rows
    )
    assert statuses(roster_import) == ["update", "new"]
    Resident.objects.filter(pk=samia.pk).update(moved_out_on=datetime.date(2018, 12, 31))
    roster_import = roster_confirm(roster_import=roster_import, by=officer)
    assert roster_import.summary == {"created": 1, "updated": 0, "unchanged": 0, "invalid": 1}
    assert "Sortie de la résidence enregistrée le 31/12/2018" in roster_import.rows[0]["errors"][0]
    samia.refresh_from_db()
    assert samia.moved_in_on is None


def test_a_row_the_services_refuse_is_reported_and_the_others_written(
    officer, residence, monkeypatch
):
    from django.core.exceptions import ValidationError

    from residents import roster_services

    real_create = roster_services.resident_create

    def picky_create(*, by, data, enter_programme):
        if data["last_name"] == "Haddad":
            raise ValidationError({"birth_date": "Date de naissance invraisemblable."})
        return real_create(by=by, data=data, enter_programme=enter_programme)

    monkeypatch.setattr(roster_services, "resident_create", picky_create)
    roster_import = roster_preview_create(
        by=officer, residence=residence, file_name="x.csv",
        rows=parse(csv_bytes([SAMIA, KARIM, ELODIE])),
    )  # fmt: skip
    roster_import = roster_confirm(roster_import=roster_import, by=officer)
    assert roster_import.summary == {"created": 2, "updated": 0, "unchanged": 0, "invalid": 1}
    assert roster_import.rows[1]["errors"] == ["Date de naissance invraisemblable."]
    assert Resident.objects.count() == 2


# --- The invalid rows, to fix -------------------------------------------------------------


def test_invalid_rows_csv_neutralises_formulas_and_reads_back(officer_client, residence):
    data = csv_bytes(
        [
            SAMIA,
            ['=HYPERLINK("http://x")', "Lucie", "01/01/2000", "+33 7 00 00 00 00", "@SUM(A1)"],
            ["Moreau", "Lucie", "-1", "", "-2"],
        ]
    )
    roster_import = upload_ok(officer_client, residence, data)
    response = officer_client.get(reverse("residents:roster_invalid_csv", args=[roster_import.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="lignes-a-corriger-')
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert lines[0] == ["nom", "prénom", "date de naissance", "téléphone", "logement",
                        "date d'entrée", "motif"]  # fmt: skip
    assert lines[1][:5] == ["'=HYPERLINK(\"http://x\")", "Lucie", "01/01/2000",
                            "'+33 7 00 00 00 00", "'@SUM(A1)"]  # fmt: skip
    assert "Nom : ne peut pas commencer par" in lines[1][6]
    assert lines[2][2] == "'-1"
    assert lines[2][4] == "'-2"
    assert len(lines) == 3
    for line in lines[1:]:
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@"))

    # The file, corrected, goes back in: the apostrophes are taken off again.
    fixed = (
        content.replace('\'=HYPERLINK(""http://x"")', "Petit")
        .replace("'+33 7 00 00 00 00", "'+33 7 81 23 45 67")
        .replace("'@SUM(A1)", "B1")
        .replace("'-1", "02/02/2002")
    )
    rows = parse(fixed.encode("utf-8"))
    assert [row["status"] for row in rows] == ["new", "new"]
    assert rows[0]["values"]["phone"] == "+33781234567"
    assert rows[1]["values"]["housing_unit"] == "-2"


def test_the_invalid_rows_download_is_logged(officer_client, officer, residence):
    from o2r.audit.models import AccessLog

    roster_import = upload_ok(officer_client, residence, csv_bytes([SAMIA, ["", "Lucie", ""]]))
    officer_client.get(reverse("residents:roster_invalid_csv", args=[roster_import.pk]))
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.count) == (officer, "export", 1)
    assert log.page == "residents:roster_invalid_csv"


def test_the_preview_logs_the_known_residents_it_shows(officer_client, officer, residence):
    from o2r.audit.models import AccessLog

    samia = make_resident(officer, residence)  # SAMIA's row matches her: her values are shown
    roster_import = upload_ok(officer_client, residence, csv_bytes([SAMIA, KARIM]))
    assert not AccessLog.objects.exists()
    officer_client.get(reverse("residents:roster_preview", args=[roster_import.pk]))
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.page) == (officer, "read", "residents:roster_preview")
    assert (log.count, log.resident_ids) == (1, [samia.pk])


# --- Access -------------------------------------------------------------------------------

OTHERS = [
    "staff", "coach", "adoma_manager", "adelis_manager", "administrator", "outsider",
    "colleague",
]  # fmt: skip


@pytest.fixture
def colleague(adoma, nantes_residences):
    """Another insertion officer, on the same residences as the officer."""
    user = UserFactory(organisation=adoma)
    for residence in nantes_residences:
        ResidenceMembershipFactory(user=user, residence=residence)
    return user


@pytest.mark.parametrize("who", OTHERS)
def test_an_import_is_its_uploaders_alone(client, request, cast, officer, residence, who):
    roster_import = roster_preview_create(
        by=officer, residence=residence, file_name="liste.csv",
        rows=parse(csv_bytes([SAMIA, ["", "Lucie", ""]])),
    )  # fmt: skip
    client.force_login(request.getfixturevalue(who))
    for name in ("roster_preview", "roster_invalid_csv"):
        assert client.get(reverse(f"residents:{name}", args=[roster_import.pk])).status_code == 404
    response = client.post(reverse("residents:roster_confirm", args=[roster_import.pk]))
    assert response.status_code == 404
    roster_import.refresh_from_db()
    assert roster_import.confirmed_at is None
    assert not Resident.objects.exists()


@pytest.mark.parametrize(
    "who", ["staff", "coach", "adoma_manager", "adelis_manager", "administrator"]
)
def test_only_insertion_officers_may_import(client, request, cast, residence, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("residents:roster_upload")
    assert client.get(url).status_code == 404
    assert upload(client, residence, csv_bytes([SAMIA])).status_code == 404
    assert not RosterImport.objects.exists()


def test_the_outsider_sees_only_her_own_residence(client, outsider, residence):
    """An insertion officer of another territory imports for her residences, never Nantes."""
    client.force_login(outsider)
    body = client.get(reverse("residents:roster_upload")).content.decode()
    assert "Les Salines" in body
    assert residence.name not in body
    response = upload(client, residence, csv_bytes([SAMIA]))
    assert response.status_code == 200
    assert "Choisissez une de vos résidences." in text(response)
    assert not RosterImport.objects.exists()


def test_an_officer_who_leaves_the_residence_loses_her_import(officer_client, officer, residence):
    roster_import = upload_ok(officer_client, residence, csv_bytes([SAMIA]))
    officer.residence_memberships.filter(residence=residence).delete()
    url = reverse("residents:roster_preview", args=[roster_import.pk])
    assert officer_client.get(url).status_code == 404
    assert (
        officer_client.post(
            reverse("residents:roster_confirm", args=[roster_import.pk])
        ).status_code
        == 404
    )
    assert not Resident.objects.exists()


def test_unknown_import_and_login_required(client, officer_client):
    import uuid

    url = reverse("residents:roster_preview", args=[uuid.uuid4()])
    assert officer_client.get(url).status_code == 404
    officer_client.logout()
    response = client.get(reverse("residents:roster_upload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_confirm_is_post_only(officer_client, residence):
    roster_import = upload_ok(officer_client, residence, csv_bytes([SAMIA]))
    url = reverse("residents:roster_confirm", args=[roster_import.pk])
    assert officer_client.get(url).status_code == 405
    assert not Resident.objects.exists()


# --- Purge --------------------------------------------------------------------------------


def test_purge_removes_imports_older_than_a_day(officer_client, officer, residence):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old = upload_ok(officer_client, residence, csv_bytes([SAMIA]))
    with time_machine.travel(start + datetime.timedelta(hours=20), tick=False):
        officer_client.force_login(officer)  # a session lasts a working day
        recent = upload_ok(officer_client, residence, csv_bytes([KARIM]))
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        officer_client.force_login(officer)
        # Past its day, an import is no longer shown, even before the purge runs.
        url = reverse("residents:roster_preview", args=[old.pk])
        assert officer_client.get(url).status_code == 404
        assert purge_roster_imports() == 1
        assert purge_roster_imports() == 0  # safe to run again
    assert list(RosterImport.objects.all()) == [recent]


def test_purge_command_is_a_dry_run_unless_told(officer, residence):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        roster_preview_create(
            by=officer, residence=residence, file_name="x.csv", rows=parse(csv_bytes([SAMIA]))
        )
    with time_machine.travel(start + datetime.timedelta(days=2), tick=False):
        out = io.StringIO()
        call_command("purge_roster_imports", stdout=out)
        assert "1 import(s) à supprimer" in out.getvalue()
        assert RosterImport.objects.count() == 1
        call_command("purge_roster_imports", "--wet-run", stdout=out)
        assert "1 import(s) supprimé(s)" in out.getvalue()
    assert not RosterImport.objects.exists()


# --- Speed and queries --------------------------------------------------------------------


def big_file(n):
    rows = []
    for i in range(n):
        rows.append(
            [f"Nom{i:05d}", f"Prénom{i}", f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50}",
             f"06 {10 + i // 10000:02d} {i // 100 % 100:02d} {i % 100:02d} 00", f"B{i}", ""]
        )  # fmt: skip
    return csv_bytes(rows)


def test_a_2000_row_file_previews_whole(officer_client, officer, residence):
    # Its speed is measured by make bench, not here (no wall clock in tests); the query
    # count test below proves the work does not grow with the file.
    for i in range(0, 2000, 4):  # a quarter of the people are already known
        make_resident(
            officer, residence, last_name=f"Nom{i:05d}", first_name=f"Prénom{i}",
            birth_date=datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), phone="",
            housing_unit="", moved_in_on=None,
        )  # fmt: skip
    data = big_file(2000)
    roster_import = upload_ok(officer_client, residence, data)
    response = officer_client.get(reverse("residents:roster_preview", args=[roster_import.pk]))
    assert response.status_code == 200
    counts = roster.count_statuses(roster_import.rows)
    assert counts == {"new": 1500, "update": 500, "unchanged": 0, "invalid": 0}
    assert response.context["page"].paginator.count == 2000


@pytest.mark.parametrize("size", [5, 400])
def test_upload_and_preview_query_counts_do_not_grow_with_the_file(
    officer_client, officer, residence, django_assert_max_num_queries, size
):
    for i in range(0, size, 2):
        make_resident(
            officer, residence, last_name=f"Nom{i:05d}", first_name=f"Prénom{i}",
            birth_date=datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), phone="",
        )  # fmt: skip
    # session, user, residence choice, scope check, residents of the residence, insert import
    data = big_file(size)
    with django_assert_max_num_queries(6):
        response = upload(officer_client, residence, data)
    assert response.status_code == 302
    roster_import = RosterImport.objects.get()
    assert len(roster_import.rows) == size
    url = reverse("residents:roster_preview", args=[roster_import.pk])
    # session, user (+ organisation), the import with its residence (memberships checked in
    # the same query), the access-log row naming the known residents it shows
    with django_assert_max_num_queries(4):
        assert officer_client.get(url).status_code == 200


def test_an_xlsx_goes_through_the_whole_flow(officer_client, residence):
    data = xlsx_bytes(
        [
            ["Benali", "Samia", datetime.datetime(1980, 11, 26), "06 12 34 56 78", "B12", None],
            ["Haddad", "Karim", "31/02/1975", None, None, None],
        ]
    )
    roster_import = upload_ok(officer_client, residence, data, "liste.xlsx")
    assert statuses(roster_import) == ["new", "invalid"]
    roster_import = confirm(officer_client, roster_import)
    assert roster_import.summary["created"] == 1
    assert Resident.objects.get().birth_date == datetime.date(1980, 11, 26)


def test_an_xlsx_that_inflates_beyond_reason_is_refused(officer_client, residence):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (roster.MAX_UNZIPPED_BYTES + 1))
    assert len(out.getvalue()) < roster.MAX_BYTES
    response = upload(officer_client, residence, out.getvalue(), "liste.xlsx")
    assert response.status_code == 200
    assert "trop volumineux une fois ouvert" in text(response)


def test_nothing_personal_is_logged(officer_client, residence, caplog):
    caplog.set_level("DEBUG")
    roster_import = upload_ok(
        officer_client, residence, csv_bytes([SAMIA, ["Haddad", "Karim", "31/02/1975"]])
    )
    confirm(officer_client, roster_import)
    assert "roster import" in caplog.text
    for secret in ("Benali", "Samia", "Haddad", "1980", "06 12", "612345678", "31/02"):
        assert secret not in caplog.text
