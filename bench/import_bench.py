"""Import benchmark: generated 1M-row files imported end to end, each next to references measured in the same run.

    uv run python bench/import_bench.py [--rows N] [--repeat 3]

Runs against DATABASE_URL (PostgreSQL). Two files, as helpdesks export them:
- wide: `date`, `team`, `channel` and the six library measures, one line per day and segment (6 cells a line);
- row-level: one line per ticket (`ticket_id`, a date and time, `team`, `channel`, escalated and resolved as
  true/false, handle time, CSAT), counted and summed per day and segment.
References, each as a ratio: `psql \\copy` of the same file into a plain table; for the wide file the storage floor,
PostgreSQL's own cost of writing the same cells (COPY, then one upsert of the 6M keyed cells into an empty copy of
the observation table); and, as a proposal, that floor for one row per day and segment with the six measures
beside each other. "Reading and checking" is kpis.fast_csv's pass over the file alone, no database. Each import runs
in a child process, so that the peak memory printed is the importing process's own. Teams are named `bench-…` and
everything imported is deleted at the end. Medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

MEASURES = (
    "total_contacts",
    "escalated_contacts",
    "first_contact_resolved",
    "handle_time_seconds",
    "csat_responses",
    "csat_satisfied",
)
TICKET_COLUMNS = (
    "ticket_id",
    "date",
    "team",
    "channel",
    "escalated_contacts",
    "first_contact_resolved",
    "handle_time_seconds",
    "csat_responses",
    "csat_satisfied",
)
TEAMS = 50
CHANNELS = ("phone", "email", "chat", "social")
FIRST_DAY = dt.date(2000, 1, 1)
GOALS = "tickets >= 0.3 of \\copy; wide <= 1.5x the floor and >= 0.15 of \\copy; reading >= 1M rows/s; < 300 MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--cell-history",
        action="store_true",
        help="only the cell history's cost: the wide import, and a correction replacing every cell, with and without",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--without-cell-history", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    django.setup()
    if args.child:
        _import_child(args.child, with_cell_history=not args.without_cell_history)
        return

    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmark compares with psql \\copy: set DATABASE_URL to a PostgreSQL database.")
    _definitions_ensure()
    if args.cell_history:
        _cell_history_bench(args.rows, args.repeat)
        return
    with tempfile.TemporaryDirectory() as folder:
        wide = Path(folder) / "wide.csv"
        tickets = Path(folder) / "tickets.csv"
        _generate_wide(wide, args.rows)
        _generate_tickets(tickets, args.rows)
        for path in (wide, tickets):
            print(f"{path.name}: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB")
        figures: dict[str, list[float]] = {}
        memory: list[float] = []
        for run in range(args.repeat):
            figures.setdefault("wide \\copy", []).append(_psql_copy(wide, _WIDE_TABLE))
            figures.setdefault("tickets \\copy", []).append(_psql_copy(tickets, _TICKETS_TABLE))
            floor, proposal = _storage_floor(wide)
            figures.setdefault("wide floor", []).append(floor)
            figures.setdefault("wide proposal floor", []).append(proposal)
            figures.setdefault("reading and checking", []).append(_read_and_check(wide))
            for name, path in (("wide import", wide), ("tickets import", tickets)):
                result = _import(path)
                figures.setdefault(name, []).append(result["seconds"])
                memory.append(result["max_rss_mb"])
                print(
                    f"  run {run + 1}: {name} {result['seconds']:.2f} s, {result['status']}, "
                    f"{result['cells']:,} cells, {result['max_rss_mb']:.0f} MB"
                )
    _report({name: statistics.median(values) for name, values in figures.items()}, args.rows, max(memory))


def _report(median: dict[str, float], rows: int, memory: float) -> None:
    print(f"\nmedians of the runs (goals: {GOALS})")
    for name, seconds in median.items():
        print(f"  {name:24s} {seconds:7.2f} s  {rows / seconds:12,.0f} rows/s")
    copy, tickets, wide = median["wide \\copy"], median["tickets \\copy"], median["wide import"]
    print(f"  tickets import:  {tickets / median['tickets import']:.2f} of \\copy's rate")
    print(f"  wide import:     {copy / wide:.3f} of \\copy's rate, {wide / median['wide floor']:.2f}x the floor's time")
    print(f"  proposal floor:  {copy / median['wide proposal floor']:.2f} of \\copy's rate")
    print(f"  reading and checking:       {rows / median['reading and checking']:,.0f} rows/s")
    print(f"  peak memory of an importing process: {memory:.0f} MB")


def _definitions_ensure() -> None:
    from kpis.models import Dimension, Measure
    from kpis.services.definitions import dimension_upsert, measure_upsert

    for key in MEASURES:
        if not Measure.objects.filter(key=key).exists():
            measure_upsert(key=key, name=key.replace("_", " ").capitalize())
    for key in ("team", "channel"):
        if not Dimension.objects.filter(key=key).exists():
            dimension_upsert(key=key, name=key.capitalize())


def _segments() -> list[tuple[str, str]]:
    return [(f"bench-{team:02d}", channel) for team in range(TEAMS) for channel in CHANNELS]


def _generate_wide(path: Path, rows: int, seed: int = 7) -> None:
    """One line per day, team and channel, as a helpdesk's daily export would have it."""
    randomness = random.Random(seed)
    segments = _segments()
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["date", "team", "channel", *MEASURES])
        for number in range(rows):
            day_number, segment_number = divmod(number, len(segments))
            total = randomness.randint(50, 2000)
            responses = randomness.randint(0, total // 5)
            writer.writerow(
                [
                    (FIRST_DAY + dt.timedelta(days=day_number)).isoformat(),
                    *segments[segment_number],
                    total,
                    randomness.randint(0, total // 5),
                    randomness.randint(total // 2, total),
                    total * randomness.randint(60, 600),
                    responses,
                    randomness.randint(0, responses),
                ]
            )


def _generate_tickets(path: Path, rows: int) -> None:
    """One line per ticket over about three years, 1,000 a day, with the flags as true/false."""
    randomness = random.Random(11)
    segments = _segments()
    start = dt.datetime(2023, 1, 1, 8)  # noqa: DTZ001 - a file's local times
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(TICKET_COLUMNS)
        for number in range(rows):
            moment = start + dt.timedelta(seconds=number * 86)
            responded = randomness.random() < 0.2
            writer.writerow(
                [
                    f"T{number:08d}",
                    moment.isoformat(timespec="seconds"),
                    *segments[randomness.randrange(len(segments))],
                    "true" if randomness.random() < 0.1 else "false",
                    "true" if randomness.random() < 0.7 else "false",
                    randomness.randint(60, 1800),
                    1 if responded else 0,
                    1 if responded and randomness.random() < 0.8 else 0,
                ]
            )


_WIDE_TABLE = f"date date, team text, channel text, {', '.join(f'{key} integer' for key in MEASURES)}"
_TICKETS_TABLE = (
    "ticket_id text, date timestamp, team text, channel text, escalated_contacts boolean, "
    "first_contact_resolved boolean, handle_time_seconds integer, csat_responses integer, csat_satisfied integer"
)


def _psql(sql: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-d", os.environ["DATABASE_URL"], "-c", sql],
        check=True,
    )
    return time.perf_counter() - started


def _psql_copy(path: Path, columns: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(f"CREATE TABLE bench_copy ({columns})")
    seconds = _psql(f"\\copy bench_copy FROM '{path}' WITH (FORMAT csv, HEADER true)")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return seconds


def _storage_floor(path: Path) -> tuple[float, float]:
    """PostgreSQL's own cost of storing the wide file's cells: COPY, then one upsert into an empty table keyed by
    the cell (as kpis_observation); and the same for one row per day and segment, the measures side by side."""
    from django.db import connection

    ids = ", ".join(f"({number + 1}, {key})" for number, key in enumerate(MEASURES))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy, bench_cells, bench_rows, bench_segments")
        cursor.execute(f"CREATE TABLE bench_copy ({_WIDE_TABLE})")
        cursor.execute("CREATE TABLE bench_cells (LIKE kpis_observation INCLUDING ALL)")
        cursor.execute(
            "CREATE TABLE bench_rows (day date, segment_id bigint, batch_id bigint, "
            + ", ".join(f"{key} double precision" for key in MEASURES)
            + ", PRIMARY KEY (day, segment_id))"
        )
        cursor.execute("CREATE TABLE bench_segments (team text, channel text, id bigint, PRIMARY KEY (team, channel))")
        cursor.executemany(
            "INSERT INTO bench_segments VALUES (%s, %s, %s)",
            [(team, channel, number) for number, (team, channel) in enumerate(_segments())],
        )
    copy = _psql(f"\\copy bench_copy FROM '{path}' WITH (FORMAT csv, HEADER true)")
    cells = _psql(
        f"""INSERT INTO bench_cells (measure_id, day, segment_id, value, batch_id)
        SELECT m.id, c.date, s.id, m.value, 0
        FROM bench_copy c JOIN bench_segments s USING (team, channel)
        CROSS JOIN LATERAL (VALUES {ids}) AS m (id, value)
        ON CONFLICT (measure_id, day, segment_id) DO UPDATE SET value = EXCLUDED.value, batch_id = 0"""
    )
    rows = _psql(
        f"""INSERT INTO bench_rows (day, segment_id, batch_id, {", ".join(MEASURES)})
        SELECT c.date, s.id, 0, {", ".join(MEASURES)} FROM bench_copy c JOIN bench_segments s USING (team, channel)
        ON CONFLICT (day, segment_id) DO UPDATE SET batch_id = 0"""
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy, bench_cells, bench_rows, bench_segments")
    return copy + cells, copy + rows


def _read_and_check(path: Path) -> float:
    """kpis.fast_csv's pass over the file: every block parsed to its types and every check made, no database."""
    from kpis import fast_csv, layouts, readers
    from kpis.services.imports import day_window

    measures = {
        key: layouts.MeasureInfo(id=number, key=key, allows_negative=False) for number, key in enumerate(MEASURES)
    }
    dimensions = {
        "team": layouts.DimensionInfo(id=1, key="team"),
        "channel": layouts.DimensionInfo(id=2, key="channel"),
    }
    started = time.perf_counter()
    with path.open("rb") as file:
        table = readers.open_table(file, path.name)
        plan = layouts.plan_layout(table.header, measures, dimensions, layouts.Problems())
        assert plan is not None
        checker = fast_csv.Checker(plan=plan, decimal_comma=False, days=day_window(), measures=measures)
        file.seek(0)
        rows = 0
        for batch in fast_csv.batches(file, plan, table.delimiter, decimal_comma=False):
            checker.check(batch)
            rows += checker.rows_in(batch)
    assert checker.raw_copyable
    assert rows
    return time.perf_counter() - started


def _import(path: Path, *, with_cell_history: bool = True, clean_up: bool = True) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(path)]
    if not with_cell_history:
        command.append("--without-cell-history")
    child = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    if clean_up:
        _clean_up(result["batch"])
    return result


def _cell_history_bench(rows: int, repeat: int) -> None:
    """The wide import into empty cells (nothing replaced: the history's join finds nothing) and a correction of
    every cell (each replaced cell written to kpis_cellchange too), each with the upsert as it ships and with its
    cell-history CTE taken out, alternating which goes first."""
    figures: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        wide, corrected = Path(folder) / "wide.csv", Path(folder) / "corrected.csv"
        _generate_wide(wide, rows)
        _generate_wide(corrected, rows, seed=8)
        for run in range(repeat):
            for history in (True, False) if run % 2 == 0 else (False, True):
                suffix = "" if history else " without cell history"
                first = _import(wide, with_cell_history=history, clean_up=False)
                second = _import(corrected, with_cell_history=history, clean_up=False)
                _clean_up(second["batch"], first["batch"])
                figures.setdefault(f"wide import{suffix}", []).append(first["seconds"])
                figures.setdefault(f"wide correction{suffix}", []).append(second["seconds"])
                print(
                    f"  run {run + 1}{suffix or ' with cell history'}: import {first['seconds']:.2f} s, "
                    f"correction {second['seconds']:.2f} s ({second['cells']:,} cells)"
                )
    median = {name: statistics.median(values) for name, values in figures.items()}
    print(f"\nmedians of {repeat} runs, {rows:,} rows (goal: with cell history within 1.10x of without)")
    for case in ("wide import", "wide correction"):
        without = median[f"{case} without cell history"]
        print(f"  {case:16s} {median[case]:7.2f} s with, {without:7.2f} s without: {median[case] / without:.3f}x")


def _without_cell_history() -> None:
    """The upsert as it was before cell history: its CTE replaced by one that writes nothing (and takes the
    statement's batch-id parameter)."""
    from kpis.services import imports

    imports._Stage._cell_history_from_upserted = lambda self: "replaced AS (SELECT %s::bigint)"  # type: ignore[method-assign]


def _import_child(path: Path, *, with_cell_history: bool = True) -> None:
    from kpis.models import ImportBatch
    from kpis.services.imports import import_batch_create, import_batch_process

    if not with_cell_history:
        _without_cell_history()

    started = time.perf_counter()
    batch = import_batch_create(path_or_file=path, filename=path.name, source=ImportBatch.Source.COMMAND)
    batch = import_batch_process(batch=batch)
    seconds = time.perf_counter() - started
    if batch.errors:
        print(batch.errors[:5], file=sys.stderr)
    result = {
        "batch": batch.pk,
        "seconds": seconds,
        "status": batch.status,
        "cells": batch.cells_inserted + batch.cells_updated + batch.cells_unchanged,
        # ru_maxrss is in kilobytes on Linux.
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(result))


def _clean_up(*batch_ids: int) -> None:
    from django.db import connection

    from kpis.models import ImportBatch, Segment

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kpis_observation WHERE batch_id = ANY(%s)", [list(batch_ids)])
        cursor.execute("DELETE FROM kpis_cellchange WHERE batch_id = ANY(%s)", [list(batch_ids)])
    Segment.objects.filter(key__contains="team=bench-").delete()
    for batch in ImportBatch.objects.filter(pk__in=batch_ids):
        batch.file.delete(save=False)
        batch.delete()
    with connection.cursor() as cursor:
        # Millions of deleted cells would otherwise slow the next run's upsert: each run starts as the first did.
        cursor.execute("VACUUM ANALYZE kpis_observation")
        cursor.execute("VACUUM ANALYZE kpis_cellchange")


if __name__ == "__main__":
    main()
