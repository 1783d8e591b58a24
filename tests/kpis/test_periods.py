from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpis.periods import Grain, containing, covering, parse_label, preceding

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
grains = st.sampled_from(list(Grain))
fy_months = st.integers(min_value=1, max_value=12)


@pytest.mark.parametrize(
    ("day", "grain", "label", "start", "end"),
    [
        (date(2026, 3, 1), Grain.WEEK, "2026-W09", date(2026, 2, 23), date(2026, 3, 2)),
        (date(2027, 1, 1), Grain.WEEK, "2026-W53", date(2026, 12, 28), date(2027, 1, 4)),
        (date(2026, 3, 1), Grain.MONTH, "2026-03", date(2026, 3, 1), date(2026, 4, 1)),
        (date(2026, 3, 31), Grain.QUARTER, "2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
        (date(2026, 12, 31), Grain.YEAR, "2026", date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_it_labels_calendar_periods(day: date, grain: Grain, label: str, start: date, end: date) -> None:
    span = containing(day, grain)

    assert (span.label, span.start, span.end) == (label, start, end)


def test_a_fiscal_year_is_named_after_the_year_it_ends_in() -> None:
    april_start = 4

    assert containing(date(2026, 4, 1), Grain.QUARTER, april_start).label == "2027-Q1"
    assert containing(date(2026, 3, 31), Grain.QUARTER, april_start).label == "2026-Q4"
    assert containing(date(2026, 4, 1), Grain.YEAR, april_start).start == date(2026, 4, 1)
    assert parse_label("2027-Q1", april_start).start == date(2026, 4, 1)


@pytest.mark.parametrize("label", ["2026-W54", "2026-13", "2026-Q5", "26", "last quarter", ""])
def test_it_rejects_labels_that_name_no_period(label: str) -> None:
    with pytest.raises(ValueError, match=r"period label|names no"):
        parse_label(label)


@given(day=days, grain=grains, fy=fy_months)
def test_a_period_contains_its_day_and_round_trips_through_its_label(day: date, grain: Grain, fy: int) -> None:
    span = containing(day, grain, fy)

    assert span.contains(day)
    assert parse_label(span.label, fy) == span


@given(day=days, grain=grains, fy=fy_months)
def test_periods_tile_the_calendar(day: date, grain: Grain, fy: int) -> None:
    span = containing(day, grain, fy)

    assert preceding(span, fy).end == span.start
    assert containing(span.end, grain, fy).start == span.end


@given(first=days, length=st.integers(min_value=0, max_value=400), grain=grains)
def test_covering_yields_every_period_once_in_order(first: date, length: int, grain: Grain) -> None:
    last = first + timedelta(days=length)

    spans = list(covering(first, last, grain))

    assert spans[0].contains(first)
    assert spans[-1].contains(last)
    assert all(a.end == b.start for a, b in pairwise(spans))
