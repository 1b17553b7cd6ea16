import re

import pytest
from playwright.sync_api import expect

from residents.models import Resident, StageChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_creates_a_file_and_moves_the_person_along_on_a_phone(
    log_in, officer, assert_accessible
):
    page = log_in(officer)
    page.get_by_role("button", name="Ouvrir le menu").click()
    page.get_by_role("navigation").get_by_role("link", name="Résidents").click()
    expect(page.get_by_role("heading", name="Résidents")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Nouveau dossier").click()
    expect(page.locator("#id_last_name")).to_be_visible()
    assert_accessible(page)

    page.locator("#id_last_name").fill("Rahimi")
    page.get_by_label("Prénom").fill("Ahmad")
    page.get_by_label("Date de naissance").fill("1990-04-02")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_label("Langue préférée").select_option(label="Dari")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", name="Ahmad RAHIMI")).to_be_visible()
    expect(page.locator("#etape-actuelle")).to_have_text("Repéré")
    assert_accessible(page)
    resident = Resident.objects.get()
    assert str(resident.phone.as_e164) == "+33612345678"

    # Engaged needs the accompaniment consent: refused first, with the reason beside the form.
    page.locator("#stage_form summary").click()
    page.get_by_label("Nouvelle étape").select_option(label="Remobilisé")
    page.get_by_role("button", name="Enregistrer l'étape").click()
    expect(page.get_by_text("Enregistrez d'abord l'accord de la personne")).to_be_visible()
    expect(page.locator("#etape-actuelle")).to_have_text("Repéré")
    assert_accessible(page)  # the refusal beside the form

    page.locator("#consent_form summary").click()
    page.get_by_label("Objet de l'accord").select_option(label="Accompagnement")
    page.get_by_label("Recueilli par").select_option(label="Formulaire signé")
    page.get_by_role("button", name="Enregistrer l'accord").click()
    expect(page.get_by_text("Accord enregistré.")).to_be_visible()

    page.locator("#stage_form summary").click()
    page.get_by_label("Nouvelle étape").select_option(label="Remobilisé")
    page.get_by_label("Motif ou commentaire").fill("Premier entretien dans le hall")
    page.get_by_role("button", name="Enregistrer l'étape").click()
    expect(page.locator("#etape-actuelle")).to_have_text("Remobilisé")
    assert StageChange.objects.filter(resident=resident).count() == 2

    page.get_by_label("Note").fill("Souhaite travailler en cuisine, disponible le matin.")
    page.get_by_role("button", name="Ajouter la note").click()
    expect(page.locator("#notes")).to_contain_text("Souhaite travailler en cuisine")

    page.locator("#step_form summary").click()
    page.get_by_label("Objectif").fill("Mobilité")
    page.locator("#id_step").fill("Demander la carte Tan solidaire")
    page.get_by_label("Qui s'en charge").select_option(label="La personne")
    page.get_by_label("Pour le").fill("2026-12-03")
    page.get_by_role("button", name="Ajouter l'étape").click()
    expect(page.locator("#plan")).to_contain_text("Demander la carte Tan solidaire")
    assert_accessible(page)

    page.goto("/rappels/")
    row = page.locator("li", has_text="Demander la carte Tan solidaire")
    expect(row).to_be_visible()
    assert_accessible(page)
    row.get_by_role("button", name="Fait").click()
    expect(page.locator("li", has_text="fait le")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_list_search_updates_as_you_type(log_in, officer, nantes_residences, assert_accessible):
    from tests.residents.factories import ResidentFactory

    ResidentFactory(first_name="Élodie", last_name="N'Diaye", residence=nantes_residences[0])
    ResidentFactory(first_name="Jean", last_name="Martin", residence=nantes_residences[0])
    page = log_in(officer)
    page.goto("/residents/")
    expect(page.get_by_text("2 résidents")).to_be_visible()
    page.get_by_label("Nom ou téléphone").fill("ndiaye elo")
    expect(page.get_by_text("1 résident")).to_be_visible()
    expect(page.locator("#results")).to_contain_text("N'DIAYE")
    expect(page).to_have_url(re.compile(r"q=ndiaye"))
    assert_accessible(page)  # after the htmx swap
