"""Quiet hours: when an SMS may reach a resident, and when it should go instead.

By default no SMS goes out between 20:00 and 09:00, on Sundays or on French public holidays,
Paris time (DOMAIN.md §5.10, SMS_AND_TASKS.md §6); each rule is a setting. The functions are
pure (aware datetimes in, aware datetimes out) so the outbox can apply them when a row is
created and again at send time, and tests need no frozen clock.

Times are built as local wall-clock times with zoneinfo, never by adding a timedelta to an
aware datetime, so "09:00" stays 09:00 across both daylight saving changes.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

PARIS = ZoneInfo("Europe/Paris")

# Sundays and holidays never make more than a few days in a row: this only guards against a
# configuration that would forbid every day.
_MAX_DAYS_SEARCHED = 31


def _parse(value: str) -> time:
    """ "20:00" -> time(20, 0)."""
    return datetime.strptime(value, "%H:%M").time()


def _window() -> tuple[time, time]:
    """The quiet window's start and end, read from settings on every call."""
    return _parse(settings.SMS_QUIET_START), _parse(settings.SMS_QUIET_END)


@lru_cache(maxsize=64)
def _holidays(year: int, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", subdiv=subdivision, years=year)


def _day_allowed(day: date) -> bool:
    if settings.SMS_QUIET_SUNDAYS and day.weekday() == 6:
        return False
    if settings.SMS_QUIET_HOLIDAYS:
        return day not in _holidays(day.year, settings.SMS_HOLIDAYS_SUBDIVISION)
    return True


def _hour_allowed(at: time) -> bool:
    start, end = _window()
    if start <= end:  # a window within one day, e.g. 12:00-14:00 (empty when start == end)
        return not (start <= at < end)
    return end <= at < start  # a window across midnight, e.g. 20:00-09:00


def _local(day: date, at: time) -> datetime:
    """The aware Paris datetime for a wall-clock time (one that falls in the spring gap,
    e.g. 02:30, comes out as the real time it denotes, 03:30)."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC).astimezone(PARIS)


def _require_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("quiet hours need an aware datetime")


def allowed_now(dt: datetime) -> bool:
    """Whether an SMS may be sent at dt."""
    _require_aware(dt)
    if not settings.SMS_QUIET_HOURS:
        return True
    local = dt.astimezone(PARIS)
    return _day_allowed(local.date()) and _hour_allowed(local.time())


def next_allowed(dt: datetime) -> datetime:
    """dt itself when allowed, else the first allowed moment after it, in Paris time.

    22:30 -> 09:00 the next allowed day; 08:59 on an allowed day -> 09:00 the same day;
    Saturday 20:30 -> Monday 09:00 (Tuesday if Monday is a holiday).
    """
    if allowed_now(dt):
        return dt
    local = dt.astimezone(PARIS)
    _start, end = _window()
    if _day_allowed(local.date()) and local.time() < end:
        return _local(local.date(), end)
    # The first allowed day opens at midnight, or at the end of a window across midnight.
    opening = time(0, 0) if _hour_allowed(time(0, 0)) else end
    day = local.date()
    for _ in range(_MAX_DAYS_SEARCHED):
        day += timedelta(days=1)
        if _day_allowed(day):
            return _local(day, opening)
    raise ValueError(f"no day allowed for SMS in the {_MAX_DAYS_SEARCHED} days after {dt}")


def latest_allowed_at_or_before(day: date, at: time) -> datetime:
    """day at the local time `at` if allowed, else `at` on the closest allowed day before.

    For reminders due "10:00 the day before" an appointment: when that day is a Sunday or a
    holiday the reminder goes earlier, never later (a Monday appointment -> Saturday 10:00).
    """
    if settings.SMS_QUIET_HOURS and not _hour_allowed(at):
        # Quiet hours set to end after `at`: the first allowed minute of the day instead.
        at = _window()[1]
    for _ in range(_MAX_DAYS_SEARCHED):
        candidate = _local(day, at)
        if allowed_now(candidate):
            return candidate
        day -= timedelta(days=1)
    raise ValueError(f"no day allowed for SMS in the {_MAX_DAYS_SEARCHED} days before {day}")
