"""Shared set-up for the benchmarks: Django on a dedicated PostgreSQL database (never the test one)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/okr_bench")


def django_setup() -> None:
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DATA_DIR", str(ROOT / "data" / "bench"))
    sys.path.insert(0, str(ROOT))
    _create_database()
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database() -> None:
    name = BENCH_DATABASE_URL.rsplit("/", 1)[1]
    base = BENCH_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(
        ["psql", base, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", base, "-qc", f'CREATE DATABASE "{name}"'], check=True)


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return runs


def median(values: list[float]) -> float:
    return statistics.median(values)
