"""The accompaniment screens through the test client: the caseload (its columns, its order,
suspended accompaniments, the manager's team, its query budget), the accompaniment page read
by the officer and worked on by the coach (contacts, exit, the situation six months later),
the wishes form and its history; double submissions, hostile values (never a 500, nothing
written) and who gets 404 on what."""

import datetime
import uuid

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from employment import services
from employment.models import Accompaniment, CoachContact, JobWishes
from o2r.accounts.enums import Role
from residents import services as resident_services
from residents.enums import ConsentScope, Stage
from residents.models import Consent, Resident
from tests.accounts.factories import UserFactory
from tests.employers.factories import rome_title
from tests.employment.factories import (
    AccompanimentFactory,
    CoachContactFactory,
    FollowUpFactory,
    PlacementFactory,
)
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db

HOSTILE = ["x" * 100_000, "\x00", "-1", "99999999999999999999", "' OR 1=1 --"]
CONFIDENTIAL = "Parle de ses dettes et de son fils."


def _url(name, *args):
    return reverse(f"employment:{name}", args=args)


def _now_fields():
    now = timezone.localtime()
    return {"on": now.date().isoformat(), "at_time": now.strftime("%H:%M")}


def _contact(**data):
    return {
        "token": str(uuid.uuid4()),
        "with_whom": "person",
        "channel": "meeting",
        **_now_fields(),
        "employer": "",
        "summary": "Point sur les horaires du matin.",
        "next_step": "",
        "next_step_on": "",
        **data,
    }


def _member(coach, organisation, officer, residence, *, first_name="Fatou", days=60):
    """An open accompaniment of `coach`, the sharing consent standing (rows built directly)."""
    resident = ResidentFactory(
        first_name=first_name, residence=residence, stage=Stage.ACCOMPANIED, job_coach=coach
    )
    Consent.objects.create(
        resident=resident,
        scope=ConsentScope.SHARING,
        recipient_organisation=organisation,
        given_on=timezone.localdate() - datetime.timedelta(days=days + 1),
        method="signed_form",
        recorded_by=officer,
    )
    return AccompanimentFactory(
        resident=resident,
        coach=coach,
        organisation=organisation,
        started_on=timezone.localdate() - datetime.timedelta(days=days),
    )


def _ago(days):
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def coach_client(client, coach):
    client.force_login(coach)
    return client


# --- The caseload ---------------------------------------------------------------------------


def test_the_coach_sees_her_caseload(coach_client, accompaniment):
    response = coach_client.get(_url("caseload"))
    assert response.status_code == 200
    body = response.content.decode()
    assert _url("accompaniment", accompaniment.pk) in body
    assert "KONÉ" in body
    assert "aucun contact" in body
    assert "1 / 50" in body
    assert _url("orientations") in body
    coach_client.post(_url("contact_add", accompaniment.pk), _contact())
    body = coach_client.get(_url("caseload")).content.decode()
    assert "aucun contact" not in body
    assert "aujourd&#x27;hui" in body or "aujourd'hui" in body


def test_overdue_follow_ups_first_then_the_longest_without_contact(
    coach_client, coach, adelis, officer, nantes_residences, employer
):
    residence = nantes_residences[0]
    recent = _member(coach, adelis, officer, residence, first_name="Recent")
    CoachContactFactory(accompaniment=recent, at=_ago(2))
    older = _member(coach, adelis, officer, residence, first_name="Older")
    CoachContactFactory(accompaniment=older, at=_ago(10))
    # A contact with the employer alone is not a contact with the person.
    CoachContactFactory(accompaniment=older, at=_ago(1), with_whom="employer", employer=employer)
    never = _member(coach, adelis, officer, residence, first_name="Never")
    late = _member(coach, adelis, officer, residence, first_name="Late")
    CoachContactFactory(accompaniment=late, at=_ago(0))
    placement = PlacementFactory(accompaniment=late, employer=employer)
    FollowUpFactory(placement=placement, due_on=timezone.localdate() - datetime.timedelta(3))
    response = coach_client.get(_url("caseload"))
    rows = response.context["rows"]
    assert [row.pk for row in rows] == [late.pk, never.pk, older.pk, recent.pk]
    assert [row.overdue_follow_ups for row in rows] == [1, 0, 0, 0]
    assert [row.days_since_contact for row in rows] == [0, None, 10, 2]


def test_the_next_step_is_the_coachs_next_reminder_for_the_person(coach_client, accompaniment):
    soon = timezone.localdate() + datetime.timedelta(days=3)
    coach_client.post(
        _url("contact_add", accompaniment.pk),
        _contact(next_step="Appeler l'agence d'intérim", next_step_on=soon.isoformat()),
    )
    body = coach_client.get(_url("caseload")).content.decode()
    assert "Appeler l&#x27;agence d&#x27;intérim" in body
    assert soon.strftime("%d/%m/%Y") in body


def test_a_suspended_accompaniment_shows_the_first_name_and_initial_only(
    client, coach, officer, accompaniment, engaged
):
    consent = Consent.objects.get(resident=engaged, scope=ConsentScope.SHARING)
    resident_services.consent_withdraw(consent=consent, by=officer)
    client.force_login(coach)
    body = client.get(_url("caseload")).content.decode()
    assert "Suspendu — accord de partage retiré" in body
    assert "Awa K." in body
    assert "KONÉ" not in body
    assert _url("accompaniment", accompaniment.pk) not in body
    assert client.get(_url("accompaniment", accompaniment.pk)).status_code == 404
    client.force_login(officer)
    page = client.get(_url("accompaniment", accompaniment.pk))
    assert page.status_code == 200
    assert "Suspendu — accord de partage retiré" in page.content.decode()
    assert "contact_form" not in page.context
    file = client.get(reverse("residents:detail", args=[engaged.pk])).content.decode()
    assert "Suspendu — accord de partage retiré" in file


def test_past_the_ceiling_the_coach_is_warned(
    coach_client, coach, adelis, officer, nantes_residences, settings
):
    settings.O2R_CASELOAD_CEILING = 1
    _member(coach, adelis, officer, nantes_residences[0])
    assert coach_client.get(_url("caseload")).context["over_ceiling"] is False
    _member(coach, adelis, officer, nantes_residences[0], first_name="Deux")
    response = coach_client.get(_url("caseload"))
    assert response.context["over_ceiling"] is True
    assert 'id="plafond"' in response.content.decode()
    assert "2 / 1" in response.content.decode()


def test_the_manager_sees_every_coach_and_narrows_to_one(
    client, adelis_manager, coach, adelis, officer, nantes_residences
):
    other = UserFactory(
        first_name="Inès", last_name="Roux", organisation=adelis, role=Role.JOB_COACH
    )
    mine = _member(coach, adelis, officer, nantes_residences[0])
    hers = _member(other, adelis, officer, nantes_residences[1], first_name="Zeynep")
    _member(other, adelis, officer, nantes_residences[1], first_name="Yasmina")
    client.force_login(adelis_manager)
    response = client.get(_url("caseload"))
    assert response.status_code == 200
    loads = {member.coach.pk: member.load for member in response.context["team"]}
    assert loads == {coach.pk: 1, other.pk: 2}
    assert {row.pk for row in response.context["rows"]} >= {mine.pk, hers.pk}
    assert len(response.context["rows"]) == 3
    narrowed = client.get(_url("caseload"), {"coach": other.pk})
    assert narrowed.context["chosen"] == other
    assert {row.coach_id for row in narrowed.context["rows"]} == {other.pk}
    assert "2 / 50" in narrowed.content.decode()
    for value in [*HOSTILE, str(officer.pk)]:
        response = client.get(_url("caseload"), {"coach": value})
        assert response.status_code == 200, value
        assert response.context["chosen"] is None
        assert len(response.context["rows"]) == 3


def test_the_caseload_runs_a_fixed_number_of_queries(
    client, coach, adelis, officer, nantes_residences, employer
):
    def add(n, start):
        for i in range(start, start + n):
            accompaniment = _member(
                coach, adelis, officer, nantes_residences[i % 6], first_name=f"P{i}"
            )
            CoachContactFactory(accompaniment=accompaniment, at=_ago(i % 20))
            if i % 5 == 0:
                placement = PlacementFactory(accompaniment=accompaniment, employer=employer)
                FollowUpFactory(
                    placement=placement, due_on=timezone.localdate() - datetime.timedelta(2)
                )

    client.force_login(coach)
    add(3, 0)
    client.get(_url("caseload"))  # the session, once
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(_url("caseload")).context["rows"]) == 3
    add(47, 3)
    # session, user, her organisation, the rows (every column in one query), the closed ones
    with CaptureQueriesContext(connection) as many:
        response = client.get(_url("caseload"))
    assert len(response.context["rows"]) == 50
    assert len(many) == len(few)
    assert len(many) <= 12
    assert sum(row.overdue_follow_ups for row in response.context["rows"]) == 10


def test_closed_accompaniments_wait_for_the_situation_six_months_later(coach_client, accompaniment):
    services.accompaniment_close(
        accompaniment=accompaniment, by=accompaniment.coach, exit_reason="training"
    )
    response = coach_client.get(_url("caseload"))
    assert response.context["rows"] == []
    [closed] = response.context["closed"]
    assert closed.pk == accompaniment.pk
    body = response.content.decode()
    assert "situation à relever le" in body
    assert _url("accompaniment", accompaniment.pk) in body


# --- The accompaniment page -----------------------------------------------------------------


def test_the_coach_works_on_the_page_and_sees_the_files_barriers(
    client, coach, officer, accompaniment, engaged
):
    resident_services.barrier_set(
        resident=engaged, code="mobility", status="identified", by=officer
    )
    resident_services.barrier_set(resident=engaged, code="health", status="identified", by=officer)
    client.force_login(coach)
    response = client.get(_url("accompaniment", accompaniment.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Veut travailler le matin, dans la propreté." in body
    assert "En cours" in body
    assert "Mobilité" in body
    assert "Santé" not in body  # no health consent to Adelis
    assert "B1 — seuil" in body
    assert reverse("residents:edit", args=[engaged.pk]) in body
    for name in ("contact_add", "close", "wishes", "suggestions", "placement_add"):
        assert _url(name, accompaniment.pk) in body, name
    client.force_login(officer)
    body = client.get(_url("accompaniment", accompaniment.pk)).content.decode()
    assert "Santé" in body  # the officer reads health


@pytest.mark.parametrize("reader", ["officer", "adoma_manager", "adelis_manager"])
def test_readers_get_the_page_without_its_forms(client, cast, reader, accompaniment):
    client.force_login(cast[reader])
    response = client.get(_url("accompaniment", accompaniment.pk))
    assert response.status_code == 200
    for form in ("contact_form", "exit_form", "post_exit_form"):
        assert form not in response.context
    body = response.content.decode()
    assert "<form" not in body.split('id="contenu"')[1]
    for name in ("contact_add", "close", "wishes", "placement_add", "post_exit"):
        assert f'"{_url(name, accompaniment.pk)}"' not in body, name
    assert _url("wishes_history", accompaniment.pk) in body


def test_the_coach_notes_a_contact_once_however_many_clicks(coach_client, accompaniment):
    data = _contact()
    first = coach_client.post(_url("contact_add", accompaniment.pk), data)
    assert first.status_code == 302
    assert first["Location"] == accompaniment.get_absolute_url()
    assert coach_client.post(_url("contact_add", accompaniment.pk), data).status_code == 302
    contact = CoachContact.objects.get()
    assert contact.summary == "Point sur les horaires du matin."
    assert contact.by == accompaniment.coach
    resident = Resident.objects.get(pk=accompaniment.resident_id)
    assert resident.last_interaction_at is not None
    page = coach_client.get(_url("accompaniment", accompaniment.pk)).content.decode()
    assert "Point sur les horaires du matin." in page


def test_a_contact_without_a_date_is_now_and_a_time_needs_its_date(coach_client, accompaniment):
    url = _url("contact_add", accompaniment.pk)
    response = coach_client.post(url, _contact(at_time="10:00", on=""))
    assert response.status_code == 200
    assert response.context["contact_form"].errors["on"] == ["Indiquez la date."]
    before = timezone.now()
    assert coach_client.post(url, _contact(on="", at_time="")).status_code == 302
    assert before <= CoachContact.objects.get().at <= timezone.now()


def test_a_contact_with_the_employer_names_it(coach_client, accompaniment, employer):
    url = _url("contact_add", accompaniment.pk)
    response = coach_client.post(url, _contact(with_whom="both"))
    assert response.status_code == 200
    assert response.context["contact_form"].errors["employer"] == [
        "Cherchez puis choisissez l'entreprise."
    ]
    assert not CoachContact.objects.exists()
    response = coach_client.post(url, _contact(with_whom="both", employer=employer.pk))
    assert response.status_code == 302
    assert CoachContact.objects.get().employer == employer


def test_a_contact_in_the_future_is_refused_beside_its_date(coach_client, accompaniment):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = coach_client.post(_url("contact_add", accompaniment.pk), _contact(on=tomorrow))
    assert response.status_code == 200
    assert response.context["contact_form"].errors["on"]
    assert not CoachContact.objects.exists()


def test_hostile_values_on_the_contact_form_are_never_a_500(coach_client, accompaniment):
    fields = [*_contact(), "confidential"]
    for value in HOSTILE:
        response = coach_client.post(
            _url("contact_add", accompaniment.pk), dict.fromkeys(fields, value)
        )
        assert response.status_code == 200, value
        assert response.context["contact_form"].errors, value
    assert not CoachContact.objects.exists()


def test_a_confidential_summary_stays_with_the_coachs_organisation(
    client, coach, officer, accompaniment, engaged
):
    client.force_login(coach)
    client.post(
        _url("contact_add", accompaniment.pk), _contact(summary=CONFIDENTIAL, confidential="on")
    )
    assert CoachContact.objects.get().confidential
    assert CONFIDENTIAL in client.get(_url("accompaniment", accompaniment.pk)).content.decode()
    client.force_login(officer)
    page = client.get(_url("accompaniment", accompaniment.pk)).content.decode()
    assert CONFIDENTIAL not in page
    assert "Note de travail confidentielle" in page
    file = client.get(reverse("residents:detail", args=[engaged.pk])).content.decode()
    assert CONFIDENTIAL not in file
    assert "Contact emploi" in file  # the contact itself is on the timeline
    assert _url("accompaniment", accompaniment.pk) in file  # the panel's link


def _exited_seven_months_ago(accompaniment):
    """Moves a closed accompaniment's dates back, the situation after it now due."""
    ended_on = timezone.localdate() - relativedelta(months=7)
    Accompaniment.objects.filter(pk=accompaniment.pk).update(
        started_on=ended_on - relativedelta(months=6), ended_on=ended_on
    )


def test_the_coach_records_the_exit_then_the_situation_six_months_later(
    coach_client, accompaniment, engaged
):
    response = coach_client.post(
        _url("close", accompaniment.pk),
        {
            "exit_reason": "training",
            "ended_on": timezone.localdate().isoformat(),
            "notes": "Entre en formation CACES.",
        },
    )
    assert response.status_code == 302
    accompaniment.refresh_from_db()
    assert accompaniment.exit_reason == "training"
    assert accompaniment.ended_on == timezone.localdate()
    engaged.refresh_from_db()
    assert engaged.stage == Stage.EXITED
    page = coach_client.get(_url("accompaniment", accompaniment.pk))
    assert "contact_form" not in page.context
    assert "post_exit_form" not in page.context  # six months later, not before
    assert "Formation" in page.content.decode()
    early = coach_client.post(_url("post_exit", accompaniment.pk), {"situation": "training"})
    assert early.status_code == 200
    accompaniment.refresh_from_db()
    assert accompaniment.post_exit_situation == ""
    refused = coach_client.post(_url("contact_add", accompaniment.pk), _contact())
    assert refused.status_code == 200
    assert not CoachContact.objects.exists()
    assert coach_client.get(_url("wishes", accompaniment.pk))["Location"] == (
        accompaniment.get_absolute_url()
    )
    _exited_seven_months_ago(accompaniment)
    assert "post_exit_form" in coach_client.get(_url("accompaniment", accompaniment.pk)).context
    response = coach_client.post(_url("post_exit", accompaniment.pk), {"situation": "training"})
    assert response.status_code == 302
    assert response["Location"] == _url("caseload")
    accompaniment.refresh_from_db()
    assert accompaniment.post_exit_situation == "training"
    assert accompaniment.post_exit_recorded_on == timezone.localdate()


def test_an_exit_needs_a_reason_the_coach_may_give(coach_client, accompaniment):
    url = _url("close", accompaniment.pk)
    today = timezone.localdate().isoformat()
    for data in (
        {"exit_reason": "", "ended_on": today},
        {"exit_reason": "health", "ended_on": today},
    ):
        response = coach_client.post(url, data)
        assert response.status_code == 200
        assert response.context["exit_form"].errors["exit_reason"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = coach_client.post(url, {"exit_reason": "training", "ended_on": tomorrow})
    assert response.status_code == 200
    assert response.context["exit_form"].errors["ended_on"]
    accompaniment.refresh_from_db()
    assert accompaniment.is_open


def test_hostile_values_on_the_exit_forms_are_never_a_500(coach_client, accompaniment):
    for value in HOSTILE:
        response = coach_client.post(
            _url("close", accompaniment.pk),
            dict.fromkeys(["exit_reason", "ended_on", "notes"], value),
        )
        assert response.status_code == 200, value
        assert response.context["exit_form"].errors, value
    accompaniment.refresh_from_db()
    assert accompaniment.is_open
    services.accompaniment_close(
        accompaniment=accompaniment, by=accompaniment.coach, exit_reason="training"
    )
    _exited_seven_months_ago(accompaniment)
    for value in HOSTILE:
        response = coach_client.post(_url("post_exit", accompaniment.pk), {"situation": value})
        assert response.status_code == 200, value
        assert response.context["post_exit_form"].errors, value
    accompaniment.refresh_from_db()
    assert accompaniment.post_exit_situation == ""


def test_the_situation_after_the_exit_waits_for_the_exit(coach_client, accompaniment):
    response = coach_client.post(_url("post_exit", accompaniment.pk), {"situation": "training"})
    assert response.status_code == 200
    accompaniment.refresh_from_db()
    assert accompaniment.post_exit_situation == ""


# --- Wishes and their history ---------------------------------------------------------------


def _wishes(**data):
    return {
        "wanted_rome": "K2204, n1103",
        "wanted_titles": "Agent d'entretien",
        "wanted_sectors": ["cleaning", "logistics"],
        "not_wanted": "Pas de travail de nuit.",
        "hours_min": "20",
        "hours_max": "35",
        "available_days": ["mon", "tue", "wed"],
        "schedules_ok": ["early"],
        "childcare": "arranged",
        "transport": ["public", "bike"],
        "max_commute_minutes": "45",
        "reachable_cities": "Nantes\nRezé, Saint-Herblain",
        "languages": ["fra", "ara"],
        "experience": "Deux ans de ménage en hôtel.",
        **data,
    }


def test_the_coach_notes_the_wishes_and_their_history_is_kept(coach_client, accompaniment, engaged):
    rome_title()  # the ROME reference (a transactional test may have flushed it)
    page = coach_client.get(_url("wishes", accompaniment.pk))
    assert page.status_code == 200
    body = page.content.decode()
    assert "B1 — seuil" in body  # the French level, from the file
    assert reverse("residents:edit", args=[engaged.pk]) in body
    assert reverse("employers:rome_typeahead") in body
    response = coach_client.post(_url("wishes", accompaniment.pk), _wishes())
    assert response.status_code == 302
    wishes = JobWishes.objects.get(resident=engaged)
    assert wishes.wanted_rome == ["K2204", "N1103"]
    assert wishes.reachable_cities == ["Nantes", "Rezé", "Saint-Herblain"]
    assert wishes.schedules_ok == ["early"]
    assert wishes.hours_max == 35
    detail = coach_client.get(_url("accompaniment", accompaniment.pk)).content.decode()
    assert "Propreté, nettoyage" in detail
    assert "Rezé" in detail
    coach_client.post(_url("wishes", accompaniment.pk), _wishes(hours_max="30"))
    history = coach_client.get(_url("wishes_history", accompaniment.pk))
    assert history.status_code == 200
    versions = history.context["versions"]
    assert len(versions) == 2
    assert versions[0].by == accompaniment.coach
    assert [(c.before, c.after) for c in versions[0].changes] == [("35", "30")]
    assert "Claire Moreau" in history.content.decode()
    form = coach_client.get(_url("wishes", accompaniment.pk)).context["form"]
    assert form.initial["wanted_rome"] == "K2204, N1103"


def test_wishes_are_refused_beside_their_fields(coach_client, accompaniment):
    url = _url("wishes", accompaniment.pk)
    response = coach_client.post(url, _wishes(hours_min="30", hours_max="20"))
    assert response.status_code == 200
    assert response.context["form"].errors["hours_max"]
    response = coach_client.post(url, _wishes(wanted_rome="Z9999"))
    assert response.status_code == 200
    assert response.context["form"].errors["wanted_rome"] == [
        "Choisissez les métiers dans la liste ROME."
    ]
    assert not JobWishes.objects.exists()


def test_hostile_values_on_the_wishes_form_are_never_a_500(coach_client, accompaniment):
    fields = [*_wishes(), "rome_q"]
    for value in HOSTILE:
        response = coach_client.post(_url("wishes", accompaniment.pk), dict.fromkeys(fields, value))
        assert response.status_code == 200, value
        assert response.context["form"].errors, value
    assert not JobWishes.objects.exists()


# --- Who reaches what -----------------------------------------------------------------------


def _writes(accompaniment):
    return [
        _url("contact_add", accompaniment.pk),
        _url("close", accompaniment.pk),
        _url("post_exit", accompaniment.pk),
        _url("wishes", accompaniment.pk),
    ]


@pytest.mark.parametrize("member", ["outsider", "staff", "administrator"])
def test_outsiders_staff_and_administrators_get_404_everywhere(client, cast, member, accompaniment):
    client.force_login(cast[member])
    for name in ("caseload",):
        assert client.get(_url(name)).status_code == 404
    for name in ("accompaniment", "wishes", "wishes_history"):
        assert client.get(_url(name, accompaniment.pk)).status_code == 404, name
    for url in _writes(accompaniment):
        assert client.post(url, _contact(exit_reason="training")).status_code == 404, url
    accompaniment.refresh_from_db()
    assert accompaniment.is_open
    assert not CoachContact.objects.exists()


def test_the_officer_reads_but_writes_nothing(client, officer, accompaniment):
    client.force_login(officer)
    assert client.get(_url("accompaniment", accompaniment.pk)).status_code == 200
    assert client.get(_url("wishes_history", accompaniment.pk)).status_code == 200
    assert client.get(_url("caseload")).status_code == 404
    assert client.get(_url("wishes", accompaniment.pk)).status_code == 404
    for url in _writes(accompaniment):
        data = {**_contact(), **_wishes(), "exit_reason": "training", "situation": "training"}
        assert client.post(url, data).status_code == 404, url
    accompaniment.refresh_from_db()
    assert accompaniment.is_open
    assert not CoachContact.objects.exists()
    assert not JobWishes.objects.exists()


def test_another_coach_does_not_reach_the_accompaniment(client, adelis, accompaniment):
    other = UserFactory(organisation=adelis, role=Role.JOB_COACH)
    client.force_login(other)
    assert client.get(_url("caseload")).context["rows"] == []
    assert client.get(_url("accompaniment", accompaniment.pk)).status_code == 404
    assert client.post(_url("contact_add", accompaniment.pk), _contact()).status_code == 404


@pytest.mark.parametrize(
    ("member", "links"),
    [
        ("coach", ["caseload", "orientations"]),
        ("adelis_manager", ["caseload", "orientations"]),
        ("officer", []),
    ],
)
def test_the_home_page_leads_to_the_caseload_and_the_inbox(client, cast, member, links):
    client.force_login(cast[member])
    body = client.get(reverse("home")).content.decode()
    for name in ("caseload", "orientations"):
        assert (f'href="{_url(name)}"' in body) is (name in links), (member, name)


@pytest.mark.parametrize("pk", [999999, 2**63, 10**30])
def test_ids_that_do_not_exist_are_404(coach_client, pk):
    for name in ("accompaniment", "wishes", "wishes_history"):
        assert coach_client.get(_url(name, pk)).status_code == 404
    for name in ("contact_add", "close", "post_exit"):
        assert coach_client.post(_url(name, pk)).status_code == 404
