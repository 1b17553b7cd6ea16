"""The follow-ups' days across month ends and leap years, and their reminders at 09:00 Paris
time on both sides of the daylight-saving changes (frozen time)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from employment import services
from employment.enums import Milestone
from employment.models import FollowUp
from o2r.reminders.models import Reminder
from o2r.reminders.services import reminder_key
from tests.employment.conftest import engage, hire
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
D = datetime.date


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (
            D(2027, 1, 31),
            {"d7": D(2027, 2, 7), "m1": D(2027, 2, 28), "m3": D(2027, 4, 30), "m6": D(2027, 7, 31)},
        ),
        (
            D(2028, 1, 31),
            {"d7": D(2028, 2, 7), "m1": D(2028, 2, 29), "m3": D(2028, 4, 30), "m6": D(2028, 7, 31)},
        ),
        (
            D(2027, 8, 31),
            {
                "d7": D(2027, 9, 7),
                "m1": D(2027, 9, 30),
                "m3": D(2027, 11, 30),
                "m6": D(2028, 2, 29),
            },
        ),
        (
            D(2027, 12, 28),
            {"d7": D(2028, 1, 4), "m1": D(2028, 1, 28), "m3": D(2028, 3, 28), "m6": D(2028, 6, 28)},
        ),
    ],
)
def test_follow_up_days_count_months_as_the_calendar_does(start, expected):
    assert {m: services.follow_up_due_on(start, m) for m in expected} == expected


def _hire_on(day, time_machine, *, officer, adelis, coach, residence):
    """Frozen at 10:00 Paris on `day`: the whole path walked that day, hired from that day."""
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(10), PARIS), tick=False)
    resident = engage(ResidentFactory(residence=residence), officer=officer, adelis=adelis)
    orientation = services.orientation_create(
        resident=resident, organisation=adelis, reason="Propreté", by=officer
    )
    accompaniment = services.orientation_accept(orientation=orientation, by=coach)
    return hire(accompaniment, coach, start_on=day)


def _due(placement):
    """{milestone: (due day, its reminder's due_at in Paris)}."""
    result = {}
    for follow_up in placement.follow_ups.all():
        reminder = Reminder.objects.get(dedup_key=reminder_key("follow_up", follow_up.pk))
        result[follow_up.milestone] = (follow_up.due_on, reminder.due_at.astimezone(PARIS))
    return result


def _nine(day, offset_hours):
    at = datetime.datetime.combine(day, datetime.time(9), PARIS)
    assert at.utcoffset() == datetime.timedelta(hours=offset_hours), (day, at.utcoffset())
    return at


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Month ends, winter time throughout but M6 (summer).
        (
            D(2027, 1, 31),
            {
                "d7": (D(2027, 2, 7), 1),
                "m1": (D(2027, 2, 28), 1),
                "m3": (D(2027, 4, 30), 2),
                "m6": (D(2027, 7, 31), 2),
            },
        ),
        # Leap year.
        (
            D(2028, 1, 31),
            {
                "d7": (D(2028, 2, 7), 1),
                "m1": (D(2028, 2, 29), 1),
                "m3": (D(2028, 4, 30), 2),
                "m6": (D(2028, 7, 31), 2),
            },
        ),
        # Summer time starts on 28 March 2027: D+7 in winter, M1 in summer.
        (
            D(2027, 3, 1),
            {
                "d7": (D(2027, 3, 8), 1),
                "m1": (D(2027, 4, 1), 2),
                "m3": (D(2027, 6, 1), 2),
                "m6": (D(2027, 9, 1), 2),
            },
        ),
        # Winter time starts on 31 October 2027: M1 (25/10) still summer, M3 winter.
        (
            D(2027, 9, 25),
            {
                "d7": (D(2027, 10, 2), 2),
                "m1": (D(2027, 10, 25), 2),
                "m3": (D(2027, 12, 25), 1),
                "m6": (D(2028, 3, 25), 1),
            },
        ),
        (
            D(2027, 10, 5),
            {
                "d7": (D(2027, 10, 12), 2),
                "m1": (D(2027, 11, 5), 1),
                "m3": (D(2028, 1, 5), 1),
                "m6": (D(2028, 4, 5), 2),
            },
        ),
    ],
)
def test_the_reminders_are_due_at_nine_paris_time(
    start, expected, time_machine, officer, adelis, coach, nantes_residences
):
    placement = _hire_on(
        start,
        time_machine,
        officer=officer,
        adelis=adelis,
        coach=coach,
        residence=nantes_residences[0],
    )

    assert _due(placement) == {
        milestone: (day, _nine(day, offset)) for milestone, (day, offset) in expected.items()
    }


def test_overdue_follows_the_calendar(time_machine, officer, adelis, coach, nantes_residences):
    placement = _hire_on(
        D(2027, 1, 31),
        time_machine,
        officer=officer,
        adelis=adelis,
        coach=coach,
        residence=nantes_residences[0],
    )
    follow_ups = FollowUp.objects.filter(placement=placement)

    time_machine.move_to(datetime.datetime(2027, 2, 7, 23, 0, tzinfo=PARIS), tick=False)
    assert not follow_ups.overdue().exists()
    time_machine.move_to(datetime.datetime(2027, 2, 8, 0, 30, tzinfo=PARIS), tick=False)
    assert [f.milestone for f in follow_ups.overdue()] == [Milestone.D7]
    assert follow_ups.get(milestone=Milestone.D7).is_overdue
    time_machine.move_to(datetime.datetime(2027, 3, 1, 8, 0, tzinfo=PARIS), tick=False)
    assert [f.milestone for f in follow_ups.overdue()] == [Milestone.D7, Milestone.M1]
