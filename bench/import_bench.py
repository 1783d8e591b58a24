"""Import benchmark: a generated wide CSV imported end to end, against `psql \\copy` of the same file.

    uv run python bench/import_bench.py [--rows N]

Runs against DATABASE_URL (PostgreSQL). The file has `date`, `team`, `channel` and the six library measures; its
teams are named `bench-…` so that its segments never mix with real data, and everything it imported is deleted at
the end. The import runs in a child process so that the peak memory printed is the importing process's own.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
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
TEAMS = 50
CHANNELS = ("phone", "email", "chat", "social")
GOAL_RATIO = 0.3
GOAL_MEMORY_MB = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    django.setup()
    if args.child:
        _import_child(args.child)
        return

    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmark compares with psql \\copy: set DATABASE_URL to a PostgreSQL database.")
    _definitions_ensure()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.csv"
        started = time.perf_counter()
        _generate(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size:.0f} MB) in {time.perf_counter() - started:.1f} s")
        copy_seconds = _psql_copy(path)
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(path)], check=True, capture_output=True, text=True
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
    _clean_up(result["batch"])

    copy_rate = args.rows / copy_seconds
    import_rate = args.rows / result["seconds"]
    ratio = import_rate / copy_rate
    print(f"psql \\copy:  {copy_seconds:7.2f} s  {copy_rate:12,.0f} rows/s")
    print(
        f"import:      {result['seconds']:7.2f} s  {import_rate:12,.0f} rows/s  "
        f"({result['cells_inserted']:,} cells inserted, status {result['status']})"
    )
    print(
        f"  of which:  {result['read_and_stage']:.2f} s reading the file into the staging table, "
        f"{result['upsert']:.2f} s in the upsert statement, "
        f"{result['commit']:.2f} s in the commit"
    )
    print(f"ratio:       {ratio:.2f} of \\copy (goal >= {GOAL_RATIO})")
    print(f"peak memory: {result['max_rss_mb']:.0f} MB in the importing process (goal < {GOAL_MEMORY_MB} MB)")


def _definitions_ensure() -> None:
    from kpis.models import Dimension, Measure
    from kpis.services.definitions import dimension_upsert, measure_upsert

    for key in MEASURES:
        if not Measure.objects.filter(key=key).exists():
            measure_upsert(key=key, name=key.replace("_", " ").capitalize())
    for key in ("team", "channel"):
        if not Dimension.objects.filter(key=key).exists():
            dimension_upsert(key=key, name=key.capitalize())


def _generate(path: Path, rows: int) -> None:
    """One line per day, team and channel, as a helpdesk's daily export would have it."""
    randomness = random.Random(7)
    segments = [(f"bench-{team:02d}", channel) for team in range(TEAMS) for channel in CHANNELS]
    first = dt.date(2000, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["date", "team", "channel", *MEASURES])
        for number in range(rows):
            day_number, segment_number = divmod(number, len(segments))
            team, channel = segments[segment_number]
            total = randomness.randint(50, 2000)
            responses = randomness.randint(0, total // 5)
            writer.writerow(
                [
                    (first + dt.timedelta(days=day_number)).isoformat(),
                    team,
                    channel,
                    total,
                    randomness.randint(0, total // 5),
                    randomness.randint(total // 2, total),
                    total * randomness.randint(60, 600),
                    responses,
                    randomness.randint(0, responses),
                ]
            )


def _psql_copy(path: Path) -> float:
    from django.db import connection

    columns = ", ".join(f"{key} integer" for key in MEASURES)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(f"CREATE TABLE bench_copy (date date, team text, channel text, {columns})")
    started = time.perf_counter()
    subprocess.run(
        [
            "psql",
            "--quiet",
            "--no-psqlrc",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            os.environ["DATABASE_URL"],
            "-c",
            f"\\copy bench_copy FROM '{path}' WITH (FORMAT csv, HEADER true)",
        ],
        check=True,
    )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return seconds


def _import_child(path: Path) -> None:
    from django.db import connection

    from kpis.models import ImportBatch
    from kpis.services.imports import import_batch_create, import_batch_process

    # When each statement ended, to split the time into reading the file, the upsert, and the commit.
    statements: list[tuple[str, float, float]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = "UPSERT" if "INSERT INTO kpis_observation" in sql else " ".join(sql.split())[:40]
            statements.append((kind, begun, time.perf_counter()))

    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        batch = import_batch_create(path_or_file=path, filename=path.name, source=ImportBatch.Source.COMMAND)
        batch = import_batch_process(batch=batch)
    seconds = time.perf_counter() - started
    staged = next(begun for sql, begun, _ in statements if sql.startswith("ANALYZE import_stage"))
    upsert = next((sql, begun, ended) for sql, begun, ended in statements if sql == "UPSERT")
    last_in_transaction = max(ended for sql, _, ended in statements if sql.startswith("DROP TABLE"))
    saved = max(begun for sql, begun, _ in statements if sql.startswith("UPDATE"))
    if batch.errors:
        print(batch.errors[:5], file=sys.stderr)
    result = {
        "batch": batch.pk,
        "seconds": seconds,
        "status": batch.status,
        "cells_inserted": batch.cells_inserted,
        "read_and_stage": staged - started,
        "upsert": upsert[2] - upsert[1],
        "commit": saved - last_in_transaction,
        # ru_maxrss is in kilobytes on Linux.
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(result))


def _clean_up(batch_id: int) -> None:
    from django.db import connection

    from kpis.models import ImportBatch, Segment

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kpis_observation WHERE batch_id = %s", [batch_id])
    Segment.objects.filter(key__contains="team=bench-").delete()
    batch = ImportBatch.objects.get(pk=batch_id)
    batch.file.delete(save=False)
    batch.delete()


if __name__ == "__main__":
    main()
