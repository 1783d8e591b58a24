"""What a kind of key result is: the one place where behaviour differs between kinds.

A kind owns the fields it reads, how they are validated, whether it reads a series baseline, how its progress and
expected pace are computed, which points its forecast reads, the target range the scorecard shows, and the words for
what it asks for. Everything else (models, forms, services, evaluation, scorecard, templates, the OKR file) asks the
kind of a key result (`okrs.kinds.kind_of`) instead of comparing kind values. Adding a kind is one module here and
one line in the registry (okrs/kinds/__init__.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar, Protocol

from django.db.models import CheckConstraint, Q
from django.template.defaultfilters import floatformat
from django.utils import timezone

from kpis.formatting import chart_format, formatter
from kpis.models import Direction, Kpi
from okrs import progress
from okrs.forecast import RECENT_DAYS

if TYPE_CHECKING:
    from okrs.forecast import Forecast
    from okrs.models import KeyResult
    from okrs.services.evaluation import Reading
    from okrs.services.inputs import Inputs

Formatter = Callable[[float | None], str]
EN_DASH, MINUS = "\u2013", "\u2212"
SEGMENT_FIELDS = ("kpi", "dimension", "member")


class KeyResultFields(Protocol):
    """What a kind reads of a key result to word its values and target and to range its target: a KeyResult, or
    a page's plain row of the same fields (okrs.scorecard.rows, the planning page's), which is no model instance."""

    @property
    def kind(self) -> str: ...
    @property
    def kpi(self) -> Kpi | None: ...
    @property
    def direction(self) -> str: ...
    @property
    def baseline_value(self) -> float | None: ...
    @property
    def target_value(self) -> float | None: ...
    @property
    def change_percent(self) -> float | None: ...
    @property
    def threshold_mode(self) -> str: ...
    @property
    def band_min(self) -> float | None: ...
    @property
    def band_max(self) -> float | None: ...
    @property
    def effective_direction(self) -> str: ...
    @property
    def forecast(self) -> float | None: ...
    @property
    def forecast_low(self) -> float | None: ...
    @property
    def forecast_high(self) -> float | None: ...


def formatter_of(key_result: KeyResultFields) -> Formatter:
    """Numbers of a key result as people read them: by its KPI's unit, or as typed for a manual number."""
    kpi = key_result.kpi
    return formatter(kpi.unit, kpi.decimals) if kpi is not None else formatter(None)


def chart_format_of(key_result: KeyResult) -> str:
    kpi = key_result.kpi
    return chart_format(kpi.unit, kpi.decimals) if kpi is not None else chart_format(None)


def signed_percent(change: float) -> str:
    """A change in percent with a true minus sign, as people write it."""
    sign = MINUS if change < 0 else "+"
    return f"{sign}{abs(change):g}\u00a0%"


def baseline_origin(key_result: KeyResult, today: date | None = None) -> str:
    """The period a series baseline was read from, as every page and export shows it: `2026-Q4`, marked
    provisional while that period runs (later data can still move it) or frozen since when it was kept."""
    read_from = key_result.baseline_read_from
    if read_from is None:
        return "the previous period"
    if key_result.baseline_frozen_at is not None:
        return f"{read_from.label} (frozen {timezone.localtime(key_result.baseline_frozen_at):%-d %b %Y})"
    if key_result.kind_rules.baseline_provisional(key_result, today or timezone.localdate()):
        return f"{read_from.label} (provisional: runs to {read_from.end - timedelta(days=1):%-d %b %Y})"
    return read_from.label


@dataclass(frozen=True)
class Stat:
    """One figure of the key-result page's summary: a label, the value and a line of detail."""

    label: str
    value: str
    detail: str


@dataclass(frozen=True)
class TargetRange:
    """What a key result asks of its KPI by the period's end, as the scorecard's red/amber/green reads it."""

    value: float | None
    low: float | None
    high: float | None
    direction: str  # higher, lower or band
    tolerance: float


@dataclass(frozen=True)
class ReferenceLine:
    """A horizontal line on the key result's chart: its baseline, target or band."""

    label: str
    value: float | None
    style: str


class Kind:
    """The behaviour shared by kinds that move a number from a baseline to a target; subclasses override."""

    value: ClassVar[str]
    name: ClassVar[str]  # the member name of KeyResult.Kind, e.g. KPI_FROM_TO
    label: ClassVar[str]  # the model's choice label
    form_label: ClassVar[str]  # the planning form's choice label
    short: ClassVar[str]  # the few words of a table cell
    reads_kpi: ClassVar[bool] = True
    # The planning form's fields for this kind, in order; the form shows and keeps only these.
    form_fields: ClassVar[tuple[str, ...]] = ()
    # Labels and help texts this kind gives to shared form fields.
    field_labels: ClassVar[dict[str, tuple[str, str]]] = {}
    # A moving target has a pace line: where the value should be on each day to reach the target on time.
    paced: ClassVar[bool] = True
    charted: ClassVar[bool] = True
    # How the forecast is made, after "at 31 Dec, ": the basis a reader needs to weigh it.
    forecast_basis: ClassVar[str] = f"if the pace of the last {RECENT_DAYS} days holds"
    # The check-in form's field for a value ("value" or "done"); None when the KPI gives the value.
    check_in_field: ClassVar[str | None] = None
    # The value of a key result without data: None (no data yet) or a default such as "not done".
    value_when_missing: ClassVar[float | None] = None
    # Reads its baseline from the series whatever the key result's baseline source says.
    always_series: ClassVar[bool] = False
    # Computes its target from the baseline read (see `derived_target`) rather than taking a typed one.
    derives_target: ClassVar[bool] = False
    # Starts from a baseline at all (a threshold or a milestone has none).
    has_baseline: ClassVar[bool] = True

    def __str__(self) -> str:
        return self.value

    # Fields and validation

    def shown_fields(self, raw: Callable[[str], str]) -> list[str]:
        """The form's fields given the raw values typed so far (a mode or a source can swap fields)."""
        return list(self.form_fields)

    def errors(self, key_result: KeyResult) -> dict[str, str]:
        """What is wrong with the key result's fields for this kind, by field."""
        return {}

    def impossible_errors(self, key_result: KeyResult) -> dict[str, str]:
        """The numbers a person typed as values of the KPI (a baseline, a target or threshold, a band's ends) that
        the KPI cannot take, by field: an FCR target of 120 % is refused, not tracked for a quarter."""
        kpi = key_result.kpi
        if kpi is None:
            return {}
        typed = {
            "baseline_value": key_result.baseline_value if key_result.baseline_source == "typed" else None,
            "target_value": key_result.target_value if key_result.target_source == "typed" else None,
            "band_min": key_result.band_min,
            "band_max": key_result.band_max,
        }
        return {name: message for name, value in typed.items() if (message := kpi.impossible(value))}

    def read_errors(self, key_result: KeyResult) -> dict[str, str]:
        """What is wrong once a series baseline has been read (and a target derived from it), by field. Asked right
        after a fresh read (the planning preview, a save, an OKR file), never of the values stored at the last
        recompute, which the data may since have moved."""
        return {}

    def db_constraint(self) -> CheckConstraint | None:
        """The database's own guard for the fields this kind needs."""
        return None

    def settle_sources(self, key_result: KeyResult) -> None:
        """Set where the baseline and target come from when the kind decides it (a person cannot)."""

    def reads_series_baseline(self, key_result: KeyResult) -> bool:
        return False

    def baseline_provisional(self, key_result: KeyResult, today: date) -> bool:
        """A series baseline read from a period that has not ended on `today`, and not frozen: more data for that
        period can still move it (and a target derived from it)."""
        read_from = key_result.baseline_read_from
        return (
            self.reads_series_baseline(key_result)
            and key_result.baseline_frozen_at is None
            and read_from is not None
            and read_from.end > today
        )

    def derived_target(self, key_result: KeyResult) -> float | None:
        """The target computed from the baseline read, for a kind that `derives_target`."""
        return key_result.target_value

    def implied_direction(self, key_result: KeyResultFields) -> str:
        """The direction when neither the key result nor its KPI says: the way the target lies."""
        baseline, target = key_result.baseline_value, key_result.target_value
        if baseline is not None and target is not None and target < baseline:
            return Direction.LOWER
        return Direction.HIGHER

    def check_in_errors(self, key_result: KeyResult, value: float | None) -> dict[str, str]:
        if value is not None:
            return {"value": "This key result follows its KPI; a check-in gives confidence and a comment, not a value."}
        return {}

    # Evaluation

    def progress(self, key_result: KeyResult, value: float | None) -> progress.Progress | None:
        return progress.progress(
            key_result.baseline_value,
            key_result.target_value,
            value,
            progress.Direction(key_result.effective_direction),
        )

    def expected(self, key_result: KeyResult, start: date, end: date, day: date) -> float:
        """The progress the pace calls for on `day` of the period [start, end)."""
        return progress.expected(start, end, day)

    def forecast(self, key_result: KeyResult, inputs: Inputs, day: date) -> Forecast | None:
        """Where the figure ends the period, from the data up to `day`: the KPI's ratio of sums with the rest of
        the period at the recent pace (okrs.forecast)."""
        return inputs.kpi_forecast(key_result, day)

    def target_range(self, key_result: KeyResultFields) -> TargetRange | None:
        direction = key_result.effective_direction
        baseline, target = key_result.baseline_value, key_result.target_value
        if target is None:
            return None
        tolerance = abs(target - baseline) if baseline is not None else 0.0
        return TargetRange(target, None, None, direction, tolerance)

    # Words

    def asks(self, key_result: KeyResultFields, fmt: Formatter, baseline_label: str | None = None) -> str:
        """The sentence of what the key result asks for, e.g. `12.5 % (2026-Q2) → 10.0 %`."""
        source = f" ({baseline_label})" if baseline_label else ""
        return f"{fmt(key_result.baseline_value)}{source} → {fmt(key_result.target_value)}"

    def target_text(self, key_result: KeyResultFields, fmt: Formatter) -> str:
        """The target in a table cell: `10.0 %`, `≥ 85.0 %`, a band as two values."""
        return fmt(key_result.target_value)

    def value_text(self, value: float | None, fmt: Formatter) -> str:
        return fmt(value)

    def forecast_range_text(self, key_result: KeyResultFields, fmt: Formatter) -> str:
        """The range the forecast likely falls in, `11.5 % to 12.4 %`; empty without one (or one value)."""
        low, high = key_result.forecast_low, key_result.forecast_high
        if key_result.forecast is None or low is None or high is None or fmt(low) == fmt(high):
            return ""
        return f"{fmt(low)} {EN_DASH} {fmt(high)}"

    def check_in_text(self, value: float) -> str:
        return f"value {floatformat(value, -2)}"

    def standing(self, key_result: KeyResult, reading: Reading, fmt: Formatter) -> str:
        """Where the key result stands today, in a sentence."""
        if reading.value is None:
            return f"{key_result.objective.period.label}: no data yet."
        beyond = f", {reading.over_achievement:.0f} points beyond" if reading.over_achievement else ""
        return f"Currently {fmt(reading.value)}, {reading.progress or 0:.0f} % of the way{beyond}."

    def stats(self, key_result: KeyResult, fmt: Formatter, last_day: date) -> list[Stat]:
        """The key-result page's figures."""
        current_detail = f"{key_result.objective.period.label} so far" if key_result.kpi_id else "latest check-in"
        if key_result.baseline_source == "series":
            baseline_detail = f"read from {baseline_origin(key_result)}"
        else:
            baseline_detail = "typed in"
        return [
            Stat("Current", fmt(key_result.current_value), current_detail),
            *self.target_stats(key_result, fmt, baseline_detail),
            Stat("Forecast", fmt(key_result.forecast), self.forecast_detail(key_result, fmt, last_day)),
        ]

    def forecast_detail(self, key_result: KeyResult, fmt: Formatter, last_day: date) -> str:
        """`likely 11.5 % to 12.4 %; at 31 Dec, if the pace of the last 28 days holds`."""
        spread = self.forecast_range_text(key_result, fmt)
        likely = f"likely {spread}; " if spread else ""
        return f"{likely}at {last_day.day} {last_day:%b}, {self.forecast_basis}"

    def target_stats(self, key_result: KeyResult, fmt: Formatter, baseline_detail: str) -> list[Stat]:
        return [
            Stat("Baseline", fmt(key_result.baseline_value), baseline_detail),
            Stat("Target", fmt(key_result.target_value), "typed in"),
        ]

    def reference_lines(self, key_result: KeyResult, fmt: Formatter) -> list[ReferenceLine]:
        lines = []
        if key_result.baseline_value is not None:
            lines.append(
                ReferenceLine(f"Baseline {fmt(key_result.baseline_value)}", key_result.baseline_value, "baseline")
            )
        if key_result.target_value is not None:
            lines.append(ReferenceLine(f"Target {fmt(key_result.target_value)}", key_result.target_value, "target"))
        return lines


def kpi_kind_constraint(kinds: Sequence[Kind]) -> CheckConstraint:
    """KPI kinds read a KPI; the others read none and no segment."""
    without = [kind.value for kind in kinds if not kind.reads_kpi]
    with_kpi = [kind.value for kind in kinds if kind.reads_kpi]
    return CheckConstraint(
        condition=Q(kind__in=without, kpi__isnull=True, dimension__isnull=True)
        | Q(kind__in=with_kpi, kpi__isnull=False),
        name="key_result_kpi_iff_kpi_kind",
    )
