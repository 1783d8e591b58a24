from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery.exceptions import Retry
from celery.signals import task_prerun
from django.core.exceptions import ValidationError
from django.db import OperationalError

from config.celery import app as celery_app
from kpis import tasks
from kpis.models import ImportBatch, Kpi, Observation, SeriesValue
from kpis.services import followups, imports
from kpis.services.library import kpi_library_load

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

# The seeds' worked examples: 50 of 500 is 10 %, 200 of 1,000 is 20 %; pooled over the month 250 of 1,500.
WORKED_EXAMPLES = (
    "date,team,channel,total_contacts,escalated_contacts\n"
    "2026-01-05,Tier 1,phone,500,50\n"
    "2026-01-06,Tier 2,email,1000,200\n"
)


@pytest.fixture(autouse=True)
def _library(db: None) -> None:
    kpi_library_load()


@pytest.fixture(autouse=True, scope="module")
def _every_task_registered() -> None:
    # As a worker does at start-up, so that a task enqueued by name (the okrs one) runs in-process, not on a broker.
    celery_app.loader.import_default_modules()


def _batch(tmp_path: Path, text: str, *, dry_run: bool = False) -> ImportBatch:
    path = tmp_path / "measurements.csv"
    path.write_text(text, encoding="utf-8")
    return imports.import_batch_create(
        path_or_file=path, filename=path.name, source=ImportBatch.Source.UPLOAD, dry_run=dry_run
    )


def _escalation(label: str, member: str = "") -> float | None:
    value = SeriesValue.objects.get(kpi__key="contact_escalation_rate", period__label=label, member=member)
    return value.value


def test_an_import_recomputes_its_series_only_after_it_has_committed(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    batch = _batch(tmp_path, WORKED_EXAMPLES)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        result = tasks.import_batch_process_task.delay(batch.pk).get()

    # then the cells are stored but the recompute waits for the commit
    assert result == ImportBatch.Status.SUCCEEDED
    assert Observation.objects.count() == 4
    assert not SeriesValue.objects.exists()
    assert len(callbacks) == 1

    # when the transaction commits
    callbacks[0]()

    # then
    assert _escalation("2026-01") == pytest.approx(100 * 250 / 1500)
    assert _escalation("2026-Q1", member="Tier 1") == pytest.approx(10.0)
    assert _escalation("2026-Q1", member="Tier 2") == pytest.approx(20.0)


def test_a_failed_import_writes_nothing_and_enqueues_nothing(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # given a negative count on line 3
    batch = _batch(tmp_path, WORKED_EXAMPLES.replace("1000,200", "1000,-200"))

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = tasks.import_batch_process_task.delay(batch.pk).get()

    # then
    batch.refresh_from_db()
    assert result == batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["line"] == 3
    assert callbacks == []
    assert not Observation.objects.exists()
    assert not SeriesValue.objects.exists()


def test_running_an_import_task_again_changes_nothing(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    batch = _batch(tmp_path, WORKED_EXAMPLES)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.import_batch_process_task.delay(batch.pk)
    before = list(Observation.objects.values().order_by("measure", "day", "segment"))

    # when the message is delivered a second time
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = tasks.import_batch_process_task.delay(batch.pk).get()

    # then
    assert result == ImportBatch.Status.SUCCEEDED
    assert callbacks == []
    assert list(Observation.objects.values().order_by("measure", "day", "segment")) == before


def test_a_dry_run_import_writes_and_enqueues_nothing(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    batch = _batch(tmp_path, WORKED_EXAMPLES, dry_run=True)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = tasks.import_batch_process_task.delay(batch.pk).get()

    # then
    assert result == ImportBatch.Status.SUCCEEDED
    assert callbacks == []
    assert not Observation.objects.exists()


def test_it_retries_when_the_database_connection_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Capture
) -> None:
    # given a database that drops the first attempt
    batch = _batch(tmp_path, WORKED_EXAMPLES)
    real = imports.import_batch_process
    attempts: list[int] = []

    def flaky(*, batch: ImportBatch, **options: Any) -> ImportBatch:
        attempts.append(batch.pk)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(batch=batch, **options)

    monkeypatch.setattr(imports, "import_batch_process", flaky)

    # when (applied as a worker would: the retry is not raised to the caller but run)
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.import_batch_process_task.apply([batch.pk], throw=False).get()

    # then
    assert result == ImportBatch.Status.SUCCEEDED
    assert len(attempts) == 2
    assert _escalation("2026-01") == pytest.approx(100 * 250 / 1500)


def test_it_does_not_retry_a_validation_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    batch = _batch(tmp_path, WORKED_EXAMPLES)
    attempts: list[int] = []

    def invalid(*, batch: ImportBatch, **options: Any) -> ImportBatch:
        attempts.append(batch.pk)
        raise ValidationError("not retryable")

    monkeypatch.setattr(imports, "import_batch_process", invalid)

    # when
    outcome = tasks.import_batch_process_task.apply([batch.pk], throw=False)

    # then
    assert outcome.failed()
    assert isinstance(outcome.result, ValidationError)
    assert attempts == [batch.pk]


@pytest.mark.django_db(transaction=True)
def test_a_batch_another_worker_is_processing_is_left_to_it(
    tmp_path: Path, other_connection: psycopg.Connection[Any]
) -> None:
    # given another worker holding the batch's lock
    kpi_library_load()
    batch = _batch(tmp_path, WORKED_EXAMPLES)
    other_connection.execute("SELECT pg_advisory_lock(%s, %s)", [tasks.IMPORT_LOCK_CLASS, batch.pk])

    # when, then it is sent again for later (not acknowledged and dropped)
    with pytest.raises(Retry, match="Retry in 10s"):
        tasks.import_batch_process_task.delay(batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PENDING
    assert not Observation.objects.exists()

    # when the other worker lets go
    other_connection.execute("SELECT pg_advisory_unlock(%s, %s)", [tasks.IMPORT_LOCK_CLASS, batch.pk])
    result = tasks.import_batch_process_task.delay(batch.pk).get()

    # then
    assert result == ImportBatch.Status.SUCCEEDED
    assert _escalation("2026-01") == pytest.approx(100 * 250 / 1500)


def test_the_series_task_recomputes_only_after_a_successful_import(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # given a batch that failed
    batch = _batch(tmp_path, "date,total_contacts\nnot a date,1\n")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.import_batch_process_task.delay(batch.pk)

    # when
    kpi_ids = tasks.series_recompute_for_batch_task.delay(batch.pk).get()

    # then
    assert kpi_ids == []
    assert not SeriesValue.objects.exists()


def test_the_series_task_names_the_kpis_it_recomputed(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    batch = _batch(tmp_path, WORKED_EXAMPLES)
    with django_capture_on_commit_callbacks(execute=False):
        tasks.import_batch_process_task.delay(batch.pk)

    # when
    kpi_ids = tasks.series_recompute_for_batch_task.delay(batch.pk).get()

    # then every KPI reading total or escalated contacts, and no other
    readers = Kpi.objects.filter(measures__key__in=["total_contacts", "escalated_contacts"]).distinct()
    assert sorted(kpi_ids) == sorted(readers.values_list("id", flat=True))
    assert Kpi.objects.get(pk__in=kpi_ids, key="contact_escalation_rate")
    assert not Kpi.objects.filter(pk__in=kpi_ids, key="csat").exists()


def test_the_nightly_task_rebuilds_every_series_from_the_observations(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # given series values lost or damaged since the import
    batch = _batch(tmp_path, WORKED_EXAMPLES)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.import_batch_process_task.delay(batch.pk)
    SeriesValue.objects.filter(period__label="2026-01").update(value=99.0)
    SeriesValue.objects.filter(period__label="2026-Q1").delete()

    # when
    tasks.series_recompute_all_task.delay()

    # then
    assert _escalation("2026-01") == pytest.approx(100 * 250 / 1500)
    assert _escalation("2026-Q1") == pytest.approx(100 * 250 / 1500)


@pytest.fixture
def started_tasks() -> Iterator[list[tuple[str, list[Any]]]]:
    """The name and arguments of every task that starts while the test runs."""
    started: list[tuple[str, list[Any]]] = []

    def record(sender: Any = None, args: Any = None, **extra: Any) -> None:
        started.append((sender.name, list(args or [])))

    task_prerun.connect(record, weak=False)
    yield started
    task_prerun.disconnect(record)


def test_the_series_task_hands_the_kpis_and_days_it_changed_to_the_key_results_after_commit(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture, started_tasks: list[tuple[str, list[Any]]]
) -> None:
    # given
    batch = _batch(tmp_path, WORKED_EXAMPLES)
    with django_capture_on_commit_callbacks(execute=False):
        tasks.import_batch_process_task.delay(batch.pk)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        kpi_ids = tasks.series_recompute_for_batch_task.delay(batch.pk).get()
    started_before_commit = list(started_tasks)
    for callback in callbacks:
        callback()

    # then, with the batch as the cause the key results' lineage records
    assert followups.KEY_RESULTS_TASK not in {name for name, _ in started_before_commit}
    assert (followups.KEY_RESULTS_TASK, [kpi_ids, "2026-01-05", "2026-01-06", "import", batch.pk]) in started_tasks


def test_an_import_that_changed_nothing_recomputes_nothing_downstream(
    tmp_path: Path, django_capture_on_commit_callbacks: Capture, started_tasks: list[tuple[str, list[Any]]]
) -> None:
    # given the same file imported before
    with django_capture_on_commit_callbacks(execute=True):
        tasks.import_batch_process_task.delay(_batch(tmp_path, WORKED_EXAMPLES).pk)
    started_tasks.clear()

    # when it is imported again
    with django_capture_on_commit_callbacks(execute=True):
        tasks.import_batch_process_task.delay(_batch(tmp_path, WORKED_EXAMPLES).pk)

    # then the series task finds no change and the key results are left alone
    assert [name for name, _ in started_tasks] == ["kpis.import_batch_process", "kpis.series_recompute_for_batch"]


@pytest.mark.django_db(transaction=True)
def test_another_connection_sees_the_import_running_and_how_far_it_has_got(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other_connection: psycopg.Connection[Any]
) -> None:
    # given
    kpi_library_load()
    batch = _batch(tmp_path, WORKED_EXAMPLES)
    seen: list[tuple[str, str, dict[str, Any] | None]] = []
    report = tasks.import_progress_report

    def watch(batch_id: int, stage: str, rows: int = 0) -> None:
        report(batch_id, stage, rows)
        row = other_connection.execute("SELECT status FROM kpis_importbatch WHERE id = %s", [batch_id]).fetchone()
        other_connection.rollback()
        seen.append((stage, row[0] if row else "", tasks.import_progress([batch_id]).get(batch_id)))

    monkeypatch.setattr(tasks, "import_progress_report", watch)

    # when
    result = tasks.import_batch_process_task.delay(batch.pk).get()

    # then every stage was visible to the web while the import ran, and the progress is gone once it is over
    assert result == ImportBatch.Status.SUCCEEDED
    assert [stage for stage, _, _ in seen] == ["reading", "checking", "writing", "recomputing"]
    assert {status for _, status, _ in seen} == {ImportBatch.Status.RUNNING, ImportBatch.Status.SUCCEEDED}
    assert seen[0][1] == ImportBatch.Status.RUNNING
    assert seen[1][2] == {"stage": "checking", "rows": 2}
    assert tasks.import_progress([batch.pk]) == {}
