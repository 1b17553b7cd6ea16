"""The company type-ahead of the coach's forms on a 360-px phone: she notes a call with an
employer found by typing a few letters and picked with the keyboard, then records a hire found
alone, the employer's openings listed once it is chosen. No list of the territory's companies
in the pages; no Content Security Policy violation (watched by the fixture)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from employers.models import RomeAppellation, RomeCode
from employers.rome import load_rome
from employment import services
from employment.models import CoachContact, Placement
from residents import services as resident_services
from residents.enums import ConsentScope, Stage
from tests.employers.factories import EmployerFactory, JobOpeningFactory
from tests.residents.factories import ResidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _accompaniment(officer, coach, adelis, residence):
    resident = ResidentFactory(
        first_name="Awa", last_name="Koné", residence=residence, stage=Stage.ENGAGED,
        insertion_officer=officer,
    )  # fmt: skip
    today = timezone.localdate()
    for scope, organisation in ((ConsentScope.ACCOMPANIMENT, None), (ConsentScope.SHARING, adelis)):
        resident_services.consent_record(
            resident=resident, scope=scope, given_on=today, method="oral", by=officer,
            recipient_organisation=organisation,
        )  # fmt: skip
    orientation = services.orientation_create(
        resident=resident, organisation=adelis, by=officer, reason="Cherche le matin."
    )
    return services.orientation_accept(orientation=orientation, by=coach)


def test_coach_finds_the_employer_by_typing_on_a_phone(
    log_in, officer, coach, adelis, nantes_residences, assert_accessible
):
    # A transactional test empties the tables after it: the reference may need loading again.
    load_rome(RomeCode, RomeAppellation)
    accompaniment = _accompaniment(officer, coach, adelis, nantes_residences[0])
    erdre = EmployerFactory(name="Propreté de l'Erdre", city="Nantes", created_by=coach)
    EmployerFactory(name="Propreté Atlantique", city="Rezé", created_by=coach)
    JobOpeningFactory(employer=erdre, title="Agent de propreté du matin", created_by=coach)
    JobOpeningFactory(
        employer=EmployerFactory(name="Boulangerie du Port", created_by=coach),
        title="Boulanger de nuit",
        created_by=coach,
    )
    page = log_in(coach)

    # A call with the employer: the company found by a few letters, picked with the keyboard.
    page.goto(accompaniment.get_absolute_url())
    page.locator("#contacts summary").click()
    form = page.locator("#contact_form")
    form.get_by_label("L'employeur", exact=True).check()
    form.get_by_label("Comment").select_option(label="Téléphone")
    search = form.get_by_label("Entreprise")
    search.fill("propre")
    results = page.locator("#contact_employer_q-resultats")
    expect(results.get_by_role("radio")).to_have_count(2)
    expect(results).to_contain_text("Propreté de l'Erdre")
    assert_accessible(page)
    # Tab to the first found (Propreté Atlantique), Space, then the arrow to the next one.
    search.press("Tab")
    page.keyboard.press("Space")
    chosen = form.locator("[data-o2r-employer-chosen]")
    expect(chosen).to_contain_text("Propreté Atlantique (Rezé)")
    page.keyboard.press("ArrowDown")
    expect(chosen).to_be_visible()
    expect(chosen).to_contain_text("Propreté de l'Erdre (Nantes)")
    expect(search).to_have_value("Propreté de l'Erdre (Nantes)")
    # Enter in the search box does not send the half-filled form.
    search.press("Enter")
    expect(form).to_be_visible()
    form.get_by_label("En quelques mots").fill("La gérante attend un CV pour lundi.")
    form.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.get_by_text("Contact enregistré.")).to_be_visible()
    assert CoachContact.objects.get().employer == erdre
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # A hire found alone: the employer picked, its openings listed (only its own).
    page.get_by_role("link", name="Enregistrer une embauche").click()
    hire = page.locator("#embauche-form")
    openings = hire.get_by_label("Offre (facultatif)")
    expect(openings.locator("option")).to_have_count(1)
    hire.get_by_label("Employeur").fill("erdre")
    hire.locator("#id_employer_q-resultats").get_by_text("Propreté de l'Erdre").click()
    expect(openings.locator("option")).to_have_count(2)
    expect(openings).to_contain_text("Agent de propreté du matin")
    expect(openings).not_to_contain_text("Boulanger de nuit")
    openings.select_option(label="Agent de propreté du matin (Nantes)")
    hire.get_by_label("Contrat").select_option(label="CDI")
    hire.get_by_label("Premier jour").fill(timezone.localdate().isoformat())
    hire.get_by_label("Heures par semaine").fill("35")
    assert_accessible(page)
    hire.locator("button[type=submit]").click()
    placement = Placement.objects.get(accompaniment=accompaniment)
    page.wait_for_url(f"**{placement.get_absolute_url()}")
    assert placement.employer == erdre and placement.opening.title == "Agent de propreté du matin"
