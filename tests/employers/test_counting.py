"""The counting QuerySets the dashboards read, with data that catches a wrong implementation,
and who sees which rows (visible_to) for the whole cast."""

import datetime

import pytest
from django.utils import timezone

from employers.enums import NetworkStatus, OpeningStatus, ProspectingKind, ProspectingOutcome
from employers.models import (
    Employer,
    JobOpening,
    ProspectingAction,
    territories_of,
    territory_scope,
)
from o2r.access import Action
from o2r.core.demo import TERRITORY
from tests.employers.factories import EmployerFactory, JobOpeningFactory, ProspectingActionFactory

Kind, Outcome = ProspectingKind, ProspectingOutcome
OTHER_TERRITORY = "Saint-Nazaire Agglo"

START = timezone.make_aware(datetime.datetime(2026, 10, 1))
END = timezone.make_aware(datetime.datetime(2026, 11, 1))
SECOND = datetime.timedelta(seconds=1)
DAY = datetime.timedelta(days=1)


def _step(employer, by, at, outcome=Outcome.CALL_BACK, kind=Kind.CALL):
    return ProspectingActionFactory(employer=employer, by=by, at=at, outcome=outcome, kind=kind)


def _pks(queryset):
    return set(queryset.values_list("pk", flat=True))


# --- Prospecting ----------------------------------------------------------------------------


def test_in_period_is_start_included_end_excluded(coach):
    employer = EmployerFactory(created_by=coach)
    at_start = _step(employer, coach, START)
    last_second = _step(employer, coach, END - SECOND)
    _step(employer, coach, START - SECOND)
    _step(employer, coach, END)
    assert _pks(ProspectingAction.objects.in_period(START, END)) == {at_start.pk, last_second.pk}


def test_by_coach_and_by_coach_counts(coach, adelis_manager):
    employer = EmployerFactory(created_by=coach)
    mine = [_step(employer, coach, START + n * DAY) for n in range(3)]
    _step(employer, adelis_manager, START)
    _step(employer, adelis_manager, START - DAY)  # outside the period
    assert _pks(ProspectingAction.objects.by_coach(coach)) == {step.pk for step in mine}
    in_october = ProspectingAction.objects.in_period(START, END)
    assert in_october.by_coach_counts() == {coach.pk: 3, adelis_manager.pk: 1}
    assert ProspectingAction.objects.none().by_coach_counts() == {}


def test_contacts_leave_out_the_unanswered(coach):
    employer = EmployerFactory(created_by=coach)
    answered = {
        _step(employer, coach, START, outcome).pk
        for outcome in Outcome
        if outcome != Outcome.NO_ANSWER
    }
    _step(employer, coach, START, Outcome.NO_ANSWER)
    _step(employer, coach, START, Outcome.NO_ANSWER, Kind.VISIT)
    assert _pks(ProspectingAction.objects.contacts()) == answered
    assert len(answered) == 7


def test_meetings_are_face_to_face_and_the_coach_met_the_company(coach):
    employer = EmployerFactory(created_by=coach)
    meetings = {
        _step(employer, coach, START, Outcome.MET, Kind.VISIT).pk,
        _step(employer, coach, START, Outcome.JOB_ANALYSED, Kind.EVENT).pk,
        _step(employer, coach, START, Outcome.PARTNERSHIP, Kind.JOB_DATING).pk,
    }
    _step(employer, coach, START, Outcome.MET, Kind.CALL)  # a call is no meeting
    _step(employer, coach, START, Outcome.JOB_ANALYSED, Kind.EMAIL)
    _step(employer, coach, START, Outcome.NO_ANSWER, Kind.VISIT)  # a closed door
    _step(employer, coach, START, Outcome.MEETING_SET, Kind.VISIT)  # only an appointment
    _step(employer, coach, START, Outcome.DECLINED, Kind.JOB_DATING)  # not met: declined
    assert _pks(ProspectingAction.objects.meetings()) == meetings
    assert ProspectingAction.objects.meetings().count() == 3


def test_companies_prospected_counts_each_company_once(coach, adelis_manager):
    bakery, garage, cleaner = (EmployerFactory(created_by=coach) for _ in range(3))
    for n in range(4):
        _step(bakery, coach, START + n * DAY, Outcome.NO_ANSWER)
    _step(bakery, adelis_manager, START + DAY)
    _step(garage, coach, START + 2 * DAY)
    _step(cleaner, coach, START - DAY)  # before the period
    in_october = ProspectingAction.objects.in_period(START, END)
    assert in_october.companies_prospected() == 2
    assert in_october.by_coach(adelis_manager).companies_prospected() == 1
    assert ProspectingAction.objects.companies_prospected() == 3
    assert ProspectingAction.objects.none().companies_prospected() == 0


def test_first_contacts_ignore_unanswered_attempts_and_count_a_company_once(coach, adelis_manager):
    bakery, garage, cleaner, hotel = (EmployerFactory(created_by=coach) for _ in range(4))
    # The bakery: two closed doors, then the first answer, then more talks.
    _step(bakery, coach, START - 3 * DAY, Outcome.NO_ANSWER)
    _step(bakery, coach, START + DAY, Outcome.NO_ANSWER, Kind.VISIT)
    bakery_first = _step(bakery, coach, START + 2 * DAY, Outcome.CALL_BACK)
    _step(bakery, coach, START + 3 * DAY, Outcome.MET, Kind.VISIT)
    _step(bakery, adelis_manager, START + 4 * DAY, Outcome.JOB_ANALYSED, Kind.VISIT)
    # The garage was first reached before October, by someone else: no first contact in it.
    _step(garage, adelis_manager, START - DAY, Outcome.NOT_NOW)
    _step(garage, coach, START + DAY, Outcome.MET, Kind.VISIT)
    # The cleaner: two steps at the same minute; the first written is the first contact.
    cleaner_first = _step(cleaner, coach, START + 5 * DAY, Outcome.CALL_BACK)
    _step(cleaner, adelis_manager, START + 5 * DAY, Outcome.MEETING_SET)
    # The hotel never answered.
    _step(hotel, coach, START + DAY, Outcome.NO_ANSWER)

    in_october = ProspectingAction.objects.in_period(START, END)
    assert _pks(in_october.first_contacts()) == {bakery_first.pk, cleaner_first.pk}
    assert in_october.first_contacts().count() == 2
    assert in_october.by_coach(coach).first_contacts().count() == 2
    assert in_october.by_coach(adelis_manager).first_contacts().count() == 0
    # The garage's first contact is September's.
    in_september = ProspectingAction.objects.in_period(START - 30 * DAY, START)
    assert in_september.first_contacts().values_list("employer", flat=True).get() == garage.pk


# --- Employers ------------------------------------------------------------------------------


def test_without_contact_since_includes_the_never_contacted(coach):
    since = timezone.now() - 60 * DAY
    never = EmployerFactory(created_by=coach, last_contact_at=None)
    long_ago = EmployerFactory(created_by=coach, last_contact_at=since - SECOND)
    EmployerFactory(created_by=coach, last_contact_at=since)
    EmployerFactory(created_by=coach, last_contact_at=since + DAY)
    assert _pks(Employer.objects.without_contact_since(since)) == {never.pk, long_ago.pk}


def test_by_status_counts_each_status(coach):
    for status in [
        NetworkStatus.PROSPECT,
        NetworkStatus.PROSPECT,
        NetworkStatus.MET,
        NetworkStatus.INACTIVE,
    ]:
        EmployerFactory(created_by=coach, status=status)
    EmployerFactory(created_by=coach, status=NetworkStatus.PARTNER, territory=OTHER_TERRITORY)
    assert Employer.objects.visible_to(coach).by_status() == {
        "prospect": 2,
        "met": 1,
        "inactive": 1,
    }


def test_with_open_openings_counts_open_ones_only(coach):
    busy, quiet = EmployerFactory(created_by=coach), EmployerFactory(created_by=coach)
    JobOpeningFactory(employer=busy)
    JobOpeningFactory(employer=busy, positions=4)
    JobOpeningFactory(employer=busy, status=OpeningStatus.FILLED, closed_on=timezone.localdate())
    rows = {e.pk: e.open_openings for e in Employer.objects.with_open_openings()}
    assert rows == {busy.pk: 2, quiet.pk: 0}


# --- Openings -------------------------------------------------------------------------------


def test_open_captured_in_by_coach_and_hidden_market(coach, adelis_manager):
    today = timezone.localdate()
    first = today.replace(day=1)
    employer = EmployerFactory(created_by=coach)
    on_first = JobOpeningFactory(employer=employer, opened_on=first)
    filled = JobOpeningFactory(
        employer=employer, opened_on=first, status=OpeningStatus.FILLED, closed_on=first
    )
    published = JobOpeningFactory(
        employer=employer, opened_on=first, hidden_market=False, created_by=adelis_manager
    )
    JobOpeningFactory(employer=employer, opened_on=first - DAY)
    next_month = (first + 31 * DAY).replace(day=1)
    captured = JobOpening.objects.captured_in(first, next_month)
    assert _pks(captured) == {on_first.pk, filled.pk, published.pk}
    assert _pks(captured.open()) == {on_first.pk, published.pk}
    assert _pks(captured.by_coach(adelis_manager)) == {published.pk}
    assert _pks(captured.hidden_market()) == {on_first.pk, filled.pk}
    # The end day is excluded.
    assert not JobOpening.objects.captured_in(first - DAY, first).filter(pk=on_first.pk).exists()


def test_captured_counts_with_the_hidden_market_share(coach, adelis_manager):
    employer = EmployerFactory(created_by=coach)
    JobOpeningFactory(employer=employer, positions=3)
    JobOpeningFactory(employer=employer, positions=1, status=OpeningStatus.CANCELLED,
                      closed_on=timezone.localdate())  # fmt: skip
    JobOpeningFactory(employer=employer, positions=2, hidden_market=False)
    JobOpeningFactory(employer=employer, positions=5, created_by=adelis_manager)
    counts = JobOpening.objects.by_coach(coach).captured_counts()
    assert counts == {"openings": 3, "positions": 6, "hidden_market": 2}
    assert counts["hidden_market"] / counts["openings"] == pytest.approx(2 / 3)
    assert JobOpening.objects.captured_counts() == {
        "openings": 4,
        "positions": 11,
        "hidden_market": 3,
    }
    assert JobOpening.objects.none().captured_counts() == {
        "openings": 0,
        "positions": 0,
        "hidden_market": 0,
    }


# --- Who sees what --------------------------------------------------------------------------


@pytest.fixture
def network(coach):
    nantes = EmployerFactory(created_by=coach, name="Propreté Nantaise")
    nazaire = EmployerFactory(
        created_by=coach, name="Chantiers Nazairiens", territory=OTHER_TERRITORY
    )
    filled_on = timezone.localdate()
    return {
        "nantes": nantes,
        "nazaire": nazaire,
        "nantes_open": JobOpeningFactory(employer=nantes),
        "nantes_filled": JobOpeningFactory(
            employer=nantes, status=OpeningStatus.FILLED, closed_on=filled_on
        ),
        "nazaire_open": JobOpeningFactory(employer=nazaire),
        "nantes_step": ProspectingActionFactory(employer=nantes, by=coach),
        "nazaire_step": ProspectingActionFactory(employer=nazaire, by=coach),
    }


EMPLOYERS_SEEN = {
    "coach": {"nantes"},
    "adelis_manager": {"nantes"},
    "officer": {"nantes"},
    "adoma_manager": {"nantes"},
    "outsider": {"nazaire"},
    "staff": set(),
    "administrator": set(),
}
OPENINGS_SEEN = {
    "coach": {"nantes_open", "nantes_filled"},
    "adelis_manager": {"nantes_open", "nantes_filled"},
    "officer": {"nantes_open"},
    "adoma_manager": {"nantes_open"},
    "outsider": {"nazaire_open"},
    "staff": set(),
    "administrator": set(),
}
PROSPECTING_SEEN = {
    "coach": {"nantes_step"},
    "adelis_manager": {"nantes_step"},
    "officer": set(),
    "adoma_manager": set(),
    "outsider": set(),
    "staff": set(),
    "administrator": set(),
}
EDITS = {"coach", "adelis_manager"}


def _names(network, queryset):
    pks = _pks(queryset)
    return {
        name for name, row in network.items() if row.pk in pks and row._meta.model is queryset.model
    }


@pytest.mark.parametrize("who", sorted(EMPLOYERS_SEEN))
def test_who_sees_which_employers(cast, network, who):
    user = cast[who]
    assert _names(network, Employer.objects.visible_to(user)) == EMPLOYERS_SEEN[who]
    editable = _names(network, Employer.objects.visible_to(user, Action.EMPLOYER_EDIT))
    assert editable == (EMPLOYERS_SEEN[who] if who in EDITS else set())


@pytest.mark.parametrize("who", sorted(OPENINGS_SEEN))
def test_who_sees_which_openings(cast, network, who):
    user = cast[who]
    assert _names(network, JobOpening.objects.visible_to(user)) == OPENINGS_SEEN[who]
    editable = _names(network, JobOpening.objects.visible_to(user, Action.OPENING_EDIT))
    assert editable == (OPENINGS_SEEN[who] if who in EDITS else set())


@pytest.mark.parametrize("who", sorted(PROSPECTING_SEEN))
def test_who_sees_which_prospecting_steps(cast, network, who):
    queryset = ProspectingAction.objects.visible_to(cast[who])
    assert _names(network, queryset) == PROSPECTING_SEEN[who]


def test_the_territories_of_the_cast(cast, network):
    assert territories_of(cast["coach"]) == [TERRITORY]  # her account's
    assert territories_of(cast["officer"]) == [TERRITORY]  # her residences'
    assert territories_of(cast["adoma_manager"]) == [TERRITORY]
    assert territories_of(cast["outsider"]) == [OTHER_TERRITORY]
    # Staff works in Nantes, yet the table gives her no employer right.
    assert territories_of(cast["staff"]) == [TERRITORY]
    assert not Employer.objects.filter(
        territory_scope(cast["staff"], Action.EMPLOYER_READ)
    ).exists()
    # The officer reads employers, she edits none.
    assert Employer.objects.filter(territory_scope(cast["officer"], Action.EMPLOYER_READ)).exists()
    assert not Employer.objects.filter(
        territory_scope(cast["officer"], Action.EMPLOYER_EDIT)
    ).exists()


def test_territories_are_read_once_per_user(officer, django_assert_num_queries):
    with django_assert_num_queries(1):  # the residences of her memberships
        territories_of(officer)
        territories_of(officer)


def test_an_inactive_coach_sees_nothing(coach, network):
    coach.is_active = False
    coach.save()
    assert not Employer.objects.visible_to(coach).exists()
    assert not JobOpening.objects.visible_to(coach).exists()
