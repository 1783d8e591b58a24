"""Celery entry points for the KPI engine: fetch rows by id, take the lock for the target, call one service.

Every task is idempotent: a redelivered message (acks late, requeued when a worker dies) finds its work done and
returns. Only operational errors (database or broker unreachable, lock timeouts) are retried; a bad file is a result
recorded on its batch, not an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import kombu.exceptions
from celery import current_app, shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction

from kpis.models import ImportBatch
from kpis.services import imports, series

logger = logging.getLogger(__name__)

RETRIED_ERRORS = (OperationalError, InterfaceError, kombu.exceptions.OperationalError)
_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": RETRIED_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}
# The advisory-lock key space of import batches: (this number, batch id). Two-int keys never meet the series
# recompute's single bigint key.
IMPORT_LOCK_CLASS = 7_420_002
_FINISHED = (ImportBatch.Status.SUCCEEDED, ImportBatch.Status.FAILED)
# Key results read the series; the okrs app owns their task. Named, not imported, so that kpis needs no okrs.
KEY_RESULTS_TASK = "okrs.key_results_recompute_for_kpis"


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


def _progress_clear(batch_id: int) -> None:
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


def key_results_enqueue(change: series.SeriesChange) -> None:
    """Hand the KPIs and days a series recompute changed to the key results that read them (the okrs app)."""
    if change.kpi_ids and change.first_day and change.last_day:
        args = [change.kpi_ids, change.first_day.isoformat(), change.last_day.isoformat()]
        current_app.signature(KEY_RESULTS_TASK, args=args).delay()


@shared_task(name="kpis.import_batch_process", soft_time_limit=1790, time_limit=1800, **_TASK_OPTIONS)
def import_batch_process_task(batch_id: int) -> str:
    """Validate and store a pending import batch, then recompute the series it touched once it has committed."""
    with _batch_lock(batch_id) as held:
        if not held:
            logger.info("Import batch %s is being processed by another worker.", batch_id)
            return "busy"
        batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status in _FINISHED:
            return batch.status
        imports.import_batch_process(batch=batch, progress=partial(import_progress_report, batch_id))
        if batch.status == ImportBatch.Status.SUCCEEDED and not batch.dry_run:
            import_progress_report(batch_id, ImportStage.RECOMPUTING, batch.rows_read)
            transaction.on_commit(partial(series_recompute_for_batch_task.delay, batch.pk))
        else:
            _progress_clear(batch_id)
    return batch.status


@shared_task(name="kpis.series_recompute_for_batch", soft_time_limit=890, time_limit=900, **_TASK_OPTIONS)
def series_recompute_for_batch_task(batch_id: int) -> list[int]:
    """Recompute the series an import batch touched, then, on commit, the key results that read them.

    Returns the ids of the KPIs recomputed.
    """
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportBatch.Status.SUCCEEDED or batch.dry_run:
        return []
    # The service holds the series lock until it commits, so recomputes never interleave.
    with transaction.atomic():
        change = series.series_recompute_for_batch(batch=batch)
        transaction.on_commit(partial(key_results_enqueue, change))
    _progress_clear(batch_id)
    return change.kpi_ids


@shared_task(name="kpis.series_recompute_all", soft_time_limit=2990, time_limit=3000, **_TASK_OPTIONS)
def series_recompute_all_task() -> None:
    """Nightly safety net: recompute every KPI series from the stored observations."""
    series.series_recompute_all()
