"""Accent- and case-insensitive search: a stored column, since unaccent() cannot be indexed."""

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter and an accent.
UNDECOMPOSED = str.maketrans(
    {"ı": "i", "ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"}  # noqa: RUF001
)


def fold(text: str) -> str:
    """'Élodie N'Diaye-Kéita' -> 'elodie n diaye keita'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.lower().translate(UNDECOMPOSED)
    return re.sub(r"[^a-z0-9]+", " ", ascii_only.lower()).strip()


def name_key(text: str) -> str:
    """A name as matching compares it: folded ('Élodie' = 'ELODIE', 'Traoré' = 'Traore'); a
    name in another script, which folding would empty, compared case-insensitively instead.
    The one rule of duplicate checks and roster imports."""
    return fold(text) or " ".join((text or "").casefold().split())


def identity_key(*, first_name: str, last_name: str) -> str:
    """The stored column the duplicate check looks up (with the birth date)."""
    return f"{name_key(last_name)}|{name_key(first_name)}"[:210]


def phone_digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def search_text(*, first_name: str, last_name: str, phone: str) -> str:
    """Names both ways round, plus the phone number's digits in E.164 and national forms, so
    that 'benali samia', 'samia ben' and '0612' all match."""
    digits = phone_digits(phone)
    national = "0" + digits[2:] if digits.startswith("33") else ""
    compact = fold(f"{last_name}").replace(" ", "") + " " + fold(first_name).replace(" ", "")
    # "n diaye" and "ndiaye" both match "N'Diaye"; "jean luc" and "jeanluc" "Jean-Luc".
    parts = [fold(last_name), fold(first_name), fold(last_name), compact, digits, national]
    return " ".join(part for part in parts if part)


def search_terms(query: str) -> list[str]:
    """Each word of a query, folded; a phone number typed with spaces becomes one term."""
    query = (query or "").strip()
    if re.fullmatch(r"[\d\s.+()-]{4,}", query):
        digits = phone_digits(query)
        if digits.startswith("0033"):
            digits = "0" + digits[4:]
        return [digits]
    return [term for term in fold(query).split() if term][:6]


def printable_text(text: str) -> str:
    """Free text as it is stored: no control characters (PostgreSQL refuses NUL), a line's
    breaks kept."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text or "")
