"""Measurements pushed as JSON records go through the file import: the same batch, rules, errors and writes.

The records are written out as the CSV file they stand for (a key per column, a record per line) and stored on an
ImportBatch with source `api`, so a pushed cell has the same provenance as an uploaded one and the import's checks
are the only checks. The push is validated and written while the client waits, in one transaction: either every
cell is in and the batch has succeeded, or nothing was written at all (not even the batch), and the client gets the
import's problems back, each naming the record and the field instead of the line and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from kpis.models import ImportBatch, PushKey
from kpis.services.imports import import_batch_create, import_batch_process

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The header is line 1 of the file the records stand for; record 0 is line 2.
_FIRST_LINE = 2
_LINE = re.compile(r"\bline (\d+)\b")


@dataclass(frozen=True)
class PushError:
    record: int | None
    field: str | None
    message: str

    @property
    def path(self) -> str | None:
        """The error's place in the request body: `records.3.total_contacts`, `records.3`, or None."""
        if self.record is None:
            return f"records.*.{self.field}" if self.field else None
        return f"records.{self.record}" + (f".{self.field}" if self.field else "")


class PushRejected(Exception):
    def __init__(self, errors: list[PushError]) -> None:
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


class PushKeyReused(Exception):
    """The Idempotency-Key was used before, with another body."""


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def push_replay(*, user: User, key: str, digest: str) -> PushKey | None:
    """The earlier push sent with this key, whose answer a retry gets again; PushKeyReused for another body."""
    earlier = PushKey.objects.filter(user=user, key=key).first()
    if earlier is not None and earlier.body_digest != digest:
        raise PushKeyReused(key)
    return earlier


def records_as_csv(records: Sequence[Mapping[str, Any]]) -> bytes:
    """The CSV file the records stand for: every key of any record is a column, in the order first seen."""
    columns: dict[str, Any] = {}
    for record in records:
        columns.update(record)
    header = list(columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    # The csv module writes None as an empty cell (no value) and numbers as Python prints them.
    writer.writerows([record.get(name) for name in header] for record in records)
    return out.getvalue().encode()


class _Repeat(Exception):
    pass


def measurements_push(
    *,
    records: Sequence[Mapping[str, Any]],
    created_by: User,
    idempotency_key: str = "",
    digest: str = "",
    respond: Callable[[ImportBatch], dict[str, Any]] | None = None,
) -> ImportBatch:
    """Import the records as one succeeded batch, or raise PushRejected with every problem and write nothing.

    With an `idempotency_key`, the answer `respond(batch)` gives is kept with the key in the same transaction, so
    that a retry finds it (push_replay). Of two pushes racing with one key, the second is undone and given the
    first one's batch.
    """
    content = records_as_csv(records)
    stored: list[ImportBatch] = []
    try:
        with transaction.atomic():
            batch = import_batch_create(
                path_or_file=ContentFile(content, name="push.csv"),
                filename="api-push.csv",
                source=ImportBatch.Source.API,
                created_by=created_by,
            )
            stored.append(batch)
            import_batch_process(batch=batch)
            if batch.status != ImportBatch.Status.SUCCEEDED:
                raise PushRejected([_push_error(problem) for problem in batch.errors])
            if idempotency_key:
                try:
                    with transaction.atomic():
                        PushKey.objects.create(
                            user=created_by,
                            key=idempotency_key,
                            body_digest=digest,
                            batch=batch,
                            response=respond(batch) if respond else {},
                        )
                except IntegrityError:
                    raise _Repeat from None
    except (PushRejected, _Repeat) as refused:
        # Rolled back: the batch row is gone; its stored file is not the database's, so it goes here.
        for batch in stored:
            batch.file.delete(save=False)
        if isinstance(refused, PushRejected):
            raise
        return PushKey.objects.select_related("batch").get(user=created_by, key=idempotency_key).batch
    return batch


def _push_error(problem: Mapping[str, Any]) -> PushError:
    line = problem.get("line")
    column = problem.get("column")
    message = _LINE.sub(lambda found: f"record {int(found.group(1)) - _FIRST_LINE}", str(problem.get("message")))
    if not isinstance(line, int) or line < _FIRST_LINE:
        return PushError(record=None, field=str(column) if column else None, message=message)
    return PushError(record=line - _FIRST_LINE, field=str(column) if column else None, message=message)
