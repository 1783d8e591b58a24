"""Template filters for key results and scorecard lines: `{% load okr_format %}`."""

from __future__ import annotations

from datetime import date
from functools import cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

from kpis.formatting import change_text
from kpis.models import Kpi
from okrs import kinds
from okrs.models import KeyResult
from okrs.scorecard import presentation

register = template.Library()

# An id no page links to, for a reversed URL to be split around.
_MARK = 2_147_483_647


@cache
def _link_parts(name: str, prefix: str, urlconf: str | None) -> tuple[str, str]:
    before, _, after = reverse(name, args=[_MARK], urlconf=urlconf).partition(str(_MARK))
    return before, after


@register.filter
def link(pk: int, name: str) -> str:
    """`{% url name pk %}` for a URL that takes one id, reversed once per name and script prefix: a page of 200
    objectives links each of them two or three times, and reverse() costs tens of microseconds every time."""
    before, after = _link_parts(name, get_script_prefix(), get_urlconf())
    return f"{before}{pk}{after}"


@register.filter
def kr_value(value: float | None, key_result: kinds.KeyResultFields) -> str:
    """A key result's number in its KPI's unit; a manual number as typed; a milestone as done or not."""
    return kinds.kind_of(key_result).value_text(value, kinds.formatter_of(key_result))


@register.filter
def kr_target(key_result: kinds.KeyResultFields) -> str:
    """What the key result aims for: `10.0 %`, `≥ 85.0 %`, a band as two values; a milestone is done."""
    return kinds.kind_of(key_result).target_text(key_result, kinds.formatter_of(key_result))


@register.filter
def kr_forecast_range(key_result: kinds.KeyResultFields) -> str:
    """The forecast's likely range, `11.5 % to 12.4 %`; empty without one."""
    return kinds.kind_of(key_result).forecast_range_text(key_result, kinds.formatter_of(key_result))


@register.filter
def kind_short(key_result: kinds.KeyResultFields) -> str:
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


register.filter("line_target", presentation.line_target)
register.filter("line_status_label", presentation.line_status_label)
register.filter("percent", presentation.percent)


@register.filter
def kpi_change(change: float | None, kpi: Kpi) -> str:
    """A signed change in the KPI's unit; a percentage changes by points, not by percent."""
    return change_text(change, kpi.unit, kpi.decimals)


@register.filter
def comparison_sign(comparison: str) -> str:
    """A guardrail's comparison as a reader writes it: `≥`, `≤`."""
    return {">=": "≥", "<=": "≤"}.get(comparison, comparison)
