"""No batch is ever stuck: whatever stops an import ends it failed with a reason, or sends it again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone
from pytest_django.fixtures import Settings

from config.celery import RELIABLE_TASK
from config.celery import app as celery_app
from kpis import tasks
from kpis.models import ImportBatch, Observation, SeriesValue
from kpis.services import imports, recovery
from kpis.services.library import kpi_library_load
from tests.factories import ImportBatchFactory
from tests.kpis.test_tasks import WORKED_EXAMPLES

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture(autouse=True)
def _library(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    kpi_library_load()
    celery_app.loader.import_default_modules()


def _batch(tmp_path: Path, text: str = WORKED_EXAMPLES) -> ImportBatch:
    path = tmp_path / "measurements.csv"
    path.write_text(text, encoding="utf-8")
    return imports.import_batch_create(path_or_file=path, filename=path.name, source=ImportBatch.Source.UPLOAD)


def _only_message(batch: ImportBatch) -> str:
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.finished_at is not None
    assert len(batch.errors) == 1, batch.errors
    return str(batch.errors[0]["message"])


def _failing_import(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> list[int]:
    """Make every run of an import raise `error` half-way, after its first cells are staged; returns the runs."""
    runs: list[int] = []
    real = imports._Stage.apply

    def apply(stage: Any) -> None:
        runs.append(stage.batch.pk)
        real(stage)
        raise error

    monkeypatch.setattr(imports._Stage, "apply", apply)
    return runs


# Every task shares one definition of what reliable means, and one time limit


def test_every_task_of_both_apps_is_reliable_and_runs_under_the_one_time_limit() -> None:
    ours = [task for name, task in celery_app.tasks.items() if name.startswith(("kpis.", "okrs."))]

    assert len(ours) >= 8
    for task in ours:
        for option, value in RELIABLE_TASK.items():
            if option == "autoretry_for":
                # A task may also retry errors of its own (a webhook's refused delivery), never fewer.
                assert set(value) <= set(task.autoretry_for), task.name
            else:
                assert getattr(task, option) == value, (task.name, option)
        # The one setting, which the broker's visibility timeout is derived from; no task sets its own.
        assert task.time_limit == settings.CELERY_TASK_TIME_LIMIT, task.name
        assert task.soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT < task.time_limit, task.name


def test_the_redis_visibility_timeout_is_above_the_hard_time_limit() -> None:
    assert settings.CELERY_BROKER_URL.startswith("redis")

    assert celery_app.conf.broker_transport_options["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT


def test_beat_sweeps_for_lost_imports_every_minute() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["kpis-import-batches-recover"]

    assert entry == {"task": "kpis.import_batches_recover", "schedule": 60.0}
    assert entry["task"] in celery_app.tasks


# What stops an import ends it failed, with a reason a person understands, and nothing written


def test_the_soft_time_limit_fails_the_batch_saying_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    batch = _batch(tmp_path)
    _failing_import(monkeypatch, SoftTimeLimitExceeded())

    # when
    result = tasks.import_batch_process_task.delay(batch.pk).get()

    # then
    assert result == ImportBatch.Status.FAILED
    assert "stopped after the time limit of 30 min 00 s" in _only_message(batch)
    assert not Observation.objects.exists()


def test_running_out_of_memory_fails_the_batch_saying_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    batch = _batch(tmp_path)
    _failing_import(monkeypatch, MemoryError())

    # when
    tasks.import_batch_process_task.delay(batch.pk).get()

    # then
    assert _only_message(batch).startswith("the worker ran out of memory reading this file; nothing was written")
    assert not Observation.objects.exists()


def test_an_unexpected_error_fails_the_batch_instead_of_leaving_it_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    batch = _batch(tmp_path)
    _failing_import(monkeypatch, KeyError("surprise"))

    # when
    outcome = tasks.import_batch_process_task.apply([batch.pk], throw=False)

    # then
    assert outcome.failed()
    assert "stopped on an unexpected error (KeyError)" in _only_message(batch)
    assert not Observation.objects.exists()


def test_a_database_error_is_retried_and_after_the_last_retry_fails_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a deadlock, or a database that keeps dropping the connection
    batch = _batch(tmp_path)
    runs = _failing_import(monkeypatch, OperationalError("deadlock detected"))
    # Each retry runs in-process, inside the one before it; only the outcome of the last one matters here.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)

    # when
    tasks.import_batch_process_task.apply([batch.pk], throw=False)

    # then every try started the import over, and the last one left a reason
    assert len(runs) == 1 + RELIABLE_TASK["max_retries"]
    assert "stayed unreachable through every retry" in _only_message(batch)
    assert not Observation.objects.exists()


def test_a_batch_started_too_often_is_failed_instead_of_started_again(tmp_path: Path) -> None:
    # given a batch whose worker died each of the times it was started
    batch = _batch(tmp_path)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, attempts=3)
    batch.refresh_from_db()

    # when the message comes back once more
    result = tasks.import_batch_process_task.delay(batch.pk).get()

    # then
    assert result == ImportBatch.Status.FAILED
    assert _only_message(batch).startswith("the import was started 3 times and its worker stopped each time")
    assert not Observation.objects.exists()


def test_each_start_is_counted_and_a_rerun_after_a_crash_starts_over(tmp_path: Path) -> None:
    # given a batch a dead worker left running
    batch = _batch(tmp_path)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, attempts=1)

    # when
    tasks.import_batch_process_task.delay(batch.pk).get()

    # then
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert batch.attempts == 2
    assert batch.cells_inserted == 4


# Succeeded means the series are in; until then the batch says so


def test_succeeded_data_says_series_pending_until_the_series_recompute_commits(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    batch = _batch(tmp_path)

    # when the import has committed but the series task has not run
    with django_capture_on_commit_callbacks() as callbacks:
        tasks.import_batch_process_task.delay(batch.pk).get()
    batch.refresh_from_db()

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert imports.series_pending(batch)
    assert not SeriesValue.objects.exists()

    # when it runs
    for callback in callbacks:
        callback()

    # then
    batch.refresh_from_db()
    assert not imports.series_pending(batch)
    assert batch.series_recomputed_at is not None
    assert SeriesValue.objects.exists()


def test_a_series_recompute_delivered_twice_recomputes_once(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    batch = _batch(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.import_batch_process_task.delay(batch.pk).get()

    # when
    again = tasks.series_recompute_for_batch_task.delay(batch.pk).get()

    # then
    assert again == []


# The sweep beat runs: batches whose worker is gone


def _stale(**fields: Any) -> ImportBatch:
    long_ago = timezone.now() - dt.timedelta(seconds=settings.IMPORT_STALE_SECONDS + 5)
    return ImportBatchFactory(**{"heartbeat_at": long_ago, "started_at": long_ago, **fields})


def test_the_sweep_sends_again_a_running_batch_whose_heartbeat_stopped() -> None:
    # given
    lost = _stale(status=ImportBatch.Status.RUNNING, attempts=1)
    alive = ImportBatchFactory(status=ImportBatch.Status.RUNNING, attempts=1, heartbeat_at=timezone.now())

    # when
    found = recovery.import_batches_recover()

    # then
    assert found.resend == [lost.pk]
    assert alive.pk not in found.resend
    lost.refresh_from_db()
    # Touched, so that the next sweep a minute later leaves it to the message just sent.
    assert timezone.now() - lost.heartbeat_at < dt.timedelta(seconds=5)
    assert recovery.import_batches_recover().resend == []


def test_the_sweep_fails_a_lost_batch_that_was_started_too_often() -> None:
    # given
    lost = _stale(status=ImportBatch.Status.RUNNING, attempts=settings.IMPORT_MAX_ATTEMPTS)

    # when
    found = recovery.import_batches_recover()

    # then
    assert found.failed == [lost.pk]
    assert _only_message(lost).startswith(f"the import was started {lost.attempts} times")


def test_the_sweep_sends_the_series_recompute_of_a_batch_whose_series_never_came() -> None:
    # given
    pending = _stale(
        status=ImportBatch.Status.SUCCEEDED, finished_at=timezone.now() - dt.timedelta(hours=1), heartbeat_at=None
    )
    done = _stale(status=ImportBatch.Status.SUCCEEDED, finished_at=timezone.now() - dt.timedelta(hours=1))
    dry_run = _stale(
        status=ImportBatch.Status.SUCCEEDED,
        dry_run=True,
        series_recomputed_at=None,
        finished_at=timezone.now() - dt.timedelta(hours=1),
    )
    ImportBatch.objects.filter(pk=pending.pk).update(series_recomputed_at=None)

    # when
    found = recovery.import_batches_recover()

    # then
    assert found.series == [pending.pk]
    assert done.pk not in found.series
    assert dry_run.pk not in found.series


def test_the_sweep_leaves_alone_a_batch_a_worker_still_holds(other_connection: psycopg.Connection[Any]) -> None:
    # given a silent batch whose lock a live session holds (a worker stuck in one long statement)
    held = _stale(status=ImportBatch.Status.RUNNING, attempts=1)
    other_connection.execute("SELECT pg_advisory_lock(%s, %s)", [recovery.IMPORT_LOCK_CLASS, held.pk])

    # when
    found = recovery.import_batches_recover()

    # then
    assert found.resend == found.failed == []


def test_the_sweep_task_sends_the_tasks_it_found(tmp_path: Path, django_capture_on_commit_callbacks: Capture) -> None:
    # given a batch whose worker died before it started reading
    batch = _batch(tmp_path)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, attempts=1, heartbeat_at=long_ago, started_at=long_ago
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        found = tasks.import_batches_recover_task.delay().get()

    # then the import ran again and its series followed
    batch.refresh_from_db()
    assert found["resent"] == [batch.pk]
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert batch.series_recomputed_at is not None
    assert SeriesValue.objects.filter(kpi__key="contact_escalation_rate", period__label="2026-01").exists()
