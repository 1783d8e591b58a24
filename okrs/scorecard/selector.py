"""The one selector of the dashboard and the scorecard: summaries, roll-ups, the alignment tree and the KPI lines,
as plain dataclasses the pages and the exports (okrs.exports) share: what a period looks like for the teams a user
can see, in a fixed number of queries. The roll-up formula lives here and nowhere else.

The summaries hold either model instances (here: the exports and the API write every field of a key result) or
the pages' plain rows (okrs.scorecard.rows); everything after them reads both through the protocols below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django.utils import timezone

from kpis import charts, periods
from kpis.models import Dimension, Direction, Kpi, KpiTarget, Period, SeriesValue
from kpis.selectors import kpi_last_days
from kpis.status import Rag, Range, target_range, target_status, threshold_status
from okrs import kinds, progress
from okrs.as_of import effective_as_of, is_past, key_results_as_of, kpi_values_as_of
from okrs.calendar import fiscal_start
from okrs.models import Guardrail, Objective, Status, Team
from okrs.selectors import objectives_for_user

# How many periods of the scorecard's grain its trend sparklines cover, the scorecard's own period last.
TREND_PERIODS = 8


class TeamFields(Protocol):
    @property
    def pk(self) -> int: ...
    @property
    def name(self) -> str: ...


class ObjectiveFields(Protocol):
    """What the summaries, roll-ups and the alignment tree read of an objective: an Objective, or a page's plain
    row (okrs.scorecard.rows)."""

    @property
    def pk(self) -> int: ...
    @property
    def team_id(self) -> int: ...
    @property
    def team(self) -> TeamFields: ...
    @property
    def weight(self) -> float: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def parent_objective_id(self) -> int | None: ...
    @property
    def parent_key_result_id(self) -> int | None: ...


class KeyResultFigures(kinds.KeyResultFields, Protocol):
    """What the summaries and the scorecard's KPI lines read of a key result: a KeyResult, or a page's plain row."""

    @property
    def pk(self) -> int: ...
    @property
    def objective_id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def progress(self) -> float | None: ...
    @property
    def expected(self) -> float | None: ...
    @property
    def weight(self) -> float: ...
    @property
    def guardrail_breached(self) -> bool: ...
    @property
    def kpi_id(self) -> int | None: ...
    @property
    def dimension_id(self) -> int | None: ...
    @property
    def dimension(self) -> Dimension | None: ...
    @property
    def member(self) -> str: ...


# Bare `ObjectiveSummary` annotations below stand for instances: mypy checks a type argument against these bounds
# before the Django plugin has given the models their `_id` fields.
ObjectiveT = TypeVar("ObjectiveT", bound=ObjectiveFields)
KeyResultT = TypeVar("KeyResultT", bound=KeyResultFigures)


@dataclass(frozen=True)
class ObjectiveSummary(Generic[ObjectiveT, KeyResultT]):
    """An objective with its key results and the roll-up of their progress and pace.

    The exports and the API hold model instances here (`objectives_with_key_results`); the dashboard and the
    scorecard page hold plain rows of the same names (okrs.scorecard.rows).
    """

    objective: ObjectiveT
    key_results: list[KeyResultT]
    progress: float | None
    expected: float | None
    status: Status
    breached_guardrails: list[Guardrail] = field(default_factory=list)

    @property
    def guardrail_breached(self) -> bool:
        return any(kr.guardrail_breached for kr in self.key_results)


def summarise(
    objective: ObjectiveT, key_results: list[KeyResultT], breached_guardrails: Sequence[Guardrail] = ()
) -> ObjectiveSummary[ObjectiveT, KeyResultT]:
    """The objective's progress and expected pace are the weighted means of its key results'; its status comes from
    theirs (see `objective_status`)."""
    value = progress.weighted_mean((kr.progress, kr.weight) for kr in key_results)
    expected = progress.weighted_mean((kr.expected, kr.weight) for kr in key_results if kr.progress is not None)
    status = objective_status([(Status(kr.status), kr.weight) for kr in key_results])
    return ObjectiveSummary(objective, key_results, value, expected, status, list(breached_guardrails))


def objective_summary(objective: Objective, breached_guardrails: Sequence[Guardrail] = ()) -> ObjectiveSummary:
    return summarise(objective, list(objective.key_results.all()), breached_guardrails)


def objective_status(statuses: Sequence[tuple[Status, float]]) -> Status:
    """Off track when more than half of the measured key results' weight is off track; at risk when any of them is
    at risk or off track; on track when all are; no data when none is measured.

    Read from the key results' statuses rather than from the mean progress, so that an objective agrees with what
    its key results show (their forecasts and guardrails included): one lagging key result out of three calls for
    attention, not for writing the objective off.
    """
    measured = [(status, weight) for status, weight in statuses if status != Status.NO_DATA]
    if not measured:
        return Status.NO_DATA
    total = sum(weight for _, weight in measured)
    off = sum(weight for status, weight in measured if status == Status.OFF_TRACK)
    off_share = off / total if total else sum(s == Status.OFF_TRACK for s, _ in measured) / len(measured)
    if off_share > 0.5:
        return Status.OFF_TRACK
    if any(status != Status.ON_TRACK for status, _ in measured):
        return Status.AT_RISK
    return Status.ON_TRACK


def breached_guardrails(key_results: Iterable[KeyResultFigures]) -> dict[int, list[Guardrail]]:
    """The guardrails the key results break, by objective, with their KPIs, in one query (none when none breaks).

    Only breached guardrails are shown, and they are rare: fetching them apart is much cheaper than prefetching
    every key result's guardrails, which costs a queryset per key result.
    """
    objective_of = {kr.pk: kr.objective_id for kr in key_results if kr.guardrail_breached}
    breached: dict[int, list[Guardrail]] = {}
    if objective_of:
        guardrails = Guardrail.objects.filter(key_result_id__in=objective_of, breached=True)
        for guardrail in guardrails.select_related("kpi").order_by("pk"):
            breached.setdefault(objective_of[guardrail.key_result_id], []).append(guardrail)
    return breached


def instance_summaries(objectives: Iterable[Objective]) -> list[ObjectiveSummary]:
    """Summaries of objective instances, their key results prefetched, with the guardrails those break."""
    objectives = list(objectives)
    breached = breached_guardrails(kr for o in objectives for kr in o.key_results.all())
    return [objective_summary(o, breached.get(o.pk, ())) for o in objectives]


def objectives_with_key_results(
    *, user: User | AnonymousUser, period: Period, team: Team | None = None
) -> list[ObjectiveSummary]:
    """The period's objectives the user can see, as model instances, with key results, their KPIs and breached
    guardrails, in at most three queries: what the exports and the API write every field of a key result from."""
    objectives = objectives_for_user(user=user, period=period, team=team)
    return instance_summaries(objectives.order_by("team__name", "title", "pk"))


def periods_with_objectives(*, user: User | AnonymousUser, period: Period) -> list[Period]:
    """The periods of `period`'s grain in which the user's teams have objectives, and `period` itself, in order."""
    visible = Objective.objects.visible_to(user).values("period_id")
    found = {p.pk: p for p in Period.objects.filter(grain=period.grain, pk__in=visible)}
    found.setdefault(period.pk, period)
    return sorted(found.values(), key=lambda p: p.start)


@dataclass(frozen=True)
class Rollup:
    """Counts and the weighted progress over a set of objectives: a team's, or the whole period's."""

    objectives: int
    key_results: int
    on_track: int
    at_risk: int
    off_track: int
    no_data: int
    progress: float | None
    expected: float | None


def rollup(summaries: Sequence[ObjectiveSummary]) -> Rollup:
    """Draft objectives count but do not move the progress: they are not being worked on yet."""
    statuses = [kr.status for s in summaries for kr in s.key_results]
    active = [s for s in summaries if s.objective.is_active]
    return Rollup(
        objectives=len(summaries),
        key_results=len(statuses),
        on_track=statuses.count(Status.ON_TRACK),
        at_risk=statuses.count(Status.AT_RISK),
        off_track=statuses.count(Status.OFF_TRACK),
        no_data=statuses.count(Status.NO_DATA),
        progress=progress.weighted_mean((s.progress, s.objective.weight) for s in active),
        expected=progress.weighted_mean((s.expected, s.objective.weight) for s in active if s.progress is not None),
    )


@dataclass(frozen=True)
class TeamGroup:
    team: TeamFields
    objectives: list[ObjectiveSummary]
    rollup: Rollup


def group_by_team(summaries: Iterable[ObjectiveSummary]) -> list[TeamGroup]:
    by_team: dict[int, list[ObjectiveSummary]] = {}
    teams: dict[int, TeamFields] = {}
    for summary in summaries:
        teams[summary.objective.team_id] = summary.objective.team
        by_team.setdefault(summary.objective.team_id, []).append(summary)
    return [TeamGroup(teams[team_id], items, rollup(items)) for team_id, items in by_team.items()]


@dataclass(frozen=True)
class AlignmentNode:
    summary: ObjectiveSummary
    via: KeyResultFigures | None  # the parent's key result this objective supports, if it aligns to one
    children: list[AlignmentNode] = field(default_factory=list)


def alignment_tree(summaries: Sequence[ObjectiveSummary]) -> list[AlignmentNode]:
    """Objectives nested under the objective (or the objective of the key result) they support, across teams.

    An objective whose parent the user cannot see, or that lies in another period, is a root. Nothing in the data
    forbids a loop of parents (A supports B supports A); its first member is then shown as a root so no objective
    goes missing.
    """
    by_id = {s.objective.pk: s for s in summaries}
    key_results = {kr.pk: kr for s in summaries for kr in s.key_results}
    children: dict[int | None, list[tuple[ObjectiveSummary, KeyResultFigures | None]]] = {}
    for summary in summaries:
        objective = summary.objective
        via = key_results.get(objective.parent_key_result_id or 0)
        parent_id = via.objective_id if via is not None else objective.parent_objective_id
        children.setdefault(parent_id if parent_id in by_id else None, []).append((summary, via))
    placed: set[int] = set()

    def build(summary: ObjectiveSummary, via: KeyResultFigures | None) -> AlignmentNode:
        placed.add(summary.objective.pk)
        kids = [build(s, v) for s, v in children.get(summary.objective.pk, []) if s.objective.pk not in placed]
        return AlignmentNode(summary, via, kids)

    roots = [build(s, v) for s, v in children.get(None, [])]
    for summary in summaries:
        if summary.objective.pk not in placed:
            roots.append(build(summary, None))
    return roots


class Change(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"


@dataclass(frozen=True)
class KpiLine:
    """One KPI in one segment over the scorecard's period, against its target or, without one, its thresholds."""

    kpi: Kpi
    dimension: Dimension | None
    member: str
    actual: float | None
    target: float | None
    target_low: float | None
    target_high: float | None
    target_source: str  # "kpi target", "key result" or "" when the status comes from the KPI's thresholds
    status: Rag | None
    previous_label: str
    previous: float | None
    trend_labels: list[str]
    trend: list[float | None]
    # The status of the key result whose target the line shows (on_track, …): the line's status follows it.
    key_result_status: str = ""
    # The period of `actual`, marked while it runs and its data covers part of it: `2026-12 so far: 1 day`.
    actual_label: str = ""

    @property
    def segment_label(self) -> str:
        return f"{self.dimension.key}={self.member}" if self.dimension else "overall"

    @property
    def change(self) -> float | None:
        if self.actual is None or self.previous is None:
            return None
        return self.actual - self.previous

    @property
    def change_is(self) -> Change | None:
        """Better or worse in the KPI's direction; a band KPI is better the closer it comes to its range."""
        if self.actual is None or self.previous is None:
            return None
        if self.actual == self.previous:
            return Change.SAME
        if self.kpi.direction == Direction.HIGHER:
            return Change.BETTER if self.actual > self.previous else Change.WORSE
        if self.kpi.direction == Direction.LOWER:
            return Change.BETTER if self.actual < self.previous else Change.WORSE
        band = self._band()
        if band is None:
            return None
        now, before = _distance(self.actual, band), _distance(self.previous, band)
        if now == before:
            return Change.SAME
        return Change.BETTER if now < before else Change.WORSE

    def _band(self) -> Range | None:
        if self.target_low is not None or self.target_high is not None:
            return Range(self.target_low, self.target_high)
        green = Range(self.kpi.green_min, self.kpi.green_max)
        return None if green.is_open else green

    @property
    def sparkline(self) -> str:
        return charts.sparkline(self.trend)


def _distance(value: float, band: Range) -> float:
    if band.low is not None and value < band.low:
        return band.low - value
    if band.high is not None and value > band.high:
        return value - band.high
    return 0.0


@dataclass(frozen=True)
class Scorecard:
    period: Period
    team: Team | None
    kpi_lines: list[KpiLine]
    objectives: list[ObjectiveSummary]
    rollup: Rollup
    as_of: date | None = None  # the day the numbers stand on: today, the period's last day, or one chosen

    @property
    def team_groups(self) -> list[TeamGroup]:
        return group_by_team(self.objectives)

    @property
    def kpi_counts(self) -> dict[str, int]:
        """How many KPI lines are green, amber, red, and without a status (`none`)."""
        statuses = [line.status for line in self.kpi_lines]
        return {**{rag.value: statuses.count(rag) for rag in Rag}, "none": statuses.count(None)}


LineKey = tuple[int, int | None, str]  # kpi, dimension, member


@dataclass(frozen=True)
class _Target:
    value: float | None
    low: float | None
    high: float | None
    direction: str
    tolerance: float
    source: str
    key_result_status: str = ""


# A key result's status as the colour of a KPI line that follows it.
RAG_OF_STATUS = {Status.ON_TRACK: Rag.GREEN, Status.AT_RISK: Rag.AMBER, Status.OFF_TRACK: Rag.RED}


def _key_result_target(key_result: KeyResultFigures) -> _Target | None:
    """What a key result asks of its KPI by the period's end, with the key result's status.

    The line takes the key result's status rather than comparing the value so far with the target: the same page
    showing Tier 2's escalations "Amber" (between baseline and target today) and "Off track" (behind the pace to
    reach the target, forecast included) would say two things about one number. The kind says the range shown
    (okrs.kinds).
    """
    asked = kinds.kind_of(key_result).target_range(key_result)
    if asked is None:
        return None
    status = Status(key_result.status).value
    if asked.value is None:
        return _Target(None, asked.low, asked.high, asked.direction, asked.tolerance, "key result", status)
    met = target_range(direction=asked.direction, value=asked.value, band=Range())
    return _Target(asked.value, met.low, met.high, asked.direction, asked.tolerance, "key result", status)


def _kpi_target(target: KpiTarget) -> _Target:
    met = target_range(direction=target.kpi.direction, value=target.value, band=Range(target.band_min, target.band_max))
    return _Target(target.value, met.low, met.high, target.kpi.direction, target.tolerance, "kpi target")


def _trend_spans(period: Period) -> list[periods.Span]:
    spans = [period.span]
    for _ in range(TREND_PERIODS - 1):
        spans.insert(0, periods.preceding(spans[0], fiscal_start()))
    return spans


def _series(keys: Iterable[LineKey], spans: Sequence[periods.Span]) -> dict[tuple[LineKey, date], float | None]:
    """Every line's value over the trend's periods, in one query whatever the number of KPIs and segments."""
    keys = set(keys)
    if not keys:
        return {}
    segments = Q()
    for dimension_id, member in {(d, m) for _, d, m in keys}:
        segments |= Q(dimension__isnull=True) if dimension_id is None else Q(dimension_id=dimension_id, member=member)
    rows = SeriesValue.objects.filter(
        segments,
        kpi_id__in={k for k, _, _ in keys},
        period__grain=spans[0].grain,
        period__start__in=[s.start for s in spans],
    ).values_list("kpi_id", "dimension_id", "member", "period__start", "value")
    return {((kpi_id, dim, member), start): value for kpi_id, dim, member, start, value in rows}


def _in_scope(target: KpiTarget, teams: set[str], key_result_keys: set[LineKey]) -> bool:
    """A KPI target belongs on the scorecard when it is set overall, for a segment one of the key results reads,
    or for a segment named after one of the teams shown (the team dimension's members are team names)."""
    return (
        target.dimension_id is None
        or (target.kpi_id, target.dimension_id, target.member) in key_result_keys
        or target.member in teams
    )


def scorecard_for(
    *, user: User | AnonymousUser, period: Period, team: Team | None = None, as_of: date | None = None
) -> Scorecard:
    """The period's scorecard for one team, or for every team the user can see, as it stood on `as_of` (default:
    today, or the last day of a finished period; see okrs.as_of), its key results as model instances."""
    summaries = objectives_with_key_results(user=user, period=period, team=team)
    return scorecard_from(summaries, user=user, period=period, team=team, as_of=as_of)


def scorecard_from(
    summaries: Sequence[ObjectiveSummary],
    *,
    user: User | AnonymousUser,
    period: Period,
    team: Team | None = None,
    as_of: date | None = None,
) -> Scorecard:
    """The scorecard of these summaries (instances or plain rows): their KPI lines, as it stood on `as_of`."""
    day = effective_as_of(period, as_of)
    past = is_past(period, day)
    if past:
        key_results_as_of([kr for s in summaries for kr in s.key_results], day)
        summaries = [summarise(s.objective, s.key_results, s.breached_guardrails) for s in summaries]
    team_names = {s.objective.team.name for s in summaries} | ({team.name} if team else set())
    kpis: dict[int, Kpi] = {}
    dimensions: dict[int, Dimension] = {}
    targets: dict[LineKey, _Target] = {}
    for summary in summaries:
        for kr in summary.key_results:
            if kr.kpi is None:
                continue
            key = (kr.kpi.pk, kr.dimension_id, kr.member)
            kpis[kr.kpi.pk] = kr.kpi
            if kr.dimension is not None:
                dimensions[kr.dimension.pk] = kr.dimension
            # The first key result that asks something of a line sets its target.
            target = None if key in targets else _key_result_target(kr)
            if target is not None:
                targets[key] = target
    key_result_keys = set(targets) | {
        (kr.kpi_id, kr.dimension_id, kr.member) for s in summaries for kr in s.key_results if kr.kpi_id
    }
    if user.is_authenticated:
        for kpi_target in KpiTarget.objects.filter(period=period).select_related("kpi", "dimension"):
            if not _in_scope(kpi_target, team_names, key_result_keys):
                continue
            key = (kpi_target.kpi_id, kpi_target.dimension_id, kpi_target.member)
            kpis[kpi_target.kpi_id] = kpi_target.kpi
            if kpi_target.dimension is not None:
                dimensions[kpi_target.dimension.pk] = kpi_target.dimension
            key_result_keys.add(key)
            # A target set on the KPI for the period outranks what a key result aims for.
            targets[key] = _kpi_target(kpi_target)
    spans = _trend_spans(period)
    values = _series(key_result_keys, spans)
    if past:
        to_date = kpi_values_as_of(key_result_keys, kpis, dimensions, period=period, day=day)
        values.update({(key, spans[-1].start): value for key, value in to_date.items()})
    # A past day's scorecard shows the period as it ran then; today's, as it stands (ended or not).
    covered = _covered(period, kpis, day, today=day if past else timezone.localdate())
    lines = [
        _line(key, kpis[key[0]], dimensions.get(key[1] or 0), targets.get(key), spans, values, covered.get(key[0], ""))
        for key in key_result_keys
    ]
    lines.sort(key=lambda line: (line.kpi.category, line.kpi.name, line.dimension is not None, line.member))
    return Scorecard(
        period=period, team=team, kpi_lines=lines, objectives=list(summaries), rollup=rollup(summaries), as_of=day
    )


def _covered(period: Period, kpis: dict[int, Kpi], day: date, *, today: date) -> dict[int, str]:
    """Each KPI's label for the scorecard's period as of `day`: marked with the days its data covers by then while
    the period runs on `today` (kpis.periods.so_far), in one query."""
    last_days = kpi_last_days(kpi_ids=kpis)
    return {
        kpi_id: periods.so_far(period.label, period.start, period.end, min(last, day), today)
        for kpi_id, last in last_days.items()
    }


def _line(
    key: LineKey,
    kpi: Kpi,
    dimension: Dimension | None,
    target: _Target | None,
    spans: Sequence[periods.Span],
    values: dict[tuple[LineKey, date], float | None],
    actual_label: str = "",
) -> KpiLine:
    trend = [values.get((key, span.start)) for span in spans]
    actual = trend[-1]
    status: Rag | None
    if target is not None and target.key_result_status:
        status = RAG_OF_STATUS.get(Status(target.key_result_status))
    elif target is not None:
        band = Range(target.low, target.high) if target.value is None else Range()
        status = target_status(
            actual, direction=target.direction, value=target.value, band=band, tolerance=target.tolerance
        )
    else:
        status = threshold_status(actual, Range(kpi.green_min, kpi.green_max), Range(kpi.amber_min, kpi.amber_max))
    return KpiLine(
        kpi=kpi,
        dimension=dimension,
        member=key[2],
        actual=actual,
        target=None if target is None else target.value,
        target_low=None if target is None else target.low,
        target_high=None if target is None else target.high,
        target_source="" if target is None else target.source,
        status=status,
        previous_label=spans[-2].label,
        previous=trend[-2],
        trend_labels=[span.label for span in spans],
        trend=trend,
        key_result_status="" if target is None else target.key_result_status,
        actual_label=actual_label or spans[-1].label,
    )
