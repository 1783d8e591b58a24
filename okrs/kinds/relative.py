"""A KPI changed by a percentage against the same KPI in a baseline period, read from the series."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import CheckConstraint, Q

from kpis.models import Direction
from okrs import progress
from okrs.kinds.base import SEGMENT_FIELDS, Formatter, KeyResultFields, Kind, Stat, formatter_of, signed_percent

if TYPE_CHECKING:
    from okrs.models import KeyResult


class Relative(Kind):
    value = "kpi_relative"
    name = "KPI_RELATIVE"
    label = "KPI, change by a percentage against a baseline period"
    form_label = "KPI: a change against a past period"
    short = "Relative"
    form_fields = (*SEGMENT_FIELDS, "direction", "change_percent", "baseline_period")
    always_series = True
    derives_target = True

    def errors(self, key_result: KeyResult) -> dict[str, str]:
        change = key_result.change_percent
        if not change:
            return {"change_percent": "Give the change in percent, e.g. -20 for 20 % less."}
        if change <= -100:
            below = "to zero" if change == -100 else "below zero"
            return {
                "change_percent": f"A change must stay above {signed_percent(-100)}: {signed_percent(change)} "
                f"would take the KPI {below}."
            }
        if key_result.kpi_id is None:
            return {}
        lower = key_result.effective_direction == Direction.LOWER
        if (change < 0) != lower:
            better = "a decrease (a negative change)" if lower else "an increase (a positive change)"
            return {"change_percent": f"This key result's direction calls for {better}."}
        return {}

    def db_constraint(self) -> CheckConstraint:
        return CheckConstraint(
            condition=~Q(kind=self.value)
            | (Q(change_percent__isnull=False) & ~Q(change_percent=0) & Q(change_percent__gt=-100)),
            name="key_result_relative_has_change",
        )

    def settle_sources(self, key_result: KeyResult) -> None:
        # The baseline and target of a relative key result come from the series, not from a person.
        key_result.baseline_source = "series"
        key_result.target_source = "derived"

    def reads_series_baseline(self, key_result: KeyResult) -> bool:
        return True

    def derived_target(self, key_result: KeyResult) -> float | None:
        assert key_result.change_percent is not None
        return progress.target_from_change(key_result.baseline_value, key_result.change_percent)

    def read_errors(self, key_result: KeyResult) -> dict[str, str]:
        kpi, baseline, target = key_result.kpi, key_result.baseline_value, key_result.target_value
        if kpi is None or baseline is None or (impossible := kpi.impossible(target)) is None:
            return {}
        assert key_result.change_percent is not None
        fmt = formatter_of(key_result)
        return {
            "change_percent": f"{signed_percent(key_result.change_percent)} on the baseline {fmt(baseline)} gives "
            f"a target of {fmt(target)}: {impossible}"
        }

    def implied_direction(self, key_result: KeyResultFields) -> str:
        if key_result.change_percent is not None:
            return Direction.LOWER if key_result.change_percent < 0 else Direction.HIGHER
        return super().implied_direction(key_result)

    def asks(self, key_result: KeyResult, fmt: Formatter, baseline_label: str | None = None) -> str:
        change = key_result.change_percent
        if change is None:
            return super().asks(key_result, fmt)
        against = f" vs {baseline_label}" if baseline_label else ""
        return f"{signed_percent(change)}{against}: {fmt(key_result.baseline_value)} → {fmt(key_result.target_value)}"

    def target_stats(self, key_result: KeyResult, fmt: Formatter, baseline_detail: str) -> list[Stat]:
        change = key_result.change_percent or 0.0
        sign = "\u2212" if change < 0 else "+"
        return [
            Stat("Baseline", fmt(key_result.baseline_value), baseline_detail),
            Stat("Target", fmt(key_result.target_value), f"{sign}{abs(change):g} % vs the baseline"),
        ]
