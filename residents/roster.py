"""Reading a residence roster (CSV or XLSX) and matching its rows with the residence's residents.

Pure functions: bytes in, JSON-ready rows out. The services (roster_services.py) store the rows
between preview and confirmation and write the residents. Nothing here logs: the cells are
personal data.

A row, as stored in RosterImport.rows:

    {"line": 7,                      # the row number a spreadsheet shows (header row included)
     "raw": {"last_name": "…", …},   # the cells as found (text, cut at CELL_KEEP characters)
     "values": {…} | None,           # the cleaned values, None when the row is invalid
     "errors": ["…"],                # French reasons, empty when valid
     "status": "new" | "update" | "unchanged" | "invalid",
     "resident_id": 12 | None,       # the matched (or, once confirmed, created) resident
     "changes": [["Téléphone", "06 11 …", "06 12 …"], …],
     "note": "…"}                    # a warning shown beside a valid row
"""

import csv
import datetime
import io
import re
import warnings
import zipfile
from collections import defaultdict
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models
from openpyxl.utils import get_column_letter

from .normalise import fold, name_key
from .validators import parse_phone

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 50  # columns read from a sheet; a roster has six
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # an XLSX whose XML inflates beyond this is refused
BLANK_RUN_END = 1_000  # this many blank lines in a row end the table
HEADER_SEARCH_ROWS = 10  # the header may sit under a title line or two
CELL_KEEP = 500  # characters of a cell kept for display and for the invalid-rows CSV
SNIFF_BYTES = 8_192

NAME_MAX = 100
UNIT_MAX = 30
OLDEST = datetime.date(1900, 1, 1)


class RowStatus(models.TextChoices):
    NEW = "new", "Nouveau"
    UPDATE = "update", "Déjà connu, mis à jour"
    UNCHANGED = "unchanged", "Déjà connu, inchangé"
    INVALID = "invalid", "Invalide"


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    required: bool
    aliases: tuple[str, ...]  # folded (normalise.fold) header names


COLUMNS = [
    Column("last_name", "Nom", True, ("nom", "last name", "lastname", "nom de famille",
                                      "family name", "surname")),
    Column("first_name", "Prénom", True, ("prenom", "prenoms", "first name", "firstname",
                                          "given name")),
    Column("birth_date", "Date de naissance", True, ("date de naissance", "birth date",
                                                     "birthdate", "date of birth", "naissance",
                                                     "ne le", "ne e le", "dob")),
    Column("phone", "Téléphone", False, ("telephone", "phone", "tel", "portable", "mobile",
                                         "numero de telephone", "phone number")),
    Column("housing_unit", "Logement", False, ("logement", "unit", "housing unit",
                                               "n logement", "numero de logement", "chambre",
                                               "appartement", "lot")),
    Column("moved_in_on", "Date d'entrée", False, ("date d entree", "move in date",
                                                   "moved in", "moved in on", "entree",
                                                   "date entree", "arrivee",
                                                   "date d arrivee")),
]  # fmt: skip
FIELDS = [column.field for column in COLUMNS]
LABELS = {column.field: column.label for column in COLUMNS}

# The header of the invalid-rows CSV: French names this module reads back.
CSV_HEADER = ["nom", "prénom", "date de naissance", "téléphone", "logement", "date d'entrée"]
CSV_REASON = "motif"


class RosterFileError(Exception):
    """The file as a whole cannot be read: `message` says why, in French, for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- Reading the file ---------------------------------------------------------------------

BINARY_SIGNATURES = {
    b"\x89PNG": "une image",
    b"\xff\xd8\xff": "une image",
    b"GIF8": "une image",
    b"%PDF": "un PDF",
    b"\x1f\x8b": "une archive compressée",
    b"Rar!": "une archive compressée",
    b"7z\xbc\xaf": "une archive compressée",
}

SAVE_AS = "Enregistrez-le au format CSV ou Excel (.xlsx) puis envoyez-le à nouveau."


def read_table(data: bytes, file_name: str = "") -> list[tuple[int, list]]:
    """The file's lines as (row number, cells), blank lines left out. Cells are text for a CSV,
    typed values (text, numbers, dates) for an XLSX. RosterFileError when unreadable."""
    if not data:
        raise RosterFileError("Le fichier est vide.")
    if len(data) > MAX_BYTES:
        raise RosterFileError(_too_big_message(len(data)))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE: Excel 97-2003, Word…
        raise RosterFileError("Les fichiers Excel anciens (.xls) ne sont pas acceptés. " + SAVE_AS)
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise RosterFileError(f"Ce fichier est {what}, pas une liste de résidents. {SAVE_AS}")
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise RosterFileError("Ce fichier Excel est endommagé ou n'en est pas un. " + SAVE_AS)
    return _read_csv(data)


def _too_big_message(size):
    megabytes = f"{size / (1024 * 1024):.1f}".replace(".", ",")
    return (
        f"Le fichier pèse {megabytes} Mo : 5 Mo au plus. Découpez la liste en plusieurs "
        "fichiers, ou enlevez les colonnes inutiles."
    )


def _looks_binary(data: bytes) -> bool:
    """Control bytes (NUL and the like) in more than 1 % of the start of the file: an image, an
    archive, a database. A stray one in a text file is the row's problem, not the file's."""
    sample = data[:SNIFF_BYTES]
    controls = sum(1 for byte in sample if (byte < 32 and byte not in b"\t\r\n") or byte == 127)
    return controls > max(2, len(sample) // 100)


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Texte Unicode" export
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RosterFileError("Ce fichier n'est pas un texte lisible. " + SAVE_AS) from None
    if _looks_binary(data):
        raise RosterFileError(
            "Ce fichier contient des données binaires : ce n'est pas un CSV. " + SAVE_AS
        )
    # utf-8-sig reads plain UTF-8 too; cp1252 is what French Excel writes as "CSV (séparateur :
    # point-virgule)"; its five undefined bytes reveal a file that is no text.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError("Ce fichier n'est pas un texte lisible. " + SAVE_AS)


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    text = _decode(data)
    sample_lines = [line for line in text[:SNIFF_BYTES].splitlines() if line.strip()]
    sample_lines = sample_lines[:HEADER_SEARCH_ROWS]
    # The delimiter with which a header is found; otherwise the most frequent one.
    candidates = sorted(";,\t", key=lambda d: -sum(line.count(d) for line in sample_lines))
    delimiter = candidates[0]
    for candidate in candidates:
        try:
            rows = list(csv.reader(sample_lines, delimiter=candidate))
        except csv.Error:
            continue
        if _find_header([(i, row) for i, row in enumerate(rows)]):
            delimiter = candidate
            break
    lines = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    blank_run = 0
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                blank_run += 1
                if blank_run >= BLANK_RUN_END:
                    break
                continue
            blank_run = 0
            lines.append((number, cells[:MAX_COLUMNS]))
            if len(lines) > MAX_ROWS + HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        raise RosterFileError(
            f"Le fichier CSV est mal formé vers la ligne {number + 1} (guillemet non fermé "
            "ou cellule démesurée). Ouvrez-le dans un tableur et enregistrez-le à nouveau."
        ) from None
    return lines


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    broken = "Ce fichier Excel est endommagé ou illisible. " + SAVE_AS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise RosterFileError(broken) from None
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise RosterFileError(
                "Les fichiers OpenDocument (.ods) ne sont pas acceptés. " + SAVE_AS
            )
        raise RosterFileError("Ce fichier compressé n'est pas un classeur Excel. " + SAVE_AS)
    if inflated > MAX_UNZIPPED_BYTES:
        raise RosterFileError("Ce classeur Excel est trop volumineux une fois ouvert. " + SAVE_AS)

    # openpyxl raises many kinds of errors on a damaged file (KeyError, TypeError, XML errors…):
    # any of them means "broken file", never a server error. Its warnings (missing styles,
    # unknown extensions) say nothing useful to the user.
    from openpyxl import load_workbook

    lines = []
    workbook = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheets = workbook.worksheets
            if not sheets:
                raise RosterFileError("Ce classeur Excel ne contient aucune feuille.")
            sheet = sheets[0]
            sheet.reset_dimensions()  # trust the rows present, not the declared size
            blank_run = 0
            rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            for number, cells in enumerate(rows, start=1):
                if not any(_text(cell) for cell in cells):
                    blank_run += 1
                    if blank_run >= BLANK_RUN_END:
                        break
                    continue
                blank_run = 0
                lines.append((number, list(cells)))
                if len(lines) > MAX_ROWS + HEADER_SEARCH_ROWS:
                    break
    except RosterFileError:
        raise
    except Exception:
        raise RosterFileError(broken) from None
    finally:
        if workbook is not None:
            workbook.close()
    return lines


# --- Cells --------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value) -> str:
    """A cell as text: dates as 26/11/1980, whole numbers without '.0'; the apostrophe this
    module puts before formula-like cells in its CSV is taken off again."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_STARTS:
        text = text[1:]
    return text


def printable(text: str) -> str:
    """Control characters shown as �: PostgreSQL keeps no NUL in JSON or text."""
    return CONTROL_CHARACTERS.sub("\ufffd", text)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_control_characters(text):
    return any((ord(c) < 32 and c not in "\t\r\n") or ord(c) == 127 for c in text)


def _count(n):
    return f"{n:,}".replace(",", "\u202f")


DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
DATE_SHORT_YEAR = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$")
EXCEL_SERIAL_RANGE = (1, 2_958_465)  # 1900-01-01 … 9999-12-31
UNREADABLE = "illisible : écrivez-la sous la forme 26/11/1980"


def parse_date(value) -> datetime.date:
    """A date from a cell: 26/11/1980, 26-11-1980, 26.11.1980, 1980-11-26, an Excel date or an
    Excel serial number. ValueError with a French reason (lower case, for "Label : reason")."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1]:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        raise ValueError(UNREADABLE)
    text = _text(value)
    if match := DATE_DMY.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := DATE_ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif DATE_SHORT_YEAR.match(text):
        raise ValueError("incomplète : l'année s'écrit avec 4 chiffres (par exemple 26/11/1980)")
    else:
        raise ValueError(UNREADABLE)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"inexistante ({day:02d}/{month:02d}/{year})") from None


# --- Header -------------------------------------------------------------------------------

ALIASES = {alias: column.field for column in COLUMNS for alias in column.aliases}


def _header_field(cell) -> str | None:
    name = fold(_text(cell))
    if name in ALIASES:
        return ALIASES[name]
    return None


def _header_field_loose(cell) -> str | None:
    """'Téléphone portable', 'Date de naissance (JJ/MM/AAAA)': an alias followed by words."""
    name = fold(_text(cell))
    for alias, field in ALIASES.items():
        if len(alias) > 3 and name.startswith(alias + " "):
            return field
    return None


def _find_header(lines):
    """(index in lines, {field: column index}) of the first line among the first few that
    names every required column; None if none does."""
    for index, (_, cells) in enumerate(lines[:HEADER_SEARCH_ROWS]):
        columns = _map_columns(cells)
        if all(column.field in columns for column in COLUMNS if column.required):
            return index, columns
    return None


def _map_columns(cells):
    columns = {}
    for position, cell in enumerate(cells):
        field = _header_field(cell)
        if field and field not in columns:
            columns[field] = position
    for position, cell in enumerate(cells):
        field = _header_field_loose(cell)
        if field and field not in columns and position not in columns.values():
            columns[field] = position
    return columns


def _duplicate_columns(cells, columns):
    """'nom' twice: say which columns, rather than guess."""
    for field, position in columns.items():
        for other, cell in enumerate(cells):
            if other != position and _header_field(cell) == field:
                return (
                    f"La colonne « {LABELS[field].lower()} » apparaît deux fois (colonnes "
                    f"{get_column_letter(position + 1)} et {get_column_letter(other + 1)}) : "
                    "gardez-en une seule."
                )
    return None


# --- Rows ---------------------------------------------------------------------------------


def parse_roster(data: bytes, file_name: str = "", *, today: datetime.date) -> list[dict]:
    """The rows of a roster file, each validated (unmatched: status "new" or "invalid").
    RosterFileError when the file as a whole cannot be used."""
    lines = read_table(data, file_name)
    if not lines:
        raise RosterFileError("Le fichier ne contient aucune ligne.")
    found = _find_header(lines)
    if found is None:
        # Name what lacks in the line that looks most like a header.
        columns = max((_map_columns(cells) for _, cells in lines[:HEADER_SEARCH_ROWS]), key=len)
        missing = [c.label.lower() for c in COLUMNS if c.required and c.field not in columns]
        names = ", ".join(f"« {name} »" for name in missing)
        plural = "s" if len(missing) > 1 else ""
        raise RosterFileError(
            f"Colonne{plural} obligatoire{plural} introuvable{plural} : {names}. La première "
            "ligne du tableau doit nommer les colonnes : nom, prénom, date de naissance "
            "(et, si vous les avez, téléphone, logement, date d'entrée)."
        )
    header_index, columns = found
    if message := _duplicate_columns(lines[header_index][1], columns):
        raise RosterFileError(message)
    body = lines[header_index + 1 :]
    if not body:
        raise RosterFileError("Le fichier ne contient aucune ligne de résident sous les en-têtes.")
    if len(body) > MAX_ROWS:
        raise RosterFileError(
            f"Le fichier compte plus de {_count(MAX_ROWS)} lignes : découpez-le en plusieurs "
            "fichiers."
        )
    rows = []
    for number, cells in body:
        found_cells = {
            field: cells[position] if position < len(cells) else None
            for field, position in columns.items()
        }
        rows.append(validate_row(number, found_cells, today=today))
    return rows


def _name(value, label, errors):
    text = _text(value)
    if _has_control_characters(text):
        errors.append(f"{label} : caractères invalides.")
        return ""
    text = " ".join(text.split())
    if not text:
        errors.append(f"{label} manquant.")
    elif len(text) > NAME_MAX:
        errors.append(f"{label} trop long ({_count(len(text))} caractères, {NAME_MAX} au plus).")
    elif not any(c.isalpha() for c in text):
        errors.append(f"{label} : des lettres sont attendues.")
    elif text.startswith(("=", "+", "-", "@")):
        errors.append(f"{label} : ne peut pas commencer par =, +, - ou @.")
    return text


def _date(value, label, errors, *, required, today=None):
    if _text(value) == "":
        if required:
            errors.append(f"{label} manquante.")
        return None
    if isinstance(value, str) and _has_control_characters(value):
        errors.append(f"{label} : caractères invalides.")
        return None
    try:
        day = parse_date(value)
    except ValueError as error:
        errors.append(f"{label} {error}.")
        return None
    if day < OLDEST:
        errors.append(f"{label} invraisemblable (avant 1900).")
        return None
    if today and day > today:
        errors.append(f"{label} dans le futur ({day:%d/%m/%Y}).")
        return None
    return day


def validate_row(number: int, cells: dict, *, today: datetime.date) -> dict:
    """One line of the file: its cells as text, its clean values, or the reasons it cannot be
    imported."""
    raw = {field: printable(_text(cells.get(field))[:CELL_KEEP]) for field in FIELDS}
    errors = []
    last_name = _name(cells.get("last_name"), "Nom", errors)
    first_name = _name(cells.get("first_name"), "Prénom", errors)
    birth_date = _date(
        cells.get("birth_date"), "Date de naissance", errors, required=True, today=today
    )
    phone_raw = _text(cells.get("phone"))
    phone = ""
    excel_number = isinstance(cells.get("phone"), int | float)
    if excel_number and phone_raw.isdigit() and len(phone_raw) == 9:
        phone_raw = "0" + phone_raw  # Excel dropped the leading zero of 06 12 34 56 78
    try:
        phone, _ = parse_phone(phone_raw)
    except ValidationError as error:
        errors.append(error.messages[0])
    unit = _text(cells.get("housing_unit"))
    if _has_control_characters(unit):
        errors.append("Logement : caractères invalides.")
    unit = " ".join(unit.split())
    if len(unit) > UNIT_MAX:
        errors.append(f"Logement trop long ({_count(len(unit))} caractères, {UNIT_MAX} au plus).")
    moved_in_on = _date(cells.get("moved_in_on"), "Date d'entrée", errors, required=False)
    if birth_date and moved_in_on and moved_in_on < birth_date:
        errors.append("Date d'entrée antérieure à la naissance.")
    row = {
        "line": number,
        "raw": raw,
        "values": None,
        "errors": errors,
        "status": RowStatus.INVALID if errors else RowStatus.NEW,
        "resident_id": None,
        "changes": [],
        "note": "",
    }
    if not errors:
        row["values"] = {
            "last_name": last_name,
            "first_name": first_name,
            "birth_date": birth_date.isoformat(),
            "phone": phone,  # E.164, "" when none
            "phone_raw": phone_raw[:40],
            "housing_unit": unit,
            "moved_in_on": moved_in_on.isoformat() if moved_in_on else None,
        }
    return row


# --- Matching -----------------------------------------------------------------------------


def _date_or_none(value):
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _show_date(value):
    value = _date_or_none(value)
    return value.strftime("%d/%m/%Y") if value else ""


def show_phone(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _person(resident):
    return f"{resident['first_name']} {resident['last_name'].upper()}"


@dataclass(frozen=True)
class Person:
    """What matching compares, for a resident already saved or a row met earlier in the file."""

    last: str  # folded
    first: str  # folded
    birth: datetime.date | None

    @property
    def identity(self):
        return (self.last, self.first, self.birth)

    def same_names(self, other):
        return self.last == other.last and self.first == other.first

    def related(self, other):
        """Same phone and this: the same person with a corrected name or birth date. A shared
        phone alone (a couple, a family) is not enough."""
        return self.same_names(other) or (self.birth is not None and self.birth == other.birth)


def _person_of(values):
    return Person(
        name_key(values["last_name"]),
        name_key(values["first_name"]),
        _date_or_none(values["birth_date"]),
    )


class ResidentIndex:
    """The residence's residents in dicts: by identity, by phone, by names when the birth date
    is unknown. Built from one query; every row is then matched without another."""

    def __init__(self, residents):
        self.residents = {}
        self.by_identity = defaultdict(list)
        self.by_phone = defaultdict(list)
        self.by_names_no_birth = defaultdict(list)
        for resident in residents:
            person = Person(
                name_key(resident["last_name"]),
                name_key(resident["first_name"]),
                resident["birth_date"],
            )
            pk = resident["id"]
            self.residents[pk] = (resident, person)
            if person.birth is None:
                self.by_names_no_birth[(person.last, person.first)].append(pk)
            else:
                self.by_identity[person.identity].append(pk)
            if resident["phone"]:
                self.by_phone[resident["phone"]].append(pk)

    def find(self, person, phone):
        """(resident id or None, reason when ambiguous, note)."""
        ambiguous = (
            "plusieurs résidents de la résidence correspondent à cette ligne : fusionnez "
            "d'abord les doublons."
        )
        candidates = self.by_identity.get(person.identity, [])
        if len(candidates) > 1:
            return None, ambiguous, ""
        if candidates:
            return candidates[0], "", ""
        note = ""
        if phone:
            same_phone = self.by_phone.get(phone, [])
            related = [pk for pk in same_phone if self.residents[pk][1].related(person)]
            if len(related) > 1:
                return None, ambiguous, ""
            if related:
                return related[0], "", ""
            if same_phone:
                others = ", ".join(_person(self.residents[pk][0]) for pk in same_phone[:3])
                note = f"Même téléphone que {others} (une autre personne)."
        candidates = self.by_names_no_birth.get((person.last, person.first), [])
        if len(candidates) > 1:
            return None, ambiguous, note
        if candidates:
            return candidates[0], "", note
        return None, "", note


def _changes(resident, values):
    """[(field, label, before, after, data value)] of what the row would change. A cell left
    blank changes nothing: a roster without phones never erases a number collected in the hall.
    Names equal once folded (SAMIA / Samia, Helene / Hélène) are kept as they are."""
    changes = []
    for field in ("last_name", "first_name"):
        if name_key(values[field]) != name_key(resident[field]):
            changes.append((field, resident[field], values[field], values[field]))
    birth = _date_or_none(values["birth_date"])
    if birth != resident["birth_date"]:
        changes.append(("birth_date", _show_date(resident["birth_date"]), _show_date(birth), birth))
    if values["phone"] and values["phone"] != resident["phone"]:
        changes.append(
            ("phone", show_phone(resident["phone"]), show_phone(values["phone"]),
             values["phone_raw"])
        )  # fmt: skip
    unit = values["housing_unit"]
    if unit and unit.casefold() != " ".join((resident["housing_unit"] or "").split()).casefold():
        changes.append(("housing_unit", resident["housing_unit"], unit, unit))
    moved_in = _date_or_none(values["moved_in_on"])
    if moved_in and moved_in != resident["moved_in_on"]:
        changes.append(
            ("moved_in_on", _show_date(resident["moved_in_on"]), _show_date(moved_in), moved_in)
        )
    return changes


def _invalid(row, reason):
    row.update(status=RowStatus.INVALID, errors=[reason], resident_id=None, changes=[], note="")
    return row


def match_rows(rows: list[dict], residents) -> list[dict]:
    """Each valid row classified against the residence's residents (dicts with id, names,
    birth_date, phone in E.164, housing_unit, moved_in_on, moved_out_on): new, update,
    unchanged; or invalid when it repeats an earlier row or cannot be matched safely.

    Rows come back as new dicts; invalid rows from the file stay as they were. Updates carry
    "_update" (field, value) pairs for the services; to_stored() strips it."""
    index = ResidentIndex(residents)
    seen_identity = {}  # identity -> line
    seen_phone = defaultdict(list)  # phone -> [(person, line)]
    claimed = {}  # resident id -> line
    matched = []
    for original in rows:
        row = {**original, "resident_id": None, "changes": [], "note": ""}
        matched.append(row)
        if original["values"] is None:
            row["status"] = RowStatus.INVALID
            continue
        row["errors"] = []
        values = row["values"]
        person = _person_of(values)
        phone = values["phone"]
        if person.identity in seen_identity:
            _invalid(row, f"Doublon de la ligne {seen_identity[person.identity]}.")
            continue
        earlier = [line for other, line in seen_phone.get(phone, []) if other.related(person)]
        if phone and earlier:
            _invalid(row, f"Même téléphone et même personne que la ligne {earlier[0]} ?")
            continue
        pk, ambiguous, note = index.find(person, phone)
        if ambiguous:
            _invalid(row, ambiguous[0].upper() + ambiguous[1:])
            continue
        if pk is not None and pk in claimed:
            _invalid(row, f"Cette personne figure déjà à la ligne {claimed[pk]}.")
            continue
        seen_identity[person.identity] = row["line"]
        if phone:
            seen_phone[phone].append((person, row["line"]))
        if pk is None:
            row.update(status=RowStatus.NEW, note=note)
            continue
        claimed[pk] = row["line"]
        resident = index.residents[pk][0]
        moved_in = _date_or_none(values["moved_in_on"])
        moved_out = resident["moved_out_on"]
        if moved_out and moved_in and moved_in > moved_out:
            _invalid(
                row,
                f"Sortie de la résidence enregistrée le {moved_out:%d/%m/%Y} pour "
                f"{_person(resident)} : mettez d'abord sa fiche à jour.",
            )
            continue
        changes = _changes(resident, values)
        row["resident_id"] = pk
        row["status"] = RowStatus.UPDATE if changes else RowStatus.UNCHANGED
        row["changes"] = [[LABELS[field], before, after] for field, before, after, _ in changes]
        row["_update"] = [(field, value) for field, _, _, value in changes]
    return matched


def to_stored(rows: list[dict]) -> list[dict]:
    """Rows as kept in RosterImport.rows (JSON): without the services' "_update"."""
    return [{k: v for k, v in row.items() if k != "_update"} for row in rows]


def known_resident_ids(rows) -> list[int]:
    """The residents already known whose values a stored import shows (matched rows)."""
    return sorted(
        {
            row["resident_id"]
            for row in rows
            if row.get("resident_id") and row["status"] != RowStatus.INVALID
        }
    )


def count_statuses(rows) -> dict:
    counts = dict.fromkeys(RowStatus.values, 0)
    for row in rows:
        counts[row["status"]] += 1
    return counts


# --- The invalid rows, to fix ------------------------------------------------------------


def neutralise(value) -> str:
    """A spreadsheet must not run a cell as a formula: =, +, -, @ (and tab, CR) at the start get
    an apostrophe, which read_table takes off again."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def invalid_rows_csv(rows) -> str:
    """The invalid rows as they were in the file, plus the reason: a CSV (UTF-8 with BOM,
    semicolons) that French Excel opens, the user fixes and sends again."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([*CSV_HEADER, CSV_REASON])
    for row in rows:
        if row["status"] != RowStatus.INVALID:
            continue
        cells = [neutralise(row["raw"].get(field, "")) for field in FIELDS]
        writer.writerow([*cells, neutralise(" ".join(row["errors"]))])
    return out.getvalue()
