"""Calendar arithmetic for measurement periods: ISO weeks, months, fiscal quarters and fiscal years.

Pure: no database. A period is a half-open day range [start, end) with a label a person reads:
`2026-W09`, `2026-03`, `2026-Q1`, `2026`. Quarters and years follow the fiscal year, which starts in a configurable
month; a fiscal year that does not start in January is named after the calendar year in which it ends (the common
"FY27" convention), so with April as the start, April 2026 falls in `2027-Q1`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models


class Grain(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    YEAR = "year", "Year"


@dataclass(frozen=True, order=True)
class Span:
    start: date
    end: date  # exclusive
    grain: Grain
    label: str

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def so_far(label: str, start: date, end: date, last_day_with_data: date | None, today: date) -> str:
    """A period's label, marked while it is still running and its data covers part of it: `2026-12 so far: 1 day`.

    A period that has ended is labelled as it is, whatever its data covers.
    """
    running = today < end
    if not running or last_day_with_data is None or not start <= last_day_with_data < end - timedelta(days=1):
        return label
    days = (last_day_with_data - start).days + 1
    return f"{label} so far: {days} day{'' if days == 1 else 's'}"


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _fiscal_year_start(day: date, fy_start_month: int) -> date:
    year = day.year if day.month >= fy_start_month else day.year - 1
    return date(year, fy_start_month, 1)


def _fiscal_year_name(fy_start: date) -> int:
    return fy_start.year if fy_start.month == 1 else fy_start.year + 1


def containing(day: date, grain: Grain | str, fy_start_month: int = 1) -> Span:
    """The period of `grain` that `day` falls in."""
    grain = Grain(grain)
    if grain == Grain.WEEK:
        start = day - timedelta(days=day.weekday())
        iso = start.isocalendar()
        return Span(start, start + timedelta(days=7), grain, f"{iso.year}-W{iso.week:02d}")
    if grain == Grain.MONTH:
        year, month = _add_months(day.year, day.month, 1)
        return Span(date(day.year, day.month, 1), date(year, month, 1), grain, f"{day.year}-{day.month:02d}")
    fy_start = _fiscal_year_start(day, fy_start_month)
    fy_name = _fiscal_year_name(fy_start)
    if grain == Grain.YEAR:
        return Span(fy_start, date(fy_start.year + 1, fy_start.month, 1), grain, str(fy_name))
    months_in = (day.year - fy_start.year) * 12 + day.month - fy_start.month
    quarter = months_in // 3
    start = date(*_add_months(fy_start.year, fy_start.month, quarter * 3), 1)
    end = date(*_add_months(start.year, start.month, 3), 1)
    return Span(start, end, grain, f"{fy_name}-Q{quarter + 1}")


def following(span: Span, fy_start_month: int = 1) -> Span:
    return containing(span.end, span.grain, fy_start_month)


def preceding(span: Span, fy_start_month: int = 1) -> Span:
    return containing(span.start - timedelta(days=1), span.grain, fy_start_month)


def covering(first: date, last: date, grain: Grain | str, fy_start_month: int = 1) -> Iterator[Span]:
    """Every period of `grain` that shares at least one day with [first, last]."""
    span = containing(first, grain, fy_start_month)
    while span.start <= last:
        yield span
        span = following(span, fy_start_month)


_LABEL_PATTERNS = (
    (Grain.WEEK, re.compile(r"^(\d{4})-W(\d{2})$")),
    (Grain.MONTH, re.compile(r"^(\d{4})-(\d{2})$")),
    (Grain.QUARTER, re.compile(r"^(\d{4})-Q([1-4])$")),
    (Grain.YEAR, re.compile(r"^(\d{4})$")),
)


def parse_label(label: str, fy_start_month: int = 1) -> Span:
    """The period a label names; ValueError with a readable message if it names none."""
    text = label.strip()
    for grain, pattern in _LABEL_PATTERNS:
        match = pattern.match(text)
        if match:
            year, number = (int(part) for part in (*match.groups(), "0")[:2])
            return _from_parts(grain, year, number, label, fy_start_month)
    raise ValueError(f"{label!r} is not a period label; use 2026-W09, 2026-03, 2026-Q1 or 2026.")


def _from_parts(grain: Grain, year: int, number: int, label: str, fy_start_month: int) -> Span:
    try:
        if grain == Grain.WEEK:
            return containing(date.fromisocalendar(year, number, 1), grain)
        if grain == Grain.MONTH:
            return containing(date(year, number, 1), grain)
    except ValueError:
        raise ValueError(f"{label!r} names no {grain.label.lower()}.") from None
    fy_start_year = year if fy_start_month == 1 else year - 1
    if grain == Grain.YEAR:
        return containing(date(fy_start_year, fy_start_month, 1), grain, fy_start_month)
    start = date(*_add_months(fy_start_year, fy_start_month, (number - 1) * 3), 1)
    return containing(start, grain, fy_start_month)
