"""Undo an import: every cell it replaced gets back the value and batch it had, every cell it inserted goes, and the
series it touched are recomputed, in one transaction; key results follow through their own task, as after an import.

Only a batch whose cells are all still its own can be undone. A later import that changed one of them has to be
undone first (newest first): undoing an older batch underneath it would either overwrite the later numbers or
leave them resting on a value that no longer exists. The test is a count, needing no per-cell bookkeeping of
inserts: a succeeded batch wrote `cells_inserted + cells_updated` cells, each observation remembers the last batch
that wrote it, so exactly that many observations still carry the batch when no later import changed any of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from config.audit import acting_as
from kpis.models import ImportBatch
from kpis.services import series
from kpis.services.imports import IMPORT_WRITE_LOCK

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def import_batch_undo(
    *, batch: ImportBatch, actor: User, on_commit: Callable[[series.SeriesChange], None] | None = None
) -> series.SeriesChange:
    """Undo `batch` as `actor`, or raise ValidationError saying why not and change nothing.

    `on_commit` is handed the series change once it has committed (the key results' task)."""
    with transaction.atomic(), acting_as(actor):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The lock every import's writing stage takes: no import writes cells while these are checked.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_WRITE_LOCK])
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _refuse_unless_undoable(locked)
        scope, params = _scope(locked)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM kpis_observation WHERE batch_id = %s AND {scope}", [locked.pk, *params]
            )
            if cursor.fetchone()[0] != locked.cells_inserted + locked.cells_updated:
                raise ValidationError(_later_batches_message(cursor, locked))
            cursor.execute(
                f"""UPDATE kpis_observation SET value = h.previous_value, batch_id = h.previous_batch_id
                FROM kpis_cellchange h
                WHERE h.batch_id = %s AND h.measure_id = kpis_observation.measure_id
                    AND h.day = kpis_observation.day AND h.segment_id = kpis_observation.segment_id
                    AND {_scope(locked, "h.")[0]}""",
                [locked.pk, *params],
            )
            # What still carries the batch now is what it inserted.
            cursor.execute(f"DELETE FROM kpis_observation WHERE batch_id = %s AND {scope}", [locked.pk, *params])
        change = replace(series.series_recompute_for_batch(batch=locked), cause=series.SeriesCause.UNDO)
        locked.status = ImportBatch.Status.UNDONE
        locked.undone_at = timezone.now()
        locked.undone_by = actor
        locked.series_recomputed_at = locked.undone_at
        locked.save(update_fields=["status", "undone_at", "undone_by", "series_recomputed_at"])
        if on_commit is not None:
            transaction.on_commit(partial(on_commit, change))
    batch.refresh_from_db()
    return change


def _refuse_unless_undoable(batch: ImportBatch) -> None:
    if batch.status == ImportBatch.Status.UNDONE:
        raise ValidationError("This import was undone already.")
    if batch.dry_run:
        raise ValidationError("A validation run wrote nothing, so there is nothing to undo.")
    if batch.status != ImportBatch.Status.SUCCEEDED:
        raise ValidationError(f"Only a succeeded import can be undone; this one is {batch.get_status_display()}.")


def _scope(batch: ImportBatch, alias: str = "") -> tuple[str, list[Any]]:
    """A WHERE clause narrowing cells (of the table `alias` names) to the batch's measures and days: reads of the
    primary key, which both tables lead with."""
    changes = batch.changes or {}
    measures = [int(pk) for pk in changes.get("measures", [])]
    days = sorted(dt.date.fromisoformat(day) for day in changes.get("days", []))
    if not measures or not days:
        return "1 = 0", []
    placeholders = ", ".join(["%s"] * len(measures))
    clause = f"{alias}measure_id IN ({placeholders}) AND {alias}day BETWEEN %s AND %s"
    return clause, [*measures, days[0], days[-1]]


def _later_batches_message(cursor: Any, batch: ImportBatch) -> str:
    scope, params = _scope(batch, "h.")
    cursor.execute(
        f"""SELECT DISTINCT h.batch_id FROM kpis_cellchange h JOIN kpis_importbatch b ON b.id = h.batch_id
        WHERE h.previous_batch_id = %s AND b.status <> %s
            AND {scope}
        ORDER BY h.batch_id""",
        [batch.pk, ImportBatch.Status.UNDONE, *params],
    )
    later = ImportBatch.objects.filter(pk__in=[row[0] for row in cursor.fetchall()]).order_by("-pk")
    names = ", ".join(f"{other.filename} (#{other.pk})" for other in later) or "a later import"
    return (
        f"Later imports changed numbers this one wrote: {names}. Undo {'it' if len(later) == 1 else 'them'} "
        "first, newest first. Nothing was changed."
    )
