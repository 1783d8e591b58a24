from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from okrs.progress import (
    Direction,
    Progress,
    Status,
    Threshold,
    expected,
    guardrail_holds,
    progress,
    status,
    target_from_change,
    threshold_progress,
    weighted_mean,
)

numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
directions = st.sampled_from(list(Direction))


def test_it_measures_the_share_of_the_way_from_baseline_to_target() -> None:
    # given FCR "from 70 to 80" and 75 now
    # when / then
    assert progress(70, 80, 75, Direction.HIGHER) == Progress(50.0, 0.0)


def test_lower_is_better_counts_a_decrease_as_progress() -> None:
    assert progress(12.5, 10, 11.25, Direction.LOWER) == Progress(50.0, 0.0)
    assert progress(12.5, 10, 13, Direction.LOWER) == Progress(0.0, 0.0)


def test_it_keeps_over_achievement_apart_from_the_clamped_progress() -> None:
    result = progress(70, 80, 83, Direction.HIGHER)

    assert result is not None
    assert result.percent == 100.0
    assert result.over_achievement == pytest.approx(30.0)


def test_a_relative_target_derives_from_the_baseline() -> None:
    # "-20 % vs last quarter" with last quarter at 12.5 %
    assert target_from_change(12.5, -20) == pytest.approx(10.0)
    assert target_from_change(None, -20) is None


def test_a_target_the_baseline_already_meets_is_done_while_it_holds() -> None:
    assert progress(82, 80, 81, Direction.HIGHER) == Progress(100.0, 0.0)
    assert progress(82, 80, 79, Direction.HIGHER) == Progress(0.0, 0.0)
    assert progress(10, 10, 9, Direction.LOWER) == Progress(100.0, 0.0)


@pytest.mark.parametrize(
    ("mode", "low", "high", "current", "expected_percent"),
    [
        (Threshold.ABOVE, 85, None, 90, 100.0),
        (Threshold.ABOVE, 85, None, 76.5, 90.0),
        (Threshold.BELOW, None, 120, 132, 90.0),
        (Threshold.BELOW, None, 120, 100, 100.0),
        (Threshold.WITHIN, 60, 120, 90, 100.0),
        (Threshold.WITHIN, 60, 120, 54, 90.0),
        (Threshold.WITHIN, 60, 120, 132, 90.0),
        (Threshold.ABOVE, 0, None, -1, 0.0),
    ],
)
def test_a_threshold_is_full_while_it_holds_else_reduced_by_how_far_off(
    mode: Threshold, low: float | None, high: float | None, current: float, expected_percent: float
) -> None:
    result = threshold_progress(current, mode, low, high)

    assert result is not None
    assert result.percent == pytest.approx(expected_percent)


def test_no_data_is_not_zero_progress() -> None:
    assert progress(70, 80, None, Direction.HIGHER) is None
    assert progress(None, 80, 75, Direction.HIGHER) is None
    assert threshold_progress(None, Threshold.ABOVE, 85) is None
    assert status(None, 50.0) == Status.NO_DATA


def test_expected_progress_follows_the_days_elapsed() -> None:
    start, end = date(2026, 1, 1), date(2026, 4, 1)  # 90 days

    assert expected(start, end, date(2025, 12, 31)) == 0.0
    assert expected(start, end, date(2026, 2, 14)) == pytest.approx(50.0)  # 45 days done
    assert expected(start, end, date(2026, 3, 31)) == 100.0
    assert expected(start, end, date(2026, 7, 1)) == 100.0


@pytest.mark.parametrize(
    ("progress_percent", "expected_percent", "forecast_percent", "wanted"),
    [
        (45, 50, None, Status.ON_TRACK),
        (30, 50, None, Status.AT_RISK),
        (20, 50, None, Status.OFF_TRACK),
        (20, 50, 100, Status.ON_TRACK),
        (20, 50, 80, Status.AT_RISK),
        (20, 50, 10, Status.OFF_TRACK),
    ],
)
def test_status_weighs_the_pace_and_the_forecast(
    progress_percent: float, expected_percent: float, forecast_percent: float | None, wanted: Status
) -> None:
    assert status(progress_percent, expected_percent, forecast_percent) == wanted


def test_objective_progress_is_the_weighted_mean_of_key_results_with_data() -> None:
    assert weighted_mean([(50, 1), (100, 3), (None, 5)]) == pytest.approx(87.5)
    assert weighted_mean([(50, 0), (100, 0)]) == pytest.approx(75.0)
    assert weighted_mean([(None, 1)]) is None


def test_a_guardrail_without_data_is_not_breached() -> None:
    assert guardrail_holds(None, ">=", 85)
    assert not guardrail_holds(84.9, ">=", 85)
    assert guardrail_holds(85, ">=", 85)
    assert not guardrail_holds(130, "<=", 120)


@given(baseline=numbers, target=numbers, current=numbers, direction=directions)
def test_progress_is_bounded(baseline: float, target: float, current: float, direction: Direction) -> None:
    result = progress(baseline, target, current, direction)

    assert result is not None
    assert 0.0 <= result.percent <= 100.0
    assert result.over_achievement >= 0.0
    assert result.over_achievement == 0.0 or result.percent == 100.0


@given(baseline=numbers, target=numbers, low=numbers, high=numbers, direction=directions)
def test_progress_moves_with_the_current_value_in_the_direction_that_is_better(
    baseline: float, target: float, low: float, high: float, direction: Direction
) -> None:
    assume(low <= high)
    at_low = progress(baseline, target, low, direction)
    at_high = progress(baseline, target, high, direction)
    assert at_low is not None
    assert at_high is not None

    if direction == Direction.HIGHER:
        assert at_high.percent >= at_low.percent
    else:
        assert at_high.percent <= at_low.percent


@given(baseline=numbers, target=numbers, current=numbers)
def test_an_increase_and_a_decrease_mirror_each_other(baseline: float, target: float, current: float) -> None:
    up = progress(baseline, target, current, Direction.HIGHER)
    down = progress(-baseline, -target, -current, Direction.LOWER)

    assert up is not None
    assert down is not None
    assert up.percent == pytest.approx(down.percent)


@given(a=st.one_of(st.none(), numbers), b=st.one_of(st.none(), numbers), c=st.one_of(st.none(), numbers))
def test_null_in_gives_null_out(a: float | None, b: float | None, c: float | None) -> None:
    assume(None in (a, b, c))

    assert progress(a, b, c, Direction.HIGHER) is None
    assert progress(a, b, c, Direction.LOWER) is None


@given(low=numbers, high=numbers, mode=st.sampled_from([Threshold.ABOVE, Threshold.BELOW]), bound=numbers)
def test_threshold_progress_is_bounded_and_monotone(low: float, high: float, mode: Threshold, bound: float) -> None:
    assume(low <= high)
    bounds = (bound, None) if mode == Threshold.ABOVE else (None, bound)
    at_low = threshold_progress(low, mode, *bounds)
    at_high = threshold_progress(high, mode, *bounds)
    assert at_low is not None
    assert at_high is not None

    assert 0.0 <= at_low.percent <= 100.0
    if mode == Threshold.ABOVE:
        assert at_high.percent >= at_low.percent
    else:
        assert at_high.percent <= at_low.percent
