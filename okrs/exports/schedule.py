"""When a scorecard subscription is next due. Pure: no database.

Times are wall-clock times in the organisation's time zone: "Mondays at 08:00" stays 08:00 across a change to or
from summer time. A wall-clock time that a spring-forward skips is sent at the first moment that exists after it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, at, tzinfo=zone)
    # A time the clocks jump over does not survive a round trip through UTC: move it to after the jump.
    round_trip = local.astimezone(ZoneInfo("UTC")).astimezone(zone)
    return round_trip if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None) else local


def _next_day(start: date, *, weekday: int | None, day_of_month: int | None) -> date:
    if weekday is not None:
        return start + timedelta(days=(weekday - start.weekday()) % 7)
    assert day_of_month is not None
    if start.day <= day_of_month:
        return start.replace(day=day_of_month)
    following = (start.replace(day=1) + timedelta(days=32)).replace(day=day_of_month)
    return following


def next_run(*, after: datetime, at: time, zone: ZoneInfo, weekday: int | None, day_of_month: int | None) -> datetime:
    """The first moment strictly after `after` that falls on the weekday (0 = Monday) or the day of the month,
    at `at` in `zone`; exactly one of `weekday` and `day_of_month` is given."""
    day = after.astimezone(zone).date()
    while True:
        day = _next_day(day, weekday=weekday, day_of_month=day_of_month)
        candidate = _at(day, at, zone)
        if candidate > after:
            return candidate
        day += timedelta(days=1)
