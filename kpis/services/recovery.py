"""Imports that lost their worker: a heartbeat while one runs, and the sweep that finds the silent ones.

A worker can die anywhere (kill -9, out of memory, a lost machine, a hard time limit). Its import then stays
`running` with no message left in the broker to finish it, or (when it died during the series recompute)
succeeded with its series never recomputed. import_batches_recover, run by beat every minute, finds both: a running
batch whose heartbeat stopped is sent again (its import starts over, since nothing of a crashed run is committed),
or failed with the reason once it has been started IMPORT_MAX_ATTEMPTS times; a succeeded batch whose series are
still pending gets its recompute sent again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from kpis.models import ImportBatch

logger = logging.getLogger(__name__)

# The advisory-lock key space of import batches: (this number, batch id), held by the worker running the batch.
IMPORT_LOCK_CLASS = 7_420_002
# On SQLite the import holds the only write lock, so no heartbeat gets through while it runs: a batch counts as
# lost only once it has been running longer than any task may.
_SQLITE_GRACE_SECONDS = 60


def worker_lost_message(attempts: int) -> str:
    return (
        f"the import was started {attempts} times and its worker stopped each time (killed, out of memory, or "
        "its machine or database lost); nothing was written. Check the workers' memory and logs, then upload the "
        "file again"
    )


@contextmanager
def heartbeat(batch_id: int) -> Iterator[None]:
    """While the block runs, a thread of its own writes the batch's heartbeat every IMPORT_HEARTBEAT_SECONDS.

    Its own thread and so its own database connection, outside the import's transaction; it stops before the block
    ends, so it never waits on the batch row the import locks last. PostgreSQL only (see _SQLITE_GRACE_SECONDS).
    """
    if connection.vendor != "postgresql":
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.IMPORT_HEARTBEAT_SECONDS):
                ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except DatabaseError as error:
            # A missed heartbeat is not the import's failure; at worst the batch is looked at by the sweep.
            logger.warning("Heartbeat of import batch %s stopped: %s", batch_id, error)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"import-{batch_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def held_by_a_worker(batch_id: int) -> bool:
    """Whether some database session holds the batch's lock, that is, a worker is running it right now."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK_CLASS, batch_id])
        taken = bool(cursor.fetchone()[0])
        if taken:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK_CLASS, batch_id])
    return not taken


@dataclass
class Recovered:
    resend: list[int] = field(default_factory=list)
    series: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _silent_since(now: dt.datetime) -> dt.datetime:
    seconds = int(settings.IMPORT_STALE_SECONDS)
    if connection.vendor != "postgresql":
        seconds = max(seconds, int(settings.CELERY_TASK_TIME_LIMIT) + _SQLITE_GRACE_SECONDS)
    return now - dt.timedelta(seconds=seconds)


def import_batches_recover(*, now: dt.datetime | None = None) -> Recovered:
    """Find the batches no worker is finishing; the caller sends the tasks named in the result.

    Each batch found gets its heartbeat set to now, so that the same batch is sent again only after another
    silent interval, not every minute while its message waits in a busy queue.
    """
    now = now or timezone.now()
    silent = _silent_since(now)
    found = Recovered()
    running = ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING, heartbeat_at__lt=silent)
    for batch_id, attempts in running.values_list("id", "attempts"):
        if held_by_a_worker(batch_id):
            continue
        if attempts >= settings.IMPORT_MAX_ATTEMPTS:
            if import_batch_fail(batch_id=batch_id, message=worker_lost_message(attempts)):
                found.failed.append(batch_id)
        else:
            found.resend.append(batch_id)
    with transaction.atomic():
        # Skips the rows a series recompute has locked: that batch is being finished right now.
        pending = (
            ImportBatch.objects.select_for_update(skip_locked=True)
            .filter(
                status=ImportBatch.Status.SUCCEEDED,
                dry_run=False,
                series_recomputed_at__isnull=True,
                finished_at__lt=silent,
            )
            .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=silent))
        )
        found.series = list(pending.values_list("id", flat=True))
    ImportBatch.objects.filter(pk__in=[*found.resend, *found.series]).update(heartbeat_at=now)
    for batch_id in found.resend:
        logger.warning("Import batch %s lost its worker; sending it again.", batch_id)
    for batch_id in found.failed:
        logger.warning("Import batch %s lost its worker too often; failed it.", batch_id)
    for batch_id in found.series:
        logger.warning("Import batch %s has its data in but no series; sending the recompute again.", batch_id)
    return found


def import_batch_fail(*, batch_id: int, message: str) -> bool:
    """End a batch that cannot finish as failed with `message`; whether it did (a finished batch stays as it is)."""
    changed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING]
    ).update(
        status=ImportBatch.Status.FAILED,
        errors=[{"line": None, "column": None, "message": message}],
        finished_at=timezone.now(),
        cells_inserted=0,
        cells_updated=0,
        cells_unchanged=0,
        changes={},
    )
    return bool(changed)
