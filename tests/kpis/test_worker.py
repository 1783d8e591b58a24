"""A real Celery worker process on the real broker: an import enqueued by the web side ends as KPI series values.

The worker is pointed at pytest-django's test database and at CELERY_BROKER_URL, which the test command sets to a
Redis database of its own; its queue is purged first so that messages left by an earlier run cannot interfere.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from kpis.models import ImportBatch, Kpi, SeriesValue
from kpis.selectors import series_value
from kpis.services.calendar import period_for_label
from kpis.services.definitions import kpi_upsert, measure_upsert
from kpis.services.imports import import_batch_create
from kpis.services.library import kpi_library_load
from kpis.services.series import series_recompute_all
from kpis.tasks import import_batch_process_task
from tests.kpis.conftest import Observe

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


def test_a_formula_edited_through_the_worker_shows_its_new_values(worker: Path, observe: Observe) -> None:
    # given Transfer rate at 6.8 % (17 of 250)
    measure_upsert(key="transfers", name="Transfers")
    measure_upsert(key="total_contacts", name="Total contacts")
    observe("transfers", dt.date(2026, 1, 5), 17)
    observe("total_contacts", dt.date(2026, 1, 5), 250)
    series_recompute_all()

    # when its formula is edited (the recompute is sent to the worker on commit)
    kpi = kpi_upsert(key="transfer_rate", name="Transfer rate", formula="1000 * transfers / total_contacts")

    # then the worker stores the values under the new formula and clears the mark
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while Kpi.objects.get(pk=kpi.pk).recompute_requested_at is not None and time.monotonic() < deadline:
        time.sleep(0.5)
    log = worker.read_text()
    assert Kpi.objects.get(pk=kpi.pk).recompute_requested_at is None, log
    assert series_value(kpi=kpi, period=period_for_label(label="2026-Q1")) == pytest.approx(68.0), log
