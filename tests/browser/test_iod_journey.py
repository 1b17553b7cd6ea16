"""The issue's "done when": one resident walked from the officer's orientation to a durable
placement and its four follow-ups, through the pages — the officer on a phone, the coach on a
desktop —, and the timeline shows every step in order, for the coach and, read-only, for the
officer.

The server's clock is moved (time-machine, in this process: the live server's thread shares
it) so that each follow-up is recorded on its own day: the hire starts on 31 January 2027, so
M1 falls on 28 February."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from employers.models import RomeAppellation, RomeCode
from employers.rome import load_rome
from employment.models import Accompaniment, FollowUp, Introduction, Placement
from o2r.reminders.models import Reminder
from residents import services as resident_services
from residents.enums import ConsentScope, Stage
from residents.models import Resident
from tests.browser.conftest import log_in_on
from tests.employers.factories import EmployerFactory, JobOpeningFactory, rome_title
from tests.residents.factories import ResidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _move(time_machine, day, hour=10):
    time_machine.move_to(_at(day, hour), tick=True)


def test_one_resident_from_orientation_to_a_durable_job(
    phone, desktop, officer, coach, adelis, nantes_residences, time_machine, assert_accessible
):
    load_rome(RomeCode, RomeAppellation)
    _move(time_machine, datetime.date(2027, 1, 25))
    today = timezone.localdate()
    resident = ResidentFactory(
        first_name="Awa", last_name="Koné", residence=nantes_residences[0], stage=Stage.ENGAGED,
        insertion_officer=officer, french_level="b1",
    )  # fmt: skip
    for scope, organisation in ((ConsentScope.ACCOMPANIMENT, None), (ConsentScope.SHARING, adelis)):
        resident_services.consent_record(
            resident=resident, scope=scope, given_on=today, method="oral", by=officer,
            recipient_organisation=organisation,
        )  # fmt: skip
    employer = EmployerFactory(name="Propreté de l'Erdre", city="Nantes", created_by=coach)
    opening = JobOpeningFactory(
        employer=employer, rome_appellation=rome_title(), weekly_hours=35, positions=1,
        working_days=["mon", "tue", "wed", "thu", "fri"], created_by=coach,
    )  # fmt: skip

    # 1. The officer, on her phone, orients Awa to Adelis from her file.
    officer_page = log_in_on(phone, officer)
    officer_page.goto(resident.get_absolute_url())
    officer_page.get_by_role("link", name="Orienter vers l'emploi").click()
    form = officer_page.locator("#orient_form")
    form.get_by_label("Structure d'accompagnement vers l'emploi").select_option(label=str(adelis))
    form.get_by_label("Pourquoi cette orientation").fill(
        "Veut travailler le matin, dans la propreté ; disponible tout de suite."
    )
    assert_accessible(officer_page)
    form.get_by_role("button", name="Orienter").click()
    expect(officer_page.locator("#emploi-orientation")).to_contain_text("en attente")

    # 2. The coach sees the summary only, accepts, and fills in the wishes.
    coach_page = log_in_on(desktop, coach)
    coach_page.goto("/accompagnement/orientations/")
    coach_page.get_by_role("link", name=re.compile("Awa", re.I)).first.click()
    expect(coach_page.locator("#pourquoi")).to_contain_text("Veut travailler le matin")
    assert_accessible(coach_page)
    coach_page.get_by_role("button", name="J'accompagne cette personne").click()
    accompaniment = Accompaniment.objects.get(resident=resident)
    coach_page.wait_for_url(f"**{accompaniment.get_absolute_url()}")
    assert_accessible(coach_page)

    coach_page.goto(f"/accompagnement/{accompaniment.pk}/souhaits/")
    coach_page.get_by_label("Métiers souhaités (codes ROME)").fill(opening.rome_id)
    coach_page.get_by_label("Heures par semaine, au plus").fill("35")
    coach_page.get_by_label("Communes accessibles").fill("Nantes\nRezé")
    assert_accessible(coach_page)
    coach_page.get_by_role("button", name="Enregistrer").click()
    coach_page.wait_for_url(f"**{accompaniment.get_absolute_url()}")

    # 3. The suggestion, its reasons, the proposal and the meeting at the workplace.
    coach_page.goto(f"/accompagnement/{accompaniment.pk}/suggestions/")
    suggestion = coach_page.locator("#suggestions li").first
    expect(suggestion).to_contain_text("Propreté de l'Erdre")
    expect(suggestion).to_contain_text("Métier souhaité")
    assert_accessible(coach_page)
    suggestion.get_by_role("button", name="Proposer à la personne").click()
    introduction = Introduction.objects.get(accompaniment=accompaniment)
    coach_page.wait_for_url(f"**{introduction.get_absolute_url()}")
    coach_page.locator("#etape-accepted button[type=submit]").click()
    schedule = coach_page.locator("#etape-interview_scheduled")
    schedule.locator("[name='interview_scheduled-interview_on']").fill("2027-01-28")
    schedule.locator("[name='interview_scheduled-interview_time']").fill("10:00")
    schedule.locator("[name='interview_scheduled-interview_place']").fill(
        "12 rue de la Tannerie, Nantes"
    )
    schedule.locator("[name='interview_scheduled-interview_contact']").fill("Mme Le Goff")
    assert_accessible(coach_page)
    schedule.get_by_role("button", name="Prévoir la rencontre").click()
    expect(coach_page.locator("#statut")).to_contain_text("Rencontre prévue")
    eve = Reminder.objects.get(dedup_key=f"introduction:{introduction.pk}:sms_eve")
    assert timezone.localtime(eve.due_at) == _at(datetime.date(2027, 1, 27))

    # 4. The meeting took place; the hire on a CDI starting 31 January.
    _move(time_machine, datetime.date(2027, 1, 28), 14)
    coach_page = log_in_on(desktop, coach)
    coach_page.goto(introduction.get_absolute_url())
    coach_page.locator("#etape-interview_held button[type=submit]").click()
    coach_page.get_by_role("link", name="Enregistrer l'embauche").click()
    hire = coach_page.locator("#embauche-form")
    hire.get_by_label("Contrat").select_option(label="CDI")
    hire.get_by_label("Premier jour").fill("2027-01-31")
    hire.get_by_label("Heures par semaine").fill("35")
    assert_accessible(coach_page)
    hire.locator("button[type=submit]").click()
    placement = Placement.objects.get(accompaniment=accompaniment)
    coach_page.wait_for_url(f"**{placement.get_absolute_url()}")
    expect(coach_page.locator("#qualite")).to_contain_text("durable")
    assert_accessible(coach_page)
    resident.refresh_from_db()
    opening.refresh_from_db()
    assert resident.stage == Stage.EMPLOYED and opening.status == "filled"
    due = dict(FollowUp.objects.filter(placement=placement).values_list("milestone", "due_on"))
    assert due == {
        "d7": datetime.date(2027, 2, 7),
        "m1": datetime.date(2027, 2, 28),
        "m3": datetime.date(2027, 4, 30),
        "m6": datetime.date(2027, 7, 31),
    }

    # 5. The four follow-ups, each on its day (the session ends meanwhile: she signs in).
    for milestone, day, with_whom in (
        ("d7", datetime.date(2027, 2, 8), "Avec la personne"),
        ("m1", datetime.date(2027, 3, 1), "Avec les deux"),
        ("m3", datetime.date(2027, 5, 3), "Avec l'employeur"),
        ("m6", datetime.date(2027, 8, 2), "Avec les deux"),
    ):
        _move(time_machine, day)
        follow_up = FollowUp.objects.get(placement=placement, milestone=milestone)
        coach_page = log_in_on(desktop, coach)
        coach_page.goto(placement.get_absolute_url())
        card = coach_page.locator(f"#suivi-{follow_up.pk}")
        card.locator("summary").click()
        card.get_by_label(with_whom).check()
        card.get_by_label("Ce qui s'est dit").fill(f"Suivi {milestone} : tout va bien.")
        if milestone == "m6":
            card.get_by_label("Oui").check()
        card.locator("button[type=submit]").click()
        expect(coach_page.get_by_role("alert").first).to_contain_text("enregistré")
        follow_up.refresh_from_db()
        assert follow_up.done_on == day
    assert Placement.objects.still_employed_at_6_months().filter(pk=placement.pk).exists()

    # 6. The timeline, in order, for the coach; and read-only for the officer.
    expected_order = [
        "Orientation vers",
        "Accompagnement vers l'emploi commencé",
        "Offre proposée",
        "acceptée par la personne",
        "rencontre prévue",
        "rencontre faite",
        "embauche",
        "Suivi J+7",
        "Suivi M+1",
        "Suivi M+3",
        "Suivi M+6",
    ]
    for page in (coach_page, log_in_on(phone, officer)):
        page.goto(resident.get_absolute_url())
        timeline = page.locator("#chronologie").inner_text().lower()
        positions = [timeline.rfind(step.lower()) for step in expected_order]
        assert all(p >= 0 for p in positions), list(zip(expected_order, positions, strict=True))
        # Newest first on the page: the steps appear in reverse order.
        assert positions == sorted(positions, reverse=True), list(
            zip(expected_order, positions, strict=True)
        )
        assert_accessible(page)
    officer_page = page
    officer_page.goto(accompaniment.get_absolute_url())
    expect(officer_page.locator("form[action*='/accompagnement/']")).to_have_count(0)
    assert Resident.objects.get(pk=resident.pk).stage == Stage.EMPLOYED
