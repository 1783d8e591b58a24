"""Daily progress snapshots: the history behind burn-up charts, written nightly and rebuilt after late data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta

from django.db import transaction

from kpis.models import Dimension, Kpi
from kpis.selectors import kpi_values_to_date, kpi_values_to_date_by_member
from okrs.models import CheckIn, Guardrail, KeyResult, ProgressSnapshot
from okrs.services import evaluation

_SNAPSHOT_FIELDS = ["value", "progress", "expected", "status"]
# A KPI's to-date history is identified by KPI, dimension, member and its first and last day.
HistoryKey = tuple[int, int | None, str, date, date]


def _upsert(snapshots: list[ProgressSnapshot]) -> None:
    ProgressSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["key_result", "day"],
        update_fields=_SNAPSHOT_FIELDS,
        batch_size=1000,
    )


def progress_snapshots_record(*, key_results: Iterable[KeyResult], day: date) -> int:
    """Record the key results as they stand now as their snapshots for `day` (those whose period contains it)."""
    snapshots = [
        ProgressSnapshot(
            key_result=key_result,
            day=day,
            value=key_result.current_value,
            progress=key_result.progress,
            expected=key_result.expected,
            status=key_result.status,
        )
        for key_result in key_results
        if key_result.objective.period.start <= day < key_result.objective.period.end
    ]
    _upsert(snapshots)
    return len(snapshots)


@transaction.atomic
def progress_snapshots_write(*, day: date) -> int:
    """The nightly snapshot: every active key result as it stands now, for `day`; returns how many were written."""
    key_results = KeyResult.objects.active().select_related("objective__period")
    return progress_snapshots_record(key_results=key_results, day=day)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _carried_forward(points: list[tuple[date, float | None]], days: list[date]) -> dict[date, float | None]:
    """The to-date value on each day: the one of the latest day with data at or before it."""
    found: dict[date, float | None] = {}
    ordered = iter(sorted(points))
    upcoming = next(ordered, None)
    latest: float | None = None
    for day in days:
        while upcoming is not None and upcoming[0] <= day:
            latest = upcoming[1]
            upcoming = next(ordered, None)
        found[day] = latest
    return found


def _kpi_to_date(
    kpi: Kpi,
    dimension: Dimension | None,
    member: str,
    start: date,
    days: list[date],
    histories: dict[HistoryKey, list[tuple[date, float | None]]],
) -> dict[date, float | None]:
    key = (kpi.pk, dimension.pk if dimension else None, member, start, days[-1])
    if key not in histories:
        end = days[-1] + timedelta(days=1)
        if dimension is None:
            histories[key] = kpi_values_to_date(kpi=kpi, start=start, end=end)
        else:
            # One read serves every member of the dimension: key results on its other members usually follow.
            by_member = kpi_values_to_date_by_member(kpi=kpi, start=start, end=end, dimension=dimension)
            for each_member, points in by_member.items():
                histories[(kpi.pk, dimension.pk, each_member, start, days[-1])] = points
            histories.setdefault(key, [])
    return _carried_forward(histories[key], days)


def _values_on(
    key_result: KeyResult, days: list[date], histories: dict[HistoryKey, list[tuple[date, float | None]]]
) -> dict[date, float | None]:
    period = key_result.objective.period
    if key_result.kpi is not None:
        return _kpi_to_date(key_result.kpi, key_result.dimension, key_result.member, period.start, days, histories)
    check_ins = CheckIn.objects.filter(key_result=key_result, value__isnull=False, day__lte=days[-1])
    points = list(check_ins.order_by("day", "created_at").values_list("day", "value"))
    values = _carried_forward(points, days)
    missing = key_result.kind_rules.value_when_missing
    return {day: missing if value is None else value for day, value in values.items()}


def _rebuilt(
    key_result: KeyResult,
    first_day: date,
    last_day: date,
    guardrails: list[Guardrail],
    histories: dict[HistoryKey, list[tuple[date, float | None]]],
) -> list[ProgressSnapshot]:
    period = key_result.objective.period
    last = min(last_day, period.end - timedelta(days=1))
    first = max(first_day, period.start)
    if first > last:
        return []
    days = list(_days(first, last))
    values = _values_on(key_result, days, histories)
    guarded = [
        (guardrail, _kpi_to_date(guardrail.kpi, guardrail.dimension, guardrail.member, period.start, days, histories))
        for guardrail in guardrails
    ]
    snapshots = []
    for day in days:
        breached = any(guardrail.breached_by(history[day]) for guardrail, history in guarded)
        reading = evaluation.evaluate(
            key_result, value=values[day], day=day, forecast=None, guardrail_breached=breached
        )
        snapshots.append(
            ProgressSnapshot(
                key_result=key_result,
                day=day,
                value=reading.value,
                progress=reading.progress,
                expected=reading.expected,
                status=reading.status.value,
            )
        )
    return snapshots


@transaction.atomic
def progress_snapshots_rebuild_many(
    *, starts: Sequence[tuple[KeyResult, date]], last_day: date, guardrails: Mapping[int, list[Guardrail]]
) -> int:
    """Rewrite each key result's snapshots from its start day to `last_day`, within its period, from the data as it
    is now; `guardrails` holds each key result's guardrails (kpi and dimension loaded).

    Uses the key results' current baselines and targets. A rebuilt day has no forecast, so its status comes from
    pace and guardrails alone. Key results that read the same KPI and segment share one read of its history.
    """
    histories: dict[HistoryKey, list[tuple[date, float | None]]] = {}
    snapshots = [
        snapshot
        for key_result, first_day in starts
        for snapshot in _rebuilt(key_result, first_day, last_day, guardrails.get(key_result.pk, []), histories)
    ]
    _upsert(snapshots)
    return len(snapshots)


def progress_snapshots_rebuild(*, key_result: KeyResult, first_day: date, last_day: date) -> int:
    """Rewrite one key result's snapshots for [first_day, last_day] within its period."""
    guardrails = list(key_result.guardrails.select_related("kpi", "dimension"))
    return progress_snapshots_rebuild_many(
        starts=[(key_result, first_day)], last_day=last_day, guardrails={key_result.pk: guardrails}
    )
