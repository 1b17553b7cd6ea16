"""Message text: GSM-7 normalisation, segments, merge fields, dates (SMS_AND_TASKS.md §4, G8)."""

# Curly apostrophes and dashes in strings are what these tests are about.
# ruff: noqa: RUF001

from datetime import UTC, datetime

import pytest

from o2r.sms.text import (
    MAX_SEGMENTS,
    MERGE_FIELDS,
    PARIS,
    SAMPLE_VALUES,
    Measure,
    MergeError,
    check_template,
    encoding,
    french_datetime,
    measure,
    normalise,
    render,
    segments,
    with_signature,
)

INVITATION = (
    "Bonjour Marie, c’est Léa, votre conseillère emploi à la résidence Malakoff. "
    "Je vous invite à l’atelier « Trouver un emploi près de chez vous » mardi 12 mars à 14h. "
    "N’oubliez pas votre CV et l’attestation de France Travail. "
    "Vous ne pouvez pas venir ? Appelez-moi au 06 12 34 56 78."
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("n’oubliez pas", "n'oubliez pas"),
        ("‘oui’", "'oui'"),
        ("« Bienvenue »", '" Bienvenue "'),
        ("“Bienvenue”", '"Bienvenue"'),
        ("à bientôt…", "à bientot..."),
        ("9h – 12h — ou 14h", "9h - 12h - ou 14h"),
        ("10\u00a0h et 11\u202fh et 12\u2009h", "10 h et 11 h et 12 h"),
        ("Œuvre cœur", "OEuvre coeur"),
        ("garçon Ça", "garcon Ça"),
        ("âge fête île hôtel sûr", "age fete ile hotel sur"),
        ("Noël naïf Ëve Ïle", "Noel naif Eve Ile"),
        ("Âge Être Île Ôter Ûne", "Age Etre Ile Oter Une"),
        ("À Paris, Ère, Ù, où", "A Paris, Ere, U, où"),
        ("é è à ù É ü ö ä ñ Ç", "é è à ù É ü ö ä ñ Ç"),
        ("e\u0301te\u0301", "été"),  # decomposed accents
        ("ligne 1\r\nligne 2\rligne 3", "ligne 1\nligne 2\nligne 3"),
        ("son\u00ad\u200bnette\x07", "sonnette"),
        ("a\tb", "a b"),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("char", [*"’‘çêœ…«»", "\u00a0", "\u202f", "È", "À", "Ù"])
def test_normalise_makes_french_typography_gsm7(char):
    assert encoding(char) == "ucs2"
    assert encoding(normalise(f"Texte {char} fin")) == "gsm7"


def test_normalise_keeps_other_scripts():
    arabic = "مرحبا، موعدكم يوم الثلاثاء"
    cyrillic = "Здравствуйте, й"
    assert normalise(arabic) == arabic
    assert normalise(cyrillic) == cyrillic
    assert encoding(normalise(arabic)) == "ucs2"


def test_normalise_keeps_every_character_gsm7_has():
    text = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà€[]{}\\^~|\n"
    assert encoding(text) == "gsm7"
    assert normalise(text) == text


def test_invitation_goes_from_five_ucs2_segments_to_two_gsm7():
    assert 270 < len(INVITATION) < 300
    assert measure(INVITATION).encoding == "ucs2"
    assert segments(INVITATION) == 5
    normalised = normalise(INVITATION)
    assert encoding(normalised) == "gsm7"
    assert segments(normalised) == 2


@pytest.mark.parametrize(
    ("length", "expected"),
    [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_segments(length, expected):
    assert segments("a" * length) == expected


@pytest.mark.parametrize(
    ("length", "expected"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_segments(length, expected):
    assert segments("ب" * length) == expected


def test_euro_and_other_extension_characters_count_two():
    for char in "€[]{}\\^~|":
        assert measure(char) == Measure("gsm7", 1, 2, 160, 158)
    assert segments("€" * 80) == 1
    assert segments("€" * 80 + "a") == 2


def test_emoji_counts_two_utf16_units():
    assert measure("🙂") == Measure("ucs2", 1, 2, 70, 68)
    assert segments("🙂" * 35) == 1
    assert segments("🙂" * 35 + "a") == 2


def test_one_non_gsm_character_makes_the_whole_message_ucs2():
    text = "a" * 100 + "ç"
    assert measure(text) == Measure("ucs2", 2, 101, 67, 33)
    assert measure(normalise(text)) == Measure("gsm7", 1, 101, 160, 59)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Measure("gsm7", 0, 0, 160, 160)),
        ("a" * 160, Measure("gsm7", 1, 160, 160, 0)),
        ("a" * 161, Measure("gsm7", 2, 161, 153, 145)),
        ("a" * 306, Measure("gsm7", 2, 306, 153, 0)),
        ("a" * 307, Measure("gsm7", 3, 307, 153, 152)),
        ("ب" * 70, Measure("ucs2", 1, 70, 70, 0)),
        ("ب" * 71, Measure("ucs2", 2, 71, 67, 63)),
        ("ب" * 135, Measure("ucs2", 3, 135, 67, 66)),
    ],
)
def test_measure(text, expected):
    assert measure(text) == expected


def test_max_segments():
    assert MAX_SEGMENTS == 3


def test_with_signature(settings):
    settings.SMS_SIGNATURE = "Adoma O2R – Pour arrêter, dites-le à votre conseillère."
    assert with_signature("Bonjour.  \n\n") == (
        "Bonjour.\nAdoma O2R - Pour arreter, dites-le à votre conseillère."
    )


def test_with_signature_empty(settings):
    settings.SMS_SIGNATURE = ""
    assert with_signature("Bonjour.\n") == "Bonjour."


def test_render_merges_fields_then_normalises():
    template = "Bonjour {prenom}, rendez-vous {date} à {residence} ({lieu}). N’oubliez pas !"
    values = {
        "prenom": "Zoé",
        "date": "mardi 12 mars à 14h",
        "residence": "Résidence Malakoff",
        "lieu": "salle «\u00a0Rencontre\u00a0»",
    }
    assert render(template, values) == (
        "Bonjour Zoé, rendez-vous mardi 12 mars à 14h à Résidence Malakoff "
        '(salle " Rencontre "). N\'oubliez pas !'
    )


def test_render_without_fields():
    assert render("Bonjour…", {}) == "Bonjour..."


def test_render_does_not_read_braces_inside_values():
    assert render("Bonjour {prenom}", {"prenom": "{lieu}"}) == "Bonjour {lieu}"


def test_render_refuses_an_unknown_field():
    with pytest.raises(MergeError) as excinfo:
        render("Bonjour {nom}", SAMPLE_VALUES)
    assert str(excinfo.value) == (
        "Champ inconnu : {nom}. Champs possibles : {prenom}, {residence}, {date}, {lieu}."
    )


def test_render_names_every_unknown_field():
    with pytest.raises(MergeError, match=r"^Champs inconnus : \{nom\}, \{prénom\}\. "):
        render("{nom} {prenom} {prénom} {nom}", SAMPLE_VALUES)


@pytest.mark.parametrize(
    ("template", "brace", "position"),
    [
        ("Bonjour {prenom", "{", 9),
        ("Bonjour prenom}", "}", 15),
        ("Bonjour {{prenom}}", "{", 9),
    ],
)
def test_render_refuses_a_stray_brace(template, brace, position):
    with pytest.raises(MergeError) as excinfo:
        render(template, SAMPLE_VALUES)
    assert str(excinfo.value).startswith(f"Accolade « {brace} » seule (caractère {position}) :")
    assert "Champs possibles : {prenom}, {residence}, {date}, {lieu}." in str(excinfo.value)


def test_render_refuses_a_missing_value():
    with pytest.raises(MergeError, match=r"^Aucune valeur pour le champ \{lieu\}\.$"):
        render("Rendez-vous : {lieu}", {"prenom": "Zoé"})


def test_check_template():
    assert check_template("Bonjour {prenom}, le {date} à {lieu}, {residence}.") == []
    assert check_template("{nom} {prenom} {Prenom} {nom} {}") == ["nom", "Prenom", ""]
    assert check_template("Accolade { seule") == []


def test_sample_values_fill_every_field():
    assert SAMPLE_VALUES.keys() == MERGE_FIELDS.keys()
    template = " ".join("{" + name + "}" for name in MERGE_FIELDS)
    assert encoding(render(template, SAMPLE_VALUES)) == "gsm7"


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        (datetime(2024, 3, 12, 14, 0, tzinfo=PARIS), "mardi 12 mars à 14h"),
        (datetime(2024, 3, 12, 14, 30, tzinfo=PARIS), "mardi 12 mars à 14h30"),
        (datetime(2027, 4, 1, 9, 5, tzinfo=PARIS), "jeudi 1er avril à 9h05"),
        (datetime(2026, 8, 16, 10, 0, tzinfo=PARIS), "dimanche 16 août à 10h"),
        (datetime(2026, 12, 31, 23, 59, tzinfo=PARIS), "jeudi 31 décembre à 23h59"),
        # UTC in, Paris out: 13:00 UTC is 14:00 in winter and 15:00 in summer
        (datetime(2027, 2, 1, 13, 0, tzinfo=UTC), "lundi 1er février à 14h"),
        (datetime(2027, 7, 5, 13, 0, tzinfo=UTC), "lundi 5 juillet à 15h"),
        (datetime(2027, 10, 30, 22, 15, tzinfo=UTC), "dimanche 31 octobre à 0h15"),
    ],
)
def test_french_datetime(dt, expected):
    assert french_datetime(dt) == expected


def test_french_datetime_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        french_datetime(datetime(2027, 3, 12, 14, 0))
