"""The issue's "done when": on a laptop, a job coach takes a company from "new" (a valid SIRET)
through a first visit to an open job opening with a ROME title, in one sitting, and the
company's timeline shows each step."""

import pytest
from playwright.sync_api import expect

from employers.enums import NetworkStatus
from employers.models import Employer, JobOpening, ProspectingAction, RomeAppellation, RomeCode
from employers.rome import load_rome
from o2r.reminders.models import Reminder
from tests.browser.conftest import log_in_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coach_brings_a_company_from_new_to_an_open_opening(desktop, coach, assert_accessible):
    # A transactional test empties the tables after it: the reference may need loading again.
    load_rome(RomeCode, RomeAppellation)
    page = log_in_on(desktop, coach)
    page.get_by_role("navigation").get_by_role("link", name="Entreprises").click()
    expect(page.get_by_role("heading", name="Entreprises")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Nouvelle entreprise").click()

    # A wrong check digit first: the message is beside the field, the rest is kept.
    page.get_by_label("Raison sociale ou enseigne").fill("Propreté de l'Erdre")
    page.get_by_label("Secteur").select_option(label="Propreté, nettoyage")
    page.get_by_label("SIRET (facultatif)").fill("732 829 320 00075")
    page.get_by_label("Commune").fill("Nantes")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Ce SIRET n'est pas valide")).to_be_visible()
    expect(page.get_by_label("Raison sociale ou enseigne")).to_have_value("Propreté de l'Erdre")
    assert_accessible(page)
    page.get_by_label("SIRET (facultatif)").fill("732 829 320 00074")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", name="Propreté de l'Erdre")).to_be_visible()
    expect(page.locator("#fiche")).to_contain_text("732 829 320 00074")
    assert_accessible(page)

    # The first visit: the job was analysed with the manager.
    page.locator("#noter-demarche summary").click()
    form = page.locator("#noter-demarche")
    form.get_by_label("Démarche").select_option(label="Visite sur place")
    form.get_by_label("Résultat").select_option(label="Poste analysé, offre identifiée")
    form.get_by_label("En quelques mots (facultatif)").fill(
        "Visite du site avec la gérante : un poste d'agent de propreté, le matin."
    )
    form.get_by_role("button", name="Enregistrer la démarche").click()
    expect(page.get_by_role("alert")).to_contain_text("Statut : À prospecter → Rencontrée")
    assert_accessible(page)

    # The opening, with its ROME title found by the type-ahead.
    page.get_by_role("link", name="Nouvelle offre").click()
    expect(page.get_by_role("heading", name="Nouvelle offre")).to_be_visible()
    page.get_by_label("Métier (ROME)").fill("agent propreté locaux")
    results = page.locator("#rome-results")
    expect(results).to_contain_text("Agent / Agente de propreté de locaux")
    assert_accessible(page)
    results.get_by_text("Agent / Agente de propreté de locaux").click()
    expect(page.locator("[data-o2r-rome-chosen]")).to_contain_text("K2204")
    page.get_by_label("Contrat").select_option(label="CDI")
    page.get_by_label("Heures par semaine").fill("35")
    page.get_by_label("Temps plein").check()
    page.locator("#opening-form button[type=submit]").click()

    expect(page.get_by_role("heading", name="Agent / Agente de propreté de locaux")).to_be_visible()
    assert_accessible(page)

    employer = Employer.objects.get()
    assert employer.siret == "73282932000074"
    assert employer.status == NetworkStatus.MET
    assert ProspectingAction.objects.get().employer == employer
    opening = JobOpening.objects.get()
    assert opening.is_open and opening.rome_id == "K2204" and opening.employer == employer
    assert not Reminder.objects.exists()  # no next step was given

    # The company's timeline, newest first: each step of the sitting.
    page.goto(employer.get_absolute_url())
    timeline = page.locator("#historique")
    expect(timeline).to_contain_text("Entrée dans le réseau")
    expect(timeline).to_contain_text("Visite sur place : Poste analysé, offre identifiée")
    expect(timeline).to_contain_text("À prospecter → Rencontrée")
    expect(timeline).to_contain_text("Offre captée : Agent / Agente de propreté de locaux (CDI)")
    expect(page.locator("#offres")).to_contain_text("Agent / Agente de propreté de locaux")
    assert_accessible(page)
