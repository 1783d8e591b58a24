"""A KPI that must stay above or below a threshold, or within a band, all period long."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import CheckConstraint, F, Q

from kpis.models import Direction
from okrs import progress
from okrs.kinds.base import EN_DASH, SEGMENT_FIELDS, Formatter, KeyResultFields, Kind, ReferenceLine, Stat, TargetRange

if TYPE_CHECKING:
    from okrs.models import KeyResult
    from okrs.services.evaluation import Reading

MODE_LABELS = {"above": "Stay above", "below": "Stay below", "within": "Stay within a band"}


class Threshold(Kind):
    value = "kpi_threshold"
    name = "KPI_THRESHOLD"
    label = "KPI, stay above, below or within a band"
    form_label = "KPI: stay above, below or within"
    short = "Threshold"
    form_fields = (*SEGMENT_FIELDS, "threshold_mode", "target_value", "band_min", "band_max")
    field_labels = {"target_value": ("Threshold", "For stay above or below.")}
    paced = False
    has_baseline = False

    def shown_fields(self, raw: Callable[[str], str]) -> list[str]:
        mode = raw("threshold_mode")
        drop = {"target_value"} if mode == "within" else {"band_min", "band_max"}
        return [f for f in self.form_fields if f not in drop or not mode]

    def errors(self, key_result: KeyResult) -> dict[str, str]:
        mode = key_result.threshold_mode
        if mode in ("above", "below"):
            return {} if key_result.target_value is not None else {"target_value": "Give the threshold to stay beyond."}
        if mode == "within":
            if key_result.band_min is None or key_result.band_max is None:
                return {"band_min": "Give both ends of the band."}
            if key_result.band_min > key_result.band_max:
                return {"band_max": "The band's upper end is below its lower end."}
            return {}
        return {"threshold_mode": "Choose stay above, stay below or stay within a band."}

    def db_constraint(self) -> CheckConstraint:
        return CheckConstraint(
            condition=~Q(kind=self.value)
            | Q(threshold_mode__in=["above", "below"], target_value__isnull=False)
            | Q(threshold_mode="within", band_min__isnull=False, band_max__isnull=False, band_min__lte=F("band_max")),
            name="key_result_threshold_has_bounds",
        )

    def _bounds(self, key_result: KeyResult) -> tuple[float | None, float | None]:
        mode = key_result.threshold_mode
        if mode == "within":
            return key_result.band_min, key_result.band_max
        return (key_result.target_value, None) if mode == "above" else (None, key_result.target_value)

    def progress(self, key_result: KeyResult, value: float | None) -> progress.Progress | None:
        low, high = self._bounds(key_result)
        return progress.threshold_progress(value, progress.Threshold(key_result.threshold_mode), low, high)

    def expected(self, key_result: KeyResult, start: date, end: date, day: date) -> float:
        return 100.0  # a threshold must hold all along

    def target_range(self, key_result: KeyResultFields) -> TargetRange | None:
        # A threshold has no baseline, so it is green or red.
        if key_result.threshold_mode == "within":
            return TargetRange(None, key_result.band_min, key_result.band_max, "band", 0)
        if key_result.target_value is None:
            return None
        direction = Direction.LOWER if key_result.threshold_mode == "below" else Direction.HIGHER
        return TargetRange(key_result.target_value, None, None, direction, 0.0)

    def asks(self, key_result: KeyResult, fmt: Formatter, baseline_label: str | None = None) -> str:
        if key_result.threshold_mode == "within":
            return f"Stay within {fmt(key_result.band_min)} {EN_DASH} {fmt(key_result.band_max)}"
        return f"{MODE_LABELS.get(key_result.threshold_mode, '')} {fmt(key_result.target_value)}"

    def target_text(self, key_result: KeyResultFields, fmt: Formatter) -> str:
        if key_result.threshold_mode == "within":
            return f"{fmt(key_result.band_min)} {EN_DASH} {fmt(key_result.band_max)}"
        sign = "≤" if key_result.threshold_mode == "below" else "≥"
        return f"{sign} {fmt(key_result.target_value)}"

    def standing(self, key_result: KeyResult, reading: Reading, fmt: Formatter) -> str:
        holding = "holding" if reading.progress == 100.0 else f"{reading.progress or 0:.0f} % (broken)"
        now = "no data yet" if reading.value is None else f"currently {fmt(reading.value)}, {holding}"
        return f"{key_result.objective.period.label}: {now}."

    def target_stats(self, key_result: KeyResult, fmt: Formatter, baseline_detail: str) -> list[Stat]:
        mode = key_result.threshold_mode
        return [Stat("Condition", self.target_text(key_result, fmt), MODE_LABELS.get(mode, ""))]

    def reference_lines(self, key_result: KeyResult, fmt: Formatter) -> list[ReferenceLine]:
        if key_result.threshold_mode == "within":
            return [
                ReferenceLine(f"Band from {fmt(key_result.band_min)}", key_result.band_min, "target"),
                ReferenceLine(f"Band up to {fmt(key_result.band_max)}", key_result.band_max, "target"),
            ]
        if key_result.target_value is None:
            return []
        return [ReferenceLine(f"Target {fmt(key_result.target_value)}", key_result.target_value, "target")]
