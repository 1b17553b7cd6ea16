import csv
import importlib
import shutil

import pytest
from django.db.migrations.loader import MigrationLoader

from employers.models import RomeAppellation, RomeCode
from employers.rome import DATA, load_rome, title_search
from tests.employers.factories import rome_title

CODES, TITLES = 532, 11_061


@pytest.fixture
def rome(db):
    """The reference, reloaded if a transactional test flushed it."""
    if RomeAppellation.objects.count() != TITLES:
        load_rome(RomeCode, RomeAppellation)


def _labels(query, limit=10):
    return list(RomeAppellation.objects.search(query, limit=limit).values_list("label", flat=True))


def test_the_files_hold_the_whole_reference():
    with open(DATA / "rome_codes.csv", newline="", encoding="utf-8") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == CODES
    with open(DATA / "rome_appellations.csv", newline="", encoding="utf-8") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == TITLES


def test_the_data_migration_loads_the_reference(db):
    RomeAppellation.objects.all().delete()
    RomeCode.objects.all().delete()
    migration = importlib.import_module("employers.migrations.0002_rome")
    state = MigrationLoader(None, ignore_no_migrations=True).project_state(
        ("employers", "0002_rome")
    )
    migration.load(state.apps, None)
    assert (RomeCode.objects.count(), RomeAppellation.objects.count()) == (CODES, TITLES)
    title = RomeAppellation.objects.select_related("rome").get(code="17993")
    assert (title.label, title.rome.code, title.rome.label) == (
        "Préparateur / Préparatrice de commandes",
        "N1103",
        "Magasinage et préparation de commandes",
    )
    assert title.search == " preparateur preparatrice de commandes"


def test_load_rome_is_idempotent_and_puts_back_a_label_changed_in_the_database(rome):
    # The reference is already loaded (by the data migration or the fixture): this load is
    # the second one, and it serves both checks (a load takes a second or more).
    RomeAppellation.objects.filter(code="17993").update(label="Ancien intitulé", search=" ancien")
    RomeCode.objects.filter(code="N1103").update(label="Ancienne fiche")
    assert load_rome(RomeCode, RomeAppellation) == {"codes": CODES, "appellations": TITLES}
    assert (RomeCode.objects.count(), RomeAppellation.objects.count()) == (CODES, TITLES)
    title = RomeAppellation.objects.select_related("rome").get(code="17993")
    assert (title.label, title.search) == (
        "Préparateur / Préparatrice de commandes",
        " preparateur preparatrice de commandes",
    )
    assert title.rome.label == "Magasinage et préparation de commandes"


def test_a_new_release_updates_labels_and_deletes_nothing(rome, tmp_path, coach):
    """A newer file: a label changed, a title gone (an opening points at it), a title moved."""
    opening_title = rome_title("Agent / Agente de propreté de locaux")
    shutil.copy(DATA / "rome_codes.csv", tmp_path / "rome_codes.csv")
    with open(DATA / "rome_appellations.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kept = []
    for row in rows:
        if row["code"] == opening_title.code:
            continue  # dropped from the release
        if row["code"] == "17993":
            row = {**row, "label": "Préparateur / Préparatrice de commandes en entrepôt"}
        if row["code"] == "38676":
            row = {**row, "rome_code": "N1101"}
        kept.append(row)
    with open(tmp_path / "rome_appellations.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["code", "label", "rome_code"])
        writer.writeheader()
        writer.writerows(kept)

    assert load_rome(RomeCode, RomeAppellation, data=tmp_path) == {
        "codes": CODES,
        "appellations": TITLES - 1,
    }
    assert RomeAppellation.objects.count() == TITLES
    changed = RomeAppellation.objects.get(code="17993")
    assert changed.label == "Préparateur / Préparatrice de commandes en entrepôt"
    assert changed.search == " preparateur preparatrice de commandes en entrepot"
    assert RomeAppellation.objects.get(code="38676").rome_id == "N1101"
    assert RomeAppellation.objects.filter(pk=opening_title.pk).exists()


def test_title_search_puts_a_space_before_each_folded_word():
    assert title_search("Agent / Agente de propreté") == " agent agente de proprete"


def test_search_finds_word_prefixes_whatever_the_accents(rome):
    labels = _labels("prepa comm")
    assert labels[0] == "Préparateur / Préparatrice de commandes"
    assert "Préparateur(trice) de commandes drive en grande distribution" in labels
    # Titles starting with the first term come before those where it comes later.
    assert labels.index("Préparateur / Préparatrice de commandes") < labels.index(
        "Chauffeur(se)-livreur(se) préparateur(trice) de commande"
    )
    assert _labels("PRÉPA COMM") == labels
    assert _labels("  Prépa   Comm ") == labels


def test_search_is_case_and_accent_insensitive(rome):
    labels = _labels("AGENT PROPRETE")
    assert labels
    assert "Agent / Agente de propreté de locaux" in labels[:3]
    assert all("propret" in label.lower() for label in labels)
    assert _labels("agent propreté") == labels


def test_search_matches_word_starts_not_the_middle_of_words(rome):
    # "ropre" is inside "propreté" but starts no word.
    assert not any("propret" in label.lower() for label in _labels("ropre"))
    assert _labels("xyzzy") == []


def test_a_rome_code_lists_its_sheet(rome):
    titles = list(RomeAppellation.objects.search("N1103", limit=100))
    assert len(titles) == 40
    assert {title.rome_id for title in titles} == {"N1103"}
    assert [title.label for title in titles] == sorted(title.label for title in titles)
    assert [title.pk for title in RomeAppellation.objects.search("n1103", limit=100)] == [
        title.pk for title in titles
    ]


def test_search_needs_two_letters_and_honours_the_limit(rome):
    assert _labels("") == []
    assert _labels("a") == []
    assert _labels(None) == []
    assert len(_labels("agent", limit=5)) == 5
    assert len(_labels("agent")) == 10


def test_search_is_one_query(rome, django_assert_num_queries):
    with django_assert_num_queries(1):
        titles = list(RomeAppellation.objects.search("prepa comm"))
    assert titles[0].label == "Préparateur / Préparatrice de commandes"
    with django_assert_num_queries(1):
        assert len(list(RomeAppellation.objects.search("N1103"))) == 10
