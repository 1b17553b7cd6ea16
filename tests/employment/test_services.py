"""The IOD accompaniment's rules, service by service: the orientation and its answer, the path's
moves only the employment service makes, introductions, placements, follow-ups, the coach's
contacts, and the timeline the coach and the officer read."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from employers.enums import OpeningStatus
from employment import services, timeline
from employment.enums import (
    INTRODUCTION_MOVES,
    FollowUpWith,
    IntroductionStatus,
    Milestone,
    OrientationStatus,
)
from employment.models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    Orientation,
    Placement,
)
from o2r.reminders.models import Reminder, ReminderKind
from o2r.reminders.services import reminder_key
from o2r.sms import quiet, text
from residents import services as resident_services
from residents.enums import Stage
from residents.health import HealthView
from residents.models import Resident, StageChange
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.employers.factories import JobOpeningFactory
from tests.employment.conftest import engage, hire
from tests.employment.factories import AccompanimentFactory, IntroductionFactory
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def refused(call, field=None, says=""):
    """Runs `call`, expects a French refusal (keyed by `field` when given) saying `says`."""
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    messages = error.message_dict.get(field, []) if field else error.messages
    assert messages, f"no message for {field!r}: {error}"
    assert says in " ".join(messages), messages
    return error


def reminders(key):
    return list(Reminder.objects.filter(dedup_key=key))


# --- Orientation ----------------------------------------------------------------------------


def test_orientation_refusals_write_nothing(officer, adelis, adoma, coach, nantes_residences):
    identified = ResidentFactory(residence=nantes_residences[0])
    no_sharing = engage(
        ResidentFactory(residence=nantes_residences[0]),
        officer=officer,
        adelis=adelis,
        sharing=False,
    )
    engaged = engage(
        ResidentFactory(residence=nantes_residences[0]), officer=officer, adelis=adelis
    )
    outside_coach = UserFactory(
        role="job_coach", organisation=OrganisationFactory(kind="employment")
    )
    gone_coach = UserFactory(role="job_coach", organisation=adelis, is_active=False)

    def orient(resident=engaged, organisation=adelis, reason="Veut travailler.", coach=None):
        return lambda: services.orientation_create(
            resident=resident, organisation=organisation, reason=reason, by=officer, coach=coach
        )

    refused(orient(resident=identified), says="remobilisée")
    refused(orient(resident=no_sharing), "organisation", "accord de la personne pour le partage")
    refused(orient(reason="   "), "reason", "pourquoi")
    refused(orient(organisation=adoma), "organisation", "emploi")
    for wrong in (outside_coach, gone_coach, officer):
        refused(orient(coach=wrong), "coach", "chargée de mission active")
    assert not Orientation.objects.exists()

    services.orientation_create(resident=engaged, organisation=adelis, reason="Oui", by=officer)
    refused(orient(), says="attend déjà une réponse")
    # An open accompaniment (opened another way) refuses an orientation too.
    other = engage(ResidentFactory(residence=nantes_residences[0]), officer=officer, adelis=adelis)
    AccompanimentFactory(resident=other, coach=coach)
    refused(orient(resident=other), says="déjà accompagnée")
    assert Orientation.objects.count() == 1


def test_orientation_same_token_twice_is_one_row(engaged, officer, adelis, coach):
    token = uuid.uuid4()
    first, second = (
        services.orientation_create(
            resident=engaged,
            organisation=adelis,
            reason="Propreté",
            by=officer,
            coach=coach,
            token=token,
        )
        for _ in range(2)
    )
    assert first == second
    assert Orientation.objects.filter(resident=engaged).count() == 1
    assert first.coach == coach and first.status == OrientationStatus.PENDING


def test_accepting_opens_the_accompaniment_and_moves_the_stage(orientation, coach, engaged):
    accompaniment = services.orientation_accept(orientation=orientation, by=coach)

    assert services.orientation_accept(orientation=orientation, by=coach) == accompaniment
    assert Accompaniment.objects.filter(resident=engaged).count() == 1
    assert (accompaniment.coach, accompaniment.organisation) == (coach, orientation.organisation)
    assert accompaniment.residence == engaged.residence
    assert accompaniment.is_open and accompaniment.started_on == TODAY()
    engaged.refresh_from_db()
    assert (engaged.stage, engaged.job_coach) == (Stage.ACCOMPANIED, coach)
    change = StageChange.objects.filter(resident=engaged).latest("changed_at")
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        Stage.ENGAGED,
        Stage.ACCOMPANIED,
        coach,
    )
    orientation.refresh_from_db()
    assert (orientation.status, orientation.answered_by) == (OrientationStatus.ACCEPTED, coach)


def test_the_named_coach_accepts_or_her_manager_assigns(
    engaged, officer, adelis, coach, other_coach, adelis_manager
):
    orientation = services.orientation_create(
        resident=engaged, organisation=adelis, reason="Propreté", by=officer, coach=coach
    )
    other_manager = UserFactory(role="manager", organisation=OrganisationFactory(kind="employment"))
    gone = UserFactory(role="job_coach", organisation=adelis, is_active=False)

    refused(
        lambda: services.orientation_accept(orientation=orientation, by=other_coach),
        says="proposée à Claire Moreau",
    )
    refused(
        lambda: services.orientation_accept(orientation=orientation, by=coach, coach=other_coach),
        "coach",
        "pour vous-même",
    )
    refused(  # the manager does not accompany herself
        lambda: services.orientation_accept(orientation=orientation, by=adelis_manager), "coach"
    )
    refused(
        lambda: services.orientation_accept(orientation=orientation, by=adelis_manager, coach=gone),
        "coach",
    )
    refused(  # another organisation's manager
        lambda: services.orientation_accept(
            orientation=orientation, by=other_manager, coach=other_coach
        ),
    )
    assert not Accompaniment.objects.exists()

    accompaniment = services.orientation_accept(
        orientation=orientation, by=adelis_manager, coach=other_coach
    )

    assert accompaniment.coach == other_coach
    engaged.refresh_from_db()
    assert engaged.job_coach == other_coach
    orientation.refresh_from_db()
    assert orientation.answered_by == adelis_manager


def test_declining_needs_a_reason_and_tells_the_officer(orientation, coach, officer, engaged):
    refused(
        lambda: services.orientation_decline(orientation=orientation, by=coach, reason=" "),
        "reason",
        "motif",
    )

    declined = services.orientation_decline(
        orientation=orientation, by=coach, reason="Portefeuille complet ce mois-ci"
    )

    assert services.orientation_decline(orientation=orientation, by=coach, reason="x") == declined
    assert declined.status == OrientationStatus.DECLINED
    assert declined.decline_reason == "Portefeuille complet ce mois-ci"
    engaged.refresh_from_db()
    assert (engaged.stage, engaged.job_coach) == (Stage.ENGAGED, None)
    [reminder] = reminders(reminder_key("orientation", orientation.pk, "declined"))
    assert reminder.assignee == officer and "Portefeuille complet" in reminder.title
    refused(
        lambda: services.orientation_accept(orientation=orientation, by=coach),
        says="déjà reçu une réponse",
    )
    assert not Accompaniment.objects.exists()


def test_two_open_accompaniments_are_refused(orientation, coach, engaged):
    AccompanimentFactory(resident=engaged, coach=coach)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccompanimentFactory(resident=engaged, coach=coach)
    refused(
        lambda: services.orientation_accept(orientation=orientation, by=coach),
        says="déjà un accompagnement en cours",
    )
    assert Accompaniment.objects.filter(resident=engaged).count() == 1
    engaged.refresh_from_db()
    assert engaged.stage == Stage.ENGAGED


# --- The path: moves only the employment service makes --------------------------------------


@pytest.mark.parametrize(
    ("frm", "to", "says"),
    [
        (Stage.ENGAGED, Stage.ACCOMPANIED, "accepte l'orientation"),
        (Stage.ACCOMPANIED, Stage.EMPLOYED, "en déclarant l'embauche"),
        (Stage.EMPLOYED, Stage.ACCOMPANIED, "fin anticipée du contrat"),
    ],
)
def test_the_stage_form_cannot_make_the_employment_moves(officer, coach, frm, to, says):
    resident = ResidentFactory(stage=frm, job_coach=coach)

    refused(
        lambda: resident_services.resident_change_stage(
            resident=resident, to=to, by=officer, reason="Essai"
        ),
        "to",
        says,
    )

    resident.refresh_from_db()
    assert resident.stage == frm
    assert not StageChange.objects.filter(resident=resident).exists()
    assert to not in resident_services.next_stages(frm)
    assert to in resident_services.next_stages(frm, via="employment")


# --- Introductions ----------------------------------------------------------------------------

REASONS = {IntroductionStatus.NOT_RETAINED: "skills", IntroductionStatus.DECLINED: "hours"}


def _in_status(accompaniment, employer, status):
    """An introduction standing at `status`, built directly (each on its own opening)."""
    extra = {}
    if status in (IntroductionStatus.INTERVIEW_SCHEDULED, IntroductionStatus.INTERVIEW_HELD):
        extra["interview_at"] = timezone.now() + datetime.timedelta(days=1)
    if status == IntroductionStatus.NOT_RETAINED:
        extra["not_retained_reason"] = "skills"
    if status == IntroductionStatus.DECLINED:
        extra["declined_reason"] = "job"
    return IntroductionFactory(
        accompaniment=accompaniment,
        opening=JobOpeningFactory(employer=employer),
        status=status,
        **extra,
    )


def test_every_move_outside_the_table_is_refused(accompaniment, coach, employer):
    allowed = []
    for frm in IntroductionStatus:
        for to in IntroductionStatus:
            introduction = _in_status(accompaniment, employer, frm)
            move = lambda introduction=introduction, to=to: services.introduction_move(  # noqa: E731
                introduction=introduction,
                to=to,
                by=coach,
                reason=REASONS.get(to, ""),
                interview_at=timezone.now() + datetime.timedelta(days=3),
                interview_place="Entrepôt, quai 4",
            )
            if to in INTRODUCTION_MOVES.get(frm, set()) and to != IntroductionStatus.HIRED:
                move()
                allowed.append((frm, to))
                introduction.refresh_from_db()
                assert introduction.status == to
                assert introduction.steps.get().status == to
            else:
                refused(move, "to")
                introduction.refresh_from_db()
                assert introduction.status == frm, (frm, to)
                assert not introduction.steps.exists()
    # Every move of the table but "hired" was made once.
    expected = {
        (frm, to)
        for frm, targets in INTRODUCTION_MOVES.items()
        for to in targets
        if to != IntroductionStatus.HIRED
    }
    assert set(allowed) == expected and len(allowed) == len(expected)
    refused(
        lambda: services.introduction_move(
            introduction=_in_status(accompaniment, employer, IntroductionStatus.INTERVIEW_HELD),
            to=IntroductionStatus.HIRED,
            by=coach,
        ),
        "to",
        "formulaire d'embauche",
    )
    refused(
        lambda: services.introduction_move(introduction=introduction, to="nimporte", by=coach),
        "to",
    )


def test_the_moves_that_need_more_say_so(accompaniment, coach, employer):
    accepted = _in_status(accompaniment, employer, IntroductionStatus.ACCEPTED)
    scheduled = _in_status(accompaniment, employer, IntroductionStatus.INTERVIEW_SCHEDULED)
    now = timezone.now()
    for interview_at, place, field in [
        (None, "Sur place", "interview_at"),
        (now - datetime.timedelta(hours=2), "Sur place", "interview_at"),
        (now + datetime.timedelta(days=400), "Sur place", "interview_at"),
        (now + datetime.timedelta(days=2), "  ", "interview_place"),
        (datetime.datetime(2030, 1, 1, 10), "Sur place", "interview_at"),  # naive
        (TODAY() + datetime.timedelta(days=2), "Sur place", "interview_at"),
    ]:
        refused(
            lambda interview_at=interview_at, place=place: services.introduction_move(
                introduction=accepted,
                to=IntroductionStatus.INTERVIEW_SCHEDULED,
                by=coach,
                interview_at=interview_at,
                interview_place=place,
            ),
            field,
        )
    for to in (IntroductionStatus.NOT_RETAINED, IntroductionStatus.DECLINED):
        for reason in ("", "pas_un_code"):
            refused(
                lambda to=to, reason=reason: services.introduction_move(
                    introduction=scheduled, to=to, by=coach, reason=reason
                ),
                "reason",
            )
    refused(
        lambda: services.introduction_move(
            introduction=scheduled,
            to=IntroductionStatus.INTERVIEW_HELD,
            by=coach,
            held_on=TODAY() + datetime.timedelta(days=1),
        ),
        "held_on",
    )
    refused(
        lambda: services.introduction_move(
            introduction=scheduled,
            to=IntroductionStatus.INTERVIEW_HELD,
            by=coach,
            held_on=timezone.now(),
        ),
        "held_on",
    )
    accepted.refresh_from_db()
    scheduled.refresh_from_db()
    assert accepted.status == IntroductionStatus.ACCEPTED
    assert scheduled.status == IntroductionStatus.INTERVIEW_SCHEDULED
    assert not Reminder.objects.exists()


def test_an_opening_is_proposed_once_to_one_candidate_at_a_time(
    accompaniment, coach, opening, officer, adelis, nantes_residences, settings
):
    services.introduction_propose(accompaniment=accompaniment, opening=opening, by=coach)
    refused(
        lambda: services.introduction_propose(
            accompaniment=accompaniment, opening=opening, by=coach
        ),
        "opening",
        "déjà été proposée",
    )
    other = engage(ResidentFactory(residence=nantes_residences[1]), officer=officer, adelis=adelis)
    orientation = services.orientation_create(
        resident=other, organisation=adelis, reason="Logistique", by=officer
    )
    second = services.orientation_accept(orientation=orientation, by=coach)
    refused(
        lambda: services.introduction_propose(accompaniment=second, opening=opening, by=coach),
        "opening",
        "un seul candidat à la fois",
    )
    settings.O2R_ONE_CANDIDATE_AT_A_TIME = False
    assert services.introduction_propose(accompaniment=second, opening=opening, by=coach)
    closed = JobOpeningFactory(
        employer=opening.employer, status=OpeningStatus.CANCELLED, closed_on=TODAY()
    )
    refused(
        lambda: services.introduction_propose(accompaniment=second, opening=closed, by=coach),
        "opening",
        "close",
    )
    assert Introduction.objects.count() == 2


def test_the_same_token_proposes_once(accompaniment, coach, opening):
    token = uuid.uuid4()
    for _ in range(2):
        services.introduction_propose(
            accompaniment=accompaniment,
            opening=opening,
            by=coach,
            token=token,
            reasons=["Métier souhaité"],
        )
    introduction = Introduction.objects.get()
    assert introduction.match_reasons == ["Métier souhaité"]
    assert introduction.steps.count() == 1


def _paris(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_scheduling_upserts_the_coach_reminder_and_the_sms_the_day_before(
    accompaniment, coach, opening
):
    introduction = services.introduction_propose(
        accompaniment=accompaniment, opening=opening, by=coach
    )
    services.introduction_move(introduction=introduction, to=IntroductionStatus.ACCEPTED, by=coach)
    coach_key = reminder_key("introduction", introduction.pk, "interview")
    sms_key = reminder_key("introduction", introduction.pk, "sms_eve")
    day = TODAY() + datetime.timedelta(days=4)

    for interview_day in (day, day + datetime.timedelta(days=3)):  # then moved to another day
        services.introduction_move(
            introduction=introduction,
            to=IntroductionStatus.INTERVIEW_SCHEDULED,
            by=coach,
            interview_at=_paris(interview_day, 14, 30),
            interview_place="Entrepôt, quai 4",
            interview_contact="M. Leroy",
        )
        [for_coach] = reminders(coach_key)
        [sms] = reminders(sms_key)
        eve = interview_day - datetime.timedelta(days=1)
        assert (for_coach.assignee, for_coach.kind) == (coach, ReminderKind.STAFF_TASK)
        assert for_coach.due_at == _paris(eve, 9)
        assert (sms.assignee, sms.kind) == (None, ReminderKind.RESIDENT_MESSAGE)
        # 10:00 the day before, or the last day before it on which SMS may go.
        assert sms.due_at == quiet.latest_allowed_at_or_before(eve, datetime.time(10))
        assert sms.due_at <= _paris(eve, 10)
        assert text.french_datetime(_paris(interview_day, 14, 30)) in sms.title
        assert "M. Leroy" in sms.title
        assert accompaniment.resident.last_name not in sms.title
    assert Reminder.objects.count() == 2
    assert introduction.steps.count() == 4  # proposed, accepted, scheduled, moved
    assert "déplacée" in introduction.steps.last().detail

    services.introduction_move(
        introduction=introduction,
        to=IntroductionStatus.NOT_RETAINED,
        by=coach,
        reason="other_candidate",
    )

    assert not Reminder.objects.filter(dedup_key__in=[coach_key, sms_key]).exists()


def test_an_interview_today_sends_no_sms_saying_tomorrow(
    accompaniment, coach, opening, time_machine
):
    time_machine.move_to(_paris(TODAY(), 8), tick=False)
    introduction = IntroductionFactory(
        accompaniment=accompaniment, opening=opening, status=IntroductionStatus.ACCEPTED
    )
    tomorrow = TODAY() + datetime.timedelta(days=1)
    sms_key = reminder_key("introduction", introduction.pk, "sms_eve")
    services.introduction_move(
        introduction=introduction,
        to=IntroductionStatus.INTERVIEW_SCHEDULED,
        by=coach,
        interview_at=_paris(tomorrow, 9),
        interview_place="Sur place",
    )
    assert reminders(sms_key)

    services.introduction_move(  # moved to this afternoon: "demain" would be wrong
        introduction=introduction,
        to=IntroductionStatus.INTERVIEW_SCHEDULED,
        by=coach,
        interview_at=_paris(TODAY(), 15),
        interview_place="Sur place",
    )

    assert not reminders(sms_key)
    assert reminders(reminder_key("introduction", introduction.pk, "interview"))


def test_an_interview_held_closes_the_coach_reminder_and_drops_the_sms(
    accompaniment, coach, opening
):
    introduction = IntroductionFactory(
        accompaniment=accompaniment, opening=opening, status=IntroductionStatus.ACCEPTED
    )
    services.introduction_move(
        introduction=introduction,
        to=IntroductionStatus.INTERVIEW_SCHEDULED,
        by=coach,
        interview_at=timezone.now() + datetime.timedelta(days=3),
        interview_place="Sur place",
    )
    Resident.objects.filter(pk=accompaniment.resident_id).update(last_interaction_at=None)

    services.introduction_move(
        introduction=introduction, to=IntroductionStatus.INTERVIEW_HELD, by=coach
    )

    [for_coach] = reminders(reminder_key("introduction", introduction.pk, "interview"))
    assert for_coach.done_at is not None
    assert not reminders(reminder_key("introduction", introduction.pk, "sms_eve"))
    introduction.refresh_from_db()
    assert introduction.interview_held_on == TODAY()
    assert Resident.objects.get(pk=accompaniment.resident_id).last_interaction_at is not None


# --- Placements -------------------------------------------------------------------------------


def _walk_to_interview_held(accompaniment, coach, opening):
    introduction = services.introduction_propose(
        accompaniment=accompaniment, opening=opening, by=coach
    )
    services.introduction_move(introduction=introduction, to=IntroductionStatus.ACCEPTED, by=coach)
    services.introduction_move(
        introduction=introduction,
        to=IntroductionStatus.INTERVIEW_SCHEDULED,
        by=coach,
        interview_at=timezone.now() + datetime.timedelta(days=2),
        interview_place="Sur place",
    )
    services.introduction_move(
        introduction=introduction, to=IntroductionStatus.INTERVIEW_HELD, by=coach
    )
    return introduction


def test_a_hire_moves_to_employed_fills_the_opening_and_schedules_four_follow_ups(
    accompaniment, coach, opening, engaged
):
    introduction = _walk_to_interview_held(accompaniment, coach, opening)
    start = TODAY() + datetime.timedelta(days=3)

    placement = services.placement_record(
        accompaniment=accompaniment,
        by=coach,
        introduction=introduction,
        data={
            "contract_type": "cdi",
            "start_on": start,
            "weekly_hours": "35",
            "onboarding_helper": "Mme Durand, cheffe d'équipe",
        },
    )

    engaged.refresh_from_db()
    assert engaged.stage == Stage.EMPLOYED
    assert StageChange.objects.filter(resident=engaged, to_stage=Stage.EMPLOYED).count() == 1
    assert (placement.employer, placement.opening, placement.introduction) == (
        opening.employer,
        opening,
        introduction,
    )
    assert (placement.residence, placement.coach, placement.organisation) == (
        engaged.residence,
        coach,
        accompaniment.organisation,
    )
    assert placement.job_title == opening.title
    introduction.refresh_from_db()
    assert introduction.status == IntroductionStatus.HIRED
    assert introduction.steps.last().status == IntroductionStatus.HIRED
    opening.refresh_from_db()
    assert (opening.status, opening.closed_on) == (OpeningStatus.FILLED, TODAY())
    follow_ups = {f.milestone: f for f in placement.follow_ups.all()}
    assert {m: f.due_on for m, f in follow_ups.items()} == {
        Milestone.D7: start + datetime.timedelta(days=7),
        Milestone.M1: services.follow_up_due_on(start, Milestone.M1),
        Milestone.M3: services.follow_up_due_on(start, Milestone.M3),
        Milestone.M6: services.follow_up_due_on(start, Milestone.M6),
    }
    for follow_up in follow_ups.values():
        [reminder] = reminders(reminder_key("follow_up", follow_up.pk))
        assert (reminder.assignee, reminder.resident_id) == (coach, engaged.pk)
        assert reminder.due_at == _paris(follow_up.due_on, 9)


def test_a_hire_follows_an_interview_held_of_this_person(accompaniment, coach, employer, opening):
    accepted = _in_status(accompaniment, employer, IntroductionStatus.ACCEPTED)
    someone_elses = IntroductionFactory(
        opening=JobOpeningFactory(employer=employer), status=IntroductionStatus.INTERVIEW_HELD
    )
    data = {"contract_type": "cdi", "start_on": TODAY(), "weekly_hours": "35"}
    refused(
        lambda: services.placement_record(
            accompaniment=accompaniment, by=coach, introduction=accepted, data=data
        ),
        says="notez d'abord qu'elle a eu lieu",
    )
    refused(
        lambda: services.placement_record(
            accompaniment=accompaniment, by=coach, introduction=someone_elses, data=data
        ),
        "introduction",
    )
    assert not Placement.objects.exists()


def test_an_opening_of_two_positions_stays_open_after_one_hire(accompaniment, coach, employer):
    opening = JobOpeningFactory(employer=employer, positions=2)

    hire(accompaniment, coach, opening=opening)

    opening.refresh_from_db()
    assert opening.status == OpeningStatus.OPEN


def test_a_hire_on_its_own_needs_an_employer(accompaniment, coach):
    refused(
        lambda: services.placement_record(
            accompaniment=accompaniment,
            by=coach,
            data={"contract_type": "cdi", "start_on": TODAY(), "weekly_hours": "35"},
        ),
        "employer",
    )
    placement = hire(accompaniment, coach, job_title="Plongeur")
    assert placement.opening is None and placement.job_title == "Plongeur"


def test_placement_refusals_write_nothing(accompaniment, coach, opening, engaged):
    cancelled = JobOpeningFactory(
        employer=opening.employer, status=OpeningStatus.CANCELLED, closed_on=TODAY()
    )
    before = accompaniment.started_on - datetime.timedelta(days=1)
    cases = [
        ({"opening": cancelled}, "opening", "close"),
        (
            {"contract_type": "cdi", "end_on": TODAY() + datetime.timedelta(days=90)},
            "end_on",
            "CDI",
        ),
        ({"contract_type": "cdd"}, "end_on", "fin prévue"),
        ({"contract_type": "cddi"}, "end_on", "fin prévue"),
        ({"contract_type": "pas_un_contrat"}, "contract_type", "contrat"),
        ({"start_on": before}, "start_on", "précéder l'accompagnement"),
        ({"start_on": TODAY() + datetime.timedelta(days=200)}, "start_on", "trop tôt"),
        ({"start_on": None}, "start_on", ""),
        ({"start_on": "2027-01-01"}, "start_on", ""),
        ({"start_on": timezone.now()}, "start_on", ""),
        ({"contract_type": "cdd", "end_on": "2027-06-30"}, "end_on", ""),
        ({"trial_period_end_on": timezone.now()}, "trial_period_end_on", "date"),
        (
            {"end_on": TODAY() - datetime.timedelta(days=1), "contract_type": "cdd"},
            "end_on",
            "suit son début",
        ),
        ({"trial_period_end_on": TODAY() - datetime.timedelta(days=1)}, "trial_period_end_on", ""),
    ] + [
        ({"weekly_hours": hours}, "weekly_hours", "entre 0 et 48")
        for hours in (
            "0",
            "-1",
            "48.1",
            "0.01",
            "0.04",
            "49",
            "NaN",
            "sNaN",
            "Infinity",
            "abc",
            "",
            None,
            "1e400",
            [35],
            Decimal("48.06"),
        )
    ]
    for extra, field, says in cases:
        data = {"contract_type": "cdi", "start_on": TODAY(), "weekly_hours": "35", **extra}
        if "opening" not in data:
            data["employer"] = opening.employer
        refused(
            lambda data=data: services.placement_record(
                accompaniment=accompaniment, by=coach, data=data
            ),
            field,
            says,
        )
    assert not Placement.objects.exists() and not FollowUp.objects.exists()
    engaged.refresh_from_db()
    assert engaged.stage == Stage.ACCOMPANIED

    hire(accompaniment, coach, opening=opening)
    refused(  # employed already: a hire is recorded for an accompanied person
        lambda: hire(accompaniment, coach), says="personne accompagnée"
    )
    assert Placement.objects.count() == 1


def test_the_hours_are_kept_to_the_tenth(accompaniment, coach):
    assert hire(accompaniment, coach, weekly_hours="47.96").weekly_hours == Decimal("48.0")


def test_the_same_token_records_one_hire(accompaniment, coach, employer):
    token = uuid.uuid4()
    data = {"contract_type": "cdi", "start_on": TODAY(), "weekly_hours": 35, "employer": employer}
    first, second = (
        services.placement_record(accompaniment=accompaniment, by=coach, data=data, token=token)
        for _ in range(2)
    )
    assert first == second
    assert Placement.objects.count() == 1 and FollowUp.objects.count() == 4


def test_ending_early_cancels_what_is_left_and_goes_back_to_accompanied(
    accompaniment, coach, engaged
):
    placement = hire(accompaniment, coach, start_on=TODAY() - datetime.timedelta(days=0))
    d7 = placement.follow_ups.get(milestone=Milestone.D7)
    services.follow_up_record(follow_up=d7, by=coach, done_on=TODAY(), with_whom="both")
    for reason, ended_on, field in [
        ("", TODAY(), "reason"),
        ("pas_un_motif", TODAY(), "reason"),
        ("resignation", TODAY() + datetime.timedelta(days=1), "ended_on"),
        ("resignation", None, "ended_on"),
        ("resignation", timezone.now(), "ended_on"),
    ]:
        refused(
            lambda reason=reason, ended_on=ended_on: services.placement_end(
                placement=placement, by=coach, ended_on=ended_on, reason=reason
            ),
            field,
        )
    engaged.refresh_from_db()
    assert engaged.stage == Stage.EMPLOYED

    services.placement_end(
        placement=placement,
        by=coach,
        ended_on=TODAY(),
        reason="trial_employer",
        notes="Rythme trop soutenu",
    )

    placement.refresh_from_db()
    assert (placement.ended_on, placement.end_reason) == (TODAY(), "trial_employer")
    engaged.refresh_from_db()
    assert engaged.stage == Stage.ACCOMPANIED
    change = StageChange.objects.filter(resident=engaged).latest("changed_at")
    assert (change.from_stage, change.to_stage) == (Stage.EMPLOYED, Stage.ACCOMPANIED)
    left = placement.follow_ups.exclude(pk=d7.pk)
    assert all(f.cancelled_on == TODAY() for f in left) and len(left) == 3
    assert not Reminder.objects.filter(
        dedup_key__in=[reminder_key("follow_up", f.pk) for f in left]
    ).exists()
    [done] = reminders(reminder_key("follow_up", d7.pk))
    assert done.done_at is not None
    refused(
        lambda: services.follow_up_record(
            follow_up=left[0], by=coach, done_on=TODAY(), with_whom="both"
        ),
        says="annulé",
    )
    # A second click changes nothing.
    services.placement_end(placement=placement, by=coach, ended_on=TODAY(), reason="other")
    placement.refresh_from_db()
    assert placement.end_reason == "trial_employer"


def test_ending_before_the_hire_is_refused(accompaniment, coach):
    placement = hire(accompaniment, coach, start_on=TODAY() + datetime.timedelta(days=10))
    refused(
        lambda: services.placement_end(
            placement=placement, by=coach, ended_on=TODAY(), reason="resignation"
        ),
        "ended_on",
        "précéder l'embauche",
    )


# --- Follow-ups -------------------------------------------------------------------------------


def test_follow_up_refusals(accompaniment, coach):
    placement = hire(accompaniment, coach, start_on=TODAY() + datetime.timedelta(days=5))
    d7 = placement.follow_ups.get(milestone=Milestone.D7)
    m6 = placement.follow_ups.get(milestone=Milestone.M6)
    for follow_up, kwargs, field in [
        (d7, {"done_on": TODAY()}, "done_on"),  # before the hire
        (d7, {"done_on": TODAY() + datetime.timedelta(days=6)}, "done_on"),  # future
        (d7, {"done_on": None}, "done_on"),
        (d7, {"done_on": timezone.now()}, "done_on"),
        (d7, {"done_on": TODAY(), "with_whom": "voisin"}, "with_whom"),
        (m6, {"done_on": TODAY()}, "still_employed"),
    ]:
        kwargs = {"with_whom": FollowUpWith.EMPLOYEE, **kwargs}
        refused(
            lambda follow_up=follow_up, kwargs=kwargs: services.follow_up_record(
                follow_up=follow_up, by=coach, **kwargs
            ),
            field,
        )
    assert not FollowUp.objects.filter(done_on__isnull=False).exists()


def test_a_follow_up_with_the_employee_is_an_interaction_and_records_once(accompaniment, coach):
    placement = hire(accompaniment, coach)
    d7, m1 = (placement.follow_ups.get(milestone=m) for m in (Milestone.D7, Milestone.M1))
    resident = Resident.objects.filter(pk=placement.resident_id)
    resident.update(last_interaction_at=None)

    services.follow_up_record(follow_up=d7, by=coach, done_on=TODAY(), with_whom="employer")
    assert resident.get().last_interaction_at is None
    services.follow_up_record(
        follow_up=m1, by=coach, done_on=TODAY(), with_whom="employee", notes="Tout va bien"
    )
    assert resident.get().last_interaction_at == _paris(TODAY(), 9)
    again = services.follow_up_record(
        follow_up=m1, by=coach, done_on=TODAY(), with_whom="employer", notes="Autre chose"
    )

    assert (again.with_whom, again.notes) == ("employee", "Tout va bien")
    assert reminders(reminder_key("follow_up", m1.pk))[0].done_at is not None


# --- The coach's contacts ---------------------------------------------------------------------


def test_a_contact_with_the_person_is_an_interaction_not_one_with_the_employer_alone(
    accompaniment, coach, employer
):
    resident = Resident.objects.filter(pk=accompaniment.resident_id)
    resident.update(last_interaction_at=None)
    at = timezone.now() - datetime.timedelta(hours=2)

    services.coach_contact_add(
        accompaniment=accompaniment,
        by=coach,
        with_whom="employer",
        channel="phone",
        employer=employer,
        at=at,
    )
    assert resident.get().last_interaction_at is None
    services.coach_contact_add(
        accompaniment=accompaniment,
        by=coach,
        with_whom="both",
        channel="workplace",
        employer=employer,
        at=at,
    )
    assert resident.get().last_interaction_at == at


def test_a_next_step_becomes_a_reminder_and_a_token_one_row(accompaniment, coach):
    token = uuid.uuid4()
    next_on = TODAY() + datetime.timedelta(days=5)
    for _ in range(2):
        contact = services.coach_contact_add(
            accompaniment=accompaniment,
            by=coach,
            with_whom="person",
            channel="meeting",
            summary="Point CV",
            next_step="Appeler la crèche",
            next_step_on=next_on,
            token=token,
        )
    assert CoachContact.objects.count() == 1
    [reminder] = reminders(reminder_key("coach_contact", contact.pk))
    assert (reminder.assignee, reminder.title) == (coach, "Appeler la crèche")
    assert reminder.due_at == _paris(next_on, 9)


def test_contact_refusals(accompaniment, coach):
    now = timezone.now()
    for kwargs, field in [
        ({"at": now + datetime.timedelta(hours=1)}, "at"),
        ({"at": now - datetime.timedelta(days=30)}, "at"),  # before the accompaniment
        ({"at": datetime.datetime(2026, 1, 1, 10)}, "at"),  # naive
        ({"at": TODAY()}, "at"),
        ({"next_step_on": now + datetime.timedelta(days=2)}, "next_step_on"),
        ({"with_whom": "employer"}, "employer"),
        ({"with_whom": "voisin"}, "with_whom"),
        ({"channel": "pigeon"}, "channel"),
        ({"next_step_on": TODAY() - datetime.timedelta(days=1)}, "next_step_on"),
    ]:
        kwargs = {"with_whom": "person", "channel": "phone", **kwargs}
        refused(
            lambda kwargs=kwargs: services.coach_contact_add(
                accompaniment=accompaniment, by=coach, **kwargs
            ),
            field,
        )
    assert not CoachContact.objects.exists()


# --- Wishes -----------------------------------------------------------------------------------


def test_hostile_wishes_are_refused_field_by_field(accompaniment, coach):
    for data, field in [
        ({"wanted_rome": ["Z9999"]}, "wanted_rome"),
        ({"wanted_sectors": ["piraterie"]}, "wanted_sectors"),
        ({"hours_min": "abc"}, "hours_min"),
        ({"hours_min": 0}, "hours_min"),
        ({"hours_max": 49}, "hours_max"),
        ({"hours_min": 30, "hours_max": 20}, "hours_max"),
        ({"max_commute_minutes": "1e3"}, "max_commute_minutes"),
        ({"max_commute_minutes": 500}, "max_commute_minutes"),
        ({"childcare": "robot"}, "childcare"),
        ({"reachable_cities": [f"Ville {n}" for n in range(40)]}, "reachable_cities"),
        ({"languages": ["klingon"]}, "languages"),
    ]:
        refused(
            lambda data=data: services.wishes_save(
                accompaniment=accompaniment, by=coach, data=data
            ),
            field,
        )
    # An impossible minimum says so once, not as a maximum "below the minimum" too.
    error = refused(
        lambda: services.wishes_save(
            accompaniment=accompaniment, by=coach, data={"hours_min": 60, "hours_max": 40}
        ),
        "hours_min",
    )
    assert "hours_max" not in error.message_dict
    assert (
        not Resident.objects.get(pk=accompaniment.resident_id)
        .__class__.objects.filter(job_wishes__isnull=False)
        .exists()
    )


# --- Timeline ---------------------------------------------------------------------------------


def _entries(resident, user):
    entries = timeline.entries_for(
        resident, user, notes=[], health=HealthView.for_user(user, resident)
    )
    return [(entry.title, entry.detail) for entry in sorted(entries, key=lambda e: e.at)]


def _in_order(entries, expected):
    """The titles starting with each of `expected`, in that order among `entries`."""
    titles = [title for title, _ in entries]
    positions = []
    for start in expected:
        found = [i for i, title in enumerate(titles) if title.startswith(start)]
        assert found, (start, titles)
        positions.append(found[0])
    assert positions == sorted(positions), titles


def test_the_timeline_shows_every_step_in_order_and_hides_confidential_notes_from_the_officer(
    coach, officer, adelis, nantes_residences, employer, time_machine
):
    start = datetime.date(2027, 3, 1)

    def on(day, hour=10):
        time_machine.move_to(_paris(start + datetime.timedelta(days=day), hour), tick=False)

    on(0, 13)
    resident = engage(
        ResidentFactory(residence=nantes_residences[0]), officer=officer, adelis=adelis
    )
    orientation = services.orientation_create(
        resident=resident, organisation=adelis, reason="Propreté, le matin", by=officer
    )
    on(0, 15)
    accompaniment = services.orientation_accept(orientation=orientation, by=coach)
    on(1)
    services.coach_contact_add(
        accompaniment=accompaniment,
        by=coach,
        with_whom="person",
        channel="meeting",
        summary="Parle de ses dettes",
        confidential=True,
    )
    opening = JobOpeningFactory(employer=employer)
    on(2)
    introduction = services.introduction_propose(
        accompaniment=accompaniment, opening=opening, by=coach
    )
    on(3)
    services.introduction_move(introduction=introduction, to=IntroductionStatus.ACCEPTED, by=coach)
    services.introduction_move(
        introduction=introduction,
        to=IntroductionStatus.INTERVIEW_SCHEDULED,
        by=coach,
        interview_at=_paris(start + datetime.timedelta(days=5), 14),
        interview_place="Sur place",
    )
    on(5, 16)
    services.introduction_move(
        introduction=introduction, to=IntroductionStatus.INTERVIEW_HELD, by=coach
    )
    on(6, 14)  # after noon: the hire keeps its place after the introduction's last step
    placement = services.placement_record(
        accompaniment=accompaniment,
        by=coach,
        introduction=introduction,
        data={"contract_type": "cdi", "start_on": TODAY(), "weekly_hours": "35"},
    )
    on(13, 17)
    d7 = placement.follow_ups.get(milestone=Milestone.D7)
    services.follow_up_record(follow_up=d7, by=coach, done_on=TODAY(), with_whom="both")
    on(20)
    services.placement_end(placement=placement, by=coach, ended_on=TODAY(), reason="resignation")
    on(21)
    services.accompaniment_close(accompaniment=accompaniment, by=coach, exit_reason="training")

    for_coach, for_officer = _entries(resident, coach), _entries(resident, officer)

    for entries in (for_coach, for_officer):
        _in_order(
            entries,
            [
                "Orientation vers",
                "Accompagnement vers l'emploi commencé",
                "Contact emploi (rendez-vous) : la personne",
                "Offre proposée",
                "Mise en relation — acceptée par la personne",
                "Mise en relation — rencontre prévue",
                "Mise en relation — rencontre faite",
                "Mise en relation — embauche",
                "Embauche :",
                "Suivi J+7 dans l'emploi fait",
                "Fin anticipée du contrat",
                "Accompagnement terminé",
            ],
        )
    contact = dict(for_coach)["Contact emploi (rendez-vous) : la personne"]
    assert "Parle de ses dettes" in contact
    contact = dict(for_officer)["Contact emploi (rendez-vous) : la personne"]
    assert "Note de travail confidentielle" in contact and "dettes" not in contact
    placed = next(detail for title, detail in for_officer if title.startswith("Embauche"))
    assert placed == "CDI, 35 h par semaine — emploi durable"
    assert _entries(resident, UserFactory(role="job_coach", organisation=adelis)) == []


def test_the_officer_reads_a_suspended_accompaniment_the_coach_nothing(
    accompaniment, coach, officer, adelis, engaged
):
    resident_services.consent_withdraw(
        consent=engaged.consents.get(scope="sharing", recipient_organisation=adelis), by=officer
    )
    titles = [title for title, _ in _entries(engaged, officer)]
    assert "Accompagnement suspendu — accord de partage retiré" in titles
    assert _entries(engaged, coach) == []
