"""The Period rows behind spans (kpis.services.calendar.periods_for): created once, then only read."""

from __future__ import annotations

from datetime import date

import pytest

from kpis import periods
from kpis.models import Period
from kpis.services.calendar import periods_for

pytestmark = pytest.mark.django_db

Q1 = periods.Span(date(2026, 1, 1), date(2026, 4, 1), periods.Grain.QUARTER, "2026-Q1")
MARCH = periods.Span(date(2026, 3, 1), date(2026, 4, 1), periods.Grain.MONTH, "2026-03")


def test_a_missing_period_is_created_and_an_existing_one_only_read(django_assert_num_queries: object) -> None:
    first = periods_for(spans=[Q1])  # read, nothing found; created; read again

    assert Period.objects.filter(label="2026-Q1").count() == 1
    with django_assert_num_queries(1):  # type: ignore[operator]
        again = periods_for(spans=[Q1])
    assert again == first


def test_spans_of_several_grains_come_back_each_with_its_own_row() -> None:
    periods_for(spans=[Q1])

    found = periods_for(spans=[Q1, MARCH])

    assert {span: (row.grain, row.start, row.label) for span, row in found.items()} == {
        Q1: ("quarter", date(2026, 1, 1), "2026-Q1"),
        MARCH: ("month", date(2026, 3, 1), "2026-03"),
    }
    assert periods_for(spans=[]) == {}
