"""Done or not: a check-in marks it done; due at the end of the period."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from okrs import progress
from okrs.kinds.base import Formatter, KeyResultFields, Kind, ReferenceLine, Stat, TargetRange

if TYPE_CHECKING:
    from okrs.forecast import Forecast
    from okrs.models import KeyResult
    from okrs.services.evaluation import Reading
    from okrs.services.inputs import Inputs


class Milestone(Kind):
    value = "milestone"
    name = "MILESTONE"
    label = "Milestone"
    form_label = "Milestone"
    short = "Milestone"
    reads_kpi = False
    paced = False
    charted = False
    check_in_field = "done"
    value_when_missing = 0.0  # not done until a check-in says so
    has_baseline = False

    def check_in_errors(self, key_result: KeyResult, value: float | None) -> dict[str, str]:
        return {} if value in (None, 0, 1) else {"value": "A milestone is done (1) or not done (0)."}

    def progress(self, key_result: KeyResult, value: float | None) -> progress.Progress | None:
        return None if value is None else progress.Progress(100.0 if value >= 1 else 0.0, 0.0)

    def expected(self, key_result: KeyResult, start: date, end: date, day: date) -> float:
        return 100.0 if day >= end - timedelta(days=1) else 0.0

    def forecast(self, key_result: KeyResult, inputs: Inputs, day: date) -> Forecast | None:
        """Done or not: nothing to project."""
        return None

    def target_range(self, key_result: KeyResultFields) -> TargetRange | None:
        return None

    def asks(self, key_result: KeyResultFields, fmt: Formatter, baseline_label: str | None = None) -> str:
        return "Done when a check-in marks it done."

    def target_text(self, key_result: KeyResultFields, fmt: Formatter) -> str:
        return "Done"

    def value_text(self, value: float | None, fmt: Formatter) -> str:
        return "—" if value is None else ("Done" if value >= 1 else "Not done")

    def check_in_text(self, value: float) -> str:
        return "done" if value >= 1 else "not done"

    def standing(self, key_result: KeyResult, reading: Reading, fmt: Formatter) -> str:
        return "Expected by the end of the period."

    def stats(self, key_result: KeyResult, fmt: Formatter, last_day: date) -> list[Stat]:
        done = "Done" if key_result.progress == 100 else "Not done"
        return [Stat("Milestone", done, f"due {last_day.day} {last_day:%b}")]

    def reference_lines(self, key_result: KeyResult, fmt: Formatter) -> list[ReferenceLine]:
        return []
