"""Numbers as people read them, by the KPI's unit. Pure: no database."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal


def format_value(value: float | None, unit: str, decimals: int = 1) -> str:
    """`12.5 %`, `245 s`, `18.4 min`, `7.5 h`, `1,204`, `4.2`; an em dash when there is no value."""
    if value is None:
        return "—"
    if unit == "seconds":
        return _duration(value, decimals)
    number = f"{value:,.{decimals}f}"
    return f"{number} %" if unit == "percent" else number


def _duration(seconds: float, decimals: int) -> str:
    # Handle times read best in seconds, resolution times in hours: switch where seconds stop being readable.
    if abs(seconds) >= 2 * 3600:
        return f"{seconds / 3600:,.1f} h"
    if abs(seconds) >= 15 * 60:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds:,.{decimals}f} s"


def format_raw(value: float | None) -> str:
    """A value for machine-readable output: empty when missing, otherwise up to 10 significant digits."""
    return "" if value is None else f"{value:.10g}"


def plain_number(value: float | None) -> str:
    """A number without a unit (a manual key result's), as typed: up to 10 significant digits, grouped."""
    return "—" if value is None else f"{value:,.10g}"


# Enough digits for any float's integer part and a few decimals.
_WIDE = Context(prec=400)


def decimals_text(value: float, places: int) -> str:
    """`value` with `places` decimals, as the templates' `floatformat:places` writes it in English: rounded half away
    from zero on the number as written (2.675 gives 2.68, 12.5 gives 13), no minus sign on a zero. For long tables,
    where the filter's localisation, paid on every cell, is most of the page's time."""
    if not math.isfinite(value):
        return str(value)
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, _WIDE)
    return f"{rounded if rounded else abs(rounded):f}"


def formatter(unit: str | None, decimals: int = 1) -> Callable[[float | None], str]:
    """`format_value` for one unit; no unit: `plain_number`."""
    if unit is None:
        return plain_number
    return lambda value: format_value(value, unit, decimals)


def chart_format(unit: str | None, decimals: int = 1) -> str:
    """The chart's str.format pattern for a unit, matching `format_value` (durations stay in seconds on an axis)."""
    if unit is None:
        return "{:,.1f}"
    suffix = {"percent": " %", "seconds": " s"}.get(unit, "")
    return f"{{:,.{decimals}f}}{suffix}"


def range_text(low: float | None, high: float | None, unit: str, decimals: int) -> str:
    """A range in words: `≤ 5.0 %`, `≥ 80.0 %`, both ends joined by an en dash, one value when they meet; `—` when
    open."""
    if low is None and high is None:
        return "—"
    if low is None:
        return f"≤ {format_value(high, unit, decimals)}"
    if high is None:
        return f"≥ {format_value(low, unit, decimals)}"
    if low == high:
        return format_value(low, unit, decimals)
    return f"{format_value(low, unit, decimals)} \u2013 {format_value(high, unit, decimals)}"


def change_text(change: float | None, unit: str, decimals: int) -> str:
    """A signed change in the unit; a percentage changes by points, not by percent."""
    if change is None:
        return "—"
    number = f"{abs(change):,.{decimals}f}"
    sign = "+" if change > 0 else ("\u2212" if change < 0 else "±")
    suffix = {"percent": " pts", "seconds": " s"}.get(unit, "")
    return f"{sign}{number}{suffix}"
