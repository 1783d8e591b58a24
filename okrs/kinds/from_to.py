"""A KPI from a baseline (typed in or read from the series) to a typed target."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import CheckConstraint, Q

from okrs.kinds.base import SEGMENT_FIELDS, Kind, formatter_of

if TYPE_CHECKING:
    from okrs.models import KeyResult


def baseline_and_target_errors(key_result: KeyResult, *, series_allowed: bool) -> dict[str, str]:
    """A baseline (typed, or to be read from the series) and a typed target; a typed baseline checked against it."""
    errors: dict[str, str] = {}
    if key_result.target_value is None:
        errors["target_value"] = "Give the target value."
    if key_result.baseline_value is None and (not series_allowed or key_result.baseline_source == "typed"):
        errors["baseline_value"] = "Give the baseline value, or read it from the series."
    if errors or (series_allowed and key_result.baseline_source == "series"):
        # A series baseline is checked once it is read (`read_errors`), not as the last recompute left it.
        return errors
    return target_errors(key_result)


def target_errors(key_result: KeyResult) -> dict[str, str]:
    """The target against the baseline: somewhere else, on the side the direction calls for."""
    baseline, target = key_result.baseline_value, key_result.target_value
    if baseline is None or target is None:
        return {}
    if target == baseline:
        return {
            "target_value": f"The target equals the baseline ({formatter_of(key_result)(baseline)}), so there is "
            "nothing to move: give another target."
        }
    direction = key_result.effective_direction
    if key_result.kpi_id is None or (target < baseline) == (direction == "lower"):
        return {}
    word = "below" if direction == "lower" else "above"
    return {
        "target_value": f"The KPI is {direction}-is-better: the target must lie {word} "
        "the baseline (or override the direction)."
    }


class FromTo(Kind):
    value = "kpi_from_to"
    name = "KPI_FROM_TO"
    label = "KPI, from a baseline to a target"
    form_label = "KPI: from a baseline to a target"
    short = "From → to"
    form_fields = (*SEGMENT_FIELDS, "direction", "baseline_source", "baseline_value", "target_value")

    def shown_fields(self, raw: Callable[[str], str]) -> list[str]:
        fields = list(self.form_fields)
        if raw("baseline_source") == "series":
            fields[fields.index("baseline_value")] = "baseline_period"
        return fields

    def errors(self, key_result: KeyResult) -> dict[str, str]:
        return baseline_and_target_errors(key_result, series_allowed=True)

    def db_constraint(self) -> CheckConstraint:
        return CheckConstraint(
            condition=~Q(kind=self.value)
            | (Q(target_value__isnull=False) & (Q(baseline_source="series") | Q(baseline_value__isnull=False))),
            name="key_result_from_to_has_baseline_and_target",
        )

    def reads_series_baseline(self, key_result: KeyResult) -> bool:
        return key_result.baseline_source == "series"

    def read_errors(self, key_result: KeyResult) -> dict[str, str]:
        return target_errors(key_result) if self.reads_series_baseline(key_result) else {}
