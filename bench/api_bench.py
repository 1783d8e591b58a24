"""Benchmark: a 100-row API list against a plain `JsonResponse(list(qs.values()))` of the same rows, in one run.

Two lists: measures (flat rows) and KPIs (each with its measures, related KPIs and benchmarks nested, which the
reference leaves out). Both go through Django's test client and the whole middleware stack; the API request also
authenticates its Bearer token. Prints p50 and p95 over repeated requests, their ratios (goal: p95 <= 2x the
reference), and the number of queries at 10 and at 100 rows, which must be the same.

Run: uv run python bench/api_bench.py [--requests 300]
Uses its own database (okr_bench_api); the data are 100 measures and 100 KPIs, made once.
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections.abc import Callable

os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/okr_bench_api")
# Measured as deployed: production mode, so no debug bookkeeping in queries.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x1y2z3" * 10)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECURE_COOKIES", "false")

from _setup import django_setup, timed

GOAL_RATIO = 2.0
ROWS = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    django_setup()
    secret = _data_ensure()

    from django.test import Client
    from django.test.utils import override_settings

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    with override_settings(ROOT_URLCONF=_urls()):
        print(f"{args.requests} requests each after 20 warm-ups, {ROWS} rows; milliseconds")
        print(f"{'':44}{'p50':>8}{'p95':>8}{'queries@10':>12}{'queries@100':>12}")
        for name, api, reference in (
            ("measures", f"/api/v1/measures/?page_size={ROWS}", f"/bench/measures/?rows={ROWS}"),
            ("KPIs", f"/api/v1/kpis/?page_size={ROWS}&ordering=key", f"/bench/kpis/?rows={ROWS}"),
        ):
            api_times = _times(client, api, args.requests)
            reference_times = _times(client, reference, args.requests)
            print(_row(f"API       {name}", api_times, client, api))
            print(_row(f"reference {name} JsonResponse(values())", reference_times, client, reference))
            p50 = _percentile(api_times, 50) / _percentile(reference_times, 50)
            p95 = _percentile(api_times, 95) / _percentile(reference_times, 95)
            verdict = "meets" if p95 <= GOAL_RATIO else "misses"
            print(f"  ratio API / reference: p50 {p50:.2f}x, p95 {p95:.2f}x ({verdict} the {GOAL_RATIO:g}x goal)")
            # What the rows themselves cost: a page of 100 against a page of 1, for each.
            api_rows = _percentile(api_times, 50) - _percentile(_times(client, _one(api), args.requests), 50)
            reference_rows = _percentile(reference_times, 50) - _percentile(
                _times(client, _one(reference), args.requests), 50
            )
            ratio = f"{api_rows / reference_rows:.2f}x" if reference_rows > 0 else "within the noise"
            print(
                f"  99 more rows cost: API {api_rows:.2f} ms, reference {reference_rows:.2f} ms ({ratio}); "
                "the rest is per request"
            )


def _data_ensure() -> str:
    """100 measures and 100 KPIs reading two of them, with a benchmark and a related KPI each; a reader's token."""
    from django.contrib.auth.models import User

    from kpis.models import Benchmark, Kpi, Measure
    from okrs.api.services import access_token_create
    from okrs.models import AccessToken

    if Measure.objects.count() < ROWS:
        Measure.objects.bulk_create(
            [Measure(key=f"bench_measure_{n:03}", name=f"Bench measure {n}", unit="contacts") for n in range(ROWS)],
            ignore_conflicts=True,
        )
    if Kpi.objects.count() < ROWS:
        measures = list(Measure.objects.order_by("key")[:ROWS])
        kpis = Kpi.objects.bulk_create(
            [
                Kpi(key=f"bench_kpi_{n:03}", name=f"Bench KPI {n}", category=f"Category {n % 4}", formula="a / b")
                for n in range(ROWS)
            ],
            ignore_conflicts=True,
        )
        kpis = list(Kpi.objects.order_by("key"))
        for n, kpi in enumerate(kpis):
            kpi.measures.set([measures[n], measures[(n + 1) % ROWS]])
            kpi.related.set([kpis[(n + 1) % ROWS]])
        Benchmark.objects.bulk_create([Benchmark(kpi=kpi, label="Good", low=1, high=2, source="bench") for kpi in kpis])
    user = User.objects.filter(username="bench-reader").first() or User.objects.create_user("bench-reader")
    AccessToken.objects.filter(user=user).delete()
    _, secret = access_token_create(user=user, name="bench", scopes=["read"], expires_in_days=None)
    return secret


def _urls() -> str:
    """The app's URLs plus the two reference views, as a module for ROOT_URLCONF."""
    import sys
    from types import ModuleType

    from django.contrib.auth.decorators import login_not_required
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    from config import urls
    from kpis.models import Kpi, Measure

    @login_not_required
    def measures(request: HttpRequest) -> JsonResponse:
        rows = int(request.GET["rows"])
        return JsonResponse(list(Measure.objects.order_by("key")[:rows].values()), safe=False)

    @login_not_required
    def kpis(request: HttpRequest) -> JsonResponse:
        rows = int(request.GET["rows"])
        return JsonResponse(list(Kpi.objects.order_by("key")[:rows].values()), safe=False)

    module = ModuleType("api_bench_urls")
    module.urlpatterns = [path("bench/measures/", measures), path("bench/kpis/", kpis), *urls.urlpatterns]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return module.__name__


def _times(client: object, url: str, requests: int) -> list[float]:
    get: Callable[[], object] = lambda: _ok(client, url)  # noqa: E731
    timed(get, 20)
    return [seconds * 1000 for seconds in timed(get, requests)]


def _ok(client: object, url: str) -> None:
    response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200, (url, response.status_code, response.content[:300])


def _one(url: str) -> str:
    return url.replace(f"={ROWS}", "=1")


def _queries(client: object, url: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for rows in (10, ROWS):
        with CaptureQueriesContext(connection) as captured:
            _ok(client, url.replace(f"={ROWS}", f"={rows}"))
        counts.append(len(captured.captured_queries))
    return counts[0], counts[1]


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _row(name: str, times: list[float], client: object, url: str) -> str:
    at_10, at_100 = _queries(client, url)
    return f"  {name:42}{_percentile(times, 50):8.2f}{_percentile(times, 95):8.2f}{at_10:12}{at_100:12}"


if __name__ == "__main__":
    main()
