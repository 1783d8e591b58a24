"""KPI series: measures aggregated per period and segment, then each KPI's formula over those aggregates.

Two set-based steps, both in SQL so that the cost grows with the observations a change touched, not with Python
loops over rows:
1. MeasureValue: each measure aggregated by its rule in kpis/aggregation.py (sum, average, min, max, last) per
   period of every grain, overall and per dimension value. One scan of the observations builds a per-segment rollup
   of the rule's parts (every grain at once, through the
   calendar table); each grouping then aggregates that much smaller rollup instead of scanning again;
2. SeriesValue: each KPI's formula applied to its measures' aggregates (ratio of sums; NULLIF makes a zero
   denominator give no value).
A recompute replaces the rows in its scope (delete, then insert) inside one transaction, holding a lock so that two
recomputes never interleave their deletes and inserts.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Max, Min, Q

from kpis import aggregation, formula, periods
from kpis.models import (
    Dimension,
    ImportBatch,
    Kpi,
    Measure,
    MeasureValue,
    Observation,
    Period,
    SegmentMember,
    SeriesValue,
)
from kpis.services.calendar import calendar_ensure, periods_for

# Any fixed number identifies the lock; all series recomputes take the same one.
_SERIES_LOCK_KEY = 7_420_001


class SeriesCause(enum.StrEnum):
    """Why a series moved, as the key results reading it record it (okrs.models.KeyResultChange.Cause)."""

    IMPORT = "import"
    UNDO = "undo"
    DEFINITION = "definition"
    RECOMPUTE = "recompute"


@dataclass(frozen=True)
class Scope:
    """What to recompute: measures, the days whose periods changed, and per dimension the members touched.

    `days` None means every period; `members` None means every member of every dimension.
    """

    measure_ids: frozenset[int]
    days: frozenset[dt.date] | None = None
    members: dict[int, frozenset[str]] | None = None


@dataclass(frozen=True)
class SeriesChange:
    """What a recompute changed: the OKR engine recomputes key results that read these KPIs and days, and records
    `cause` (with the batch, for an import or its undo) in their lineage."""

    kpi_ids: list[int] = field(default_factory=list)
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    series_values: int = 0
    cause: SeriesCause = SeriesCause.RECOMPUTE
    batch_id: int | None = None


def series_recompute_for_batch(*, batch: ImportBatch) -> SeriesChange:
    """Recompute the series an import changed; nothing when it changed no cell."""
    changes = batch.changes or {}
    if not changes.get("measures"):
        return SeriesChange()
    segment_ids = changes.get("segments") or []
    members: dict[int, set[str]] = {}
    for dimension_id, value in SegmentMember.objects.filter(segment_id__in=segment_ids).values_list(
        "dimension_id", "value"
    ):
        members.setdefault(dimension_id, set()).add(value)
    scope = Scope(
        measure_ids=frozenset(changes["measures"]),
        days=frozenset(dt.date.fromisoformat(day) for day in changes["days"]),
        members={dimension: frozenset(values) for dimension, values in members.items()},
    )
    return replace(series_recompute(scope=scope), cause=SeriesCause.IMPORT, batch_id=batch.pk)


def series_recompute_all() -> SeriesChange:
    """Recompute every series from every observation: the nightly safety net."""
    return series_recompute(scope=Scope(measure_ids=frozenset(Measure.objects.values_list("id", flat=True))))


@transaction.atomic
def series_recompute_for_definitions(*, kpi_ids: Collection[int], measure_ids: Collection[int]) -> SeriesChange:
    """Recompute after a definition changed: every period of the KPIs whose formula changed or that are new, and of
    the measures whose aggregation changed (with the KPIs reading them). Clears their "recomputing" mark.

    A formula reads the measures' aggregates, which are already stored: only its series values are rebuilt.
    The KPIs' rows stay locked until commit, so an edit made meanwhile waits and then asks for a recompute of its own.
    """
    readers = Kpi.objects.filter(Q(id__in=kpi_ids) | Q(measures__id__in=measure_ids)).distinct()
    locked = list(Kpi.objects.select_for_update().filter(id__in=readers.values("id")).order_by("id"))
    change = series_recompute(scope=Scope(measure_ids=frozenset(measure_ids))) if measure_ids else SeriesChange()
    # The KPIs the measure recompute covered are done; the rest need only their formula over the stored aggregates.
    formula_only = [kpi for kpi in locked if kpi.id not in change.kpi_ids]
    written = change.series_values
    if formula_only:
        _lock()
        groupings = _groupings(Scope(measure_ids=frozenset()))
        with connection.cursor() as cursor:
            for kpi in Kpi.objects.filter(id__in=[k.id for k in formula_only]).prefetch_related("measures"):
                written += _series_values_replace(cursor, kpi, None, groupings)
    Kpi.objects.filter(id__in=[kpi.id for kpi in locked]).update(recompute_requested_at=None)
    read = Kpi.measures.through.objects.filter(kpi_id__in=[kpi.id for kpi in locked]).values("measure_id")
    found = Observation.objects.filter(measure_id__in=read).aggregate(first=Min("day"), last=Max("day"))
    return SeriesChange(
        kpi_ids=sorted(kpi.id for kpi in locked),
        first_day=found["first"],
        last_day=found["last"],
        series_values=written,
        cause=SeriesCause.DEFINITION,
    )


@transaction.atomic
def series_recompute(*, scope: Scope) -> SeriesChange:
    _lock()
    bounds = _day_bounds(scope)
    if bounds is None:
        _delete_all(scope)
        return SeriesChange()
    first, last = bounds
    calendar_ensure(first=first, last=last)
    period_ids = None if scope.days is None else _period_ids(scope.days)
    window = _Window(period_ids, *_widened(bounds, period_ids))
    groupings = _groupings(scope)
    kpis = list(Kpi.objects.filter(measures__id__in=scope.measure_ids).distinct().prefetch_related("measures"))
    with connection.cursor() as cursor:
        _measure_values_replace(cursor, scope.measure_ids, window, groupings)
        written = sum(_series_values_replace(cursor, kpi, period_ids, groupings) for kpi in kpis)
    return SeriesChange(kpi_ids=[k.id for k in kpis], first_day=first, last_day=last, series_values=written)


@dataclass(frozen=True)
class _Window:
    """The periods to rebuild (None: all) and the days their observations span."""

    period_ids: Sequence[int] | None
    first_day: dt.date
    last_day: dt.date


def _lock() -> None:
    # SQLite serialises writers by itself; PostgreSQL needs the lock held until commit.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SERIES_LOCK_KEY])


def _day_bounds(scope: Scope) -> tuple[dt.date, dt.date] | None:
    if scope.days is not None:
        return (min(scope.days), max(scope.days)) if scope.days else None
    found = Observation.objects.filter(measure_id__in=scope.measure_ids).aggregate(first=Min("day"), last=Max("day"))
    return (found["first"], found["last"]) if found["first"] else None


def _period_ids(days: Iterable[dt.date]) -> list[int]:
    fy = int(settings.FISCAL_YEAR_START_MONTH)
    spans = {periods.containing(day, grain, fy) for day in days for grain in periods.Grain}
    return sorted(period.id for period in periods_for(spans=spans).values())


Grouping = tuple[int | None, frozenset[str] | None]


def _groupings(scope: Scope) -> list[Grouping]:
    """Overall, then each dimension with the members in scope (None: all of them)."""
    dimension_ids = list(Dimension.objects.values_list("id", flat=True))
    if scope.members is None:
        return [(None, None), *((dimension_id, None) for dimension_id in dimension_ids)]
    return [(None, None), *scope.members.items()]


def _in(column: str, values: Collection[Any], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def _measure_values_replace(
    cursor: CursorWrapper, measure_ids: Collection[int], window: _Window, groupings: list[Grouping]
) -> None:
    for grouping in groupings:
        _delete_scope(cursor, "kpis_measurevalue", "measure_id", measure_ids, window.period_ids, grouping)
    rules = {
        m: aggregation.rule(kind)
        for m, kind in Measure.objects.filter(id__in=measure_ids).values_list("id", "aggregation")
    }
    # Level changes cost a sort of the observations: only the measures that read them pay for it.
    by_levels = [[m for m, each in rules.items() if each.reads_level_changes == levels] for levels in (False, True)]
    for ids, levels in zip(by_levels, (False, True), strict=True):
        if ids:
            _rollup_create(cursor, ids, window, level_changes=levels)
            for grouping in groupings:
                _measure_values_insert(cursor, grouping)
            cursor.execute("DROP TABLE series_rollup")


def _rollup_create(cursor: CursorWrapper, measure_ids: list[int], window: _Window, *, level_changes: bool) -> None:
    """One scan of the observations in scope, each aggregation's parts per measure, period (every grain) and segment."""
    params: list[Any] = []
    where = [_in("o.measure_id", measure_ids, params), "o.day >= %s", "o.day <= %s"]
    params.extend([window.first_day, window.last_day])
    if window.period_ids is not None:
        where.append(_in("c.period_id", window.period_ids, params))
    columns = aggregation.observations_columns(alias="o", partition="c.period_id", level_changes=level_changes)
    cursor.execute(
        f"""
        CREATE TEMP TABLE series_rollup AS
        SELECT x.measure_id, x.period_id, x.segment_id, {aggregation.rollup_columns("x")}
        FROM (
            SELECT o.measure_id, c.period_id, o.segment_id, {columns}
            FROM kpis_observation o
            JOIN kpis_calendarday c ON c.day = o.day
            WHERE {" AND ".join(where)}
        ) x
        GROUP BY x.measure_id, x.period_id, x.segment_id
        """,
        params,
    )


_POOLED = aggregation.pooled_sql(aggregation_column="m.aggregation", rollup="r")


def _measure_values_insert(cursor: CursorWrapper, grouping: Grouping) -> None:
    dimension_id, members = grouping
    params: list[Any] = []
    # Ids are integers from the database; inlining them keeps NULL typed by its column and no user text in SQL.
    dimension_sql = "NULL" if dimension_id is None else str(int(dimension_id))
    member_join, member_column, group_member, where = "", "''", "", ""
    if dimension_id is not None:
        member_join = f"JOIN kpis_segmentmember sm ON sm.segment_id = r.segment_id AND sm.dimension_id = {dimension_id}"
        member_column, group_member = "sm.value", ", sm.value"
        if members is not None:
            where = "WHERE " + _in("sm.value", members, params)
    cursor.execute(
        f"""
        INSERT INTO kpis_measurevalue (measure_id, period_id, dimension_id, member, value, observations)
        SELECT r.measure_id, r.period_id, {dimension_sql}, {member_column}, {_POOLED}, SUM(r.n)
        FROM series_rollup r
        JOIN kpis_measure m ON m.id = r.measure_id
        {member_join}
        {where}
        GROUP BY r.measure_id, r.period_id, m.aggregation{group_member}
        """,
        params,
    )


def _widened(bounds: tuple[dt.date, dt.date], period_ids: Sequence[int] | None) -> tuple[dt.date, dt.date]:
    """The day range to read: every day of the periods in scope, which reach beyond the changed days."""
    if period_ids is None:
        return bounds
    found = Period.objects.filter(id__in=period_ids).aggregate(first=Min("start"), last=Max("end"))
    return found["first"], found["last"] - dt.timedelta(days=1)


def _scope_where(
    alias: str,
    owner_column: str,
    owner_ids: Collection[int],
    period_ids: Sequence[int] | None,
    grouping: Grouping,
    params: list[Any],
) -> str:
    """Rows of these owners (measures or KPIs), periods (None: all) and grouping: overall, or a dimension's members."""
    dimension_id, members = grouping
    where = [_in(f"{alias}{owner_column}", owner_ids, params)]
    if period_ids is not None:
        where.append(_in(f"{alias}period_id", period_ids, params))
    if dimension_id is None:
        where.append(f"{alias}dimension_id IS NULL")
    else:
        where.append(f"{alias}dimension_id = %s")
        params.append(dimension_id)
        if members is not None:
            where.append(_in(f"{alias}member", members, params))
    return " AND ".join(where)


def _delete_scope(
    cursor: CursorWrapper,
    table: str,
    owner_column: str,
    owner_ids: Collection[int],
    period_ids: Sequence[int] | None,
    grouping: Grouping,
) -> None:
    params: list[Any] = []
    where = _scope_where("", owner_column, owner_ids, period_ids, grouping, params)
    cursor.execute(f"DELETE FROM {table} WHERE {where}", params)


def _series_values_replace(
    cursor: CursorWrapper, kpi: Kpi, period_ids: Sequence[int] | None, groupings: list[Grouping]
) -> int:
    measure_ids = {m.key: m.id for m in kpi.measures.all()}
    parsed = formula.parse(kpi.formula, measure_ids)
    # Measure ids are integers from the database, so inlining them keeps the formula SQL free of user text.
    value_sql = parsed.to_sql(lambda key: f"MAX(CASE WHEN mv.measure_id = {int(measure_ids[key])} THEN mv.value END)")
    written = 0
    for grouping in groupings:
        _delete_scope(cursor, "kpis_seriesvalue", "kpi_id", [kpi.id], period_ids, grouping)
        params: list[Any] = []
        where = _scope_where("mv.", "measure_id", list(measure_ids.values()), period_ids, grouping, params)
        cursor.execute(
            f"""
            INSERT INTO kpis_seriesvalue (kpi_id, period_id, dimension_id, member, value)
            SELECT {int(kpi.id)}, mv.period_id, mv.dimension_id, mv.member, {value_sql}
            FROM kpis_measurevalue mv
            WHERE {where}
            GROUP BY mv.period_id, mv.dimension_id, mv.member
            """,
            params,
        )
        written += cursor.rowcount
    return written


def _delete_all(scope: Scope) -> None:
    """No observations left for these measures: their aggregates and the KPIs reading them go."""
    MeasureValue.objects.filter(measure_id__in=scope.measure_ids).delete()
    SeriesValue.objects.filter(kpi__measures__id__in=scope.measure_ids).delete()
