import pytest
from django.core.exceptions import ValidationError

from employers.enums import NafVersion
from employers.validators import naf_display, normalise_naf, normalise_siret, siren_of


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("73282932000074", "73282932000074"),
        ("732 829 320 00074", "73282932000074"),
        ("732.829.320.00074", "73282932000074"),
        ("732-829-320-00074", "73282932000074"),
        (" 73282932000074\t", "73282932000074"),
        # Copied from a web page: no-break and narrow no-break spaces.
        ("732\u00a0829\u00a0320\u202f00074", "73282932000074"),
        # La Poste: the head office passes Luhn, its establishments the sum rule.
        ("35600000000048", "35600000000048"),
        ("35600000049837", "35600000049837"),
        ("356 000 000 49837", "35600000049837"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_valid_siret_is_stored_compact(raw, stored):
    assert normalise_siret(raw) == stored


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("73282932000075", "siret_checksum", "clé de contrôle"),
        ("7328293200007", "siret_length", "vous en avez saisi 13"),
        ("732829320000740", "siret_length", "vous en avez saisi 15"),
        ("7328293200007A", "siret_digits", "que des chiffres"),
        ("SIRET inconnu", "siret_digits", "que des chiffres"),
        # Digits of another script are no SIRET digits.
        (
            "\uff17\uff13\uff12\uff18\uff12\uff19\uff13\uff12\uff10\uff10\uff10\uff10\uff17\uff14",
            "siret_digits",
            "que des chiffres",
        ),
        # La Poste's SIREN, digits adding up to 46 (and 44 below): not a multiple of 5.
        ("35600000049838", "siret_checksum", "clé de contrôle"),
        ("35600000049836", "siret_checksum", "clé de contrôle"),
        ("35600000000049", "siret_checksum", "clé de contrôle"),
    ],
)
def test_an_invalid_siret_is_refused_in_french(raw, code, message):
    with pytest.raises(ValidationError) as refused:
        normalise_siret(raw)
    assert refused.value.code == code
    assert message in refused.value.messages[0]


def test_siren_is_the_first_nine_digits():
    assert siren_of("73282932000074") == "732829320"
    assert siren_of("") == ""


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("5610A", "5610A"),
        ("56.10A", "5610A"),
        ("56.10a", "5610A"),
        (" 56 . 10 A ", "5610A"),
        ("0111Z", "0111Z"),
        ("", ""),
        (None, ""),
    ],
)
def test_naf_rev2_is_stored_without_the_dot(raw, stored):
    assert normalise_naf(raw, NafVersion.REV2) == stored


def test_naf_rev2_is_the_default_version():
    assert normalise_naf("56.10a") == "5610A"
    with pytest.raises(ValidationError):
        normalise_naf("5610")


@pytest.mark.parametrize(
    "raw",
    ["5610", "561A", "56100A", "56.10AB", "5.610A", "A5610", "56,10A", "\u0665\u0666\u0661\u0660A"],
)
def test_naf_rev2_refuses_other_forms(raw):
    with pytest.raises(ValidationError) as refused:
        normalise_naf(raw, NafVersion.REV2)
    assert refused.value.code == "naf_format"
    assert "4 chiffres et une lettre" in refused.value.messages[0]


@pytest.mark.parametrize(("raw", "stored"), [("56.10", "5610"), ("5610a", "5610A")])
def test_naf_2025_takes_an_optional_letter(raw, stored):
    assert normalise_naf(raw, NafVersion.NAF2025) == stored


@pytest.mark.parametrize("raw", ["561", "56.10AB", "\u0665\u0666\u0661\u0660"])
def test_naf_2025_refuses_other_forms(raw):
    with pytest.raises(ValidationError) as refused:
        normalise_naf(raw, NafVersion.NAF2025)
    assert refused.value.code == "naf_format"


def test_an_unknown_naf_version_is_refused():
    with pytest.raises(ValidationError) as refused:
        normalise_naf("5610A", "naf_1993")
    assert refused.value.code == "naf_version"


def test_naf_display_puts_the_dot_back():
    assert naf_display("5610A") == "56.10A"
    assert naf_display("") == ""
