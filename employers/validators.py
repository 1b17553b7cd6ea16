"""Company identifiers (DOMAIN.md, "Identifiers"): SIRET through python-stdnum, NAF per
nomenclature version. Each returns the stored form or raises ValidationError in French."""

import re

from django.core.exceptions import ValidationError
from stdnum.fr import siret as stdnum_siret

from .enums import NafVersion

LA_POSTE_SIREN = "356000000"


def normalise_siret(raw: str) -> str:
    """'732 829 320 00074' -> '73282932000074'. Luhn over the 14 digits, except La Poste's
    establishments (SIREN 356000000), whose digits add up to a multiple of 5."""
    compact = re.sub(r"[\s.\-]", "", raw or "")
    if not compact:
        return ""
    # ASCII digits only: str.isdigit() also takes superscripts and full-width digits.
    if not re.fullmatch(r"[0-9]+", compact):
        raise ValidationError("Un SIRET ne contient que des chiffres (14).", code="siret_digits")
    if len(compact) != 14:
        raise ValidationError(
            f"Un SIRET a 14 chiffres ; vous en avez saisi {len(compact)}.", code="siret_length"
        )
    if not stdnum_siret.is_valid(compact):
        raise ValidationError(
            "Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas) : vérifiez les "
            "chiffres sur l'avis de situation ou un bulletin de salaire.",
            code="siret_checksum",
        )
    return compact


def siren_of(siret: str) -> str:
    return siret[:9] if siret else ""


NAF_PATTERNS = {
    # NAF rév. 2: 4 digits and a letter, written 56.10A or 5610A.
    NafVersion.REV2: re.compile(r"([0-9]{2})\.?([0-9]{2})([A-Z])"),
    # NAF 2025: its format is not confirmed (DOMAIN.md); taken as 4 digits with an optional
    # letter until the INSEE publishes it.
    NafVersion.NAF2025: re.compile(r"([0-9]{2})\.?([0-9]{2})([A-Z]?)"),
}


def normalise_naf(raw: str, version: str = NafVersion.REV2) -> str:
    """'56.10a' -> '5610A' (stored without the dot)."""
    value = re.sub(r"\s", "", raw or "").upper()
    if not value:
        return ""
    pattern = NAF_PATTERNS.get(version)
    if pattern is None:
        raise ValidationError("Choisissez la version de la nomenclature NAF.", code="naf_version")
    match = pattern.fullmatch(value)
    if not match:
        raise ValidationError(
            "Un code NAF s'écrit avec 4 chiffres et une lettre, par exemple 56.10A.",
            code="naf_format",
        )
    return "".join(match.groups())


def naf_display(code: str) -> str:
    """'5610A' -> '56.10A'."""
    return f"{code[:2]}.{code[2:]}" if len(code) >= 4 else code
