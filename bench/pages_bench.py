"""Benchmark: server-side time to render the dashboard and the scorecard for a quarter with 200 objectives and
1,000 key results, p50 and p95 over repeated requests, through Django's test client and over HTTP with gunicorn,
each against a trivial view (`/health/`) in the same run, with the ratios to it. Goal: p95 <= 75 ms over gunicorn
(bar: 150 ms). A page is one row of PAGES.

Run: flock /tmp/bench.lock uv run python bench/pages_bench.py [--requests 40] [--port N]
Uses the OKR benchmark's database and data (bench/okr_bench.py builds them when missing): 200 active objectives of
five key results each, in the quarter of 2026-11-15, over 5,260,800 observations.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/okr_bench_okrs")
# Measured as deployed: production mode, so no debug bookkeeping in templates or queries.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x1y2z3" * 10)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from _setup import BENCH_DATABASE_URL, ROOT, django_setup
from okr_bench import _key_results_ensure
from series_bench import _generate

GOAL_P95_MS, BAR_P95_MS = 75.0, 150.0
REFERENCE = ("trivial view", "/health/")
# The pages measured: a name and a path (or a function of nothing giving the path, read once the data exists).
PAGES: list[tuple[str, str | Callable[[], str]]] = [
    ("dashboard", "/"),
    ("scorecard", "/scorecard/"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--days", type=int, default=1096)
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    args = parser.parse_args()
    django_setup()
    session_key = _data_ensure(args.days)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    pages = [(name, path if isinstance(path, str) else path()) for name, path in [REFERENCE, *PAGES]]
    queries = {}
    for name, path in pages:
        _get_client(client, path)
        with CaptureQueriesContext(connection) as captured:
            _get_client(client, path)
        queries[name] = len(captured)
    print(f"{args.requests} requests per page after 3 warm-ups; milliseconds; ratios to the {REFERENCE[0]}'s")
    print(_header())
    results = {
        "test client": {name: _times(lambda p=path: _get_client(client, p), args.requests) for name, path in pages}
    }
    with _gunicorn(args.port) as base:
        results["gunicorn"] = {
            name: _times(lambda u=base + path: _get_http(u, session_key), args.requests) for name, path in pages
        }
    for way in results:
        reference = results[way][REFERENCE[0]]
        for name, _ in pages:
            print(_row(way, name, results[way][name], reference, queries[name], verdict=way == "gunicorn"))


def _data_ensure(days: int) -> str:
    """The OKR benchmark's quarter, computed, and a signed-in superuser's session key."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    from kpis.models import SeriesValue
    from kpis.services.library import kpi_library_load
    from kpis.services.series import series_recompute_all
    from okrs.models import KeyResult
    from okrs.services.recompute import key_results_recompute_all

    kpi_library_load()
    _generate(days)
    if not SeriesValue.objects.exists():
        series_recompute_all()
    _key_results_ensure()
    if KeyResult.objects.filter(computed_at__isnull=True).exists():
        key_results_recompute_all()
    user = User.objects.filter(username="bench-viewer").first() or User.objects.create_superuser(
        "bench-viewer", password=None
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "okrs.roles.PersonBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key


def _get_client(client: object, path: str) -> None:
    response = client.get(path)  # type: ignore[attr-defined]
    assert response.status_code == 200, (path, response.status_code)


def _get_http(url: str, session_key: str) -> None:
    from django.conf import settings

    request = urllib.request.Request(url, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, (url, response.status)
        response.read()


def _times(call: Callable[[], None], requests: int) -> list[float]:
    for _ in range(3):
        call()
    runs = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        runs.append((time.perf_counter() - started) * 1000)
    return runs


def _header() -> str:
    return f"{'':28} {'p50':>7} {'p95':>7} {'max':>7} {'x p50':>7} {'x p95':>7} {'queries':>8}"


def _row(way: str, name: str, runs: list[float], reference: list[float], queries: int, *, verdict: bool) -> str:
    p50, p95 = statistics.median(runs), statistics.quantiles(runs, n=20)[-1]
    ratio50 = p50 / statistics.median(reference)
    ratio95 = p95 / statistics.quantiles(reference, n=20)[-1]
    goal = ""
    if verdict and name != REFERENCE[0]:
        goal = f"  goal p95 <= {GOAL_P95_MS:.0f}: {'met' if p95 <= GOAL_P95_MS else 'missed'}"
        goal += f", bar {BAR_P95_MS:.0f}: {'met' if p95 <= BAR_P95_MS else 'missed'}"
    figures = f"{p50:7.1f} {p95:7.1f} {max(runs):7.1f} {ratio50:7.1f} {ratio95:7.1f} {queries:8d}"
    return f"{way + '  ' + name:28} {figures}{goal}"


class _gunicorn:
    """gunicorn serving the app on a local port (0: a free one), one sync worker, for the length of the `with`
    block."""

    def __init__(self, port: int) -> None:
        self.port = port

    def __enter__(self) -> str:
        port = self.port
        if not port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        env = os.environ | {
            "DATABASE_URL": BENCH_DATABASE_URL,
            "DEBUG": "false",
            "SECURE_COOKIES": "false",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x1y2z3" * 10),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health/", timeout=2).read()
                return base
            except OSError:
                time.sleep(0.2)
        self.process.kill()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
