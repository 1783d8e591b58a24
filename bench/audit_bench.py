"""Audit history's cost on pages: p50 and p95 of a write page and a read page with recording on against off, in the
same run, through Django's test client.

    BENCH_DATABASE_URL=postgres://…/okr_audit uv run python bench/audit_bench.py [--requests 60]

The write is a check-in posted on a key result (a CheckIn saved, its history row written when on); the read is the
key result's page, whose History section lists the changes. On and off alternate in blocks of ten requests, so that
a machine getting busier or calmer weighs on both alike. Goal: p95 with auditing within 1.10x of without.
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x1y2z3" * 10)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from _setup import django_setup, timed

BLOCK = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    django_setup()

    from django.test import override_settings
    from django.urls import reverse

    client, key_result = _key_result_and_editor()
    write_url = reverse("check_in_add", args=[key_result.pk])
    read_url = reverse("key_result_detail", args=[key_result.pk])

    def write() -> None:
        response = client.post(write_url, {"day": "2026-02-02", "confidence": "6", "comment": "bench"})
        assert response.status_code in (200, 302), response.status_code

    def read() -> None:
        assert client.get(read_url).status_code == 200

    times: dict[str, list[float]] = {}
    for _ in range(3):
        write()
        read()
    for block in range(0, args.requests, BLOCK):
        for enabled in (True, False) if block // BLOCK % 2 == 0 else (False, True):
            label = "on " if enabled else "off"
            with override_settings(SIMPLE_HISTORY_ENABLED=enabled):
                times.setdefault(f"check-in POST, auditing {label}", []).extend(_timed(write, BLOCK))
                times.setdefault(f"key result page, auditing {label}", []).extend(_timed(read, BLOCK))
    print(f"{args.requests} requests per case, after 3 warm-ups; milliseconds (goal: p95 on <= 1.10x off)")
    for name, values in times.items():
        print(f"  {name:32s} p50 {statistics.median(values):7.1f}  p95 {_p95(values):7.1f}")
    for page in ("check-in POST", "key result page"):
        on, off = _p95(times[f"{page}, auditing on "]), _p95(times[f"{page}, auditing off"])
        print(f"  {page}: p95 on / off = {on / off:.3f}")


def _timed(function: Callable[[], None], count: int) -> list[float]:
    return [seconds * 1000 for seconds in timed(function, count)]


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _key_result_and_editor() -> tuple[Any, Any]:
    from django.contrib.auth.models import User
    from django.test import Client

    from kpis.models import Kpi
    from kpis.periods import parse_label
    from kpis.services.calendar import period_for
    from kpis.services.library import kpi_library_load
    from okrs.models import KeyResult, Membership, Objective, Team
    from okrs.services.objectives import key_result_create

    kpi_library_load()
    user = User.objects.filter(username="bench-editor").first() or User.objects.create_user("bench-editor")
    team, _ = Team.objects.get_or_create(name="Bench team")
    Membership.objects.get_or_create(user=user, team=team, defaults={"role": Membership.Role.EDITOR})
    key_result = KeyResult.objects.filter(title="Bench FCR").first()
    if key_result is None:
        objective = Objective.objects.create(
            title="Bench objective", team=team, owner=user, period=period_for(span=parse_label("2026-Q1"))
        )
        key_result = key_result_create(
            objective=objective,
            title="Bench FCR",
            kind="kpi_from_to",
            kpi=Kpi.objects.get(key="first_contact_resolution_rate"),
            baseline_value=70,
            target_value=80,
        )
    client = Client()
    client.force_login(user)
    return client, key_result


if __name__ == "__main__":
    main()
