"""Identifiers of a resident, validated as DOMAIN.md §4 says."""

import re

import phonenumbers
from django.core.exceptions import ValidationError

# Overseas numbers typed nationally (0690…, 0692…) are invalid as FR: try these in turn.
PHONE_REGIONS = ["FR", "GP", "RE", "YT", "MQ", "GF"]

FRANCE_TRAVAIL_ID = re.compile(r"^([0-9]{7}[0-9A-Z]|[0-9]{11})$")


def parse_phone(raw: str):
    """(E.164 string, is_mobile) for a French (or overseas) number, or ValidationError."""
    text = (raw or "").strip()
    if not text:
        return "", False
    if len(text) > 40 or "\x00" in text:
        raise ValidationError("Numéro de téléphone invalide.", code="invalid_phone")
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            kind = phonenumbers.number_type(number)
            is_mobile = kind in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            )
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164, is_mobile
    raise ValidationError(
        "Numéro de téléphone invalide : vérifiez les chiffres (par exemple 06 12 34 56 78).",
        code="invalid_phone",
    )


def normalise_france_travail_id(raw: str) -> str:
    """Upper case, no spaces; 8 characters (7 digits + 1 letter or digit) or 11 digits."""
    value = re.sub(r"\s+", "", raw or "").upper()
    if value and not FRANCE_TRAVAIL_ID.match(value):
        raise ValidationError(
            "Identifiant France Travail invalide : 7 chiffres suivis d'une lettre ou d'un "
            "chiffre (ancien format), ou 11 chiffres.",
            code="invalid_france_travail_id",
        )
    return value
