"""Reads for KPIs and their series."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from kpis import aggregation, formula, periods
from kpis.models import (
    Benchmark,
    CellChange,
    Dimension,
    ImportBatch,
    Kpi,
    KpiTarget,
    Measure,
    MeasureValue,
    Period,
    SegmentMember,
    SeriesValue,
)
from kpis.status import Rag, Range, target_status


def kpi_series_values(
    *,
    kpi: Kpi,
    grain: periods.Grain | str,
    dimension: Dimension | None = None,
    member: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[SeriesValue]:
    """A KPI's values of one grain in period order: overall, every member of `dimension`, or one `member`.

    `start`/`end` keep the periods that begin in [start, end).
    """
    values = SeriesValue.objects.filter(kpi=kpi, period__grain=grain).select_related("period", "dimension")
    return _narrowed(values, dimension, member, start, end).order_by("period__start", "member")


def _narrowed(
    rows: QuerySet[Any], dimension: Dimension | None, member: str | None, start: dt.date | None, end: dt.date | None
) -> QuerySet[Any]:
    """Per-period rows (series values, measure values) kept as `kpi_series_values` describes."""
    if dimension is None:
        rows = rows.filter(dimension__isnull=True)
    else:
        rows = rows.filter(dimension=dimension)
        if member is not None:
            rows = rows.filter(member=member)
    if start is not None:
        rows = rows.filter(period__start__gte=start)
    if end is not None:
        rows = rows.filter(period__start__lt=end)
    return rows


def kpi_last_days(*, kpi_ids: Iterable[int]) -> dict[int, dt.date]:
    """The last day with data of each KPI's measures, keyed by KPI id, in one query (an index probe per measure)."""
    ids = [int(kpi_id) for kpi_id in kpi_ids]
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT km.kpi_id, MAX((SELECT MAX(o.day) FROM kpis_observation o WHERE o.measure_id = km.measure_id))
            FROM {Kpi.measures.through._meta.db_table} km
            WHERE km.kpi_id IN ({", ".join(["%s"] * len(ids))})
            GROUP BY km.kpi_id""",
            ids,
        )
        return {kpi_id: _as_date(day) for kpi_id, day in cursor.fetchall() if day is not None}


def series_value(*, kpi: Kpi, period: Period, dimension: Dimension | None = None, member: str = "") -> float | None:
    """The KPI's value for one period and segment; None when there is no data or the denominator is zero."""
    found = SeriesValue.objects.filter(kpi=kpi, period=period, dimension=dimension, member=member if dimension else "")
    return found.values_list("value", flat=True).first()


def series_inputs(
    *,
    kpi: Kpi,
    grain: periods.Grain | str,
    dimension: Dimension | None = None,
    member: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[tuple[int, str], dict[str, float]]:
    """The aggregated measure values behind a KPI's series, keyed by (period id, member), then by measure key.

    `member`, `start` and `end` narrow it as they narrow `kpi_series_values`.
    """
    keys = {m.id: m.key for m in kpi.measures.all()}
    rows = _narrowed(
        MeasureValue.objects.filter(measure_id__in=keys, period__grain=grain), dimension, member, start, end
    )
    found: dict[tuple[int, str], dict[str, float]] = {}
    for period_id, member, measure_id, value in rows.values_list("period_id", "member", "measure_id", "value"):
        if value is not None:
            found.setdefault((period_id, member), {})[keys[measure_id]] = value
    return found


def kpi_values_to_date(
    *, kpi: Kpi, start: dt.date, end: dt.date, dimension: Dimension | None = None, member: str = ""
) -> list[tuple[dt.date, float | None]]:
    """For each day in [start, end) with data, the KPI's ratio-of-sums value over [start, that day].

    What a progress snapshot taken on that day showed, rebuilt from the observations as they are now.
    """
    if dimension is None:
        return _values_to_date(kpi, start, end, None, None).get("", [])
    return _values_to_date(kpi, start, end, dimension, member).get(member, [])


def kpi_values_to_date_by_member(
    *, kpi: Kpi, start: dt.date, end: dt.date, dimension: Dimension
) -> dict[str, list[tuple[dt.date, float | None]]]:
    """`kpi_values_to_date` for every member of `dimension` at once, in one query."""
    return _values_to_date(kpi, start, end, dimension, None)


def _values_to_date(
    kpi: Kpi, start: dt.date, end: dt.date, dimension: Dimension | None, member: str | None
) -> dict[str, list[tuple[dt.date, float | None]]]:
    measures = {m.key: m for m in kpi.measures.all()}
    parsed = formula.parse(kpi.formula, measures)
    columns = {key: f"m{index}" for index, key in enumerate(parsed.measures)}
    read = {columns[key]: measures[key] for key in parsed.measures}
    running = ", ".join(
        f"{aggregation.running_sql(aggregation=m.aggregation, measure_id=m.id, alias='o', window='w')} AS {column}"
        for column, m in read.items()
    )
    level_changes = any(aggregation.rule(m.aggregation).reads_level_changes for m in read.values())
    observations = aggregation.observations_columns(alias="o", partition="", level_changes=level_changes)
    ids = [m.id for m in measures.values()]
    params: list[Any] = [*ids, start, end]
    # PostgreSQL refuses a constant in GROUP BY: overall groups by day alone.
    member_join, member_column, by_member = "", "''", ""
    if dimension is not None:
        member_join = "JOIN kpis_segmentmember sm ON sm.segment_id = o.segment_id AND sm.dimension_id = %s"
        member_column, by_member = "sm.value", "sm.value, "
        params.append(dimension.id)
        if member is not None:
            member_join += " AND sm.value = %s"
            params.append(member)
    sql = f"""
        SELECT member, day, {parsed.to_sql(lambda key: columns[key])} FROM (
            SELECT {member_column} AS member, o.day AS day, {running}
            FROM (
                SELECT o.measure_id, o.segment_id, o.day, {observations}
                FROM kpis_observation o
                WHERE o.measure_id IN ({", ".join(["%s"] * len(ids))}) AND o.day >= %s AND o.day < %s
            ) o {member_join}
            GROUP BY {by_member}o.day
            WINDOW w AS ({"PARTITION BY sm.value " if dimension is not None else ""}ORDER BY o.day)
        ) running ORDER BY member, day
    """
    found: dict[str, list[tuple[dt.date, float | None]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for each_member, day, value in cursor.fetchall():
            found.setdefault(each_member, []).append((_as_date(day), value))
    return found


# A measure's partial aggregates (kpis.aggregation.PARTS) on each day: measure id -> day -> part name -> value.
DailyParts = dict[int, dict[dt.date, dict[str, float | None]]]


def measure_daily_parts(
    *,
    measures: Iterable[Measure],
    start: dt.date,
    end: dt.date,
    dimensions: Iterable[Dimension | None] = (None,),
    within: tuple[Dimension, str] | None = None,
) -> dict[tuple[int | None, str], DailyParts]:
    """Each measure's parts on each day with data in [start, end), by (dimension id, member): overall
    ((None, "")) when `dimensions` holds None, and every member of each dimension in it, in one query; `within`
    keeps the cells of one segment (team = Billing) before grouping.

    Parts pool again over days (kpis.aggregation.pooled) into the value the series holds for the days read, which
    is what a forecast projects day by day and what a breakdown within a segment shows.
    """
    measures = list(measures)
    wanted = set(dimensions)
    by_dimension = sorted(d.pk for d in wanted if d is not None)
    if not measures or not wanted:
        return {}
    level_changes = any(aggregation.rule(m.aggregation).reads_level_changes for m in measures)
    ids = [m.pk for m in measures]
    cells = f"""(
            SELECT o.measure_id, o.segment_id, o.day,
                {aggregation.observations_columns(alias="o", partition="", level_changes=level_changes)}
            FROM kpis_observation o
            WHERE o.measure_id IN ({", ".join(["%s"] * len(ids))}) AND o.day >= %s AND o.day < %s
        ) o"""
    cells_params: list[Any] = [*ids, start, end]
    if within is not None:
        cells += (
            " JOIN kpis_segmentmember wm ON wm.segment_id = o.segment_id AND wm.dimension_id = %s AND wm.value = %s"
        )
        cells_params += [within[0].pk, within[1]]
    rollup = aggregation.rollup_columns("o")
    # One branch pools all cells, one every member of every dimension asked for: each cell is read twice at most,
    # however many dimensions a batch of key results is segmented by.
    branches: list[str] = []
    params: list[Any] = []
    if None in wanted:
        branches.append(
            f"SELECT CAST(NULL AS INTEGER), '', o.measure_id, o.day, {rollup} FROM {cells} GROUP BY o.measure_id, o.day"
        )
        params += cells_params
    if by_dimension:
        branches.append(
            f"""SELECT sm.dimension_id, sm.value, o.measure_id, o.day, {rollup} FROM {cells}
            JOIN kpis_segmentmember sm
                ON sm.segment_id = o.segment_id AND sm.dimension_id IN ({", ".join(["%s"] * len(by_dimension))})
            GROUP BY sm.dimension_id, sm.value, o.measure_id, o.day"""
        )
        params += [*cells_params, *by_dimension]
    names = [part.name for part in aggregation.PARTS]
    found: dict[tuple[int | None, str], DailyParts] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        for dimension_id, member, measure_id, day, *parts in cursor.fetchall():
            found.setdefault((dimension_id, member), {}).setdefault(measure_id, {})[_as_date(day)] = dict(
                zip(names, parts, strict=True)
            )
    return found


def kpi_values_within(
    *, kpi: Kpi, start: dt.date, end: dt.date, dimension: Dimension, within: tuple[Dimension, str]
) -> dict[str, float | None]:
    """The KPI over [start, end) for each member of `dimension` inside one segment (channels within team =
    Billing), as ratio of sums: the cells of that segment only, pooled per member. The series stores segments of
    one dimension each, so a breakdown within a segment is read from the observations."""
    measures = {m.key: m for m in kpi.measures.all()}
    parsed = formula.parse(kpi.formula, measures)
    read = {key: measures[key] for key in parsed.measures}
    by_member = measure_daily_parts(measures=read.values(), start=start, end=end, dimensions=[dimension], within=within)
    values: dict[str, float | None] = {}
    for (_, member), daily in sorted(by_member.items()):
        pooled = {
            key: aggregation.rule(m.aggregation).value(aggregation.pooled(daily[m.pk].values()))
            if m.pk in daily
            else None
            for key, m in read.items()
        }
        values[member] = parsed.evaluate(pooled)
    return values


def dimensions_within(*, dimension: Dimension, member: str) -> list[Dimension]:
    """The dimensions that cells of the segment `dimension = member` carry, itself included, in name order."""
    ids = SegmentMember.objects.filter(segment__members__dimension=dimension, segment__members__value=member)
    return list(Dimension.objects.filter(pk__in=ids.values("dimension_id")).order_by("name"))


def _as_date(value: dt.date | str) -> dt.date:
    # SQLite hands dates back as text from raw SQL.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@dataclass(frozen=True)
class TargetResult:
    target: KpiTarget
    actual: float | None
    status: Rag | None


def kpi_target_results(*, kpi: Kpi, grain: periods.Grain | str | None = None) -> list[TargetResult]:
    """Each of the KPI's targets with the actual value of its period and segment and the resulting status."""
    targets = KpiTarget.objects.filter(kpi=kpi).select_related("period", "dimension").order_by("period__start")
    if grain is not None:
        targets = targets.filter(period__grain=grain)
    return kpi_target_results_of(kpi=kpi, targets=targets)


def kpi_target_results_of(*, kpi: Kpi, targets: Iterable[KpiTarget]) -> list[TargetResult]:
    """`kpi_target_results` for the given targets of the KPI (a page of them, say), in their order."""
    targets = list(targets)
    actuals = {
        (v.period_id, v.dimension_id, v.member): v.value
        for v in SeriesValue.objects.filter(kpi=kpi, period_id__in={target.period_id for target in targets})
    }
    return [
        TargetResult(
            target=target,
            actual=(actual := actuals.get((target.period_id, target.dimension_id, target.member))),
            status=target_status(
                actual,
                direction=kpi.direction,
                value=target.value,
                band=Range(target.band_min, target.band_max),
                tolerance=target.tolerance,
            ),
        )
        for target in targets
    ]


def dimension_members(*, dimension_ids: Iterable[int]) -> dict[int, list[str]]:
    """The values each dimension has taken in the data, in name order, keyed by dimension id."""
    found: dict[int, list[str]] = {}
    members = SegmentMember.objects.filter(dimension_id__in=list(dimension_ids))
    for dimension_id, value in (
        members.values_list("dimension_id", "value").distinct().order_by("dimension_id", "value")
    ):
        found.setdefault(dimension_id, []).append(value)
    return found


BENCHMARK_FIELDS = ("label", "low", "high", "source")


@functools.cache
def _links_sql(vendor: str) -> str:
    """One statement for some KPIs' relations, a row per link in order: (KPI id, kind, key or label, low, high,
    source, benchmark id). Written out rather than built by the ORM: compiling three ORM queries and their union
    cost more than running them (docs/benchmarks.md, "Lists on a quiet machine")."""
    quote = connection.ops.quote_name
    # The ids as one parameter (an array, a JSON array on SQLite): the statement is the same for every page, so
    # psycopg parses it once, and one string costs less to send than a list of numbers, which psycopg turns into
    # SQL one by one.
    ids = "= ANY(%s::bigint[])" if vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"
    measures, related = Kpi.measures.field, Kpi.related.field
    measure_table, related_table = quote(measures.m2m_db_table()), quote(related.m2m_db_table())
    measure_kpi, measure = quote(measures.m2m_column_name()), quote(measures.m2m_reverse_name())
    from_kpi, to_kpi = quote(related.m2m_column_name()), quote(related.m2m_reverse_name())
    benchmark_table, benchmark_kpi = quote(Benchmark._meta.db_table), quote(Benchmark.kpi.field.column)
    label, low, high, source = (quote(name) for name in BENCHMARK_FIELDS)
    key, pk, no_figures = quote("key"), quote("id"), "NULL, NULL, NULL, NULL"
    # In code-point order, which is Python's for strings, on every database (and the same as the detail view's):
    # PostgreSQL's "C" collation; SQLite's default, binary, is that already.
    text = ' COLLATE "C"' if vendor == "postgresql" else ""
    # The benchmarks come first: their low and high give the union's columns their type.
    union = " UNION ALL ".join(
        [
            f"SELECT b.{benchmark_kpi}, {_BENCHMARK}, b.{label}{text}, b.{low}, b.{high}, b.{source}, b.{pk} "
            f"FROM {benchmark_table} b WHERE b.{benchmark_kpi} {ids}",
            f"SELECT l.{measure_kpi}, {_MEASURE}, m.{key}{text}, {no_figures} FROM {measure_table} l "
            f"JOIN {quote(Measure._meta.db_table)} m ON m.{pk} = l.{measure} WHERE l.{measure_kpi} {ids}",
            f"SELECT l.{from_kpi}, {_RELATED}, k.{key}{text}, {no_figures} FROM {related_table} l "
            f"JOIN {quote(Kpi._meta.db_table)} k ON k.{pk} = l.{to_kpi} WHERE l.{from_kpi} {ids}",
        ]
    )
    # Benchmarks of the same label in the order they were made, as the detail view has them.
    return f"{union} ORDER BY 3, 7"


_MEASURE, _RELATED, _BENCHMARK = 0, 1, 2


@dataclass(frozen=True)
class KpiLinks:
    """Some KPIs' measures and related KPIs (their keys, sorted) and benchmarks (by label), as the API shows them,
    by KPI id; a KPI without any has no entry."""

    measures: dict[int, list[str]]
    related: dict[int, list[str]]
    benchmarks: dict[int, list[dict[str, Any]]]


def kpi_links_of(*, kpi_ids: list[int]) -> KpiLinks:
    """The relations of a page of KPIs, in one query whatever its length."""
    links = KpiLinks(measures={}, related={}, benchmarks={})
    if not kpi_ids:
        return links
    if connection.vendor == "postgresql":
        ids = "{" + ",".join(str(kpi_id) for kpi_id in kpi_ids) + "}"
    else:
        ids = json.dumps(kpi_ids)
    with connection.cursor() as cursor:
        cursor.execute(_links_sql(connection.vendor), [ids, ids, ids])
        rows = cursor.fetchall()
    measures, related, benchmarks = links.measures, links.related, links.benchmarks
    for kpi_id, kind, text, low, high, source, _ in rows:
        if kind == _MEASURE:
            measures.setdefault(kpi_id, []).append(text)
        elif kind == _RELATED:
            related.setdefault(kpi_id, []).append(text)
        else:
            benchmarks.setdefault(kpi_id, []).append({"label": text, "low": low, "high": high, "source": source})
    return links


@dataclass(frozen=True)
class ReplacedCell:
    measure: str
    day: dt.date
    segment: str
    previous_value: float
    value: float
    previous_batch_id: int
    previous_batch: str


def batch_replaced_cells(*, batch: ImportBatch, limit: int) -> list[ReplacedCell]:
    """The first `limit` cells the batch replaced, with the value each had and the import that had written it
    (kpis.models.CellChange), read within the batch's measures and days, as the index is ordered."""
    changes = batch.changes or {}
    days = sorted(changes.get("days") or [])
    if not changes.get("measures") or not days:
        return []
    rows = list(
        CellChange.objects.filter(batch=batch, measure_id__in=changes["measures"], day__gte=days[0], day__lte=days[-1])
        .order_by("measure_id", "day", "segment_id")
        .values_list("measure__key", "day", "segment__key", "previous_value", "value", "previous_batch_id")[:limit]
    )
    names = dict(ImportBatch.objects.filter(pk__in={row[5] for row in rows}).values_list("pk", "filename"))
    return [
        ReplacedCell(
            measure=measure,
            day=day,
            segment=segment or "(unsegmented)",
            previous_value=previous,
            value=value,
            previous_batch_id=previous_batch,
            previous_batch=names.get(previous_batch, f"#{previous_batch}"),
        )
        for measure, day, segment, previous, value, previous_batch in rows
    ]
