"""When a scorecard subscription is due: weekly on a weekday or monthly on a day, at a wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from okrs.exports.schedule import next_run

BERLIN = ZoneInfo("Europe/Berlin")


def test_weekly_is_the_next_such_weekday_at_the_time_or_the_same_day_if_still_ahead() -> None:
    # Wednesday 2 Dec 2026, 07:00 in Berlin
    now = datetime(2026, 12, 2, 7, 0, tzinfo=BERLIN)

    assert next_run(after=now, at=time(8), zone=BERLIN, weekday=2, day_of_month=None) == datetime(
        2026, 12, 2, 8, 0, tzinfo=BERLIN
    )
    assert next_run(after=now, at=time(6), zone=BERLIN, weekday=2, day_of_month=None) == datetime(
        2026, 12, 9, 6, 0, tzinfo=BERLIN
    )
    assert next_run(after=now, at=time(8), zone=BERLIN, weekday=0, day_of_month=None) == datetime(
        2026, 12, 7, 8, 0, tzinfo=BERLIN
    )


def test_monthly_rolls_over_to_the_next_month_and_the_next_year() -> None:
    now = datetime(2026, 12, 15, 9, 0, tzinfo=BERLIN)

    assert next_run(after=now, at=time(8), zone=BERLIN, weekday=None, day_of_month=1) == datetime(
        2027, 1, 1, 8, 0, tzinfo=BERLIN
    )
    assert next_run(after=now, at=time(10), zone=BERLIN, weekday=None, day_of_month=15) == datetime(
        2026, 12, 15, 10, 0, tzinfo=BERLIN
    )


def test_the_wall_clock_time_holds_across_summer_time() -> None:
    # the Monday before and the Monday after Berlin moves its clocks on 29 Mar 2026
    before = next_run(after=datetime(2026, 3, 17, tzinfo=BERLIN), at=time(8), zone=BERLIN, weekday=0, day_of_month=None)
    after = next_run(after=before, at=time(8), zone=BERLIN, weekday=0, day_of_month=None)

    assert (before.astimezone(UTC).hour, after.astimezone(UTC).hour) == (7, 6)
    # a time the clocks skip is sent just after the jump
    skipped = next_run(
        after=datetime(2026, 3, 28, tzinfo=BERLIN), at=time(2, 30), zone=BERLIN, weekday=6, day_of_month=None
    )
    assert skipped.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


@given(
    # hypothesis takes naive bounds and makes the values aware
    after=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
    at=st.times(),
    weekday=st.one_of(st.none(), st.integers(0, 6)),
    day=st.integers(1, 28),
)
def test_the_next_run_is_always_ahead_on_the_right_day_and_within_a_period(
    after: datetime, at: time, weekday: int | None, day: int
) -> None:
    day_of_month = None if weekday is not None else day
    found = next_run(after=after, at=at, zone=BERLIN, weekday=weekday, day_of_month=day_of_month)

    local = found.astimezone(BERLIN)
    assert found > after
    assert found - after <= timedelta(days=8 if weekday is not None else 32)
    if weekday is not None:
        assert local.weekday() == weekday
    else:
        assert local.day == day_of_month
