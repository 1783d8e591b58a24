"""Benchmarks of the API, each against a reference in the same run.

1. Pushing cells as JSON (`POST /api/v1/measurements/`, through the test client and the whole middleware stack)
   against importing the same cells as a CSV file (the file import a worker runs: store the file, read, check,
   write). Goal: the push reaches >= 0.8 of the file's throughput. Each run writes new values, so every cell is
   updated in both; medians over alternating runs.
2. A 100-row API list against a plain `JsonResponse(list(qs.values()))` of the same rows.

Two lists: measures (flat rows) and KPIs (each with its measures, related KPIs and benchmarks nested, which the
reference leaves out). Both go through Django's test client and the whole middleware stack; the API request also
authenticates its Bearer token. Prints p50 and p95 over repeated requests, their ratios (goal: p95 <= 2x the
reference), and the number of queries at 10 and at 100 rows, which must be the same.

Run: uv run python bench/api_bench.py [--requests 300] [--cells 100000] [--runs 5]
Uses its own database (okr_bench_api); the data are 100 measures and 100 KPIs, made once, and the built-in library.
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
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from _setup import django_setup, timed

GOAL_RATIO = 2.0
PUSH_GOAL = 0.8
ROWS = 100
PUSH_MEASURES = ["total_contacts", "escalated_contacts", "tickets_closed", "tickets_reopened"]
TEAMS = ["Tier 1", "Tier 2", "Billing", "Sales", "Onboarding"]
CHANNELS = ["phone", "email", "chat", "social", "web"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["push", "lists"])
    args = parser.parse_args()
    django_setup()
    if args.only != "lists":
        _push_bench(args.cells, args.runs)
    if args.only == "push":
        return
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


def _records(cells: int, value: int) -> list[dict[str, object]]:
    """Wide records for `cells` cells: a day per 25 segments (team x channel), four measures each."""
    import datetime as dt

    per_record = len(PUSH_MEASURES)
    segments = [(team, channel) for team in TEAMS for channel in CHANNELS]
    first = dt.date(2024, 1, 1)
    records: list[dict[str, object]] = []
    for index in range(cells // per_record):
        day, (team, channel) = divmod(index, len(segments))[0], segments[index % len(segments)]
        record: dict[str, object] = {"date": (first + dt.timedelta(days=day)).isoformat(), "team": team}
        record["channel"] = channel
        record.update({measure: value + n for n, measure in enumerate(PUSH_MEASURES)})
        records.append(record)
    return records


def _push_bench(cells: int, runs: int) -> None:
    import json
    import time

    from django.contrib.auth.models import User
    from django.core.files.base import ContentFile
    from django.test import Client

    from kpis.models import ImportBatch, Measure
    from kpis.services.imports import import_batch_create, import_batch_process
    from kpis.services.library import kpi_library_load
    from kpis.services.push import records_as_csv
    from okrs.api.services import access_token_create
    from okrs.models import AccessToken, Person

    if Measure.objects.filter(key__in=PUSH_MEASURES).count() != len(PUSH_MEASURES):
        kpi_library_load()
    user = User.objects.filter(username="bench-steward").first() or User.objects.create_user("bench-steward")
    Person.objects.update_or_create(user=user, defaults={"org_role": Person.OrgRole.STEWARD})
    AccessToken.objects.filter(user=user).delete()
    _, secret = access_token_create(user=user, name="bench push", scopes=["push"], expires_in_days=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def push(value: int) -> float:
        body = json.dumps({"records": _records(cells, value)})
        started = time.perf_counter()
        response = client.post("/api/v1/measurements/", body, content_type="application/json")
        seconds = time.perf_counter() - started
        assert response.status_code == 202, (response.status_code, response.headers, response.content[:500])
        return seconds

    def file(value: int) -> float:
        content = records_as_csv(_records(cells, value))
        started = time.perf_counter()
        batch = import_batch_create(
            path_or_file=ContentFile(content, name="bench.csv"), filename="bench.csv", source=ImportBatch.Source.COMMAND
        )
        import_batch_process(batch=batch)
        seconds = time.perf_counter() - started
        assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors[:3]
        return seconds

    # Warm-up: the cells exist from here on (every run below updates all of them), and the first request has
    # loaded the URLs and the modules it needs.
    file(1)
    push(2)
    push_times, file_times = [], []
    for run in range(runs):
        push_times.append(push(10 + 2 * run))
        file_times.append(file(11 + 2 * run))
    push_rate = cells / statistics.median(push_times)
    file_rate = cells / statistics.median(file_times)
    ratio = push_rate / file_rate
    verdict = "meets" if ratio >= PUSH_GOAL else "misses"
    print(f"{cells:,} cells ({cells // len(PUSH_MEASURES):,} wide records, 25 segments), median of {runs} runs each")
    print(f"  push as JSON   {statistics.median(push_times):6.2f} s  {push_rate:10,.0f} cells/s")
    print(f"  file as CSV    {statistics.median(file_times):6.2f} s  {file_rate:10,.0f} cells/s")
    print(f"  ratio push / file throughput: {ratio:.2f} ({verdict} the {PUSH_GOAL:g} goal)")


def _data_ensure() -> str:
    """100 measures and 100 KPIs reading two of them, with a benchmark and a related KPI each; a reader's token."""
    from django.contrib.auth.models import User

    from kpis.models import Benchmark, Kpi, Measure
    from okrs.api.services import access_token_create
    from okrs.models import AccessToken

    if Measure.objects.filter(key__startswith="bench_measure_").count() < ROWS:
        Measure.objects.bulk_create(
            [Measure(key=f"bench_measure_{n:03}", name=f"Bench measure {n}", unit="contacts") for n in range(ROWS)],
            ignore_conflicts=True,
        )
    if Kpi.objects.filter(key__startswith="bench_kpi_").count() < ROWS:
        measures = list(Measure.objects.filter(key__startswith="bench_measure_").order_by("key"))
        kpis = Kpi.objects.bulk_create(
            [
                Kpi(key=f"bench_kpi_{n:03}", name=f"Bench KPI {n}", category=f"Category {n % 4}", formula="a / b")
                for n in range(ROWS)
            ],
            ignore_conflicts=True,
        )
        kpis = list(Kpi.objects.filter(key__startswith="bench_kpi_").order_by("key"))
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
