"""How the scorecard's figures read on the page (and in the exports that show words rather than raw numbers), and
the long lists of the dashboard and the scorecard as lines prepared once: links, words, badges and bars as plain
values, so that a template row is a handful of dictionary look-ups instead of lookup chains, filters and tags (at
200 objectives this halved the two pages' rendering)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from kpis.formatting import change_text, format_value, range_text
from okrs import kinds
from okrs.models import Status
from okrs.scorecard.rows import KeyResultRow, RowSummary
from okrs.scorecard.selector import AlignmentNode, KpiLine, TeamGroup
from okrs.templatetags.okr_parts import Badges, progress_bar
from okrs.views.links import Links

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


class ObjectiveLine(TypedDict):
    """An objective's card on the dashboard or its row on the scorecard, in words and drawn pieces: what two
    hundred of them render from without a lookup chain, filter or tag each."""

    summary: RowSummary
    pk: int
    title: str
    url: str
    owner: str
    state: str  # the state's name when it is not active, else empty
    guardrail_breached: bool
    badge: str
    bar: str
    progress: str
    expected: str  # empty without an expected pace
    key_results: str  # `5 key results`, empty without any
    key_results_url: str  # where the key results load from on a long page
    key_result_lines: list[KeyResultLine]  # empty on a long page, where they load on opening


class KeyResultLine(TypedDict):
    """A key result's row under its objective on the scorecard, in words and drawn pieces."""

    url: str
    title: str
    guardrail_breached: bool
    current: str
    target: str
    forecast: str  # empty without a forecast
    forecast_range: str  # its likely range, `11.5 % to 12.4 %`; empty without one
    bar: str
    progress: str
    badge: str


def team_lines(
    groups: Iterable[TeamGroup], *, key_results_at: str, with_key_results: bool = False
) -> list[tuple[TeamGroup, list[ObjectiveLine]]]:
    """Each team's objectives as lines (see `objective_lines`), their links and badges drawn once for all teams."""
    groups = list(groups)
    summaries = [s for g in groups for s in g.objectives]
    lines = iter(objective_lines(summaries, key_results_at=key_results_at, with_key_results=with_key_results))
    return [(group, [next(lines) for _ in group.objectives]) for group in groups]


def objective_lines(
    summaries: Iterable[RowSummary], *, key_results_at: str, with_key_results: bool = False
) -> list[ObjectiveLine]:
    """The summaries as lines, their key results loading from the URL named `key_results_at` on a long page; with
    their key results' lines too when `with_key_results`."""
    links, badges = Links("objective_detail", key_results_at, "key_result_detail"), Badges()
    lines: list[ObjectiveLine] = []
    for summary in summaries:
        objective, count = summary.objective, len(summary.key_results)
        lines.append(
            {
                "summary": summary,
                "pk": objective.pk,
                "title": objective.title,
                "url": links.to("objective_detail", objective.pk),
                "owner": objective.owner.get_full_name() or objective.owner.get_username(),
                "state": "" if objective.is_active else objective.get_state_display(),
                "guardrail_breached": summary.guardrail_breached,
                "badge": badges(summary.status),
                "bar": progress_bar(summary.progress, summary.expected, summary.status),
                "progress": percent(summary.progress),
                "expected": "" if summary.expected is None else percent(summary.expected),
                "key_results": f"{count} key result{'' if count == 1 else 's'}" if count else "",
                "key_results_url": links.to(key_results_at, objective.pk),
                "key_result_lines": (
                    [_key_result_line(kr, links, badges) for kr in summary.key_results] if with_key_results else []
                ),
            }
        )
    return lines


def _key_result_line(kr: KeyResultRow, links: Links, badges: Badges) -> KeyResultLine:
    kind, fmt = kinds.kind_of(kr), kinds.formatter_of(kr)
    return {
        "url": links.to("key_result_detail", kr.pk),
        "title": kr.title,
        "guardrail_breached": kr.guardrail_breached,
        "current": kind.value_text(kr.current_value, fmt),
        "target": kind.target_text(kr, fmt),
        "forecast": "" if kr.forecast is None else kind.value_text(kr.forecast, fmt),
        "forecast_range": "" if kr.forecast is None else kind.forecast_range_text(kr, fmt),
        "bar": progress_bar(kr.progress, kr.expected, kr.status),
        "progress": percent(kr.progress),
        "badge": badges(kr.status),
    }


class TreeLine(TypedDict):
    """An objective in the alignment tree, in words, with the objectives that support it."""

    status: str
    status_label: str
    url: str
    title: str
    team: str
    progress: str
    via: str  # the title of the parent's key result it supports, if any
    children: list[TreeLine]


def tree_lines(nodes: Iterable[AlignmentNode]) -> list[TreeLine]:
    """The alignment tree (okrs.scorecard.alignment_tree) as nested lines."""
    links = Links("objective_detail")

    def line(node: AlignmentNode) -> TreeLine:
        summary = node.summary
        return {
            "status": summary.status,
            "status_label": summary.status.label,
            "url": links.to("objective_detail", summary.objective.pk),
            "title": summary.objective.title,
            "team": summary.objective.team.name,
            "progress": percent(summary.progress),
            "via": "" if node.via is None else node.via.title,
            "children": [line(child) for child in node.children],
        }

    return [line(node) for node in nodes]


class KpiRow(TypedDict):
    """A scorecard line in words and drawn pieces, for the KPI table's two hundred rows."""

    url: str  # the KPI's page; empty where there is none
    name: str
    segment: str  # `Team: Tier 1 · target from key result`
    actual: str
    actual_period: str | None  # the actual's period when it is not the scorecard's own (`2026-12 so far: 1 day`)
    target: str
    badge: str
    change_class: str  # better, worse, same or none
    change_arrow: str
    change: str | None  # the signed change in the KPI's unit
    change_is: str
    trend_from: str
    sparkline: str


def kpi_rows(lines: Iterable[KpiLine], *, period_label: str) -> list[KpiRow]:
    """The scorecard's KPI lines as rows of the table, each KPI's page reversed once."""
    urls: dict[str, str] = {}
    badges = Badges()
    rows: list[KpiRow] = []
    for line in lines:
        kpi = line.kpi
        if kpi.key not in urls:
            try:
                urls[kpi.key] = reverse("kpi_detail", args=[kpi.key])
            except NoReverseMatch:
                urls[kpi.key] = ""
        segment = f"{line.dimension.name}: {line.member}" if line.dimension else "Overall"
        source = f" · target from {line.target_source}" if line.target_source else " · against thresholds"
        change = line.change
        arrow = "" if not change else _ARROWS[change > 0]
        rows.append(
            {
                "url": urls[kpi.key],
                "name": kpi.name,
                "segment": segment + source,
                "actual": format_value(line.actual, kpi.unit, kpi.decimals),
                "actual_period": None if line.actual_label == period_label else line.actual_label,
                "target": line_target(line),
                "badge": badges(line.status, line_status_label(line)),
                "change_class": str(line.change_is or "none"),
                "change_arrow": arrow,
                "change": None if change is None else change_text(change, kpi.unit, kpi.decimals),
                "change_is": str(line.change_is),
                "trend_from": line.trend_labels[0] if line.trend_labels else "",
                "sparkline": line.sparkline,
            }
        )
    return rows


# The arrow before a change, by whether it rises.
_ARROWS = {True: mark_safe('<span aria-hidden="true">▲</span>'), False: mark_safe('<span aria-hidden="true">▼</span>')}
