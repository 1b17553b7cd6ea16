"""Recording a hire, a placement's page, its follow-ups in the job and its early end, through
the test client: who reaches what, the hire after an introduction and the hire found alone,
the service's refusals beside the fields with nothing written (a closed opening, a person no
longer "accompanied", the sharing consent withdrawn, dates), double submissions and hostile
values."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from employers.enums import OpeningStatus
from employers.services import job_opening_close
from employment import services
from employment.enums import IntroductionStatus, Milestone
from employment.models import Accompaniment, FollowUp, Introduction, Placement
from o2r.reminders.models import Reminder
from residents.enums import Stage
from residents.models import Resident
from residents.services import consent_withdraw
from tests.employers.factories import EmployerFactory, JobOpeningFactory
from tests.employment.factories import IntroductionFactory

pytestmark = pytest.mark.django_db

HOSTILE = ["x" * 100_000, "\x00", "-1", "99999999999999999999", "' OR 1=1 --", "2026-02-30"]
TODAY = timezone.localdate


def _url(name, *args):
    return reverse(f"employment:{name}", args=args)


def _days(n):
    return TODAY() + datetime.timedelta(days=n)


@pytest.fixture
def coach_client(client, coach):
    client.force_login(coach)
    return client


@pytest.fixture
def started_earlier(accompaniment):
    """The accompaniment opened two months ago (hires and follow-ups in the past)."""
    Accompaniment.objects.filter(pk=accompaniment.pk).update(started_on=_days(-60))
    accompaniment.refresh_from_db()
    return accompaniment


@pytest.fixture
def held(accompaniment, opening, coach):
    """An introduction whose meeting at the workplace took place."""
    introduction = services.introduction_propose(
        accompaniment=accompaniment, opening=opening, by=coach
    )
    for to, kwargs in [
        (IntroductionStatus.ACCEPTED, {}),
        (
            IntroductionStatus.INTERVIEW_SCHEDULED,
            {
                "interview_at": timezone.now() + datetime.timedelta(hours=2),
                "interview_place": "Ici",
            },
        ),
        (IntroductionStatus.INTERVIEW_HELD, {}),
    ]:
        services.introduction_move(introduction=introduction, to=to, by=coach, **kwargs)
    return introduction


def _record(accompaniment, coach, *, start_on=None, introduction=None, employer=None, **data):
    return services.placement_record(
        accompaniment=accompaniment,
        by=coach,
        introduction=introduction,
        data={
            "contract_type": "cdi",
            "start_on": start_on or TODAY(),
            "weekly_hours": "35",
            "employer": employer,
            **data,
        },
    )


@pytest.fixture
def placement(started_earlier, coach, employer):
    """A CDI started ten days ago: its D+7 follow-up is overdue."""
    return _record(
        started_earlier,
        coach,
        start_on=_days(-10),
        employer=employer,
        job_title="Agent de propreté",
    )


def _hire(**data):
    return {
        "token": str(uuid.uuid4()),
        "job_title": "Agent de propreté",
        "contract_type": "cdd",
        "start_on": TODAY().isoformat(),
        "end_on": _days(270).isoformat(),
        "weekly_hours": "28",
        "trial_period_end_on": _days(30).isoformat(),
        "onboarding_first_days": "Deux jours en binôme avec Mme Guérin.",
        "onboarding_tasks": "Bureaux du rez-de-chaussée.",
        "onboarding_rhythm": "Matins seulement la première semaine.",
        "onboarding_helper": "Mme Guérin, cheffe d'équipe",
        **data,
    }


def _add_url(accompaniment, introduction=None):
    url = _url("placement_add", accompaniment.pk)
    return f"{url}?introduction={introduction.pk}" if introduction else url


def _follow_up_data(follow_up, **data):
    prefix = f"suivi-{follow_up.pk}-"
    values = {
        "done_on": TODAY().isoformat(),
        "with_whom": "both",
        "notes": "Tout va bien",
        "issues": "",
        **data,
    }
    return {prefix + name: value for name, value in values.items()}


def _end_data(**data):
    values = {"ended_on": TODAY().isoformat(), "reason": "resignation", "notes": "", **data}
    return {f"fin-{name}": value for name, value in values.items()}


def _written():
    return (
        sorted(Placement.objects.values_list("pk", "ended_on", "end_reason")),
        sorted(FollowUp.objects.values_list("pk", "done_on", "cancelled_on", "still_employed")),
        sorted(Resident.objects.values_list("pk", "stage")),
        sorted(Introduction.objects.values_list("pk", "status")),
        Reminder.objects.count(),
    )


# --- Who reaches what ---------------------------------------------------------------------

READERS = {"officer", "adoma_manager", "adelis_manager"}


def test_each_member_of_the_cast_reaches_what_the_table_gives(
    client, cast, placement, started_earlier, employer
):
    follow_up = placement.follow_ups.first()
    requests = [
        ("get", _add_url(started_earlier), None),
        ("post", _add_url(started_earlier), _hire(employer=employer.pk)),
        ("get", _url("placement", placement.pk), None),
        ("post", _url("placement_end", placement.pk), _end_data()),
        ("post", _url("follow_up", follow_up.pk), _follow_up_data(follow_up)),
    ]
    before = _written()
    for member, user in cast.items():
        if member == "coach":
            continue
        client.force_login(user)
        for method, url, data in requests:
            response = getattr(client, method)(url, data or {})
            readable = member in READERS and url == _url("placement", placement.pk)
            assert response.status_code == (200 if readable else 404), (member, url)
    assert _written() == before
    client.force_login(cast["coach"])
    for method, url, data in requests:
        assert getattr(client, method)(url, data or {}).status_code in (200, 302), url


@pytest.mark.parametrize("pk", [999_999, 2**31, 2**63, 10**30])
def test_ids_that_do_not_exist_are_404(coach_client, accompaniment, pk):
    assert coach_client.get(_url("placement_add", pk)).status_code == 404
    assert coach_client.get(_url("placement", pk)).status_code == 404
    assert coach_client.post(_url("placement_end", pk), _end_data()).status_code == 404
    assert coach_client.post(_url("follow_up", pk)).status_code == 404


def test_the_officer_reads_the_placement_without_forms(client, officer, placement):
    client.force_login(officer)
    response = client.get(_url("placement", placement.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Agent de propreté" in body and "Emploi durable" in body and "J+7" in body
    main = body.split("<main", 1)[1]
    assert "<form" not in main
    assert response.context["end_form"] is None
    assert all(row["form"] is None for row in response.context["follow_ups"])


# --- Recording a hire ---------------------------------------------------------------------


def test_the_hire_after_an_introduction(coach_client, accompaniment, held, opening, engaged):
    url = _add_url(accompaniment, held)
    page = coach_client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Net&#x27;Atlantique" in body and opening.title in body
    form = page.context["form"]
    assert "employer" not in form.fields and "opening" not in form.fields
    assert form["job_title"].value() == opening.title and form["contract_type"].value() == "cdi"
    response = coach_client.post(url, _hire(contract_type="cdi", end_on="", weekly_hours="35"))
    placement = Placement.objects.get()
    assert response.status_code == 302 and response["Location"] == placement.get_absolute_url()
    assert (placement.opening, placement.employer, placement.introduction) == (
        opening,
        opening.employer,
        held,
    )
    assert placement.onboarding_helper == "Mme Guérin, cheffe d'équipe"
    held.refresh_from_db()
    opening.refresh_from_db()
    engaged.refresh_from_db()
    assert held.status == IntroductionStatus.HIRED and opening.status == OpeningStatus.FILLED
    assert engaged.stage == Stage.EMPLOYED
    assert placement.follow_ups.count() == 4


def test_a_hire_found_alone_names_its_employer(coach_client, accompaniment, coach, engaged):
    bakery = EmployerFactory(name="Boulangerie Le Fournil", created_by=coach)
    page = coach_client.get(_add_url(accompaniment))
    assert bakery in page.context["form"].fields["employer"].queryset
    response = coach_client.post(_add_url(accompaniment), _hire(employer=bakery.pk))
    placement = Placement.objects.get()
    assert response["Location"] == placement.get_absolute_url()
    assert placement.employer == bakery and placement.opening is None
    assert placement.contract_type == "cdd" and placement.end_on == _days(270)
    assert str(placement.weekly_hours) == "28.0"


def test_a_hire_on_an_opening_of_the_list(coach_client, accompaniment, employer):
    opening = JobOpeningFactory(employer=employer, title="Laveur de vitres", positions=2)
    # The employer chosen, the script asks for its openings.
    page = coach_client.get(_add_url(accompaniment), {"employer": employer.pk})
    assert "Laveur de vitres" in page.content.decode()
    response = coach_client.post(_add_url(accompaniment), _hire(opening=opening.pk))
    placement = Placement.objects.get()
    assert response.status_code == 302
    assert (placement.opening, placement.employer) == (opening, employer)
    opening.refresh_from_db()
    assert opening.status == OpeningStatus.OPEN  # one position left


def test_an_opening_of_another_employer_is_refused(coach_client, accompaniment, opening, coach):
    other = EmployerFactory(created_by=coach)
    response = coach_client.post(
        _add_url(accompaniment), _hire(employer=other.pk, opening=opening.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["opening"] == [
        "Cette offre est celle de Net'Atlantique."
    ]
    assert not Placement.objects.exists()


def test_a_hire_on_a_closed_opening_is_refused(coach_client, accompaniment, held, opening, coach):
    job_opening_close(by=coach, opening=opening, status=OpeningStatus.CANCELLED)
    before = _written()
    response = coach_client.post(_add_url(accompaniment, held), _hire())
    assert response.status_code == 200
    assert "Cette offre est close : une embauche ne peut plus s&#x27;y rattacher." in (
        response.content.decode()
    )
    # Without the introduction, an opening closed since the page was shown.
    response = coach_client.post(_add_url(accompaniment), _hire(opening=opening.pk))
    assert response.context["form"].errors["opening"] == [
        "Cette offre est close : une embauche ne peut plus s'y rattacher."
    ]
    assert _written() == before


def test_a_person_already_employed_is_refused_a_second_hire(
    coach_client, accompaniment, coach, employer
):
    _record(accompaniment, coach, employer=employer)
    before = _written()
    response = coach_client.post(_add_url(accompaniment), _hire(employer=employer.pk))
    assert response.status_code == 200
    assert (
        "Une embauche s&#x27;enregistre pour une personne accompagnée (elle est « En emploi »)."
        in response.content.decode()
    )
    assert _written() == before


def test_after_the_sharing_consent_is_withdrawn_the_hire_is_404(
    coach_client, accompaniment, officer, employer, held
):
    consent = accompaniment.resident.consents.get(scope="sharing")
    consent_withdraw(consent=consent, by=officer)
    before = _written()
    assert coach_client.get(_add_url(accompaniment)).status_code == 404
    response = coach_client.post(_add_url(accompaniment), _hire(employer=employer.pk))
    assert response.status_code == 404
    assert coach_client.post(_add_url(accompaniment, held), _hire()).status_code == 404
    assert _written() == before and not Placement.objects.exists()


def test_the_contract_s_dates_are_checked_beside_their_fields(
    coach_client, accompaniment, employer
):
    url = _add_url(accompaniment)
    before = _written()
    for data, field, message in [
        ({"contract_type": "cdi"}, "end_on", "Un CDI n'a pas de fin prévue."),
        ({"end_on": ""}, "end_on", "Indiquez la fin prévue du contrat."),
        ({"end_on": _days(-1).isoformat()}, "end_on", "La fin du contrat suit son début."),
        (
            {"start_on": _days(-1).isoformat()},
            "start_on",
            f"L'embauche ne peut pas précéder l'accompagnement ({TODAY():%d/%m/%Y}).",
        ),
        (
            {"start_on": _days(120).isoformat(), "end_on": _days(400).isoformat()},
            "start_on",
            "Le contrat commence dans plus de trois mois : trop tôt.",
        ),
        (
            {"trial_period_end_on": _days(-1).isoformat()},
            "trial_period_end_on",
            "La période d'essai suit le début du contrat.",
        ),
        (
            {"start_on": "2026-02-30"},
            "start_on",
            "Saisissez une date réelle, par exemple 26/11/2026.",
        ),
        ({"employer": ""}, "employer", "Choisissez l'employeur."),
    ]:
        response = coach_client.post(url, _hire(**{"employer": employer.pk, **data}))
        assert response.status_code == 200, data
        assert response.context["form"].errors[field] == [message], data
    assert _written() == before


def test_an_introduction_of_another_accompaniment_is_404(coach_client, accompaniment, held):
    stranger = IntroductionFactory()
    for value in [str(stranger.pk), "abc", "-1", "99999999999999999999", "\x00", "' OR 1=1 --"]:
        url = _url("placement_add", accompaniment.pk)
        assert coach_client.get(url, {"introduction": value}).status_code == 404, value
        assert coach_client.post(f"{url}?introduction={value}", _hire()).status_code == 404
    assert not Placement.objects.exists()


def test_a_double_submission_writes_one_placement(coach_client, accompaniment, employer):
    data = _hire(employer=employer.pk)
    first = coach_client.post(_add_url(accompaniment), data)
    second = coach_client.post(_add_url(accompaniment), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Placement.objects.count() == 1 and FollowUp.objects.count() == 4


def test_hostile_values_on_the_hire_form_write_nothing(coach_client, accompaniment, held):
    fields = ["token", "employer", "opening", *_hire()]
    before = _written()
    for value in HOSTILE:
        data = dict.fromkeys(fields, value)
        response = coach_client.post(_add_url(accompaniment), data)
        assert response.status_code == 200, value[:20]
        response = coach_client.post(_add_url(accompaniment, held), data)
        assert response.status_code == 200, value[:20]
    assert _written() == before


# --- A placement and its follow-ups -------------------------------------------------------


def test_the_placement_page_shows_the_contract_and_the_follow_ups(
    coach_client, placement, nantes_residences
):
    response = coach_client.get(_url("placement", placement.pk))
    body = response.content.decode()
    assert response.status_code == 200
    for text in [
        "CDI",
        "Emploi durable",
        "Temps plein",
        "35 h par semaine",
        _days(-10).strftime("%d/%m/%Y"),
        nantes_residences[0].name,
        "Claire Moreau",
        "J+7",
        "M+1",
        "M+3",
        "M+6",
        "En retard",
        "Le contrat s'est arrêté",
    ]:
        assert text in body, text
    rows = response.context["follow_ups"]
    assert [row["follow_up"].milestone for row in rows] == ["d7", "m1", "m3", "m6"]
    assert rows[0]["follow_up"].is_overdue and not rows[2]["follow_up"].is_overdue
    assert all(row["form"] is not None for row in rows)
    assert _url("follow_up", rows[0]["follow_up"].pk) in body


def test_a_transitional_part_time_job_says_so(coach_client, started_earlier, coach, employer):
    placement = _record(
        started_earlier,
        coach,
        employer=employer,
        contract_type="cddi",
        end_on=_days(120),
        weekly_hours="26",
    )
    body = coach_client.get(_url("placement", placement.pk)).content.decode()
    assert "Emploi de transition" in body and "Temps partiel" in body


def test_the_coach_records_a_follow_up(coach_client, placement, engaged):
    follow_up = placement.follow_ups.get(milestone=Milestone.D7)
    response = coach_client.post(
        _url("follow_up", follow_up.pk),
        _follow_up_data(follow_up, issues="Fatigue le matin", done_on=_days(-2).isoformat()),
    )
    assert response.status_code == 302 and response["Location"] == placement.get_absolute_url()
    follow_up.refresh_from_db()
    assert follow_up.done_on == _days(-2) and follow_up.with_whom == "both"
    assert follow_up.issues == "Fatigue le matin" and follow_up.done_by == placement.coach
    response = coach_client.get(response["Location"])
    body = response.content.decode()
    assert "Fatigue le matin" in body and "Suivi J+7 enregistré." in body
    assert response.context["follow_ups"][0]["form"] is None


def test_the_m6_follow_up_says_whether_she_is_still_in_the_job(coach_client, placement):
    follow_up = placement.follow_ups.get(milestone=Milestone.M6)
    url = _url("follow_up", follow_up.pk)
    response = coach_client.post(url, _follow_up_data(follow_up))
    assert response.status_code == 200
    row = next(r for r in response.context["follow_ups"] if r["follow_up"] == follow_up)
    assert row["form"].errors["still_employed"] == ["Dites si la personne est toujours en poste."]
    follow_up.refresh_from_db()
    assert follow_up.done_on is None
    response = coach_client.post(url, _follow_up_data(follow_up, still_employed="yes"))
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.still_employed is True
    assert list(Placement.objects.still_employed_at_6_months()) == [placement]


def test_a_follow_up_dated_before_the_hire_is_refused(coach_client, placement):
    follow_up = placement.follow_ups.get(milestone=Milestone.D7)
    before = _written()
    response = coach_client.post(
        _url("follow_up", follow_up.pk), _follow_up_data(follow_up, done_on=_days(-20).isoformat())
    )
    assert response.status_code == 200
    row = next(r for r in response.context["follow_ups"] if r["follow_up"] == follow_up)
    assert row["form"].errors["done_on"] == [
        f"Un suivi ne peut pas précéder l'embauche ({_days(-10):%d/%m/%Y})."
    ]
    response = coach_client.post(
        _url("follow_up", follow_up.pk), _follow_up_data(follow_up, done_on=_days(1).isoformat())
    )
    assert response.status_code == 200
    assert _written() == before


def test_hostile_values_on_the_follow_up_form_write_nothing(coach_client, placement):
    follow_up = placement.follow_ups.get(milestone=Milestone.M6)
    fields = ["done_on", "with_whom", "still_employed", "notes", "issues"]
    before = _written()
    for value in HOSTILE:
        data = _follow_up_data(follow_up, **dict.fromkeys(fields, value))
        response = coach_client.post(_url("follow_up", follow_up.pk), data)
        assert response.status_code == 200, value[:20]
    assert _written() == before


# --- The end of a job ---------------------------------------------------------------------


def test_the_coach_records_an_early_end(coach_client, placement, engaged):
    d7 = placement.follow_ups.get(milestone=Milestone.D7)
    services.follow_up_record(follow_up=d7, by=placement.coach, done_on=TODAY(), with_whom="both")
    response = coach_client.post(
        _url("placement_end", placement.pk),
        _end_data(reason="trial_employee", notes="Horaires trop tôt"),
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    engaged.refresh_from_db()
    assert placement.ended_on == TODAY() and placement.end_reason == "trial_employee"
    assert engaged.stage == Stage.ACCOMPANIED
    assert placement.follow_ups.filter(cancelled_on=TODAY()).count() == 3
    response = coach_client.get(_url("placement", placement.pk))
    body = response.content.decode()
    assert "Fin de la période d&#x27;essai par la personne" in body and "Horaires trop tôt" in body
    assert body.count("Annulé le") == 3 and "Fait le" in body
    assert response.context["end_form"] is None
    assert all(row["form"] is None for row in response.context["follow_ups"])
    # A second submission changes nothing.
    before = _written()
    coach_client.post(_url("placement_end", placement.pk), _end_data(reason="dismissal"))
    assert _written() == before


def test_an_end_before_the_hire_or_in_the_future_is_refused(coach_client, placement):
    before = _written()
    for day, message in [
        (_days(-11), f"La fin ne peut pas précéder l'embauche ({_days(-10):%d/%m/%Y})."),
        (_days(1), "La fin se note une fois arrivée : pas de date future."),
    ]:
        response = coach_client.post(
            _url("placement_end", placement.pk), _end_data(ended_on=day.isoformat())
        )
        assert response.status_code == 200
        assert response.context["end_form"].errors["ended_on"] == [message]
    response = coach_client.post(_url("placement_end", placement.pk), _end_data(reason=""))
    assert response.context["end_form"].errors["reason"] == [
        "Choisissez le motif de la fin du contrat."
    ]
    assert _written() == before


def test_hostile_values_on_the_end_form_write_nothing(coach_client, placement):
    before = _written()
    for value in HOSTILE:
        data = _end_data(**dict.fromkeys(["ended_on", "reason", "notes"], value))
        response = coach_client.post(_url("placement_end", placement.pk), data)
        assert response.status_code == 200, value[:20]
    assert _written() == before


def test_the_placement_page_runs_a_fixed_number_of_queries(
    coach_client, placement, django_assert_max_num_queries
):
    # session, user, the placement (+ person, residence, accompaniment, employer, opening,
    # coach), the access log, the residence and organisation at the time, the follow-ups
    # (+ who did them)
    with django_assert_max_num_queries(9):
        response = coach_client.get(_url("placement", placement.pk))
    assert len(response.context["follow_ups"]) == 4
