"""Benchmark: exporting the 200-objective, 1,000-key-result quarter to CSV, XLSX, PDF and PPTX, seconds (median)
and peak memory (Python's traced peak, and the process's resident high-water mark so far), each against rendering
the scorecard page in the same run.
Goals: PDF <= 10 s, the others <= 3 s, memory < 300 MB.

Run: uv run python bench/export_bench.py [--repeat 3] [--days 1096] [--formats csv,xlsx,pdf,pptx] [--no-trace]
Uses the OKR benchmark's data (bench/okr_bench.py, as bench/pages_bench.py does) on its own database by default,
with a daily progress snapshot of every key result from the quarter's first day to today, as the nightly job leaves
them (the PDF's objective pages chart them); --days shortens the generated history (the exports read the quarter and
its trend, not every observation).
"""

from __future__ import annotations

import argparse
import os
import resource
import tracemalloc
from collections.abc import Callable
from functools import partial

os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/okr_bench_exports")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x1y2z3" * 10)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from _setup import django_setup, median, timed
from pages_bench import _data_ensure

GOALS_SECONDS = {"csv": 3.0, "xlsx": 3.0, "pdf": 10.0, "pptx": 3.0}
GOAL_MEMORY_MB = 300.0


def _traced_peak_mb(function: Callable[[], object]) -> float:
    """The peak of Python's traced memory while the function ran (C allocations are not in it)."""
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def _rss_mb() -> float:
    """The process's resident high-water mark so far (Linux reports kilobytes), C allocations included."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def _snapshots_ensure() -> None:
    """Each key result's daily snapshots over the quarter so far: its progress and the expected pace climbing to
    where they stand today, with a little day-to-day noise, so that every chart in the PDF has a line to draw."""
    import datetime as dt
    import math

    from django.utils import timezone

    from okrs.models import KeyResult, ProgressSnapshot

    key_results = list(KeyResult.objects.select_related("objective__period"))
    start, today = key_results[0].objective.period.start, timezone.localdate()
    days = [start + dt.timedelta(days=n) for n in range((today - start).days + 1)]
    if ProgressSnapshot.objects.filter(day=start).count() == len(key_results):
        return
    ProgressSnapshot.objects.all().delete()
    ProgressSnapshot.objects.bulk_create(
        ProgressSnapshot(
            key_result=kr,
            day=day,
            value=kr.current_value,
            progress=max(0.0, min(100.0, (kr.progress or 0) * n / len(days) + 3 * math.sin(kr.pk + n))),
            expected=(kr.expected or 0) * n / len(days),
            status=kr.status,
        )
        for kr in key_results
        for n, day in enumerate(days, start=1)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--days", type=int, default=1096)
    parser.add_argument("--formats", default=",".join(GOALS_SECONDS), help="comma-separated, e.g. pdf")
    parser.add_argument(
        "--no-trace", dest="trace", action="store_false", help="skip the traced run (it is slow for the PDF)"
    )
    args = parser.parse_args()
    django_setup()
    _data_ensure(args.days)
    _snapshots_ensure()

    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="bench-viewer"))
    query = {"period": "2026-Q4"}

    def page() -> None:
        response = client.get("/scorecard/", query)
        assert response.status_code == 200, (response.status_code, response.get("Location"))

    def export(extension: str) -> bytes:
        response = client.get(f"/scorecard.{extension}", query)
        assert response.status_code == 200, response.content[:200]
        assert len(response.content) > 1000
        return response.content

    page()
    reference = median(timed(page, args.repeat))
    print(f"{args.repeat} runs each after a warm-up, then a traced one; the scorecard page: {reference:.3f} s")
    print(f"{'format':8} {'median s':>9} {'x page':>8} {'goal s':>7} {'traced MB':>10} {'RSS MB':>7} {'size KB':>8}")
    for extension in args.formats.split(","):
        goal = GOALS_SECONDS[extension]
        size = len(export(extension)) / 1e3
        seconds = median(timed(partial(export, extension), args.repeat))
        # Read before the traced run: tracing adds its own records to what the process holds.
        rss = _rss_mb()
        peak = _traced_peak_mb(partial(export, extension)) if args.trace else float("nan")
        verdict = "ok" if seconds <= goal and not peak >= GOAL_MEMORY_MB and rss < GOAL_MEMORY_MB else "MISSED"
        print(
            f"{extension:8} {seconds:9.3f} {seconds / reference:8.1f} {goal:7.1f} {peak:10.1f} {rss:7.0f}"
            f" {size:8.0f}  {verdict}"
        )


if __name__ == "__main__":
    main()
