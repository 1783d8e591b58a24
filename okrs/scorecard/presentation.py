"""How the scorecard's figures read on the page (and in the exports that show words rather than raw numbers)."""

from __future__ import annotations

from kpis.formatting import range_text
from okrs.scorecard.selector import KpiLine


def line_target(line: KpiLine) -> str:
    """A scorecard line's target: `≤ 10.0 %` for lower-is-better, `≥` for higher, a band as a range; `—` if none."""
    return range_text(line.target_low, line.target_high, line.kpi.unit, line.kpi.decimals)


def line_status_label(line: KpiLine) -> str:
    """The word on a scorecard line's badge; says why there is no status when there is none."""
    if line.status is not None:
        return line.status.capitalize()
    if line.actual is None:
        return "No data"
    return "No target"


def percent(value: float | None) -> str:
    """A progress figure, `42 %`; an em dash when there is no data."""
    return "—" if value is None else f"{value:.0f} %"
