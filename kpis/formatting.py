"""Numbers as people read them, by the KPI's unit. Pure: no database."""

from __future__ import annotations


def format_value(value: float | None, unit: str, decimals: int = 1) -> str:
    """`12.5 %`, `245 s`, `1,204`, `4.2`; an em dash when there is no value."""
    if value is None:
        return "—"
    number = f"{value:,.{decimals}f}"
    if unit == "percent":
        return f"{number} %"
    if unit == "seconds":
        return f"{number} s"
    return number


def format_raw(value: float | None) -> str:
    """A value for machine-readable output: empty when missing, otherwise up to 10 significant digits."""
    return "" if value is None else f"{value:.10g}"
