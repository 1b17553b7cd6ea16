"""The counts the dashboards will read, on hand-built rows whose answers are known: each
QuerySet method of employment/models.py, and durability both ways (the property and the
query agree on the same rows)."""

import datetime

import pytest
from django.utils import timezone

from employers.enums import ContractType as C
from employment.enums import IntroductionStatus as S
from employment.enums import Milestone
from employment.models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    Placement,
)
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.employers.factories import EmployerFactory, JobOpeningFactory
from tests.employment.factories import (
    AccompanimentFactory,
    CoachContactFactory,
    FollowUpFactory,
    IntroductionFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def _pks(queryset):
    return set(queryset.values_list("pk", flat=True))


# --- Accompaniments ---------------------------------------------------------------------------


def test_accompaniment_counts(coach, other_coach):
    def acc(started, ended=None, reason="", by=coach):
        return AccompanimentFactory(
            coach=by, started_on=started, ended_on=ended, exit_reason=reason
        )

    jan1 = acc(D(2027, 1, 1))
    jan31 = acc(D(2027, 1, 31), D(2027, 3, 15), "durable_employment")
    feb1 = acc(D(2027, 2, 1), D(2027, 2, 28), "durable_employment", by=other_coach)
    dec = acc(D(2026, 12, 1), D(2027, 1, 31), "lost_contact")
    other = acc(D(2026, 11, 1), by=other_coach)
    rows = Accompaniment.objects.all()

    assert _pks(rows.started_in(D(2027, 1, 1), D(2027, 2, 1))) == {jan1.pk, jan31.pk}
    assert _pks(rows.ended_in(D(2027, 1, 31), D(2027, 3, 1))) == {feb1.pk, dec.pk}
    assert _pks(rows.open_on(D(2027, 1, 31))) == {jan1.pk, jan31.pk, other.pk}  # dec ended
    assert _pks(rows.open_on(D(2027, 2, 28))) == {jan1.pk, jan31.pk, other.pk}
    assert _pks(rows.open_on(D(2027, 2, 27))) == {jan1.pk, jan31.pk, feb1.pk, other.pk}
    assert _pks(rows.open()) == {jan1.pk, other.pk}
    assert rows.by_exit_reason() == {"durable_employment": 2, "lost_contact": 1}
    assert rows.load_by_coach() == {coach.pk: 1, other_coach.pk: 1}


def test_the_caseload_is_the_coachs_own_or_her_organisations(
    coach, other_coach, adelis_manager, officer
):
    mine = AccompanimentFactory(coach=coach)
    hers = AccompanimentFactory(coach=other_coach)
    elsewhere = UserFactory(role="job_coach", organisation=OrganisationFactory(kind="employment"))
    AccompanimentFactory(coach=elsewhere)

    assert _pks(Accompaniment.objects.caseload_of(coach)) == {mine.pk}
    assert _pks(Accompaniment.objects.caseload_of(adelis_manager)) == {mine.pk, hers.pk}
    assert not Accompaniment.objects.caseload_of(officer).exists()


# --- Introductions ----------------------------------------------------------------------------


def test_introduction_counts(coach):
    accompaniment = AccompanimentFactory(coach=coach)
    employer = EmployerFactory()
    paris = timezone.get_current_timezone()

    def intro(status, proposed, held=None, **extra):
        return IntroductionFactory(
            accompaniment=accompaniment,
            opening=JobOpeningFactory(employer=employer),
            status=status,
            proposed_at=datetime.datetime(*proposed, tzinfo=paris),
            interview_held_on=held,
            **extra,
        )

    proposed = intro(S.PROPOSED, (2027, 1, 1, 0, 0))
    accepted = intro(S.ACCEPTED, (2027, 1, 31, 23, 59))
    scheduled = intro(
        S.INTERVIEW_SCHEDULED,
        (2027, 2, 1, 0, 0),
        interview_at=datetime.datetime(2027, 2, 10, 14, tzinfo=paris),
    )
    held = intro(S.INTERVIEW_HELD, (2027, 2, 2, 9, 0), held=D(2027, 2, 9))
    hired = intro(S.HIRED, (2027, 2, 3, 9, 0), held=D(2027, 2, 9))
    not_retained = intro(
        S.NOT_RETAINED,
        (2026, 12, 31, 23, 59),
        held=D(2027, 1, 9),
        not_retained_reason="skills",
    )
    declined = intro(S.DECLINED, (2027, 1, 5, 9, 0), declined_reason="hours")
    rows = Introduction.objects.all()

    assert _pks(rows.in_progress()) == {proposed.pk, accepted.pk, scheduled.pk, held.pk}
    january = (
        datetime.datetime(2027, 1, 1, tzinfo=paris),
        datetime.datetime(2027, 2, 1, tzinfo=paris),
    )
    assert _pks(rows.proposed_in(*january)) == {proposed.pk, accepted.pk, declined.pk}
    assert _pks(rows.with_interview()) == {held.pk, hired.pk, not_retained.pk}
    assert rows.by_status() == {status: 1 for status in S}
    assert (proposed.is_in_progress, hired.is_ended) == (True, True)
    assert (declined.is_in_progress, held.is_ended) == (False, False)


# --- Placements -------------------------------------------------------------------------------


# (contract, start, end, durable): `end` is the contract's last day.
DURABILITY = [
    (C.CDI, D(2027, 1, 1), None, True),
    (C.CDD, D(2027, 1, 1), D(2027, 6, 30), True),  # 1 January - 30 June: six months
    (C.CDD, D(2027, 1, 1), D(2027, 7, 1), True),
    (C.CDD, D(2027, 1, 1), D(2027, 6, 29), False),
    (C.CDD, D(2027, 1, 1), D(2027, 5, 31), False),  # five months
    (C.CDD, D(2027, 8, 31), D(2028, 2, 28), True),  # six months to the end of February
    (C.CDD, D(2027, 8, 31), D(2028, 2, 27), False),
    (C.TEMP, D(2027, 3, 15), D(2027, 9, 14), True),
    (C.TEMP, D(2027, 3, 15), D(2027, 9, 13), False),
    (C.TEMP, D(2027, 3, 15), None, False),  # an open-ended mission proves nothing
    (C.CDDI, D(2027, 1, 1), D(2028, 12, 31), False),  # transitional employment
    (C.SUBSIDISED, D(2027, 1, 1), D(2028, 1, 1), False),
    (C.SUBSIDISED, D(2027, 1, 1), None, False),
    (C.APPRENTICESHIP, D(2027, 1, 1), D(2029, 1, 1), False),
]


def test_durability_the_property_and_the_query_agree(coach, settings):
    accompaniment = AccompanimentFactory(coach=coach)
    employer = EmployerFactory()
    rows = {
        PlacementFactory(
            accompaniment=accompaniment,
            employer=employer,
            contract_type=contract,
            start_on=start,
            end_on=end,
        ).pk: durable
        for contract, start, end, durable in DURABILITY
    }

    durable = _pks(Placement.objects.durable())
    assert durable == {pk for pk, is_durable in rows.items() if is_durable}
    assert {p.pk for p in Placement.objects.all() if p.is_durable} == durable

    settings.O2R_DURABLE_EMPLOYMENT_MONTHS = 12
    long = _pks(Placement.objects.durable())
    assert {p.pk for p in Placement.objects.all() if p.is_durable} == long
    assert len(long) == 1  # the CDI only


def test_placement_counts(coach):
    accompaniment = AccompanimentFactory(coach=coach)
    employer = EmployerFactory()

    def placed(contract=C.CDI, start=None, hours=35, end=None, **extra):
        return PlacementFactory(
            accompaniment=accompaniment,
            employer=employer,
            contract_type=contract,
            start_on=start or D(2027, 1, 10),
            end_on=end,
            weekly_hours=hours,
            **extra,
        )

    def m6(placement, *, done, still):
        return FollowUpFactory(
            placement=placement,
            milestone=Milestone.M6,
            due_on=placement.start_on,
            done_on=placement.start_on if done else None,
            with_whom="both" if done else "",
            still_employed=still,
        )

    confirmed = placed()
    m6(confirmed, done=True, still=True)
    left = placed(C.CDD, D(2027, 1, 31), 24, D(2027, 12, 31))
    m6(left, done=True, still=False)
    waiting = placed(C.TEMP, D(2027, 2, 1), 34.9)
    m6(waiting, done=False, still=None)
    ended = placed(
        C.CDDI,
        D(2026, 12, 31),
        26,
        D(2027, 6, 30),
        ended_on=D(2027, 2, 1),
        end_reason="resignation",
    )
    only_m1 = placed(hours=35.5)
    FollowUpFactory(
        placement=only_m1,
        milestone=Milestone.M1,
        due_on=D(2027, 2, 10),
        done_on=D(2027, 2, 10),
        with_whom="employee",
        still_employed=True,
    )
    confirmed_then_ended = placed(ended_on=D(2027, 9, 1), end_reason="dismissal")
    m6(confirmed_then_ended, done=True, still=True)
    FollowUpFactory(  # a second follow-up row must not count the placement twice
        placement=confirmed,
        milestone=Milestone.OTHER,
        due_on=D(2027, 3, 1),
        done_on=D(2027, 3, 1),
        with_whom="both",
        still_employed=True,
    )
    rows = Placement.objects.all()

    assert _pks(rows.started_in(D(2027, 1, 1), D(2027, 2, 1))) == {
        confirmed.pk,
        left.pk,
        only_m1.pk,
        confirmed_then_ended.pk,
    }
    assert _pks(rows.cdi()) == {confirmed.pk, only_m1.pk, confirmed_then_ended.pk}
    assert _pks(rows.full_time()) == {confirmed.pk, only_m1.pk, confirmed_then_ended.pk}
    assert _pks(rows.ended_early()) == {ended.pk, confirmed_then_ended.pk}
    assert _pks(rows.still_employed_at_6_months()) == {confirmed.pk, confirmed_then_ended.pk}
    assert rows.still_employed_at_6_months().count() == 2
    assert _pks(rows.retention_unknown()) == {waiting.pk, only_m1.pk}
    assert rows.by_contract() == {C.CDI: 3, C.CDD: 1, C.TEMP: 1, C.CDDI: 1}
    assert (waiting.is_full_time, only_m1.is_full_time) == (False, True)
    assert (ended.is_active, waiting.is_active) == (False, True)


# --- Follow-ups -------------------------------------------------------------------------------


def test_follow_up_counts(coach, settings):
    placement = PlacementFactory(accompaniment=AccompanimentFactory(coach=coach))
    due = D(2027, 1, 10)

    def follow(milestone, due_on=due, done=None, cancelled=None):
        return FollowUpFactory(
            placement=placement,
            milestone=milestone,
            due_on=due_on,
            done_on=done,
            with_whom="both" if done else "",
            cancelled_on=cancelled,
        )

    on_the_day = follow(Milestone.D7, done=due)
    last_grace_day = follow(Milestone.M1, done=due + datetime.timedelta(days=7))
    late = follow(Milestone.M3, done=due + datetime.timedelta(days=8))
    pending = follow(Milestone.M6)
    cancelled = follow(Milestone.OTHER, cancelled=due)
    early_feb = follow(Milestone.OTHER, due_on=D(2027, 2, 1))
    rows = FollowUp.objects.all()

    assert _pks(rows.pending()) == {pending.pk, early_feb.pk}
    assert not rows.overdue(today=due).exists()
    assert _pks(rows.overdue(today=due + datetime.timedelta(days=1))) == {pending.pk}
    assert _pks(rows.overdue(today=D(2027, 2, 2))) == {pending.pk, early_feb.pk}
    assert _pks(rows.done_on_time()) == {on_the_day.pk, last_grace_day.pk}
    assert _pks(rows.due_in(D(2027, 1, 10), D(2027, 2, 1))) == {
        on_the_day.pk,
        last_grace_day.pk,
        late.pk,
        pending.pk,
        cancelled.pk,
    }
    # The dashboard's counts: on 12 January the pending M+6 (due the 10th) is still within
    # its 7 days ("upcoming"), the cancelled one is left out; on the 18th it is not done.
    assert rows.by_milestone(today=D(2027, 1, 12))[Milestone.M6] == {
        "due": 1,
        "on_time": 0,
        "late": 0,
        "not_done": 0,
        "upcoming": 1,
        "in_post": 0,
        "not_in_post": 0,
    }
    assert rows.by_milestone(today=D(2027, 1, 18))[Milestone.M6]["not_done"] == 1
    assert rows.by_milestone(today=D(2027, 1, 18))[Milestone.OTHER]["due"] == 1  # early Feb
    assert rows.by_milestone(today=D(2027, 1, 12))[Milestone.M3] == {
        "due": 1,
        "on_time": 0,
        "late": 1,
        "not_done": 0,
        "upcoming": 0,
        "in_post": 0,
        "not_in_post": 0,
    }
    settings.O2R_FOLLOW_UP_GRACE_DAYS = 0
    assert _pks(rows.done_on_time()) == {on_the_day.pk}
    assert (pending.is_pending, cancelled.is_pending, late.is_pending) == (True, False, False)


# --- The coach's contacts ---------------------------------------------------------------------


def test_coach_contact_counts(coach):
    accompaniment = AccompanimentFactory(coach=coach)
    employer = EmployerFactory()
    paris = timezone.get_current_timezone()

    def contact(with_whom, channel, at):
        return CoachContactFactory(
            accompaniment=accompaniment,
            with_whom=with_whom,
            channel=channel,
            employer=employer if with_whom != "person" else None,
            at=datetime.datetime(*at, tzinfo=paris),
        )

    person = contact("person", "meeting", (2027, 1, 1, 0, 0))
    both = contact("both", "workplace", (2027, 1, 31, 23, 59))
    employer_only = contact("employer", "phone", (2027, 1, 15, 10, 0))
    february = contact("person", "phone", (2027, 2, 1, 0, 0))
    rows = CoachContact.objects.all()

    assert _pks(rows.with_person()) == {person.pk, both.pk, february.pk}
    january = (
        datetime.datetime(2027, 1, 1, tzinfo=paris),
        datetime.datetime(2027, 2, 1, tzinfo=paris),
    )
    assert _pks(rows.in_period(*january)) == {person.pk, both.pk, employer_only.pk}
    assert rows.by_channel() == {"meeting": 1, "workplace": 1, "phone": 2}
    assert rows.in_period(*january).with_person().by_channel() == {"meeting": 1, "workplace": 1}
