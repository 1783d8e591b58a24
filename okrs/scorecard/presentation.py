"""How the scorecard's figures read on the page (and in the exports that show words rather than raw numbers)."""

from __future__ import annotations

from kpis.formatting import range_text
from okrs.models import Status
from okrs.scorecard.selector import KpiLine

# The words on the status badges (templates/partials/status.html), of key results and objectives.
STATUS_WORDS = {
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OFF_TRACK: "Off track",
    Status.NO_DATA: "No data",
}

# What the two kinds of KPI line status mean, for a legend under the KPI table (page and exports alike).
STATUS_LEGEND = (
    "A KPI whose target comes from a key result takes that key result's status: on track, at risk or off track "
    "for the pace towards its target, forecast included, as in the objectives' table. Against a KPI target or "
    "the KPI's thresholds, the value so far is green when it meets them, amber when it misses by no more than "
    "the tolerance, red beyond."
)


def status_word(status: str) -> str:
    return STATUS_WORDS.get(Status(status), "No data")


def line_target(line: KpiLine) -> str:
    """A scorecard line's target: `≤ 10.0 %` for lower-is-better, `≥` for higher, a band as a range; `—` if none."""
    return range_text(line.target_low, line.target_high, line.kpi.unit, line.kpi.decimals)


def line_status_label(line: KpiLine) -> str:
    """The word on a scorecard line's badge: the key result's when the line follows one; says why there is no
    status when there is none."""
    if line.key_result_status:
        return status_word(line.key_result_status)
    if line.status is not None:
        return line.status.capitalize()
    if line.actual is None:
        return "No data"
    return "No target"


def percent(value: float | None) -> str:
    """A progress figure, `42 %`; an em dash when there is no data."""
    return "—" if value is None else f"{value:.0f} %"
