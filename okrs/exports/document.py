"""The one input every scorecard export is written from: the scorecard selector's result, in the page's words.

Each number comes twice: as the page shows it (through the page's own formatting filters, so `12.5 %`, `≤ 10.0 %`,
`+1.0 pts` are the same strings) and raw, for the files that keep real numbers. Status words are the badges'.
What the page leaves to other pages (baselines and where they came from, forecasts, guardrails, the last check-in)
is fetched here in a fixed number of queries, whatever the number of objectives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone
from django.utils.text import slugify

from kpis.formatting import format_value
from kpis.models import Period
from kpis.templatetags.kpi_format import kpi_value
from okrs import kinds
from okrs.as_of import last_day
from okrs.models import CheckIn, Guardrail, KeyResult, Objective, Status, Team
from okrs.scorecard import KpiLine, ObjectiveSummary, Rollup, Scorecard, scorecard_for
from okrs.scorecard.presentation import STATUS_LEGEND, line_status_label, line_target, percent, status_word
from okrs.templatetags.okr_format import (
    comparison_sign,
    kind_short,
    kpi_change,
    kr_forecast_range,
    kr_target,
    kr_value,
)


@dataclass(frozen=True)
class KpiRow:
    line: KpiLine
    name: str
    key: str
    segment: str  # as the page writes it: "Overall", "Team: Tier 1"
    unit: str
    decimals: int
    target_source: str  # "kpi target", "key result", "thresholds"
    actual: str
    actual_period: str  # "2026-Q4", or "2026-Q4 so far: 63 days" while it runs and its data covers part of it
    target: str
    status: str  # the badge's word
    status_key: str  # green | amber | red | none
    previous_label: str
    previous: str
    change: str
    change_is: str


@dataclass(frozen=True)
class GuardrailRow:
    text: str  # "CSAT ≥ 85.0 %"
    threshold: float
    value: float | None
    value_text: str
    breached: bool
    unit: str
    decimals: int


@dataclass(frozen=True)
class KeyResultRow:
    key_result: KeyResult
    title: str
    kind: str
    kpi_key: str
    kpi_name: str
    segment: str
    unit: str
    decimals: int
    current: str
    target: str
    baseline: str
    baseline_from: str  # "typed in", "KPI series 2026-Q3"
    forecast: str
    forecast_range: str  # "11.5 % to 12.4 %", or empty without a range
    progress: str
    expected: str
    status: str
    status_key: str
    guardrails: list[GuardrailRow]
    confidence: int | None
    comment: str
    check_in_day: date | None

    @property
    def guardrail_text(self) -> str:
        return "; ".join(g.text for g in self.guardrails)


@dataclass(frozen=True)
class ObjectiveRow:
    summary: ObjectiveSummary
    team: str
    title: str
    owner: str
    state: str
    progress: str
    expected: str
    status: str
    status_key: str
    key_results: list[KeyResultRow]


@dataclass(frozen=True)
class TeamRow:
    team: str
    rollup: Rollup
    progress: str


@dataclass(frozen=True)
class ExportDocument:
    card: Scorecard
    period: Period
    team: Team | None
    team_label: str
    as_of: date
    generated_at: datetime
    kpis: list[KpiRow]
    objectives: list[ObjectiveRow]
    teams: list[TeamRow] = field(default_factory=list)

    @property
    def rollup(self) -> Rollup:
        return self.card.rollup

    @property
    def progress(self) -> str:
        return percent(self.card.rollup.progress)

    @property
    def period_last_day(self) -> date:
        return last_day(self.period)

    @property
    def as_of_text(self) -> str:
        return f"as of {self.as_of:%-d %b %Y}"

    @property
    def kpi_counts(self) -> dict[str, int]:
        return self.card.kpi_counts

    @property
    def status_legend(self) -> str:
        return STATUS_LEGEND

    def filename(self, extension: str) -> str:
        """`scorecard-2026-Q4-tier-1.pdf`; a past day is named too, so two downloads never share a name."""
        parts = ["scorecard", self.period.label]
        if self.team is not None:
            parts.append(slugify(self.team.name) or f"team-{self.team.pk}")
        if self.as_of < self.period_last_day and self.as_of < timezone.localdate():
            parts.append(f"as-of-{self.as_of.isoformat()}")
        return "-".join(parts) + "." + extension


def export_document(
    *, user: User | AnonymousUser, period: Period, team: Team | None = None, as_of: date | None = None
) -> ExportDocument:
    """The scorecard the user can see for the period (one team or all of theirs) on `as_of`, ready to write."""
    card = scorecard_for(user=user, period=period, team=team, as_of=as_of)
    return document_from(card, team_label=team.name if team else "All my teams")


def document_from(card: Scorecard, *, team_label: str) -> ExportDocument:
    assert card.as_of is not None
    key_results = [kr for s in card.objectives for kr in s.key_results]
    guardrails = _guardrails(key_results)
    check_ins = _latest_check_ins(key_results, card.as_of)
    baseline_periods = Period.objects.in_bulk(
        {kr.baseline_read_from_id for kr in key_results if kr.baseline_read_from_id}
    )
    objectives = [_objective_row(summary, guardrails, check_ins, baseline_periods) for summary in card.objectives]
    teams = [TeamRow(g.team.name, g.rollup, percent(g.rollup.progress)) for g in card.team_groups]
    return ExportDocument(
        card=card,
        period=card.period,
        team=card.team,
        team_label=team_label,
        as_of=card.as_of,
        generated_at=timezone.localtime(),
        kpis=[_kpi_row(line) for line in card.kpi_lines],
        objectives=objectives,
        teams=teams,
    )


def _kpi_row(line: KpiLine) -> KpiRow:
    kpi = line.kpi
    return KpiRow(
        line=line,
        name=kpi.name,
        key=kpi.key,
        segment=f"{line.dimension.name}: {line.member}" if line.dimension else "Overall",
        unit=kpi.unit,
        decimals=kpi.decimals,
        target_source=line.target_source or "thresholds",
        actual=kpi_value(line.actual, kpi),
        actual_period=line.actual_label,
        target=line_target(line),
        status=line_status_label(line),
        status_key=line.status.value if line.status else "none",
        previous_label=line.previous_label,
        previous=kpi_value(line.previous, kpi),
        change=kpi_change(line.change, kpi),
        change_is=line.change_is.value if line.change_is else "",
    )


def _objective_row(
    summary: ObjectiveSummary,
    guardrails: dict[int, list[Guardrail]],
    check_ins: dict[int, CheckIn],
    baseline_periods: dict[int, Period],
) -> ObjectiveRow:
    objective = summary.objective
    return ObjectiveRow(
        summary=summary,
        team=objective.team.name,
        title=objective.title,
        owner=objective.owner.get_full_name() or objective.owner.get_username(),
        state=Objective.State(objective.state).label,
        progress=percent(summary.progress),
        expected=percent(summary.expected),
        status=status_word(summary.status),
        status_key=Status(summary.status).value,
        key_results=[
            _key_result_row(kr, guardrails.get(kr.pk, []), check_ins.get(kr.pk), baseline_periods)
            for kr in summary.key_results
        ],
    )


def _key_result_row(
    kr: KeyResult, guardrails: list[Guardrail], check_in: CheckIn | None, baseline_periods: dict[int, Period]
) -> KeyResultRow:
    kpi = kr.kpi
    if kr.baseline_source == KeyResult.BaselineSource.SERIES:
        kr.baseline_read_from = baseline_periods.get(kr.baseline_read_from_id or 0)
        baseline_from = f"KPI series {kinds.baseline_origin(kr)}"
    elif not kinds.kind_of(kr).has_baseline:
        baseline_from = ""
    else:
        baseline_from = "typed in"
    return KeyResultRow(
        key_result=kr,
        title=kr.title,
        kind=kind_short(kr),
        kpi_key="" if kpi is None else kpi.key,
        kpi_name="" if kpi is None else kpi.name,
        segment="" if kpi is None else (f"{kr.dimension.name}: {kr.member}" if kr.dimension else "Overall"),
        unit="" if kpi is None else kpi.unit,
        decimals=1 if kpi is None else kpi.decimals,
        current=kr_value(kr.current_value, kr),
        target=kr_target(kr),
        baseline=kr_value(kr.baseline_value, kr) if baseline_from else "—",
        baseline_from=baseline_from,
        forecast=kr_value(kr.forecast, kr),
        forecast_range=kr_forecast_range(kr),
        progress=percent(kr.progress),
        expected=percent(kr.expected),
        status=status_word(kr.status),
        status_key=Status(kr.status).value,
        guardrails=[_guardrail_row(g) for g in guardrails],
        confidence=None if check_in is None else check_in.confidence,
        comment="" if check_in is None else check_in.comment,
        check_in_day=None if check_in is None else check_in.day,
    )


def _guardrail_row(guardrail: Guardrail) -> GuardrailRow:
    kpi = guardrail.kpi
    segment = f" ({guardrail.dimension.name}: {guardrail.member})" if guardrail.dimension else ""
    threshold = format_value(guardrail.threshold, kpi.unit, kpi.decimals)
    return GuardrailRow(
        text=f"{kpi.name}{segment} {comparison_sign(guardrail.comparison)} {threshold}",
        threshold=guardrail.threshold,
        value=guardrail.current_value,
        value_text=format_value(guardrail.current_value, kpi.unit, kpi.decimals),
        breached=guardrail.breached,
        unit=kpi.unit,
        decimals=kpi.decimals,
    )


def _guardrails(key_results: list[KeyResult]) -> dict[int, list[Guardrail]]:
    found: dict[int, list[Guardrail]] = {}
    rows = Guardrail.objects.filter(key_result_id__in=[kr.pk for kr in key_results]).select_related("kpi", "dimension")
    for guardrail in rows.order_by("pk"):
        found.setdefault(guardrail.key_result_id, []).append(guardrail)
    return found


def _latest_check_ins(key_results: list[KeyResult], day: date) -> dict[int, CheckIn]:
    """Each key result's latest check-in made on or before `day`, in one query (newest first, first one wins)."""
    latest: dict[int, CheckIn] = {}
    rows = CheckIn.objects.filter(key_result_id__in=[kr.pk for kr in key_results], day__lte=day).only(
        "key_result_id", "day", "confidence", "comment", "created_at"
    )
    for check_in in rows.order_by("key_result_id", "-day", "-created_at", "-id"):
        latest.setdefault(check_in.key_result_id, check_in)
    return latest
