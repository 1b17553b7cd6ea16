"""The suggestions, proposing an opening and an introduction's steps, through the test client:
who reaches what (404 outside the table's scope, the officer reads without forms), the ranked
suggestions with their reasons, the manual search, the service's refusals in French with
nothing written, double submissions, hostile values, and the query budgets."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from employers.enums import ContractType, OpeningStatus, Sector
from employers.models import JobOpening
from employment import services
from employment.enums import IntroductionStatus
from employment.matching import suggest
from employment.models import Introduction, IntroductionStep
from o2r.reminders.models import Reminder
from tests.employers.factories import EmployerFactory, JobOpeningFactory, rome_title
from tests.employment.conftest import engage
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db

HOSTILE = ["x" * 100_000, "\x00", "-1", "99999999999999999999", "' OR 1=1 --", "2026-02-30"]


def _url(name, *args):
    return reverse(f"employment:{name}", args=args)


@pytest.fixture
def wishes(accompaniment, coach, opening):
    """She wants the opening's job, in Nantes, up to 35 hours."""
    services.wishes_save(
        accompaniment=accompaniment,
        by=coach,
        data={"wanted_rome": [opening.rome_id], "reachable_cities": ["Nantes"], "hours_max": 35},
    )
    return accompaniment.resident.job_wishes


@pytest.fixture
def coach_client(client, coach):
    client.force_login(coach)
    return client


@pytest.fixture
def introduction(accompaniment, opening, coach):
    return services.introduction_propose(
        accompaniment=accompaniment, opening=opening, by=coach, reasons=["Métier souhaité"]
    )


def _move(introduction, to, by, **kwargs):
    return services.introduction_move(introduction=introduction, to=to, by=by, **kwargs)


def _schedule_data(**data):
    day = timezone.localdate() + datetime.timedelta(days=3)
    return {
        "to": "interview_scheduled",
        "interview_scheduled-interview_on": day.isoformat(),
        "interview_scheduled-interview_time": "09:30",
        "interview_scheduled-interview_place": "Quai de la Fosse, Nantes",
        "interview_scheduled-interview_contact": "Mme Guérin",
        **data,
    }


def _propose(client, accompaniment, opening, token=None):
    return client.post(
        _url("propose", accompaniment.pk),
        {"opening": opening.pk, "token": str(token or uuid.uuid4())},
    )


def _written():
    return (
        sorted(Introduction.objects.values_list("pk", "status", "updated_at")),
        IntroductionStep.objects.count(),
        Reminder.objects.count(),
    )


# --- Who reaches what ---------------------------------------------------------------------

READERS = {"officer", "adoma_manager", "adelis_manager"}


def test_each_member_of_the_cast_reaches_what_the_table_gives(
    client, cast, accompaniment, introduction, opening, wishes
):
    other = JobOpeningFactory(employer=opening.employer)
    requests = [
        ("get", _url("suggestions", accompaniment.pk), None),
        ("post", _url("propose", accompaniment.pk), {"opening": other.pk, "token": uuid.uuid4()}),
        ("get", _url("introduction", introduction.pk), None),
        ("post", _url("introduction_move", introduction.pk), {"to": "accepted"}),
    ]
    for member, user in cast.items():
        if member == "coach":
            continue
        client.force_login(user)
        before = _written()
        for method, url, data in requests:
            response = getattr(client, method)(url, data or {})
            readable = member in READERS and method == "get" and "mises-en-relation" in url
            assert response.status_code == (200 if readable else 404), (member, url)
        assert _written() == before, member
    client.force_login(cast["coach"])
    for method, url, data in requests:
        assert getattr(client, method)(url, data or {}).status_code in (200, 302), url


@pytest.mark.parametrize("pk", [999_999, 2**31, 2**63, 10**30])
def test_ids_that_do_not_exist_are_404(coach_client, pk):
    assert coach_client.get(_url("suggestions", pk)).status_code == 404
    assert coach_client.post(_url("propose", pk), {"opening": 1}).status_code == 404
    assert coach_client.get(_url("introduction", pk)).status_code == 404
    assert coach_client.post(_url("introduction_move", pk), {"to": "accepted"}).status_code == 404


def test_the_officer_reads_the_introduction_without_forms(client, officer, introduction, coach):
    _move(introduction, IntroductionStatus.ACCEPTED, coach)
    client.force_login(officer)
    response = client.get(_url("introduction", introduction.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert introduction.opening.title in body and "Acceptée par la personne" in body
    main = body.split("<main", 1)[1]
    assert _url("introduction_move", introduction.pk) not in main and "<form" not in main
    assert response.context["moves"] == []


def test_the_accompaniment_s_suggestions_404_once_the_sharing_consent_is_withdrawn(
    coach_client, accompaniment, opening, wishes, officer
):
    from residents.services import consent_withdraw

    consent = accompaniment.resident.consents.get(scope="sharing")
    consent_withdraw(consent=consent, by=officer)
    assert coach_client.get(_url("suggestions", accompaniment.pk)).status_code == 404
    assert _propose(coach_client, accompaniment, opening).status_code == 404
    assert not Introduction.objects.exists()


# --- Suggestions --------------------------------------------------------------------------


def test_the_suggestions_rank_the_openings_with_their_reasons(
    coach_client, accompaniment, opening, wishes, employer
):
    far = JobOpeningFactory(employer=employer, city="Ancenis", weekly_hours=20, full_time=False)
    response = coach_client.get(_url("suggestions", accompaniment.pk))
    assert response.status_code == 200
    rows = [row["suggestion"] for row in response.context["suggestions"]]
    assert [row.opening for row in rows] == [opening, far]
    body = response.content.decode()
    assert "Net&#x27;Atlantique" in body and "Ancenis" in body and "CDI" in body
    assert "35 h par semaine" in body
    assert "Nantes : commune accessible" in body
    assert "Ancenis n&#x27;est pas dans ses communes accessibles" in body
    assert body.count("Proposer à la personne") == 2
    assert _url("propose", accompaniment.pk) in body
    assert "aucun métier ni secteur" not in body


def test_without_a_wanted_job_the_page_says_so_and_links_to_the_wishes(
    coach_client, accompaniment, opening
):
    response = coach_client.get(_url("suggestions", accompaniment.pk))
    body = response.content.decode()
    assert response.status_code == 200 and response.context["suggestions"] == []
    assert "aucun métier ni secteur" in body and _url("wishes", accompaniment.pk) in body


def test_a_closed_accompaniment_has_no_suggestions(coach_client, accompaniment, coach, wishes):
    services.accompaniment_close(accompaniment=accompaniment, by=coach, exit_reason="training")
    response = coach_client.get(_url("suggestions", accompaniment.pk))
    assert response.status_code == 302 and response["Location"] == accompaniment.get_absolute_url()


def test_the_search_finds_any_open_opening_of_the_territory(
    coach_client, accompaniment, opening, wishes, coach
):
    kitchen = EmployerFactory(name="Le Lieu Unique", sector=Sector.HOSPITALITY, created_by=coach)
    cook = rome_title("Cuisinier / Cuisinière")
    dish = JobOpeningFactory(
        employer=kitchen, title="Plongeur", rome_appellation=cook, rome=cook.rome
    )
    JobOpeningFactory(
        employer=kitchen,
        title="Plongeur du soir",
        status=OpeningStatus.FILLED,
        closed_on=timezone.localdate(),
    )
    elsewhere = EmployerFactory(territory="Saint-Nazaire Agglo", created_by=coach)
    JobOpeningFactory(employer=elsewhere, title="Plongeur à Saint-Nazaire")
    response = coach_client.get(_url("suggestions", accompaniment.pk), {"q": "plong"})
    assert [row["opening"] for row in response.context["results"]] == [dish]
    # Not a suggestion (another job, another sector): proposed without match reasons.
    response = _propose(coach_client, accompaniment, dish)
    introduction = Introduction.objects.get(opening=dish)
    assert response["Location"] == introduction.get_absolute_url()
    assert introduction.match_reasons == []
    response = coach_client.get(_url("suggestions", accompaniment.pk), {"q": "Lieu Unique"})
    assert response.context["results"][0]["proposed"] is True
    assert "Déjà proposée" in response.content.decode()


def test_the_search_never_fails_on_hostile_queries(coach_client, accompaniment, wishes):
    for value in HOSTILE:
        response = coach_client.get(_url("suggestions", accompaniment.pk), {"q": value})
        assert response.status_code == 200, value[:20]


def _territory_openings(n, employer, coach):
    title = rome_title()
    JobOpening.objects.bulk_create(
        JobOpening(
            employer=employer,
            title=f"Agent de propreté {i}",
            rome=title.rome,
            rome_appellation=title,
            contract_type=ContractType.CDI,
            weekly_hours=35,
            city="Nantes" if i % 2 else "Rezé",
            created_by=coach,
            opened_on=timezone.localdate() - datetime.timedelta(days=i % 30),
        )
        for i in range(n)
    )


def test_the_suggestions_run_a_fixed_number_of_queries(
    coach_client, accompaniment, employer, coach, wishes, django_assert_max_num_queries
):
    url = _url("suggestions", accompaniment.pk)
    _territory_openings(2, employer, coach)
    with CaptureQueriesContext(connection) as few:
        coach_client.get(url, {"q": "agent"})
    _territory_openings(200, employer, coach)
    # session, user, the accompaniment (+ person, residence, coach, organisation,
    # orientation), the access log's context, the sharing consent (suspended?), the wishes,
    # the coach's territories, the ranked openings (+ employer, ROME sheet), the openings found
    # by the search (+ employer): 9 today, a little room for the shared middleware
    with django_assert_max_num_queries(12) as many:
        response = coach_client.get(url, {"q": "agent"})
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(response.context["suggestions"]) == 20
    assert len(response.context["results"]) == 20


# --- Proposing ----------------------------------------------------------------------------


def test_proposing_a_suggestion_keeps_its_reasons(coach_client, accompaniment, opening, wishes):
    expected = suggest(accompaniment, accompaniment.coach)[0].reasons
    response = _propose(coach_client, accompaniment, opening)
    introduction = Introduction.objects.get()
    assert response.status_code == 302 and response["Location"] == introduction.get_absolute_url()
    assert introduction.match_reasons == expected and expected
    assert introduction.status == IntroductionStatus.PROPOSED
    assert introduction.steps.get().status == IntroductionStatus.PROPOSED
    body = coach_client.get(response["Location"]).content.decode()
    assert "Offre proposée à la personne" in body and expected[0] in body


def test_a_double_submission_writes_one_introduction(coach_client, accompaniment, opening):
    token = uuid.uuid4()
    first = _propose(coach_client, accompaniment, opening, token)
    second = _propose(coach_client, accompaniment, opening, token)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Introduction.objects.count() == 1 and IntroductionStep.objects.count() == 1


def test_refusals_come_back_in_french_on_the_suggestions_page(
    coach_client, accompaniment, opening, employer, officer, adelis, nantes_residences, coach
):
    closed = JobOpeningFactory(
        employer=employer, status=OpeningStatus.CANCELLED, closed_on=timezone.localdate()
    )
    # Another person's introduction in progress on `opening`: one candidate at a time.
    other = engage(ResidentFactory(residence=nantes_residences[1]), officer=officer, adelis=adelis)
    other_accompaniment = services.orientation_accept(
        orientation=services.orientation_create(
            resident=other, organisation=adelis, by=officer, reason="Propreté"
        ),
        by=coach,
    )
    taken = services.introduction_propose(
        accompaniment=other_accompaniment, opening=opening, by=coach
    )
    free = JobOpeningFactory(employer=employer)
    services.introduction_propose(accompaniment=accompaniment, opening=free, by=coach)
    before = _written()
    for target, message in [
        (closed, "Cette offre est close : choisissez-en une autre."),
        (opening, "un seul candidat à la fois"),
        (free, "Cette offre a déjà été proposée à la personne."),
    ]:
        response = _propose(coach_client, accompaniment, target)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert _written() == before
    assert Introduction.objects.get(opening=opening) == taken


def test_hostile_values_on_the_propose_form_write_nothing(coach_client, accompaniment, opening):
    for value in HOSTILE:
        response = coach_client.post(
            _url("propose", accompaniment.pk), {"opening": value, "token": value}
        )
        assert response.status_code == 200, value[:20]
    assert not Introduction.objects.exists()


# --- An introduction's steps --------------------------------------------------------------


def _moves(response):
    return [form.to for form in response.context["moves"]]


def test_the_coach_walks_an_introduction_to_the_hire(coach_client, introduction, opening):
    url, move = _url("introduction", introduction.pk), _url("introduction_move", introduction.pk)
    response = coach_client.get(url)
    assert _moves(response) == ["accepted", "declined"]
    assert "Métier souhaité" in response.content.decode()
    assert coach_client.post(move, {"to": "accepted"})["Location"] == url

    response = coach_client.get(url)
    assert _moves(response) == ["interview_scheduled", "declined"]
    # The place defaults to the opening's.
    schedule = response.context["moves"][0]
    assert schedule["interview_place"].value() == "Net'Atlantique, 44000 Nantes"
    assert coach_client.post(move, _schedule_data()).status_code == 302
    introduction.refresh_from_db()
    assert introduction.status == IntroductionStatus.INTERVIEW_SCHEDULED
    at = timezone.localtime(introduction.interview_at)
    assert (at.date(), at.hour, at.minute) == (
        timezone.localdate() + datetime.timedelta(days=3),
        9,
        30,
    )
    assert introduction.interview_contact == "Mme Guérin"

    # Moved to another day: the form shows the meeting as it stands.
    response = coach_client.get(url)
    assert _moves(response) == ["interview_scheduled", "interview_held", "not_retained", "declined"]
    assert response.context["moves"][0]["interview_contact"].value() == "Mme Guérin"
    later = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    coach_client.post(move, _schedule_data(**{"interview_scheduled-interview_on": later}))
    introduction.refresh_from_db()
    assert timezone.localdate(introduction.interview_at).isoformat() == later

    today = timezone.localdate().isoformat()
    data = {
        "to": "interview_held",
        "interview_held-held_on": today,
        "interview_held-notes": "Bon contact",
    }
    assert coach_client.post(move, data).status_code == 302
    response = coach_client.get(url)
    body = response.content.decode()
    assert _moves(response) == ["not_retained", "declined"]
    hire = _url("placement_add", introduction.accompaniment_id) + f"?introduction={introduction.pk}"
    assert hire in body and "Enregistrer l'embauche" in body
    steps = [step.status for step in response.context["steps"]]
    assert steps == [
        "proposed",
        "accepted",
        "interview_scheduled",
        "interview_scheduled",
        "interview_held",
    ]
    assert "Rencontre déplacée au" in body and "Bon contact" in body


@pytest.mark.parametrize(
    ("to", "reason", "label"),
    [
        ("declined", "distance", "Trop loin, transport"),
        ("not_retained", "skills", "Savoir-faire insuffisant pour le poste"),
    ],
)
def test_the_outcomes_record_their_coded_reason(
    coach_client, introduction, coach, to, reason, label
):
    _move(introduction, IntroductionStatus.ACCEPTED, coach)
    _move(
        introduction,
        IntroductionStatus.INTERVIEW_SCHEDULED,
        coach,
        interview_at=timezone.now() + datetime.timedelta(days=1),
        interview_place="Sur place",
    )
    response = coach_client.post(
        _url("introduction_move", introduction.pk),
        {"to": to, f"{to}-reason": reason, f"{to}-notes": "Rezé, c'est loin"},
    )
    assert response.status_code == 302
    introduction.refresh_from_db()
    assert introduction.status == to and introduction.ended_at is not None
    assert reason in (introduction.declined_reason, introduction.not_retained_reason)
    response = coach_client.get(_url("introduction", introduction.pk))
    body = response.content.decode()
    assert label in body and response.context["moves"] == []
    # The meeting's reminders are gone.
    assert not Reminder.objects.filter(dedup_key__startswith=f"introduction:{introduction.pk}:")


def test_a_move_s_missing_reason_is_shown_beside_the_field(coach_client, introduction):
    response = coach_client.post(
        _url("introduction_move", introduction.pk), {"to": "declined", "declined-reason": ""}
    )
    assert response.status_code == 200
    form = response.context["moves"][1]
    assert form.to == "declined" and form.errors["reason"] == ["Choisissez le motif."]
    introduction.refresh_from_db()
    assert introduction.status == IntroductionStatus.PROPOSED


def test_illegal_moves_are_refused_in_french_and_write_nothing(coach_client, introduction, coach):
    move = _url("introduction_move", introduction.pk)
    before = _written()
    today = timezone.localdate().isoformat()
    for data, message in [
        (
            {"to": "interview_held", "interview_held-held_on": today},
            "Passage impossible de « Proposée à la personne » à « Rencontre faite ».",
        ),
        (
            {"to": "interview_held"},
            "Passage impossible de « Proposée à la personne » à « Rencontre faite ».",
        ),
        (
            {"to": "not_retained", "not_retained-reason": "skills"},
            "à « Non retenue par l&#x27;employeur ».",
        ),
        (
            {"to": "proposed"},
            "Passage impossible de « Proposée à la personne » à « Proposée à la personne ».",
        ),
        ({"to": "hired"}, "L&#x27;embauche s&#x27;enregistre avec le formulaire d&#x27;embauche."),
        ({"to": "promoted"}, "Choisissez l&#x27;étape."),
        ({}, "Choisissez l&#x27;étape."),
    ]:
        response = coach_client.post(move, data)
        assert response.status_code == 200, data
        assert message in response.content.decode(), data
    for value in HOSTILE:
        response = coach_client.post(move, {"to": value})
        assert response.status_code == 200 and response.context["refusal"], value[:20]
    assert _written() == before
    # Once ended, nothing moves it again.
    _move(introduction, IntroductionStatus.DECLINED, coach, reason="hours")
    before = _written()
    response = coach_client.post(move, {"to": "accepted"})
    assert "Passage impossible de « Déclinée par la personne » à « Acceptée par la personne »." in (
        response.content.decode()
    )
    assert _written() == before


def test_a_meeting_in_the_past_is_refused_beside_the_field(coach_client, introduction, coach):
    _move(introduction, IntroductionStatus.ACCEPTED, coach)
    before = _written()
    past = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    response = coach_client.post(
        _url("introduction_move", introduction.pk),
        _schedule_data(**{"interview_scheduled-interview_on": past}),
    )
    assert response.status_code == 200
    form = response.context["moves"][0]
    assert form.errors["__all__"] == ["La rencontre est à venir : choisissez une date future."]
    assert _written() == before


@pytest.mark.parametrize(
    "to", ["interview_scheduled", "interview_held", "not_retained", "declined"]
)
def test_hostile_values_on_each_move_form_write_nothing(coach_client, introduction, coach, to):
    _move(introduction, IntroductionStatus.ACCEPTED, coach)
    if to != "interview_scheduled":
        _move(
            introduction,
            IntroductionStatus.INTERVIEW_SCHEDULED,
            coach,
            interview_at=timezone.now() + datetime.timedelta(days=1),
            interview_place="Sur place",
        )
    fields = {
        "interview_scheduled": [
            "interview_on",
            "interview_time",
            "interview_place",
            "interview_contact",
        ],
        "interview_held": ["held_on", "notes"],
        "not_retained": ["reason", "notes"],
        "declined": ["reason", "notes"],
    }[to]
    before = _written()
    for value in HOSTILE:
        data = {"to": to, **{f"{to}-{field}": value for field in fields}}
        response = coach_client.post(_url("introduction_move", introduction.pk), data)
        assert response.status_code == 200, value[:20]
    assert _written() == before


def test_the_introduction_page_runs_a_fixed_number_of_queries(
    coach_client, introduction, coach, django_assert_max_num_queries
):
    _move(introduction, IntroductionStatus.ACCEPTED, coach)
    for day in (1, 2, 3):
        _move(
            introduction,
            IntroductionStatus.INTERVIEW_SCHEDULED,
            coach,
            interview_at=timezone.now() + datetime.timedelta(days=day),
            interview_place="Ici",
        )
    # session, user, the introduction (with the person, the coach, the opening, its
    # employer), the access log, the steps (with who)
    with django_assert_max_num_queries(7):
        response = coach_client.get(_url("introduction", introduction.pk))
    assert len(response.context["steps"]) == 5
