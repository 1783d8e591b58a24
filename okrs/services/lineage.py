"""A key result's lineage: every move of its baseline, target or current value, with what moved it.

The recompute compares each key result's values before and after and writes the moves of a whole batch of key
results in one INSERT; a value that did not change writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from config.audit import current_actor
from okrs.models import KeyResult, KeyResultChange

FIELDS = tuple(KeyResultChange.Field.values)
Values = tuple[float | None, ...]  # one per FIELDS


@dataclass(frozen=True)
class Cause:
    """What moved the values: an import batch (or its undo), a definition change, a person's edit or check-in."""

    kind: KeyResultChange.Cause
    batch_id: int | None = None
    user_id: int | None = None

    @classmethod
    def by_person(cls, kind: KeyResultChange.Cause = KeyResultChange.Cause.EDIT) -> Cause:
        """A person's change: the one the code acts for (the request's user, or `acting_as`), as the history says."""
        actor = current_actor()
        return cls(kind, user_id=actor.pk if actor is not None else None)

    @classmethod
    def from_series(cls, cause: str, batch_id: int | None) -> Cause:
        """The cause a series change reported (kpis.services.series.SeriesChange)."""
        return cls(KeyResultChange.Cause(cause), batch_id=batch_id)


RECOMPUTED = Cause(KeyResultChange.Cause.RECOMPUTE)


# A key result being created had no values before.
NOTHING_YET: Values = (None,) * len(FIELDS)


def values_of(key_result: KeyResult) -> Values:
    return tuple(getattr(key_result, name) for name in FIELDS)


def stored_values(key_result: KeyResult) -> Values:
    """The values as the database holds them (an unsaved key result has none yet)."""
    if key_result.pk is None:
        return NOTHING_YET
    row = KeyResult.objects.filter(pk=key_result.pk).values_list(*FIELDS).first()
    return tuple(row) if row is not None else NOTHING_YET


def _read_from(key_result: KeyResult, name: str) -> int | None:
    if name == KeyResultChange.Field.CURRENT:
        return key_result.objective.period_id if key_result.kpi_id is not None else None
    return key_result.baseline_read_from_id if key_result.baseline_source == KeyResult.BaselineSource.SERIES else None


def _moved(old: float | None, new: float | None) -> bool:
    # The same sums divided again can differ in the last bit; that is not a move anyone could see.
    if old is None or new is None:
        return old is not new
    return not math.isclose(old, new, rel_tol=1e-12, abs_tol=1e-12)


def changes_record(
    *, key_results: Sequence[KeyResult], before: Mapping[int, Values], cause: Cause, at: datetime
) -> int:
    """Record the values of `key_results` that differ from `before` (by key result id), in one INSERT."""
    rows = [
        KeyResultChange(
            key_result=key_result,
            field=name,
            old_value=old,
            new_value=new,
            cause=cause.kind,
            import_batch_id=cause.batch_id,
            user_id=cause.user_id,
            read_from_id=_read_from(key_result, name),
            at=at,
        )
        for key_result in key_results
        for name, old, new in zip(FIELDS, before[key_result.pk], values_of(key_result), strict=True)
        if _moved(old, new)
    ]
    KeyResultChange.objects.bulk_create(rows)
    return len(rows)
