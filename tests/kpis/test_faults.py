"""Faults through a real worker: kill -9 of the worker's child or parent at each stage, and a short time limit.

Each import is held at its stage by kpis.faults (test-only, off unless the worker's environment names the stage),
then the worker is hurt. Each ends with the batch succeeded and numbers equal to a clean run's, or failed with the
reason, and never with anything half-written.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from kpis import faults
from kpis.models import ImportBatch, Observation, SeriesValue
from kpis.services.imports import import_batch_create
from kpis.services.library import kpi_library_load
from kpis.tasks import import_batch_process_task, import_batches_recover_task
from tests.conftest import StartWorker, Worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 90
# The seeds' worked examples, in two quarters: 50 of 500 (10 %), then 200 of 1,000 (20 %).
FILE = (
    "date,team,channel,total_contacts,escalated_contacts\n"
    "2026-01-05,Tier 1,phone,500,50\n"
    "2026-04-06,Tier 1,phone,1000,200\n"
)
CLEAN_RUN = {"2026-Q1": pytest.approx(10.0), "2026-Q2": pytest.approx(20.0)}


def _pause(tmp_path: Path, stage: str, seconds: float) -> dict[str, str]:
    return {
        faults.PAUSE_AT: stage,
        faults.PAUSE_SECONDS: str(seconds),
        faults.PAUSE_FLAG: str(tmp_path / "paused-once"),
    }


def _enqueue(tmp_path: Path, **options: Any) -> ImportBatch:
    kpi_library_load()
    path = tmp_path / "measurements.csv"
    path.write_text(FILE, encoding="utf-8")
    batch = import_batch_create(path_or_file=path, filename=path.name, source=ImportBatch.Source.UPLOAD)
    import_batch_process_task.apply_async((batch.pk,), **options)
    return batch


def _quarters() -> dict[str, float | None]:
    return dict(
        SeriesValue.objects.filter(
            kpi__key="contact_escalation_rate", period__grain="quarter", dimension__isnull=True
        ).values_list("period__label", "value")
    )


def _finished(batch: ImportBatch, worker: Worker, *, series: bool = True) -> ImportBatch:
    """The batch once it has failed, or succeeded with (when `series`) its series recomputed."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        batch.refresh_from_db()
        done = batch.status == ImportBatch.Status.FAILED or (
            batch.status == ImportBatch.Status.SUCCEEDED and (batch.series_recomputed_at or not series)
        )
        if done:
            return batch
        assert time.monotonic() < deadline, f"batch {batch.status}, series {batch.series_recomputed_at}\n{worker.log}"
        time.sleep(0.3)


def _assert_clean_run(batch: ImportBatch, worker: Worker) -> None:
    assert batch.status == ImportBatch.Status.SUCCEEDED, (batch.errors, worker.log)
    assert batch.cells_inserted == 4, worker.log
    assert Observation.objects.count() == 4
    assert set(Observation.objects.values_list("batch_id", flat=True)) == {batch.pk}
    assert _quarters() == CLEAN_RUN, worker.log


def _kill_child_at(start_worker: StartWorker, tmp_path: Path, stage: str, seconds: float) -> tuple[ImportBatch, Worker]:
    worker = start_worker(pool="prefork", env=_pause(tmp_path, stage, seconds))
    batch = _enqueue(tmp_path)
    worker.wait_for_log(f"{faults.MARKER} {stage}")
    (child,) = worker.children()
    os.kill(child, signal.SIGKILL)
    return _finished(batch, worker), worker


def test_a_child_killed_during_copy_is_retried_and_ends_as_a_clean_run(
    start_worker: StartWorker, tmp_path: Path
) -> None:
    batch, worker = _kill_child_at(start_worker, tmp_path, "copy", 30)

    _assert_clean_run(batch, worker)
    assert batch.attempts == 2


def test_a_child_killed_during_the_upsert_waits_for_its_dead_session_then_ends_as_a_clean_run(
    start_worker: StartWorker, tmp_path: Path
) -> None:
    # The dead child's database session goes on for 15 s holding the batch's lock: the retry finds it busy and
    # tries again, rather than being acknowledged and dropped.
    batch, worker = _kill_child_at(start_worker, tmp_path, "upsert", 15)

    _assert_clean_run(batch, worker)
    assert "held by another worker; trying again shortly" in worker.log


def test_a_child_killed_during_the_series_insert_ends_with_the_series_of_a_clean_run(
    start_worker: StartWorker, tmp_path: Path
) -> None:
    batch, worker = _kill_child_at(start_worker, tmp_path, "series", 12)

    _assert_clean_run(batch, worker)


def test_a_killed_worker_parent_is_recovered_by_the_sweep(start_worker: StartWorker, tmp_path: Path) -> None:
    # given a worker whose parent process dies (kill -9) while its child copies the file
    quick = {"IMPORT_STALE_SECONDS": "3", "IMPORT_HEARTBEAT_SECONDS": "1"}
    first = start_worker(pool="prefork", env=_pause(tmp_path, "copy", 30) | quick)
    batch = _enqueue(tmp_path)
    first.wait_for_log(f"{faults.MARKER} copy")
    children = first.children()
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait()
    for child in children:
        # What the machine's end would do to the child as well; its message stays unacknowledged in Redis.
        os.kill(child, signal.SIGKILL)

    # when another worker runs beat's sweep once the heartbeat has gone silent
    second = start_worker(pool="prefork", env=quick)
    time.sleep(4)
    import_batches_recover_task.delay()

    # then
    batch = _finished(batch, second)
    _assert_clean_run(batch, second)
    assert "lost its worker; sending it again" in second.log


def _gone(pid: int, timeout: float = 10) -> bool:
    """Whether process `pid` has ended (a zombie no one has reaped yet counts as ended) within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


# The broker hands an unacknowledged message out again this long after it was taken: above the hard time limit, as
# the settings require, and short for the test (in production, the limit + 5 min).
TIME_LIMIT, VISIBILITY_SECONDS = 20, 25


@pytest.mark.parametrize(("stage", "seconds", "attempts"), [("copy", 60, 2), ("series", 12, 1)])
def test_a_killed_worker_parent_alone_is_redelivered_by_the_broker_and_ends_as_a_clean_run(
    start_worker: StartWorker, tmp_path: Path, stage: str, seconds: float, attempts: int
) -> None:
    # given a worker whose main process alone is killed (kill -9) while its child holds the import at `stage`
    limits = {"CELERY_TASK_TIME_LIMIT": str(TIME_LIMIT), "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS)}
    first = start_worker(pool="prefork", env=_pause(tmp_path, stage, seconds) | limits)
    batch = _enqueue(tmp_path, time_limit=TIME_LIMIT, soft_time_limit=TIME_LIMIT - 5)
    first.wait_for_log(f"{faults.MARKER} {stage}")
    taken = time.monotonic()
    (child,) = first.children()
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait()

    # then the child goes with it (Celery asks the kernel for that), and nothing is half-written
    assert _gone(child), f"the pool child {child} outlived its parent"
    batch.refresh_from_db()
    if stage == "copy":
        assert batch.status == ImportBatch.Status.RUNNING
        assert not Observation.objects.exists()
    else:
        assert batch.status == ImportBatch.Status.SUCCEEDED
        assert batch.series_recomputed_at is None
        assert _quarters() == {}

    # when a new worker starts once the message's visibility timeout has passed, with no sweep running
    time.sleep(max(0.0, taken + VISIBILITY_SECONDS + 1 - time.monotonic()))
    second = start_worker(pool="prefork", env=limits)

    # then the broker's redelivery alone finishes the batch as a clean run would have
    batch = _finished(batch, second)
    _assert_clean_run(batch, second)
    assert batch.attempts == attempts
    assert "lost its worker" not in second.log


def test_a_short_time_limit_fails_the_batch_with_the_reason_and_writes_nothing(
    start_worker: StartWorker, tmp_path: Path
) -> None:
    # The limits travel with the message, from the settings of the process that sends it (the same everywhere).
    worker = start_worker(pool="prefork", env=_pause(tmp_path, "copy", 60) | {"CELERY_TASK_TIME_LIMIT": "10"})
    batch = _enqueue(tmp_path, time_limit=10, soft_time_limit=5)

    batch = _finished(batch, worker, series=False)

    assert batch.status == ImportBatch.Status.FAILED, worker.log
    assert "stopped after the time limit of 0 min 10 s; nothing was written" in batch.errors[0]["message"]
    assert not Observation.objects.exists()
    # Stopped by the limit, not by the end of the 60-second pause.
    assert "Soft time limit (5s) exceeded" in worker.log
