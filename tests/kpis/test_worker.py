"""A real Celery worker process on the real broker: an import enqueued by the web side ends as KPI series values.

The worker is pointed at pytest-django's test database and at CELERY_BROKER_URL, which the test command sets to a
Redis database of its own; its queue is purged first so that messages left by an earlier run cannot interfere.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kpis.models import ImportBatch, SeriesValue
from kpis.services.imports import import_batch_create
from kpis.services.library import kpi_library_load
from kpis.tasks import import_batch_process_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 60


def test_a_file_imported_through_the_worker_ends_as_kpi_series_values(worker: Path, tmp_path: Path) -> None:
    # given the library and a file with the seeds' worked examples: 50 of 500, then 200 of 1,000
    kpi_library_load()
    path = tmp_path / "measurements.csv"
    path.write_text(
        "date,team,channel,total_contacts,escalated_contacts\n"
        "2026-01-05,Tier 1,phone,500,50\n"
        "2026-04-06,Tier 1,phone,1000,200\n",
        encoding="utf-8",
    )
    batch = import_batch_create(path_or_file=path, filename=path.name, source=ImportBatch.Source.UPLOAD)

    # when the web side enqueues it
    import_batch_process_task.apply_async((batch.pk,))

    # then the worker imports it and the recompute it enqueues fills the series
    values: dict[str, float | None] = {}
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while len(values) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        values = dict(
            SeriesValue.objects.filter(
                kpi__key="contact_escalation_rate", period__grain="quarter", dimension__isnull=True
            ).values_list("period__label", "value")
        )
    log = worker.read_text()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED, log
    assert values == {"2026-Q1": pytest.approx(10.0), "2026-Q2": pytest.approx(20.0)}, log
