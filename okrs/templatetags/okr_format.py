"""Template filters for key results and scorecard lines: `{% load okr_format %}`."""

from __future__ import annotations

from datetime import date

from django import template

from kpis.formatting import formatter
from kpis.models import Kpi, Unit
from okrs import kinds
from okrs.models import KeyResult
from okrs.scorecard import KpiLine

register = template.Library()

EN_DASH = " \u2013 "
MINUS = "\u2212"


def _number(value: float | None, kpi: Kpi | None) -> str:
    return formatter(kpi.unit, kpi.decimals)(value) if kpi is not None else formatter(None)(value)


@register.filter
def kr_value(value: float | None, key_result: KeyResult) -> str:
    """A key result's number in its KPI's unit; a manual number as typed; a milestone as done or not."""
    return key_result.kind_rules.value_text(value, kinds.formatter_of(key_result))


@register.filter
def kr_target(key_result: KeyResult) -> str:
    """What the key result aims for: `10.0 %`, `≥ 85.0 %`, a band as two values; a milestone is done."""
    return key_result.kind_rules.target_text(key_result, kinds.formatter_of(key_result))


@register.filter
def kind_short(key_result: KeyResult) -> str:
    kind = kinds.get(key_result.kind)
    return kind.short if kind else key_result.kind


@register.filter
def kr_stats(key_result: KeyResult, last_day: date) -> list[kinds.Stat]:
    """The key-result page's figures, as the kind lays them out."""
    return key_result.kind_rules.stats(key_result, kinds.formatter_of(key_result), last_day)


@register.filter
def check_in_value(value: float, key_result: KeyResult) -> str:
    """A check-in's value in the history: `value 12.5`; a milestone's as done or not done."""
    return key_result.kind_rules.check_in_text(value)


@register.filter
def line_target(line: KpiLine) -> str:
    """A scorecard line's target: `≤ 10.0 %` for lower-is-better, `≥` for higher, a band as a range; `—` if none."""
    kpi, low, high = line.kpi, line.target_low, line.target_high
    if low is None and high is None:
        return "—"
    if low is None:
        return f"≤ {_number(high, kpi)}"
    if high is None:
        return f"≥ {_number(low, kpi)}"
    if low == high:
        return _number(low, kpi)
    return f"{_number(low, kpi)}{EN_DASH}{_number(high, kpi)}"


@register.filter
def kpi_change(change: float | None, kpi: Kpi) -> str:
    """A signed change in the KPI's unit; a percentage changes by points, not by percent."""
    if change is None:
        return "—"
    number = f"{abs(change):,.{kpi.decimals}f}"
    sign = "+" if change > 0 else (MINUS if change < 0 else "±")
    suffix = {Unit.PERCENT: " pts", Unit.SECONDS: " s"}.get(Unit(kpi.unit), "")
    return f"{sign}{number}{suffix}"


@register.filter
def percent(value: float | None) -> str:
    """A progress figure, `42 %`; an em dash when there is no data."""
    return "—" if value is None else f"{value:.0f} %"


@register.filter
def comparison_sign(comparison: str) -> str:
    """A guardrail's comparison as a reader writes it: `≥`, `≤`."""
    return {">=": "≥", "<=": "≤"}.get(comparison, comparison)


@register.filter
def line_status_label(line: KpiLine) -> str:
    """The word on a scorecard line's badge; says why there is no status when there is none."""
    if line.status is not None:
        return line.status.capitalize()
    if line.actual is None:
        return "No data"
    return "No target"
