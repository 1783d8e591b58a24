"""OKR benchmark: 1,000 active key results over >= 5,000,000 observations, full and incremental recompute.

Run: uv run python bench/okr_bench.py [--days 1096] [--repeat 3]
Uses its own database (BENCH_DATABASE_URL, default okr_bench_okrs) and the series benchmark's generated data
(40 teams x 4 channels x 5 regions x 6 measures x days). Prints the median times and the SQL queries each ran.
Goals: full <= 5 s, incremental (after importing one day of data) <= 0.5 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/okr_bench_okrs")

from _setup import django_setup, median, timed
from series_bench import CHANNELS, REGIONS, TEAMS, _generate

TODAY = dt.date(2026, 11, 15)
OBJECTIVES = 200  # five key results each
GOAL_FULL, GOAL_INCREMENTAL = 5.0, 0.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=1096)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    django_setup()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kpis.models import Observation, SeriesValue
    from kpis.services.library import kpi_library_load
    from kpis.services.series import series_recompute_all
    from okrs.models import KeyResult
    from okrs.services.recompute import (
        key_results_recompute_all,
        key_results_recompute_for_kpis,
        progress_snapshots_rebuild_for,
    )

    kpi_library_load()
    observations = _generate(args.days)
    if not SeriesValue.objects.exists():
        started = time.perf_counter()
        series_recompute_all()
        print(f"series recompute (set-up, KPI side): {time.perf_counter() - started:.1f} s")
    _key_results_ensure()
    print(f"observations: {observations:,}  active key results: {KeyResult.objects.count():,}  today: {TODAY}")

    with CaptureQueriesContext(connection) as full_queries:
        key_results_recompute_all(today=TODAY)
    full = timed(lambda: key_results_recompute_all(today=TODAY), args.repeat)
    print(
        f"full recompute         median {median(full):6.3f} s  runs {_runs(full)}  "
        f"queries {len(full_queries)}  (goal <= {GOAL_FULL} s)"
    )

    # The import of one day of data, for today and for yesterday (late data), then the key results' recompute. For a
    # past day, the history task that follows re-reads the KPIs' to-date values from the observations; it runs
    # apart from the live recompute and is timed apart, once.
    for label, day in (("today", TODAY), ("yesterday", TODAY - dt.timedelta(days=1))):
        runs, queries, imported = [], 0, 0.0
        for _ in range(args.repeat):
            started = time.perf_counter()
            change = _import_one_day(day)
            imported = time.perf_counter() - started
            assert change.first_day is not None
            assert change.last_day is not None
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                result = key_results_recompute_for_kpis(
                    kpi_ids=change.kpi_ids, first_day=change.first_day, last_day=change.last_day, today=TODAY
                )
                runs.append(time.perf_counter() - started)
            queries = len(captured)
        print(
            f"incremental ({label:9}) median {median(runs):6.3f} s  runs {_runs(runs)}  queries {queries}  "
            f"key results {len(result.recomputed)}  (goal <= {GOAL_INCREMENTAL} s; "
            f"the day's import + series recompute before it: {imported:.2f} s)"
        )
        if result.history_from is not None:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                progress_snapshots_rebuild_for(
                    key_result_ids=result.recomputed,
                    first_day=result.history_from,
                    last_day=TODAY - dt.timedelta(days=1),
                )
                took = time.perf_counter() - started
            print(
                f"  history task after it: {took:6.3f} s  queries {len(captured)}  "
                "(one KPI-side to-date query per distinct KPI and segment; no goal set)"
            )
    print(f"observations after the imports: {Observation.objects.count():,}")


def _runs(values: list[float]) -> str:
    return ", ".join(f"{value:.3f}" for value in values)


def _key_results_ensure() -> None:
    """200 active objectives in the quarter of TODAY, five key results each, over 50 segments."""
    from django.contrib.auth.models import User

    from kpis.models import Dimension, Kpi
    from kpis.periods import Grain, containing
    from kpis.services.calendar import period_for
    from okrs.models import Guardrail, KeyResult, Objective, Team

    if KeyResult.objects.count() == OBJECTIVES * 5:
        return
    KeyResult.objects.all().delete()
    Objective.objects.all().delete()
    owner = User.objects.get_or_create(username="bench")[0]
    period = period_for(span=containing(TODAY, Grain.QUARTER))
    kpis = {kpi.key: kpi for kpi in Kpi.objects.all()}
    dims = {dimension.key: dimension for dimension in Dimension.objects.all()}
    segments: list[tuple[Dimension | None, str]] = [(None, "")]
    segments += [(dims["team"], f"Team {team:02d}") for team in range(TEAMS)]
    segments += [(dims["channel"], f"channel {channel}") for channel in range(CHANNELS)]
    segments += [(dims["region"], f"region {region}") for region in range(REGIONS)]
    for index in range(OBJECTIVES):
        dimension, member = segments[index % len(segments)]
        team = Team.objects.get_or_create(name=f"Bench team {index % TEAMS:02d}")[0]
        objective = Objective.objects.create(
            title=f"Objective {index}", team=team, owner=owner, period=period, state=Objective.State.ACTIVE
        )
        common = {"objective": objective, "dimension": dimension, "member": member}
        KeyResult.objects.create(
            title="Escalations -20%",
            kind="kpi_relative",
            kpi=kpis["contact_escalation_rate"],
            change_percent=-20,
            baseline_source="series",
            target_source="derived",
            **common,
        )
        KeyResult.objects.create(
            title="FCR 45 -> 60",
            kind="kpi_from_to",
            kpi=kpis["first_contact_resolution_rate"],
            baseline_value=45,
            target_value=60,
            **common,
        )
        aht = KeyResult.objects.create(
            title="AHT -10%",
            kind="kpi_relative",
            kpi=kpis["average_handle_time"],
            change_percent=-10,
            baseline_source="series",
            target_source="derived",
            **common,
        )
        Guardrail.objects.create(
            key_result=aht,
            kpi=kpis["csat"],
            comparison=">=",
            threshold=60,
            **{"dimension": dimension, "member": member},
        )
        KeyResult.objects.create(
            title="CSAT stays above 60",
            kind="kpi_threshold",
            kpi=kpis["csat"],
            threshold_mode="above",
            target_value=60,
            **common,
        )
        KeyResult.objects.create(
            title="FCR from last quarter to 60",
            kind="kpi_from_to",
            kpi=kpis["first_contact_resolution_rate"],
            baseline_source="series",
            target_value=60,
            **common,
        )


def _import_one_day(day: dt.date):  # type: ignore[no-untyped-def]
    """Import a fresh file of one day for every segment, as a helpdesk export would arrive, and recompute the
    series it touched (the KPI side's work, timed apart)."""
    from kpis.models import ImportBatch
    from kpis.services.imports import import_batch_create, import_batch_process
    from kpis.services.series import series_recompute_for_batch

    rng = random.Random()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "day.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "date",
                    "team",
                    "channel",
                    "region",
                    "total_contacts",
                    "escalated_contacts",
                    "first_contact_resolved",
                    "handle_time_seconds",
                    "csat_responses",
                    "csat_satisfied",
                ]
            )
            for team in range(TEAMS):
                for channel in range(CHANNELS):
                    for region in range(REGIONS):
                        total = rng.randint(40, 120)
                        writer.writerow(
                            [
                                day.isoformat(),
                                f"Team {team:02d}",
                                f"channel {channel}",
                                f"region {region}",
                                total,
                                rng.randint(0, 12),
                                rng.randint(30, 70),
                                total * rng.randint(200, 400),
                                rng.randint(5, 25),
                                rng.randint(4, 5),
                            ]
                        )
        batch = import_batch_process(
            batch=import_batch_create(path_or_file=path, filename="day.csv", source=ImportBatch.Source.COMMAND)
        )
        assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
        return series_recompute_for_batch(batch=batch)


if __name__ == "__main__":
    main()
