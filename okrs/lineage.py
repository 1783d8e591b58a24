"""A key result's lineage as its page shows it: each recompute that moved its baseline, target or current value, in
words ("import #14 corrected 2026-Q4: target 10.2 % → 9.6 %"). The rows are written by okrs.services.lineage.

Baseline and target moves are rare and all shown; the current value moves with every import, so only its latest
moves are, and the rest are counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse

from kpis.history import person_name
from okrs import kinds
from okrs.models import KeyResult, KeyResultChange
from okrs.roles import is_data_steward

# How many baseline or target moves, and how many moves of the current value alone, the page lists.
SHOWN_DEFINING = 50
SHOWN_CURRENT = 5

_Cause = KeyResultChange.Cause
_Field = KeyResultChange.Field


@dataclass(frozen=True)
class Move:
    """One value that moved: `target 10.2 % → 9.6 %`."""

    field: str
    old: str
    new: str

    @property
    def defining(self) -> bool:
        """A baseline or target: what the progress is measured against."""
        return self.field != _Field.CURRENT.label

    def __str__(self) -> str:
        return f"{self.field} {self.old} \u2192 {self.new}"


@dataclass(frozen=True)
class LineageEvent:
    """What one recompute moved, and why."""

    at: dt.datetime
    cause: str  # "import #14 corrected 2026-Q4", "edited by Lena Lead"
    link: str  # the import's page, for those who may open it; else ""
    moves: list[Move]
    defining: bool  # the baseline or the target moved, not only the current value


@dataclass(frozen=True)
class Lineage:
    events: list[LineageEvent] = field(default_factory=list)
    earlier_current: int = 0  # moves of the current value alone beyond those listed

    @property
    def empty(self) -> bool:
        return not self.events


def _cause_text(rows: list[KeyResultChange]) -> str:
    first = rows[0]
    read_from = next((r.read_from for r in rows if r.field != _Field.CURRENT and r.read_from is not None), None)
    read_from = read_from or first.read_from
    batch = first.import_batch
    number = f"import #{first.import_batch_id}" if first.import_batch_id else "an import since deleted"
    if first.cause == _Cause.IMPORT:
        verb = "corrected" if batch is not None and batch.cells_updated else "added data to"
        return f"{number} {verb} {read_from.label}" if read_from is not None else number
    if first.cause == _Cause.UNDO:
        return f"undoing {number}" + (f" changed {read_from.label}" if read_from is not None else "")
    if first.cause == _Cause.EDIT:
        return f"edited by {person_name(first.user)}"
    if first.cause == _Cause.CHECK_IN:
        return f"check-in by {person_name(first.user)}"
    if first.cause == _Cause.DEFINITION:
        return "the KPI's definition changed"
    return "the nightly recompute"


def _event(key_result: KeyResult, rows: list[KeyResultChange], links: bool) -> LineageEvent:
    fmt = kinds.formatter_of(key_result)
    order = list(_Field.values)
    rows = sorted(rows, key=lambda r: order.index(r.field))
    first = rows[0]
    link = ""
    if links and first.import_batch_id and first.cause in (_Cause.IMPORT, _Cause.UNDO):
        link = reverse("import_detail", args=[first.import_batch_id])
    return LineageEvent(
        at=first.at,
        cause=_cause_text(rows),
        link=link,
        moves=[Move(_Field(r.field).label, fmt(r.old_value), fmt(r.new_value)) for r in rows],
        defining=any(r.field != _Field.CURRENT for r in rows),
    )


def _key(row: KeyResultChange) -> tuple[object, ...]:
    return (row.at, row.cause, row.import_batch_id, row.user_id)


def key_result_lineage(*, key_result: KeyResult, user: User | AnonymousUser) -> Lineage:
    """The key result's lineage, newest first, in three queries: the recomputes that moved its baseline or target
    (with their other moves), the latest that moved only its current value, and how many more of those there are."""
    changes = KeyResultChange.objects.filter(key_result=key_result).select_related("import_batch", "user", "read_from")
    defining_at = changes.exclude(field=_Field.CURRENT).values("at")
    defining = list(changes.filter(at__in=defining_at[:SHOWN_DEFINING]))
    current_only = changes.filter(field=_Field.CURRENT).exclude(at__in=defining_at)
    latest = list(current_only[:SHOWN_CURRENT])
    rows = sorted([*defining, *latest], key=lambda r: (r.at, r.pk), reverse=True)
    links = is_data_steward(user)
    events = [_event(key_result, list(group), links) for _, group in groupby(rows, key=_key)]
    earlier = current_only.count() - len(latest) if len(latest) == SHOWN_CURRENT else 0
    return Lineage(events=events, earlier_current=earlier)
