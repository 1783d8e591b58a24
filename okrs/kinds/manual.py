"""A number people check in by hand, from a typed baseline to a typed target."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import CheckConstraint, Q

from okrs.kinds.base import Kind
from okrs.kinds.from_to import baseline_and_target_errors

if TYPE_CHECKING:
    from okrs.forecast import Forecast
    from okrs.models import KeyResult
    from okrs.services.inputs import Inputs


class Manual(Kind):
    value = "manual"
    name = "MANUAL"
    label = "Manual number"
    form_label = "Manual number"
    short = "Manual"
    reads_kpi = False
    form_fields = ("direction", "baseline_value", "target_value")
    check_in_field = "value"
    forecast_basis = "along the line through its check-ins"

    def errors(self, key_result: KeyResult) -> dict[str, str]:
        return baseline_and_target_errors(key_result, series_allowed=False)

    def db_constraint(self) -> CheckConstraint:
        return CheckConstraint(
            condition=~Q(kind=self.value) | Q(baseline_value__isnull=False, target_value__isnull=False),
            name="key_result_manual_has_baseline_and_target",
        )

    def check_in_errors(self, key_result: KeyResult, value: float | None) -> dict[str, str]:
        return {"value": "A manual key result's check-in gives the new number."} if value is None else {}

    def forecast(self, key_result: KeyResult, inputs: Inputs, day: date) -> Forecast | None:
        """A typed number has no days to pool: the line through its check-ins, read at the period's end."""
        return inputs.check_in_trend(key_result, day)
