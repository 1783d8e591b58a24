"""A real Celery worker process on the real broker: an import enqueued by the web side ends as KPI series values.

The worker is pointed at pytest-django's test database and at CELERY_BROKER_URL, which the test command sets to a
Redis database of its own; its queue is purged first so that messages left by an earlier run cannot interfere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from config.celery import app as celery_app
from kpis.models import ImportBatch, SeriesValue
from kpis.services.imports import import_batch_create
from kpis.services.library import kpi_library_load
from kpis.tasks import import_batch_process_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
TIMEOUT_SECONDS = 60


def _test_database_url() -> str:
    database = settings.DATABASES["default"]
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Path]:
    """A worker process on the test database and the real broker; yields its log file, then stops it."""
    if not settings.CELERY_BROKER_URL.startswith(("redis", "amqp", "pyamqp")):
        pytest.fail("The worker test needs a real broker: set CELERY_BROKER_URL (tests/check.sh does).")
    celery_app.control.purge()
    env = {key: value for key, value in os.environ.items() if key != "CELERY_TASK_ALWAYS_EAGER"}
    env |= {
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "true" if settings.DEBUG else "false",
        "ALLOWED_HOSTS": ",".join(settings.ALLOWED_HOSTS),
        # The worker reads the uploaded file from the same media storage the web side saved it to.
        "DATA_DIR": str(settings.DATA_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log_path = tmp_path / "worker.log"
    # This process enqueues for real; the other tests run tasks in-process.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                f"--hostname=test-worker-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield log_path
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            celery_app.conf.task_always_eager = eager


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
