"""Quiet hours: no SMS from 20:00 to 09:00, on Sundays or on holidays (SMS_AND_TASKS.md §6, G5).

Calendar used below: in 2027 Easter Monday is 29 March, the day after the spring change
(Sunday 28 March), and All Saints' Day is Monday 1 November, the day after the autumn change
(Sunday 31 October). 14 July 2027 is a Wednesday.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from o2r.sms.quiet import PARIS, allowed_now, latest_allowed_at_or_before, next_allowed


@pytest.fixture(autouse=True)
def quiet_defaults(settings):
    """The defaults of o2r/settings.py, whatever the environment says."""
    settings.SMS_QUIET_HOURS = True
    settings.SMS_QUIET_START = "20:00"
    settings.SMS_QUIET_END = "09:00"
    settings.SMS_QUIET_SUNDAYS = True
    settings.SMS_QUIET_HOLIDAYS = True
    settings.SMS_HOLIDAYS_SUBDIVISION = None


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def assert_same(actual: datetime, expected: datetime) -> None:
    """Same instant, same Paris wall clock and offset."""
    assert actual == expected
    assert actual.tzinfo is PARIS
    assert actual.isoformat() == expected.isoformat()


@pytest.mark.parametrize(
    ("dt", "allowed"),
    [
        (paris(2027, 3, 10, 8, 59, 59), False),  # Wednesday
        (paris(2027, 3, 10, 9, 0), True),
        (paris(2027, 3, 10, 19, 59, 59), True),
        (paris(2027, 3, 10, 20, 0), False),
        (paris(2027, 3, 10, 23, 59), False),
        (paris(2027, 3, 11, 0, 0), False),
        (paris(2027, 3, 13, 12, 0), True),  # Saturday
        (paris(2027, 3, 14, 12, 0), False),  # Sunday
        (paris(2027, 7, 14, 12, 0), False),  # Bastille Day
        (paris(2027, 3, 29, 12, 0), False),  # Easter Monday
        (paris(2027, 12, 25, 12, 0), False),  # Christmas, a Saturday
        (paris(2027, 12, 26, 12, 0), False),  # a Sunday, not a national holiday
        (paris(2027, 12, 27, 12, 0), True),
    ],
)
def test_allowed_now(dt, allowed):
    assert allowed_now(dt) is allowed


def test_allowed_now_reads_paris_time_whatever_the_zone():
    # 07:30 UTC is 08:30 in Paris in winter (quiet) and 09:30 in summer (allowed)
    assert not allowed_now(datetime(2027, 1, 12, 7, 30, tzinfo=UTC))
    assert allowed_now(datetime(2027, 6, 15, 7, 30, tzinfo=UTC))
    # 18:30 UTC is 19:30 in winter (allowed) and 20:30 in summer (quiet)
    assert allowed_now(datetime(2027, 1, 12, 18, 30, tzinfo=UTC))
    assert not allowed_now(datetime(2027, 6, 15, 18, 30, tzinfo=UTC))


def test_aware_datetimes_only():
    with pytest.raises(ValueError, match="aware"):
        allowed_now(datetime(2027, 3, 10, 12, 0))
    with pytest.raises(ValueError, match="aware"):
        next_allowed(datetime(2027, 3, 10, 12, 0))


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        # Wednesday 22:30 -> Thursday 09:00
        (paris(2027, 3, 10, 22, 30), paris(2027, 3, 11, 9, 0)),
        # Thursday 00:10 and 08:59 -> the same day 09:00
        (paris(2027, 3, 11, 0, 10), paris(2027, 3, 11, 9, 0)),
        (paris(2027, 3, 11, 8, 59), paris(2027, 3, 11, 9, 0)),
        (paris(2027, 3, 11, 8, 59, 59, 999999), paris(2027, 3, 11, 9, 0)),
        # exactly 20:00 is quiet
        (paris(2027, 3, 11, 20, 0), paris(2027, 3, 12, 9, 0)),
        # Saturday 20:30 and Sunday noon -> Monday 09:00
        (paris(2027, 3, 13, 20, 30), paris(2027, 3, 15, 9, 0)),
        (paris(2027, 3, 14, 12, 0), paris(2027, 3, 15, 9, 0)),
        # Tuesday 13 July 21:00 -> 14 July skipped -> Thursday 15 July 09:00
        (paris(2027, 7, 13, 21, 0), paris(2027, 7, 15, 9, 0)),
        (paris(2027, 7, 14, 7, 0), paris(2027, 7, 15, 9, 0)),
        # Wednesday 5 May 20:00, Thursday 6 May is Ascension -> Friday 7 May 09:00
        (paris(2027, 5, 5, 20, 0), paris(2027, 5, 7, 9, 0)),
        # Friday 24 December 20:30 -> Christmas (Saturday), Sunday -> Monday 27 December
        (paris(2027, 12, 24, 20, 30), paris(2027, 12, 27, 9, 0)),
    ],
)
def test_next_allowed(dt, expected):
    assert_same(next_allowed(dt), expected)


def test_next_allowed_is_dt_itself_when_allowed():
    dt = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    assert next_allowed(dt) is dt


def test_easter_monday_is_skipped():
    # Saturday 27 March 20:30 -> Sunday 28 (spring change) -> Easter Monday 29 -> Tuesday 30
    assert_same(next_allowed(paris(2027, 3, 27, 20, 30)), paris(2027, 3, 30, 9, 0))
    assert next_allowed(paris(2027, 3, 30, 9, 0)).isoformat() == "2027-03-30T09:00:00+02:00"


def test_saturday_evening_before_the_spring_change(settings):
    settings.SMS_QUIET_HOLIDAYS = False  # Monday 29 March 2027 is Easter Monday
    result = next_allowed(paris(2027, 3, 27, 20, 30))
    assert result.isoformat() == "2027-03-29T09:00:00+02:00"
    assert result.astimezone(UTC) == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    # the same instant, given in UTC (19:30 UTC on Saturday is 20:30 in Paris)
    result = next_allowed(datetime(2027, 3, 27, 19, 30, tzinfo=UTC))
    assert result.isoformat() == "2027-03-29T09:00:00+02:00"


def test_saturday_evening_before_the_autumn_change(settings):
    settings.SMS_QUIET_HOLIDAYS = False  # Monday 1 November 2027 is All Saints' Day
    result = next_allowed(paris(2027, 10, 30, 20, 30))
    assert result.isoformat() == "2027-11-01T09:00:00+01:00"
    assert result.astimezone(UTC) == datetime(2027, 11, 1, 8, 0, tzinfo=UTC)
    # 18:30 UTC on Saturday is 20:30 in Paris (still summer time)
    result = next_allowed(datetime(2027, 10, 30, 18, 30, tzinfo=UTC))
    assert result.isoformat() == "2027-11-01T09:00:00+01:00"


def test_all_saints_day_after_the_autumn_change():
    result = next_allowed(paris(2027, 10, 30, 20, 30))
    assert result.isoformat() == "2027-11-02T09:00:00+01:00"


def test_dst_nights_keep_the_wall_clock(settings):
    settings.SMS_QUIET_SUNDAYS = False
    # the nights of the changes are 23 h and 25 h long; 09:00 stays 09:00
    spring = next_allowed(paris(2027, 3, 27, 22, 0))
    assert spring.isoformat() == "2027-03-28T09:00:00+02:00"
    autumn = next_allowed(paris(2027, 10, 30, 22, 0))
    assert autumn.isoformat() == "2027-10-31T09:00:00+01:00"
    # a moment inside the repeated hour (second 02:30, fold=1) -> 09:00 the same day
    repeated = datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=PARIS)
    assert next_allowed(repeated).isoformat() == "2027-10-31T09:00:00+01:00"


def test_configurable_window(settings):
    settings.SMS_QUIET_START = "21:30"
    settings.SMS_QUIET_END = "08:00"
    assert allowed_now(paris(2027, 3, 10, 21, 29))
    assert not allowed_now(paris(2027, 3, 10, 21, 30))
    assert not allowed_now(paris(2027, 3, 11, 7, 59))
    assert allowed_now(paris(2027, 3, 11, 8, 0))
    assert_same(next_allowed(paris(2027, 3, 10, 22, 0)), paris(2027, 3, 11, 8, 0))
    assert_same(next_allowed(paris(2027, 3, 13, 21, 45)), paris(2027, 3, 15, 8, 0))


def test_window_within_a_day(settings):
    settings.SMS_QUIET_START = "12:00"
    settings.SMS_QUIET_END = "14:00"
    assert allowed_now(paris(2027, 3, 10, 11, 59))
    assert not allowed_now(paris(2027, 3, 10, 12, 0))
    assert allowed_now(paris(2027, 3, 10, 23, 0))
    assert_same(next_allowed(paris(2027, 3, 10, 13, 0)), paris(2027, 3, 10, 14, 0))
    # a Sunday: the next day opens at midnight
    assert_same(next_allowed(paris(2027, 3, 14, 10, 0)), paris(2027, 3, 15, 0, 0))


def test_sundays_and_holidays_can_be_allowed(settings):
    settings.SMS_QUIET_SUNDAYS = False
    assert allowed_now(paris(2027, 3, 14, 12, 0))
    assert not allowed_now(paris(2027, 7, 14, 12, 0))
    settings.SMS_QUIET_HOLIDAYS = False
    assert allowed_now(paris(2027, 7, 14, 12, 0))
    assert not allowed_now(paris(2027, 7, 14, 20, 0))


def test_subdivision_holidays(settings):
    # Good Friday (26 March 2027) is a holiday in Moselle only
    assert allowed_now(paris(2027, 3, 26, 12, 0))
    settings.SMS_HOLIDAYS_SUBDIVISION = "57"
    assert not allowed_now(paris(2027, 3, 26, 12, 0))
    assert_same(next_allowed(paris(2027, 3, 25, 20, 30)), paris(2027, 3, 27, 9, 0))


@pytest.mark.parametrize(
    "dt",
    [
        paris(2027, 3, 14, 3, 0),  # Sunday night
        paris(2027, 3, 10, 23, 0),
        paris(2027, 7, 14, 12, 0),
        datetime(2027, 7, 14, 12, 0, tzinfo=UTC),
    ],
)
def test_quiet_hours_off(settings, dt):
    settings.SMS_QUIET_HOURS = False
    assert allowed_now(dt)
    assert next_allowed(dt) is dt


def test_next_allowed_is_allowed_and_never_earlier():
    dt = paris(2027, 1, 1, 0, 0)
    end = paris(2028, 1, 1, 0, 0)
    while dt < end:  # every 50 minutes of a year: both DST changes, every holiday
        result = next_allowed(dt)
        assert result >= dt
        assert allowed_now(result)
        assert result - dt < timedelta(days=4)
        dt += timedelta(minutes=50)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # an appointment on Thursday 11 March -> J-1 Wednesday 10:00
        (date(2027, 3, 10), paris(2027, 3, 10, 10, 0)),
        # a Monday appointment -> J-1 is Sunday -> Saturday 10:00
        (date(2027, 3, 14), paris(2027, 3, 13, 10, 0)),
        # Thursday 15 July -> J-1 is 14 July -> Tuesday 13 July
        (date(2027, 7, 14), paris(2027, 7, 13, 10, 0)),
        # Tuesday 30 March -> J-1 Easter Monday, then Sunday -> Saturday 27 March, winter time
        (date(2027, 3, 29), paris(2027, 3, 27, 10, 0)),
        # Tuesday 2 November -> All Saints' Day, then Sunday -> Saturday 30 October, summer time
        (date(2027, 11, 1), paris(2027, 10, 30, 10, 0)),
        # Monday 27 December -> Sunday 26, Christmas on Saturday 25 -> Friday 24
        (date(2027, 12, 26), paris(2027, 12, 24, 10, 0)),
    ],
)
def test_latest_allowed_at_or_before(day, expected):
    assert_same(latest_allowed_at_or_before(day, time(10, 0)), expected)


def test_latest_allowed_at_or_before_keeps_the_utc_offset_of_its_day():
    assert latest_allowed_at_or_before(date(2027, 3, 29), time(10, 0)).isoformat() == (
        "2027-03-27T10:00:00+01:00"
    )
    assert latest_allowed_at_or_before(date(2027, 11, 1), time(10, 0)).isoformat() == (
        "2027-10-30T10:00:00+02:00"
    )


def test_latest_allowed_at_or_before_with_quiet_hours_off(settings):
    settings.SMS_QUIET_HOURS = False
    assert_same(latest_allowed_at_or_before(date(2027, 3, 14), time(10, 0)), paris(2027, 3, 14, 10))


def test_latest_allowed_at_or_before_a_quiet_time_takes_the_first_allowed_minute(settings):
    # A Wednesday: 21:00 is quiet, the day's first allowed minute is 09:00.
    assert_same(latest_allowed_at_or_before(date(2027, 3, 10), time(21, 0)), paris(2027, 3, 10, 9))
    # Quiet hours set to end at 10:30: a 10:00 reminder goes at 10:30 (never a 500).
    settings.SMS_QUIET_END = "10:30"
    assert_same(
        latest_allowed_at_or_before(date(2027, 3, 10), time(10, 0)), paris(2027, 3, 10, 10, 30)
    )
