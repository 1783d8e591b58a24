"""Writes for the calendar: Period rows and the day-to-period map that aggregation joins on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from kpis import periods
from kpis.models import CalendarDay, Period


def _fiscal_start() -> int:
    return int(settings.FISCAL_YEAR_START_MONTH)


def periods_for(*, spans: Iterable[periods.Span]) -> dict[periods.Span, Period]:
    """The Period row of each span, created where missing: one read when they all exist (every page asks for its
    period), an insert and a second read only for the missing ones."""
    wanted = set(spans)
    found = _periods_of(wanted)
    missing = wanted - found.keys()
    if missing:
        Period.objects.bulk_create(
            [Period(grain=s.grain, start=s.start, end=s.end, label=s.label) for s in missing], ignore_conflicts=True
        )
        found |= _periods_of(missing)
    return found


def _periods_of(spans: set[periods.Span]) -> dict[periods.Span, Period]:
    """The spans' Period rows that exist."""
    if not spans:
        return {}
    rows = Period.objects.filter(start__in={s.start for s in spans}, grain__in={s.grain for s in spans})
    by_key = {(row.grain, row.start): row for row in rows}
    return {span: by_key[(span.grain, span.start)] for span in spans if (span.grain, span.start) in by_key}


def period_for(*, span: periods.Span) -> Period:
    return periods_for(spans=[span])[span]


def period_for_label(*, label: str) -> Period:
    """The period a label such as 2026-Q1 names; ValueError with a readable message if it names none."""
    return period_for(span=periods.parse_label(label, _fiscal_start()))


def period_for_day(*, day: date, grain: periods.Grain) -> Period:
    return period_for(span=periods.containing(day, grain, _fiscal_start()))


@transaction.atomic
def calendar_ensure(*, first: date, last: date) -> None:
    """Make sure every day in [first, last] maps to its period of every grain."""
    days = (last - first).days + 1
    if days <= 0 or CalendarDay.objects.filter(day__gte=first, day__lte=last).count() == days * len(periods.Grain):
        return
    fy = _fiscal_start()
    spans = {grain: list(periods.covering(first, last, grain, fy)) for grain in periods.Grain}
    rows = periods_for(spans=[span for grain_spans in spans.values() for span in grain_spans])
    entries = []
    for grain, grain_spans in spans.items():
        for span in grain_spans:
            day = max(span.start, first)
            while day < span.end and day <= last:
                entries.append(CalendarDay(day=day, grain=grain, period=rows[span]))
                day += timedelta(days=1)
    CalendarDay.objects.bulk_create(entries, ignore_conflicts=True, batch_size=5000)
