"""Turning a key result's inputs (see okrs.services.inputs) into its baseline, target, progress, pace and status.

Shared by the live recompute and the snapshot rebuild, so that a snapshot and the key result it records use the same
rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from okrs import progress
from okrs.forecast import Forecast
from okrs.models import KeyResult
from okrs.progress import Status
from okrs.services.inputs import Inputs


@dataclass(frozen=True)
class Reading:
    """A key result evaluated on one day."""

    value: float | None
    progress: float | None
    over_achievement: float | None
    expected: float
    status: Status
    forecast: float | None = None
    forecast_low: float | None = None
    forecast_high: float | None = None


def baseline_and_target_resolve(key_result: KeyResult, inputs: Inputs) -> None:
    """Read a series baseline (and derive a relative target) into the key result, recording where they came from.

    A frozen baseline is not read again: the target is derived from the value it was frozen at."""
    kind = key_result.kind_rules
    if not kind.reads_series_baseline(key_result):
        return
    assert key_result.kpi_id is not None
    if key_result.baseline_frozen_at is None:
        source = inputs.baseline_periods[key_result.pk]
        key_result.baseline_read_from = source
        key_result.baseline_source = KeyResult.BaselineSource.SERIES
        key_result.baseline_value = inputs.value(
            key_result.kpi_id, source.pk, key_result.dimension_id, key_result.member
        )
    if kind.derives_target:
        key_result.target_value = kind.derived_target(key_result)
        key_result.target_source = KeyResult.TargetSource.DERIVED


def baseline_freeze(key_result: KeyResult, now: datetime) -> None:
    """Freeze the baseline just read, if the key result asks for it and its objective is active: from now on the
    recompute keeps it (see baseline_and_target_resolve)."""
    if (
        key_result.freeze_baseline
        and key_result.baseline_frozen_at is None
        and key_result.objective.is_active
        and key_result.baseline_value is not None
        and key_result.kind_rules.reads_series_baseline(key_result)
    ):
        key_result.baseline_frozen_at = now


def current_value(key_result: KeyResult, inputs: Inputs) -> float | None:
    """The KPI's value over the objective's period so far (ratio of sums), or the latest check-in's number."""
    if key_result.kpi_id is not None:
        return inputs.value(
            key_result.kpi_id, key_result.objective.period_id, key_result.dimension_id, key_result.member
        )
    check_ins = inputs.check_ins.get(key_result.pk)
    if not check_ins:
        return key_result.kind_rules.value_when_missing
    return check_ins[-1][1]


def forecast_value(key_result: KeyResult, inputs: Inputs, day: date) -> Forecast | None:
    """Where the key result's figure ends its period, from the data up to `day`, as its kind projects it."""
    return key_result.kind_rules.forecast(key_result, inputs, day)


def progress_of(key_result: KeyResult, value: float | None) -> progress.Progress | None:
    return key_result.kind_rules.progress(key_result, value)


def expected_on(key_result: KeyResult, day: date) -> float:
    """Pace: time elapsed for moving targets; a threshold must hold all along; a milestone is due at the end."""
    period = key_result.objective.period
    return key_result.kind_rules.expected(key_result, period.start, period.end, day)


def evaluate(
    key_result: KeyResult, *, value: float | None, day: date, forecast: Forecast | None, guardrail_breached: bool
) -> Reading:
    """Progress, pace and status of the key result with `value` as its current value on `day`."""
    measured = progress_of(key_result, value)
    expected = expected_on(key_result, day)
    forecast_progress = progress_of(key_result, forecast.value) if forecast is not None else None
    status = progress.status(
        measured.percent if measured else None,
        expected,
        forecast_progress.percent if forecast_progress else None,
    )
    if guardrail_breached:
        # A breached guardrail marks the key result whatever its progress: the gain cost what it must not.
        status = progress.Status.OFF_TRACK
    return Reading(
        value=value,
        progress=measured.percent if measured else None,
        over_achievement=measured.over_achievement if measured else None,
        expected=expected,
        status=status,
        forecast=None if forecast is None else forecast.value,
        forecast_low=None if forecast is None else forecast.low,
        forecast_high=None if forecast is None else forecast.high,
    )
