"""Numbers as people read them, by the KPI's unit. Pure: no database."""

from __future__ import annotations


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
