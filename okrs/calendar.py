"""Periods as the OKR pages read them: the fiscal year's start, the current quarter, and the one way a page turns
`?period=` into the period it shows.

A label outside the years 2000-2099 is refused like a malformed one (the page shows the current quarter and says
why): the calendar's neighbours of year 1 or 9999 do not exist, and nobody plans a quarter there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone

from kpis import periods
from kpis.models import Period
from kpis.services.calendar import period_for

FIRST_YEAR, LAST_YEAR = 2000, 2099


def fiscal_start() -> int:
    """The month the fiscal year starts in (settings.FISCAL_YEAR_START_MONTH)."""
    return int(settings.FISCAL_YEAR_START_MONTH)


def span_parse(label: str) -> periods.Span:
    """The span a label names; ValueError with a readable message when it names none the pages show."""
    outside = ValueError(f"{label.strip()!r} lies outside {FIRST_YEAR}-{LAST_YEAR}; pick a period in those years.")
    year = label.strip()[:4]
    if year.isdigit() and not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise outside  # before the calendar arithmetic, which fails on the years 1 and 9999
    span = periods.parse_label(label, fiscal_start())
    if not (span.start.year >= FIRST_YEAR and span.last_day.year <= LAST_YEAR):
        raise outside
    return span


def current_quarter(*, today: date | None = None) -> Period:
    span = periods.containing(today or timezone.localdate(), periods.Grain.QUARTER, fiscal_start())
    return period_for(span=span)


@dataclass(frozen=True)
class ChosenPeriod:
    period: Period
    error: str  # why the label asked for was not used; empty when it was


def chosen_period(label: str | None) -> ChosenPeriod:
    """The period `?period=` names, else the current quarter; a label that names none gives the current quarter and
    the reason, for the page to show."""
    text = (label or "").strip()
    if not text:
        return ChosenPeriod(current_quarter(), "")
    try:
        return ChosenPeriod(period_for(span=span_parse(text)), "")
    except ValueError as error:
        return ChosenPeriod(current_quarter(), str(error))


def neighbours(period: Period) -> tuple[str, str]:
    """The labels of the periods before and after `period`, for the period switcher."""
    span = period.span
    return periods.preceding(span, fiscal_start()).label, periods.following(span, fiscal_start()).label
