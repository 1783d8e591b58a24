"""A key-result recompute through a real Celery worker process on the real broker."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from kpis.models import ImportBatch, Kpi
from kpis.services import followups
from kpis.services.library import kpi_library_load
from kpis.services.series import SeriesChange
from okrs.models import KeyResult, KeyResultChange, Status
from okrs.services.objectives import current_quarter, key_result_create
from okrs.tasks import key_results_recompute_for_kpis_task
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, quarter, series
from tests.okrs.helpers import day_row, measurements_import

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


def test_the_worker_records_the_import_that_moved_a_running_baseline(worker: Path, tmp_path: Path) -> None:
    # given "-20 % escalations vs 2026-Q4" planned for 2027-Q1, while 2026-Q4 runs: 50 of 400 escalated, 12.5 %
    def import_day(escalated: int, name: str) -> SeriesChange:
        row = day_row(date(2026, 10, 5), "Tier 1", total=400, escalated=escalated, resolved=300, aht=300, csat=(9, 8))
        return measurements_import(tmp_path, [row], name=name)

    import_day(50, "first.csv")
    key_result = key_result_create(
        objective=ObjectiveFactory(period=quarter("2027-Q1")),
        title="Cut escalations 20 %",
        kind=KeyResult.Kind.KPI_RELATIVE,
        kpi=Kpi.objects.get(key="contact_escalation_rate"),
        change_percent=-20,
    )

    # when a correction of that quarter is handed to the worker, as every import's series recompute does
    followups.key_results_enqueue(import_day(48, "correction.csv"))

    # then the worker moves the target and records the batch as the cause
    batch = ImportBatch.objects.get(filename="correction.csv")
    deadline = time.monotonic() + TIMEOUT_SECONDS
    moved = KeyResultChange.objects.filter(
        key_result=key_result, field=KeyResultChange.Field.TARGET, import_batch=batch
    )
    while not moved.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    row = moved.first()
    assert row is not None, worker.read_text()
    assert (row.old_value, row.new_value, row.cause) == (pytest.approx(10.0), pytest.approx(9.6), "import")
