"""Celery entry points for the KPI engine: fetch rows by id, take the lock for the target, call one service.

Every task is idempotent: a redelivered message (acks late, sent again when a worker dies) finds its work done and
returns. Operational errors (database or broker unreachable, lock timeouts, a deadlock PostgreSQL broke) are
retried; a bad file is a result recorded on its batch, not an error. No import is ever left running: whatever stops
one (a time limit, memory, a lost worker) ends it failed with the reason, or sends it again (see
import_batches_recover, which beat runs every minute).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from config.celery import RELIABLE_TASK, RETRIED_ERRORS
from kpis.models import ImportBatch
from kpis.services import followups, imports, recovery, series
from kpis.signals import import_ended

logger = logging.getLogger(__name__)

# The advisory-lock key space of import batches: (this number, batch id). Two-int keys never meet the series
# recompute's single bigint key.
IMPORT_LOCK_CLASS = recovery.IMPORT_LOCK_CLASS
# Another worker holds the batch (or a killed worker's session still does, until PostgreSQL notices): look again.
BUSY_RETRY_SECONDS = 10


def import_ended_notify(batch_id: int) -> None:
    """Tell the apps listening (the okrs webhooks) that the batch has ended; they add to the current transaction."""
    import_ended.send(sender=ImportBatch, batch_id=batch_id)


class ImportStage:
    QUEUED = "queued"
    READING = "reading"
    CHECKING = "checking"
    WRITING = "writing"
    RECOMPUTING = "recomputing"


# Progress lives in the shared cache, not the database: the import's own transaction hides its rows until the end,
# and a progress write per 10,000 rows should not cost a commit. A worker that dies leaves an entry that expires.
_PROGRESS_SECONDS = 3600


def _progress_key(batch_id: int) -> str:
    return f"kpis:import-progress:{batch_id}"


def import_progress_report(batch_id: int, stage: str, rows: int = 0) -> None:
    """Record how far an import has got, for the web pages."""
    cache.set(_progress_key(batch_id), {"stage": stage, "rows": rows}, _PROGRESS_SECONDS)


def import_progress(batch_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The recorded progress of the batches that have any: {batch id: {"stage": …, "rows": …}}."""
    found = cache.get_many([_progress_key(batch_id) for batch_id in batch_ids])
    return {batch_id: found[key] for batch_id in batch_ids if (key := _progress_key(batch_id)) in found}


def import_progress_clear(batch_id: int) -> None:
    cache.delete(_progress_key(batch_id))


@contextmanager
def _batch_lock(batch_id: int) -> Iterator[bool]:
    """Whether this worker holds the batch's advisory lock, held until the block ends.

    An advisory lock rather than a row lock, because the import commits `running` and its data in transactions
    of its own, and the lock must outlive them. It is the session's, so a worker that dies lets go of it.
    SQLite has no such lock; its single writer and the batch's status keep a batch from running twice there.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK_CLASS, batch_id])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK_CLASS, batch_id])


def _why_stopped(error: BaseException) -> str:
    """What a person reads on the batch when its task ended with `error` instead of a result."""
    limit = int(settings.CELERY_TASK_TIME_LIMIT)
    if isinstance(error, SoftTimeLimitExceeded | TimeLimitExceeded):
        return (
            f"the import was stopped after the time limit of {limit // 60} min {limit % 60:02d} s; nothing was "
            "written. Split the file into smaller ones, or ask the operator to raise CELERY_TASK_TIME_LIMIT"
        )
    if isinstance(error, MemoryError):
        return imports.OUT_OF_MEMORY
    if isinstance(error, RETRIED_ERRORS):
        return (
            "the database or the task queue stayed unreachable through every retry; nothing was written. "
            "Start the import again once they are back"
        )
    return (
        f"the import stopped on an unexpected error ({type(error).__name__}); nothing was written. The worker's "
        "log has the details for the operator"
    )


class _ImportTask(Task):
    """Ends the batch failed, with the reason, whenever the task itself fails: out of retries, a hard time limit
    (Celery calls this from the worker's main process after killing the child), an unexpected error."""

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        batch_id = (args or [kwargs.get("batch_id")])[0]
        if batch_id is not None:
            recovery.import_batch_fail(batch_id=int(batch_id), message=_why_stopped(exc))
            import_progress_clear(int(batch_id))


def _busy_retries() -> int:
    # A batch another worker really holds finishes within the time limit; after that the lock is a dead session's
    # and import_batches_recover takes over.
    return int(settings.CELERY_TASK_TIME_LIMIT) // BUSY_RETRY_SECONDS + 1


@shared_task(name="kpis.import_batch_process", bind=True, base=_ImportTask, **RELIABLE_TASK)
def import_batch_process_task(self: Task, batch_id: int) -> str:
    """Validate and store a pending import batch, then recompute the series it touched once it has committed."""
    with _batch_lock(batch_id) as held:
        if not held:
            if self.request.retries < _busy_retries():
                logger.info("Import batch %s is held by another worker; trying again shortly.", batch_id)
                raise self.retry(countdown=BUSY_RETRY_SECONDS, max_retries=None)
            logger.warning("Import batch %s stayed held by another worker; leaving it to recovery.", batch_id)
            return "busy"
        batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status in imports.FINISHED:
            if imports.series_pending(batch):
                transaction.on_commit(partial(series_recompute_for_batch_task.delay, batch.pk))
            return batch.status
        try:
            imports.import_batch_process(batch=batch, progress=partial(import_progress_report, batch_id))
        except SoftTimeLimitExceeded as error:
            # Raised inside the import, whose transaction has rolled back: the batch can be failed right here.
            recovery.import_batch_fail(batch_id=batch_id, message=_why_stopped(error))
            import_progress_clear(batch_id)
            import_ended_notify(batch_id)
            return ImportBatch.Status.FAILED
        if batch.status in imports.FINISHED:
            import_ended_notify(batch_id)
        if imports.series_pending(batch):
            import_progress_report(batch_id, ImportStage.RECOMPUTING, batch.rows_read)
            transaction.on_commit(partial(series_recompute_for_batch_task.delay, batch.pk))
        else:
            import_progress_clear(batch_id)
    return batch.status


@shared_task(name="kpis.series_recompute_for_batch", **RELIABLE_TASK)
def series_recompute_for_batch_task(batch_id: int) -> list[int]:
    """Recompute the series an import batch touched, then, on commit, the key results that read them.

    Returns the ids of the KPIs recomputed; none when the batch failed, was a dry run, or is done already.
    """
    change = imports.import_batch_series_recompute(batch_id=batch_id, on_commit=followups.key_results_enqueue)
    import_progress_clear(batch_id)
    return change.kpi_ids


@shared_task(name=followups.SERIES_TASK, **RELIABLE_TASK)
def series_recompute_for_definitions_task(kpi_ids: list[int], measure_ids: list[int]) -> list[int]:
    """A KPI was created or its formula changed, or a measure's aggregation: recompute what reads it, then, on
    commit, the key results and their history."""
    with transaction.atomic():
        change = series.series_recompute_for_definitions(kpi_ids=kpi_ids, measure_ids=measure_ids)
        transaction.on_commit(partial(followups.key_results_enqueue, change))
    return change.kpi_ids


# A definition recompute normally ends within seconds; one marked longer than this lost its task.
DEFINITIONS_STALE = dt.timedelta(minutes=1)


@shared_task(name="kpis.definitions_recompute_recover", **RELIABLE_TASK)
def definitions_recompute_recover_task() -> list[int]:
    """Every minute: KPIs still marked "recomputing" long after their change get their recompute sent again."""
    kpi_ids = followups.kpis_awaiting_recompute(older_than=DEFINITIONS_STALE)
    if kpi_ids:
        series_recompute_for_definitions_task.delay(kpi_ids, [])
    return kpi_ids


@shared_task(name="kpis.series_recompute_all", **RELIABLE_TASK)
def series_recompute_all_task() -> None:
    """Nightly safety net: recompute every KPI series from the stored observations."""
    series.series_recompute_all()


@shared_task(name="kpis.import_batches_recover", **RELIABLE_TASK)
def import_batches_recover_task() -> dict[str, list[int]]:
    """Every minute: imports whose worker died are sent again or failed; succeeded ones get their series."""
    found = recovery.import_batches_recover()
    for batch_id in found.resend:
        import_batch_process_task.delay(batch_id)
    for batch_id in found.series:
        series_recompute_for_batch_task.delay(batch_id)
    return {"resent": found.resend, "series": found.series, "failed": found.failed}
