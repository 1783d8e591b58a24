"""A key-result recompute through a real Celery worker process on the real broker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.utils import timezone

from kpis.models import Kpi
from kpis.services.library import kpi_library_load
from okrs.models import KeyResult, Status
from okrs.services.objectives import current_quarter
from okrs.tasks import key_results_recompute_for_kpis_task
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, series

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 60


def test_the_worker_recomputes_the_key_results_an_import_touched(worker: Path) -> None:
    # given FCR this quarter at 75 % and "FCR from 70 % to 80 %", not computed yet
    kpi_library_load()
    fcr = Kpi.objects.get(key="first_contact_resolution_rate")
    objective = ObjectiveFactory(period=current_quarter())
    series(fcr, objective.period, 75.0)
    key_result = KeyResultFactory(objective=objective, kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)
    today = timezone.localdate().isoformat()

    # when the KPI side's hook enqueues the recompute
    key_results_recompute_for_kpis_task.delay(kpi_ids=[fcr.pk], first_day=today, last_day=today)

    # then the worker computes it
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while key_result.computed_at is None and time.monotonic() < deadline:
        time.sleep(0.5)
        key_result = KeyResult.objects.get(pk=key_result.pk)
    log = worker.read_text()
    assert key_result.progress == pytest.approx(50.0), log
    assert key_result.status != Status.NO_DATA, log
