"""Benchmark: recompute every KPI series over >= 5,000,000 observations, against one hand-written SQL statement.

Run: uv run python bench/series_bench.py [--days 1096] [--repeat 3]
The reference is a single SELECT with two GROUP BYs (overall, and per dimension value) that computes the same KPI
values straight from the observations; the script checks that both give the same numbers, then prints the median
times and their ratio (goal: ours <= 2 x the reference).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from typing import Any

from _setup import django_setup, median, timed

TEAMS, CHANNELS, REGIONS = 40, 4, 5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=1096)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    django_setup()

    from django.db import connection

    from kpis.models import SeriesValue
    from kpis.services.library import kpi_library_load
    from kpis.services.series import series_recompute_all

    kpi_library_load()
    observations = _generate(args.days)
    print(f"observations: {observations:,}  segments: {TEAMS * CHANNELS * REGIONS}  days: {args.days}")

    ours = timed(series_recompute_all, args.repeat)
    reference_rows: list[tuple[object, ...]] = []

    def reference() -> None:
        with connection.cursor() as cursor:
            cursor.execute(_reference_sql())
            reference_rows[:] = cursor.fetchall()

    theirs = timed(reference, args.repeat)
    _check_same_numbers(reference_rows, SeriesValue)
    print(f"series values: {SeriesValue.objects.count():,} (reference rows: {len(reference_rows):,}, same numbers)")
    print(f"ours      median {median(ours):7.2f} s  runs {', '.join(f'{t:.2f}' for t in ours)}")
    print(f"reference median {median(theirs):7.2f} s  runs {', '.join(f'{t:.2f}' for t in theirs)}")
    print(f"ratio ours / reference: {median(ours) / median(theirs):.2f} (goal <= 2.0)")


_MEASURES = {
    # measure key -> SQL for a plausible daily value from a per-row random number r in [0, 1)
    "total_contacts": "40 + floor(r * 80)",
    "escalated_contacts": "floor(r * 12)",
    "first_contact_resolved": "30 + floor(r * 40)",
    "handle_time_seconds": "(40 + floor(r * 80)) * (200 + r * 200)",
    "csat_responses": "5 + floor(r * 20)",
    "csat_satisfied": "4 + floor(r * 15)",
}


def _generate(days: int) -> int:
    from django.db import connection, transaction

    from kpis.models import Dimension, ImportBatch, Measure, Observation, Segment, SegmentMember

    wanted = days * TEAMS * CHANNELS * REGIONS * len(_MEASURES)
    if Observation.objects.count() == wanted:
        return wanted
    with transaction.atomic():
        Observation.objects.all().delete()
        dims = {
            key: Dimension.objects.get_or_create(key=key, defaults={"name": key})[0]
            for key in ("team", "channel", "region")
        }
        batch = ImportBatch.objects.create(filename="generated", source=ImportBatch.Source.COMMAND, status="succeeded")
        for team in range(TEAMS):
            for channel in range(CHANNELS):
                for region in range(REGIONS):
                    members = {
                        "team": f"Team {team:02d}",
                        "channel": f"channel {channel}",
                        "region": f"region {region}",
                    }
                    key = ";".join(f"{k}={members[k]}" for k in sorted(members))
                    segment, created = Segment.objects.get_or_create(
                        key=key, defaults={"dimensions": Segment.dimensions_of(members)}
                    )
                    if created:
                        SegmentMember.objects.bulk_create(
                            [SegmentMember(segment=segment, dimension=dims[k], value=v) for k, v in members.items()]
                        )
        first = dt.date(2024, 1, 1)
        with connection.cursor() as cursor:
            for key, expression in _MEASURES.items():
                measure = Measure.objects.get(key=key)
                cursor.execute(
                    f"""
                    INSERT INTO kpis_observation (measure_id, day, segment_id, value, batch_id)
                    SELECT %s, d::date, s.id, {expression}, %s
                    FROM generate_series(%s::date, %s::date, interval '1 day') d
                    CROSS JOIN kpis_segment s
                    CROSS JOIN LATERAL (SELECT random() + 0 * s.id + 0 * extract(day from d) AS r) x
                    WHERE s.key <> ''
                    """,
                    [measure.id, batch.id, first, first + dt.timedelta(days=days - 1)],
                )
        cursor = connection.cursor()
        cursor.execute("ANALYZE")
    return Observation.objects.count()


def _comparable_kpis() -> list[Any]:
    """The library KPIs whose measures the generated data has."""
    from kpis.models import Kpi

    return [k for k in Kpi.objects.prefetch_related("measures") if {m.key for m in k.measures.all()} <= set(_MEASURES)]


def _reference_sql() -> str:
    """The same KPI values written by hand: every measure summed per group, then each formula over the sums."""
    from kpis import formula
    from kpis.models import Measure

    ids = dict(Measure.objects.filter(key__in=_MEASURES).values_list("key", "id"))
    sums = ", ".join(f"SUM(o.value) FILTER (WHERE o.measure_id = {ids[key]}) AS {key}" for key in _MEASURES)
    values = ", ".join(f"{formula.parse(k.formula).to_sql(lambda key: key)} AS {k.key}" for k in _comparable_kpis())
    return f"""
        SELECT period_id, dimension_id, member, {values} FROM (
            SELECT c.period_id, NULL::bigint AS dimension_id, '' AS member, {sums}
            FROM kpis_observation o JOIN kpis_calendarday c ON c.day = o.day
            GROUP BY c.period_id
            UNION ALL
            SELECT c.period_id, sm.dimension_id, sm.value, {sums}
            FROM kpis_observation o JOIN kpis_calendarday c ON c.day = o.day
            JOIN kpis_segmentmember sm ON sm.segment_id = o.segment_id
            GROUP BY c.period_id, sm.dimension_id, sm.value
        ) pooled
    """


def _check_same_numbers(rows: list[tuple[object, ...]], series_value_model: Any) -> None:
    kpis = _comparable_kpis()
    ours = {
        (v.kpi_id, v.period_id, v.dimension_id, v.member): v.value
        for v in series_value_model.objects.filter(kpi__in=kpis).only(
            "kpi_id", "period_id", "dimension_id", "member", "value"
        )
    }
    checked = 0
    for period_id, dimension_id, member, *values in rows:
        for kpi, value in zip(kpis, values, strict=True):
            mine = ours[(kpi.id, period_id, dimension_id, member)]
            assert (mine is None and value is None) or math.isclose(mine, value, rel_tol=1e-9), (
                kpi.key,
                period_id,
                member,
            )
            checked += 1
    assert checked == len(ours), (checked, len(ours))


if __name__ == "__main__":
    main()
