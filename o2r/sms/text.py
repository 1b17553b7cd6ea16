"""The text of an SMS: normalising it to GSM-7, counting its segments, merge fields, dates.

One character outside the GSM-7 alphabet switches the whole message to UCS-2, which halves
the room per segment (70 instead of 160) and doubles the cost. French text pasted from a word
processor is full of such characters (curly apostrophes, « » … œ ç ê, non-breaking spaces),
so every message goes through `normalise` before it is measured or sent (SMS_AND_TASKS.md
§4). Letters of other scripts (Arabic, Dari, Cyrillic…) are kept: such a message is UCS-2 on
purpose.

Everything here is a pure function of its arguments (and of settings.SMS_SIGNATURE).
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec
from django.conf import settings

PARIS = ZoneInfo("Europe/Paris")

MAX_SEGMENTS = 3

GSM7 = "gsm7"
UCS2 = "ucs2"

# Single-segment size, then the size of each part of a concatenated message (the rest of
# each part holds the header that tells the phone how to join them).
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Characters outside GSM-7 with a readable GSM-7 replacement. Accented letters whose base
# letter is plain ASCII (ç ê â î ô û ë ï È À Ù…) need no entry: `_replacement` strips their
# accent when the codec refuses them.
REPLACEMENTS = {
    "\N{RIGHT SINGLE QUOTATION MARK}": "'",
    "\N{LEFT SINGLE QUOTATION MARK}": "'",
    "\N{SINGLE LOW-9 QUOTATION MARK}": "'",
    "\N{SINGLE HIGH-REVERSED-9 QUOTATION MARK}": "'",
    "`": "'",
    "\N{ACUTE ACCENT}": "'",
    "“": '"',
    "”": '"',
    "\N{DOUBLE LOW-9 QUOTATION MARK}": '"',
    "\N{DOUBLE HIGH-REVERSED-9 QUOTATION MARK}": '"',
    "«": '"',
    "»": '"',
    "\N{SINGLE LEFT-POINTING ANGLE QUOTATION MARK}": '"',
    "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}": '"',
    "…": "...",
    "\N{HYPHEN}": "-",
    "\N{NON-BREAKING HYPHEN}": "-",
    "\N{FIGURE DASH}": "-",
    "\N{EN DASH}": "-",
    "\N{EM DASH}": "-",
    "\N{HORIZONTAL BAR}": "-",
    "\N{MINUS SIGN}": "-",
    "œ": "oe",
    "Œ": "OE",
    "\t": " ",
    "\u2028": "\n",  # line separator
    "\u2029": "\n",  # paragraph separator
}

# Invisible characters that come with copy and paste and would force UCS-2: zero-width
# space, soft hyphen, word joiner, byte order mark. (The zero-width non-joiner and joiner
# are kept: Persian script and emoji need them.)
INVISIBLE = {"\u200b", "\u00ad", "\u2060", "\ufeff"}

MERGE_FIELDS = {
    "prenom": "prénom",
    "residence": "résidence",
    "date": "date de la permanence",
    "lieu": "lieu",
}

# The longest plausible value of each field, so that a form can measure the worst case.
SAMPLE_VALUES = {
    "prenom": "Marie-Christine",
    "residence": "Résidence Sociale Port-Boyer",
    "date": "mercredi 30 septembre à 14h30",
    "lieu": "Hall de la résidence",
}

DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


@lru_cache(maxsize=4096)
def _replacement(char: str) -> str:
    """What one character becomes; the character itself when it needs no change."""
    if char == "\n":
        return char
    if char in REPLACEMENTS:
        return REPLACEMENTS[char]
    category = unicodedata.category(char)
    if category == "Zs":  # any kind of space: no-break, narrow no-break, thin, em…
        return " "
    if category == "Cc" or char in INVISIBLE:
        return ""
    if encoding(char) == GSM7:
        return char
    # A Latin letter with accents GSM-7 lacks (ç, ê, È, ï…): keep its base letter.
    base, *marks = unicodedata.normalize("NFD", char)
    if base.isascii() and base.isalpha() and all(unicodedata.combining(m) for m in marks):
        return base
    return char


def normalise(text: str) -> str:
    """Replace what GSM-7 lacks by its nearest GSM-7 equivalent; keep other scripts."""
    text = unicodedata.normalize("NFC", text)  # e + combining accent -> é, which is GSM-7
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(_replacement(char) for char in text)


def encoding(text: str) -> str:
    """ "gsm7" when the whole text fits the GSM-7 alphabet, else "ucs2"."""
    try:
        text.encode("gsm03.38")
    except UnicodeEncodeError:
        return UCS2
    return GSM7


def _length(text: str, text_encoding: str) -> int:
    """Septets in GSM-7 (€ [ ] { } \\ ^ ~ | take two), UTF-16 code units in UCS-2."""
    if text_encoding == GSM7:
        return len(text.encode("gsm03.38"))  # one byte per septet, escape included
    return len(text.encode("utf-16-le")) // 2  # an emoji is a surrogate pair: two units


@dataclass(frozen=True)
class Measure:
    encoding: str  # "gsm7" or "ucs2"
    segments: int  # 0 for an empty text
    length: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    per_segment: int  # 160 / 70 for a single segment, 153 / 67 once concatenated
    remaining: int  # characters left before one more segment is needed


def measure(text: str) -> Measure:
    """Encoding, segments and room left, as shown to staff while they type.

    The text is measured as given: normalise it first to measure what will be sent.
    """
    text_encoding = encoding(text)
    length = _length(text, text_encoding)
    single, part = (GSM7_SINGLE, GSM7_PART) if text_encoding == GSM7 else (UCS2_SINGLE, UCS2_PART)
    if length == 0:
        segments = 0
    elif length <= single:
        segments = 1
    else:
        segments = math.ceil(length / part)
    per_segment = single if segments <= 1 else part
    remaining = max(segments, 1) * per_segment - length
    return Measure(text_encoding, segments, length, per_segment, remaining)


def segments(text: str) -> int:
    """How many SMS the text costs: 0 when empty."""
    return measure(text).segments


def with_signature(body: str) -> str:
    """The body, then on its own line who writes and how to stop (settings.SMS_SIGNATURE)."""
    signature = normalise(settings.SMS_SIGNATURE).strip()
    if not signature:
        return body.rstrip()
    return body.rstrip() + "\n" + signature


class MergeError(ValueError):
    """The template has a field we do not know or a brace on its own."""


# A field "{name}", or a brace that is not part of one.
_FIELD_OR_BRACE = re.compile(r"\{([^{}]*)\}|[{}]")


def _fields_list() -> str:
    return ", ".join("{" + name + "}" for name in MERGE_FIELDS)


def check_template(template: str) -> list[str]:
    """The unknown field names in the template, in order, each once (stray braces aside)."""
    unknown = []
    for match in _FIELD_OR_BRACE.finditer(template):
        name = match.group(1)
        if name is not None and name not in MERGE_FIELDS and name not in unknown:
            unknown.append(name)
    return unknown


def render(template: str, values: dict[str, str]) -> str:
    """Replace {prenom}, {residence}, {date}, {lieu} by their values, then normalise.

    Raise MergeError, with a message for staff, on an unknown field or a brace on its own.
    Values are inserted as they are: a brace inside a value is not read as a field.
    """
    unknown = check_template(template)
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        label = "Champ inconnu" if len(unknown) == 1 else "Champs inconnus"
        raise MergeError(f"{label} : {names}. Champs possibles : {_fields_list()}.")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            raise MergeError(
                f"Accolade « {match.group(0)} » seule (caractère {match.start() + 1}) : "
                f"un champ s'écrit entre deux accolades. Champs possibles : {_fields_list()}."
            )
        if name not in values:
            raise MergeError(f"Aucune valeur pour le champ {{{name}}}.")
        return values[name]

    return normalise(_FIELD_OR_BRACE.sub(replace, template))


def french_datetime(dt: datetime) -> str:
    """ "mardi 12 mars à 14h", "mardi 1er avril à 9h30": Paris time, plain French (FALC)."""
    if dt.tzinfo is None:
        raise ValueError("french_datetime needs an aware datetime")
    local = dt.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    hour = f"{local.hour}h" if local.minute == 0 else f"{local.hour}h{local.minute:02d}"
    return f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} à {hour}"


def e164(phone) -> str:
    """A resident's number as the outbox stores and compares it ("+33612345678"), or "" (a
    PhoneNumber prints itself in the national format)."""
    if not phone:
        return ""
    return getattr(phone, "as_e164", None) or str(phone)
