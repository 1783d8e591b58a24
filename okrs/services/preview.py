"""A key result evaluated before it is saved: what the planning form shows as the user types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from kpis.models import Period
from okrs.models import KeyResult
from okrs.services import evaluation
from okrs.services.inputs import inputs_load, reads_series_baseline


@dataclass(frozen=True)
class Preview:
    baseline: float | None
    baseline_period: Period | None  # where a series baseline was read; None when typed in
    target: float | None
    reading: evaluation.Reading

    @property
    def missing_baseline(self) -> bool:
        """The baseline should come from the series, and the series has no value there."""
        return self.baseline_period is not None and self.baseline is None


def key_result_preview(*, key_result: KeyResult, today: date | None = None) -> Preview:
    """Read the key result's baseline, target and current value from the data and evaluate it as the recompute
    would, without saving it. The key result (usually unsaved, built from a form) takes the resolved baseline and
    target; only calendar Period rows may be created, as everywhere periods are needed."""
    day = today or timezone.localdate()
    inputs = inputs_load([key_result], day=day)
    evaluation.baseline_and_target_resolve(key_result, inputs)
    reading = evaluation.evaluate(
        key_result,
        value=evaluation.current_value(key_result, inputs),
        day=day,
        forecast=evaluation.forecast_value(key_result, inputs, day),
        guardrail_breached=False,
    )
    return Preview(
        baseline=key_result.baseline_value,
        baseline_period=inputs.baseline_periods.get(key_result.pk) if reads_series_baseline(key_result) else None,
        target=key_result.target_value,
        reading=reading,
    )
