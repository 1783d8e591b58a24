"""The forecast's math (okrs/forecast.py): ratio of sums at the period's end, its range, and the check-ins' trend."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrs.forecast import RECENT_DAYS, Forecast, ratio_of_sums, trend


def rate(totals: Mapping[str, float]) -> float | None:
    """An escalation rate: 100 x escalated / contacts, no value without contacts."""
    contacts = totals.get("contacts", 0.0)
    return None if contacts == 0 else 100 * totals.get("escalated", 0.0) / contacts


def day(escalated: float, contacts: float) -> dict[str, float]:
    return {"escalated": escalated, "contacts": contacts}


def pooled(days: list[dict[str, float]]) -> float | None:
    return rate({"escalated": sum(d["escalated"] for d in days), "contacts": sum(d["contacts"] for d in days)})


days_strategy = st.lists(
    st.builds(
        day,
        st.integers(min_value=0, max_value=50).map(float),
        st.integers(min_value=1, max_value=400).map(float),
    ),
    min_size=1,
    max_size=80,
)


@given(days=days_strategy)
def test_a_period_whose_days_are_all_known_is_forecast_at_its_ratio_of_sums(days: list[dict[str, float]]) -> None:
    forecast = ratio_of_sums(days, 0, rate)

    assert forecast is not None
    actual = pooled(days)
    assert forecast == Forecast(forecast.value, forecast.value, forecast.value)
    assert forecast.value == pytest.approx(actual)


@given(
    escalated=st.integers(min_value=0, max_value=50),
    contacts=st.integers(min_value=1, max_value=400),
    length=st.integers(min_value=1, max_value=92),
    data=st.data(),
)
def test_constant_daily_rates_are_forecast_exactly(
    escalated: int, contacts: int, length: int, data: st.DataObject
) -> None:
    known = data.draw(st.integers(min_value=1, max_value=length))
    period = [day(escalated, contacts)] * length

    forecast = ratio_of_sums(period[:known], length - known, rate)

    assert forecast is not None
    assert forecast.value == pytest.approx(pooled(period))
    if known > 1:
        assert forecast.low == pytest.approx(forecast.value)
        assert forecast.high == pytest.approx(forecast.value)


@given(days=days_strategy, days_left=st.integers(min_value=0, max_value=92))
def test_the_range_holds_the_point(days: list[dict[str, float]], days_left: int) -> None:
    forecast = ratio_of_sums(days, days_left, rate)

    assert forecast is not None
    if len(days) > 1 or days_left == 0:
        assert forecast.low is not None
        assert forecast.high is not None
        assert forecast.low <= forecast.value <= forecast.high


@given(days=days_strategy, days_left=st.integers(min_value=0, max_value=92), data=st.data())
def test_how_the_known_days_fall_into_weeks_changes_nothing(
    days: list[dict[str, float]], days_left: int, data: st.DataObject
) -> None:
    """Days are read one by one: reordering them (as another split into weeks would regroup them) changes neither
    the point nor the range, as long as the same days are the recent ones."""
    older, recent = days[:-RECENT_DAYS], days[-RECENT_DAYS:]
    shuffled = data.draw(st.permutations(older)) + data.draw(st.permutations(recent))

    forecast, again = ratio_of_sums(days, days_left, rate), ratio_of_sums(shuffled, days_left, rate)

    assert forecast is not None
    assert again is not None
    assert again.value == pytest.approx(forecast.value)
    assert again.low == pytest.approx(forecast.low)
    assert again.high == pytest.approx(forecast.high)


@given(length=st.integers(min_value=1, max_value=80), days_left=st.integers(min_value=0, max_value=92))
def test_a_zero_denominator_gives_no_forecast(length: int, days_left: int) -> None:
    assert ratio_of_sums([day(0, 0)] * length, days_left, rate) is None
    assert ratio_of_sums([{}] * length, days_left, rate) is None


def test_nothing_known_gives_no_forecast() -> None:
    assert ratio_of_sums([], 30, rate) is None


def test_a_two_day_partial_week_does_not_pull_the_forecast_of_a_team_at_twelve_percent() -> None:
    """The case behind the rewrite: nine weeks at 12 %, then Monday and Tuesday with 1 escalation in 50 contacts.

    A line through the weekly values (nine at 12 %, then 2 % for the two-day week) runs to 6.6 % by the quarter's
    end; pooled by day, the two quiet days weigh two days' contacts, and the team is forecast near 12 %.
    """
    days = [day(12, 100)] * 63 + [day(1, 50)] * 2

    forecast = ratio_of_sums(days, 27, rate)

    assert forecast is not None
    assert forecast.value == pytest.approx(
        100 * (12 * 63 + 2 + 27 * (12 * 26 + 2) / 28) / (6300 + 100 + 27 * 2700 / 28)
    )
    assert 11.5 < forecast.value < 12.0
    assert forecast.low is not None
    assert forecast.high is not None
    assert 10.0 < forecast.low <= forecast.value < forecast.high < 13.0


def test_the_rest_runs_at_the_recent_pace() -> None:
    """An improvement that started a month ago carries on to the period's end: the forecast passes today's figure."""
    days = [day(15, 100)] * 30 + [day(9, 100)] * RECENT_DAYS

    forecast = ratio_of_sums(days, 32, rate)

    assert forecast is not None
    assert forecast.value == pytest.approx(100 * (15 * 30 + 9 * 28 + 9 * 32) / 9000)
    assert forecast.value < (pooled(days) or 0)


def test_a_flow_that_never_goes_negative_is_not_projected_below_zero() -> None:
    """A count forecast from a few busy days and many empty ones keeps its low end at what is already counted."""
    days: list[dict[str, float]] = [{"tickets": 0.0}] * 9 + [{"tickets": 500.0}]

    forecast = ratio_of_sums(days, 2, lambda totals: totals.get("tickets", 0.0))

    assert forecast is not None
    assert forecast.low is not None
    assert forecast.low >= 500.0


def test_one_known_day_gives_a_point_but_no_range() -> None:
    forecast = ratio_of_sums([day(3, 40)], 60, rate)

    assert forecast == Forecast(7.5)


def test_the_trend_of_check_ins_runs_along_their_line() -> None:
    forecast = trend([(0, 10), (7, 11), (14, 12)], at=91)

    assert forecast is not None
    assert forecast.value == pytest.approx(23.0)
    assert forecast.low == pytest.approx(23.0)
    assert forecast.high == pytest.approx(23.0)
    assert trend([(0, 10)], at=91) is None
    assert trend([(3, 10), (3, 12)], at=91) is None
    assert trend([(0, 10), (7, 11)], at=91) == Forecast(pytest.approx(23.0))  # type: ignore[arg-type]


def test_a_falling_count_stops_at_zero() -> None:
    forecast = trend([(0, 30.0), (7, 20.0), (14, 12.0)], at=92)

    assert forecast is not None
    assert forecast.value == 0.0
    assert forecast.low == 0.0
    assert trend([(0, 5.0), (7, -5.0)], at=14) == Forecast(pytest.approx(-15.0))  # type: ignore[arg-type]


@given(
    points=st.lists(
        st.tuples(st.integers(min_value=0, max_value=91).map(float), st.floats(min_value=-1e6, max_value=1e6)),
        min_size=3,
        max_size=30,
    ),
    at=st.integers(min_value=0, max_value=120).map(float),
)
def test_the_trends_range_holds_its_point_and_a_never_negative_series_stays_so(
    points: list[tuple[float, float]], at: float
) -> None:
    forecast = trend(points, at)

    if forecast is None:
        assert len({x for x, _ in points}) < 2
        return
    assert forecast.low is not None
    assert forecast.high is not None
    assert forecast.low <= forecast.value <= forecast.high
    if all(y >= 0 for _, y in points):
        assert forecast.low >= 0
