"""The dashboard's, the scorecard page's and the planning page's reads as plain rows: objectives and key results
read with `.values()`, not as model instances, so a quarter of a thousand key results costs a few queries and a few
small objects per key result instead of an ORM instance with its KPI and segment each.

The rows carry the names the instances have (`objective.team.name`, `kr.kpi`, `kr.target_value`, …), so the
summaries, roll-ups, status, alignment tree and KPI lines are the selector's own (okrs.scorecard.selector), the
kinds word them (okrs.kinds) and the templates read both alike. The exports and the API write every field of a key
result and read instances through `scorecard_for`; the numbers are the same. The planning page reads the same
key-result rows (`key_result_rows`) under objectives of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from kpis.models import Dimension, Kpi, Period
from okrs import kinds
from okrs.models import KeyResult, Objective, Team
from okrs.scorecard.selector import ObjectiveSummary, Scorecard, breached_guardrails, scorecard_from, summarise
from okrs.selectors import visible_objectives


@dataclass(frozen=True, slots=True)
class TeamRow:
    pk: int
    name: str


@dataclass(frozen=True, slots=True)
class OwnerRow:
    """An objective's owner, named as a User names itself."""

    first_name: str
    last_name: str
    username: str

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_username(self) -> str:
        return self.username


@dataclass(frozen=True, slots=True)
class ObjectiveRow:
    pk: int
    title: str
    team: TeamRow
    owner: OwnerRow
    state: str
    weight: float
    parent_objective_id: int | None
    parent_key_result_id: int | None

    @property
    def team_id(self) -> int:
        return self.team.pk

    @property
    def is_active(self) -> bool:
        return self.state == Objective.State.ACTIVE

    def get_state_display(self) -> str:
        return str(Objective.State(self.state).label)


# Not frozen: a scorecard as of a past day gives the rows their snapshots' figures (okrs.as_of.key_results_as_of).
@dataclass(slots=True)
class KeyResultRow:
    pk: int
    objective_id: int
    title: str
    kind: str
    kpi: Kpi | None
    dimension: Dimension | None
    member: str
    direction: str
    baseline_value: float | None
    target_value: float | None
    change_percent: float | None
    threshold_mode: str
    band_min: float | None
    band_max: float | None
    weight: float
    current_value: float | None
    progress: float | None
    expected: float | None
    status: str
    forecast: float | None
    forecast_low: float | None
    forecast_high: float | None
    guardrail_breached: bool

    @property
    def kpi_id(self) -> int | None:
        return None if self.kpi is None else self.kpi.pk

    @property
    def dimension_id(self) -> int | None:
        return None if self.dimension is None else self.dimension.pk

    @property
    def effective_direction(self) -> str:
        return kinds.effective_direction(self)

    @property
    def segment(self) -> str:
        """The series the key result follows, `team=Tier 1`; empty for the KPI overall."""
        return "" if self.dimension is None else f"{self.dimension.key}={self.member}"


RowSummary = ObjectiveSummary[ObjectiveRow, KeyResultRow]

_OBJECTIVE_FIELDS = (
    "pk",
    "title",
    "team_id",
    "team__name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "state",
    "weight",
    "parent_objective_id",
    "parent_key_result_id",
)
# KeyResultRow's fields in order, with the KPI and the dimension by id.
_KEY_RESULT_FIELDS = (
    "id",
    "objective_id",
    "title",
    "kind",
    "kpi_id",
    "dimension_id",
    "member",
    "direction",
    "baseline_value",
    "target_value",
    "change_percent",
    "threshold_mode",
    "band_min",
    "band_max",
    "weight",
    "current_value",
    "progress",
    "expected",
    "status",
    "forecast",
    "forecast_low",
    "forecast_high",
    "guardrail_breached",
)
_OBJECTIVE_COUNT = len(_OBJECTIVE_FIELDS)
_KEY_RESULT_KPI = _KEY_RESULT_FIELDS.index("kpi_id")
_KEY_RESULT_DIMENSION = _KEY_RESULT_FIELDS.index("dimension_id")
# Where a row of objectives joined to their key results holds the key result's KPI and dimension.
_KPI, _DIMENSION = _OBJECTIVE_COUNT + _KEY_RESULT_KPI, _OBJECTIVE_COUNT + _KEY_RESULT_DIMENSION


def _kpis_and_dimensions(kpi_ids: set[int], dimension_ids: set[int]) -> tuple[dict[int, Kpi], dict[int, Dimension]]:
    """The KPIs and the dimensions the key results read, by id: a query for each that any key result reads.

    Two lookups by primary key cost a fraction of a millisecond each; reading both in one statement (one key result
    per KPI and dimension, both joined) grouped the quarter's key results first and took 3.5 ms at 1,000."""
    kpis = Kpi.objects.in_bulk(kpi_ids) if kpi_ids else {}
    dimensions = Dimension.objects.in_bulk(dimension_ids) if dimension_ids else {}
    return kpis, dimensions


def _key_result_row(values: tuple[Any, ...], kpis: dict[int, Kpi], dimensions: dict[int, Dimension]) -> KeyResultRow:
    """A key result's `_KEY_RESULT_FIELDS`, with its KPI and dimension for their ids."""
    pk, objective_id, title, kind, kpi_id, dimension_id, *rest = values
    return KeyResultRow(pk, objective_id, title, kind, kpis.get(kpi_id or 0), dimensions.get(dimension_id or 0), *rest)


def key_result_rows(*, objective_ids: list[int]) -> dict[int, list[KeyResultRow]]:
    """The objectives' key results as plain rows, by objective, each objective's in order: three queries at most
    (the key results, the KPIs and the dimensions they read) however many there are."""
    found = KeyResult.objects.filter(objective_id__in=objective_ids).order_by("objective_id", "pk")
    rows = list(found.values_list(*_KEY_RESULT_FIELDS))
    kpis, dimensions = _kpis_and_dimensions(
        {row[_KEY_RESULT_KPI] for row in rows if row[_KEY_RESULT_KPI] is not None},
        {row[_KEY_RESULT_DIMENSION] for row in rows if row[_KEY_RESULT_DIMENSION] is not None},
    )
    by_objective: dict[int, list[KeyResultRow]] = {}
    for row in rows:
        by_objective.setdefault(row[1], []).append(_key_result_row(row, kpis, dimensions))
    return by_objective


def summaries_of(objectives: QuerySet[Objective]) -> list[RowSummary]:
    """The objectives (in the queryset's order) summarised from plain rows, in at most five queries whatever their
    number: the objectives joined to their key results, the KPIs and the dimensions those read, breached guardrails."""
    joined = list(objectives.values_list(*_OBJECTIVE_FIELDS, *(f"key_results__{name}" for name in _KEY_RESULT_FIELDS)))
    kpis, dimensions = _kpis_and_dimensions(
        {row[_KPI] for row in joined if row[_KPI] is not None},
        {row[_DIMENSION] for row in joined if row[_DIMENSION] is not None},
    )
    found: dict[int, tuple[ObjectiveRow, list[KeyResultRow]]] = {}
    teams: dict[int, TeamRow] = {}
    for row in joined:
        pk, title, team_id, team_name, first, last, username, state, weight, parent, parent_key_result = row[
            :_OBJECTIVE_COUNT
        ]
        if pk not in found:
            team = teams.setdefault(team_id, TeamRow(team_id, team_name))
            owner = OwnerRow(first, last, username)
            found[pk] = (ObjectiveRow(pk, title, team, owner, state, weight, parent, parent_key_result), [])
        key_result = row[_OBJECTIVE_COUNT:]
        if key_result[0] is not None:  # an objective without key results comes once, with none
            found[pk][1].append(_key_result_row(key_result, kpis, dimensions))
    for _, key_results in found.values():
        key_results.sort(key=attrgetter("pk"))  # as KeyResult orders them within an objective
    breached = breached_guardrails(kr for _, key_results in found.values() for kr in key_results)
    return [summarise(o, key_results, breached.get(o.pk, ())) for o, key_results in found.values()]


def objective_rows(*, user: User | AnonymousUser, period: Period, team: Team | None = None) -> list[RowSummary]:
    """The period's objectives the user can see, by team and title, as plain rows."""
    return summaries_of(visible_objectives(user=user, period=period, team=team).order_by("team__name", "title", "pk"))


def objective_row_for(*, user: User | AnonymousUser, pk: int) -> RowSummary | None:
    """One objective the user can see, as plain rows; None when it does not exist or lies outside their teams."""
    summaries = summaries_of(visible_objectives(user=user).filter(pk=pk))
    return summaries[0] if summaries else None


def scorecard_rows(
    *, user: User | AnonymousUser, period: Period, team: Team | None = None, as_of: date | None = None
) -> Scorecard:
    """The scorecard page's scorecard: `scorecard_for`'s, from plain rows."""
    summaries = objective_rows(user=user, period=period, team=team)
    return scorecard_from(summaries, user=user, period=period, team=team, as_of=as_of)
