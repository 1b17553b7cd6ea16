"""The hall session on a 360-px phone, as the issue's "done when" describes it: start in one
tap, add three people (one by the type-ahead, one new, one without a name), record "interested"
with the accompaniment consent for one, close — and the resident's timeline shows the contact."""

import pytest
from playwright.sync_api import expect

from outreach.models import Contact, OutreachAction
from residents.enums import Stage
from residents.models import Resident
from tests.residents.factories import ResidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_runs_a_hall_session_on_a_phone(
    log_in, officer, nantes_residences, assert_accessible
):
    hall = nantes_residences[0]
    fatoumata = ResidentFactory(
        first_name="Fatoumata", last_name="Diallo", residence=hall, stage=None
    )
    ResidentFactory(first_name="Fatou", last_name="Diallo", residence=nantes_residences[1])
    page = log_in(officer)
    assert_accessible(page)

    page.get_by_role("combobox", name="Résidence").select_option(str(hall.pk))
    page.get_by_role("button", name="Démarrer une permanence").click()
    expect(page.get_by_role("heading", name="Permanence dans le hall")).to_be_visible()
    assert_accessible(page)

    # By the type-ahead: only the residents of this residence, accents and case folded.
    contact_form = page.locator("#contact-form")
    contact_form.get_by_label("Nom, prénom ou téléphone").fill("DIÂLLO")
    results = page.locator("#typeahead-results")
    expect(results).to_contain_text("DIALLO Fatoumata")
    expect(results.get_by_role("radio")).to_have_count(1)
    assert_accessible(page)
    results.get_by_text("DIALLO Fatoumata").click()
    consent = contact_form.get_by_label("La personne donne son accord pour être accompagnée")
    expect(consent).to_be_hidden()
    contact_form.get_by_text("Intéressé·e", exact=True).click()
    expect(consent).to_be_visible()
    consent.check()
    contact_form.get_by_label("En une ligne (facultatif)").fill("Veut travailler en cuisine")
    contact_form.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.get_by_text("Contact enregistré.")).to_be_visible()
    expect(page.locator("#contacts")).to_contain_text("DIALLO Fatoumata")
    assert_accessible(page)

    # Someone new: a first name and a unit.
    new_form = page.locator("#new-form")
    new_form.get_by_label("Prénom").fill("Awa")
    new_form.get_by_label("Logement (facultatif)").fill("B12")
    new_form.locator("label", has_text="Pas maintenant").click()
    new_form.get_by_role("button", name="Enregistrer la nouvelle personne").click()
    expect(page.get_by_text("Nouvelle personne enregistrée.")).to_be_visible()
    expect(page.locator("#contacts")).to_contain_text("Awa")

    # Someone who gave no name.
    page.get_by_role("button", name="+1 personne sans nom").click()
    expect(page.locator("#compte-sans-nom")).to_have_text("1")
    expect(page.locator("#compte-nommees")).to_have_text("2")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="Clore la permanence").click()
    expect(page.get_by_role("heading", name="Bilan de la permanence")).to_be_visible()
    expect(page.get_by_role("button", name="Clore la permanence")).to_have_count(0)
    assert_accessible(page)

    action = OutreachAction.objects.get()
    assert action.ended_at is not None and action.unnamed_count == 1
    assert Contact.objects.filter(action=action).count() == 2
    fatoumata.refresh_from_db()
    assert fatoumata.stage == Stage.ENGAGED
    assert Resident.objects.get(first_name="Awa").housing_unit == "B12"

    page.goto(fatoumata.get_absolute_url())
    expect(page.get_by_text("Contact (dans le hall) : Intéressé·e")).to_be_visible()
    assert_accessible(page)
