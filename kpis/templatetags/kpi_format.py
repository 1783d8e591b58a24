"""Template filters for KPI numbers: `{% load kpi_format %}` then `{{ value|kpi_value:kpi }}`."""

from __future__ import annotations

from typing import Any

from django import template

from kpis.formatting import format_value, range_text
from kpis.models import Kpi, Unit

register = template.Library()


@register.filter
def kpi_value(value: float | None, kpi: Kpi) -> str:
    """A value in the KPI's unit and decimals: `12.5 %`, `245 s`; an em dash when there is none."""
    return format_value(value, kpi.unit, kpi.decimals)


@register.filter
def kpi_range(kpi: Kpi, colour: str) -> str:
    """A threshold range in words: `≤ 5.0 %`, `≥ 80.0 %`, or both ends joined by an en dash; `—` when open."""
    low, high = getattr(kpi, f"{colour}_min"), getattr(kpi, f"{colour}_max")
    return range_text(low, high, kpi.unit, kpi.decimals)


@register.filter
def unit_suffix(kpi: Kpi) -> str:
    """The short unit a form field's value is in: %, s or nothing."""
    return {Unit.PERCENT: "%", Unit.SECONDS: "s"}.get(Unit(kpi.unit), "")


@register.filter
def count(value: Any) -> str:
    """A whole count with thousands separators."""
    return "—" if value is None else f"{int(value):,}"


@register.filter
def rag_label(status: str | None, kpi: Kpi) -> str:
    """The word on a threshold status badge; says why there is none."""
    if status:
        return str(status).capitalize()
    if kpi.green_min is None and kpi.green_max is None:
        return "No thresholds"
    return "No data"
