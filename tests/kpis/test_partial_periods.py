"""A KPI's latest value says when its period has barely begun: "2026-12 so far: 1 day"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kpis import periods
from kpis.services.definitions import kpi_upsert, measure_upsert
from kpis.services.series import series_recompute_all
from tests.kpis.conftest import Observe

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
DECEMBER = (dt.date(2026, 12, 1), dt.date(2027, 1, 1))


@pytest.mark.parametrize(
    ("last_day", "today", "label"),
    [
        (dt.date(2026, 12, 1), dt.date(2026, 12, 2), "2026-12 so far: 1 day"),
        (dt.date(2026, 12, 9), dt.date(2026, 12, 10), "2026-12 so far: 9 days"),
        (dt.date(2026, 12, 31), dt.date(2026, 12, 31), "2026-12"),
        # ended: what its data covers is a gap in the data, not a period under way
        (dt.date(2026, 12, 9), dt.date(2027, 1, 1), "2026-12"),
        (None, dt.date(2026, 12, 2), "2026-12"),
    ],
)
def test_a_running_period_whose_data_covers_part_of_it_is_marked(
    last_day: dt.date | None, today: dt.date, label: str
) -> None:
    assert periods.so_far("2026-12", *DECEMBER, last_day, today) == label


def test_the_library_and_the_kpi_page_mark_the_running_month_with_one_day_of_data(
    observe: Observe, signed_in: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    measure_upsert(key="escalated_contacts", name="Escalated")
    measure_upsert(key="total_contacts", name="Total")
    # given data up to the first day of this month
    first = timezone.localdate().replace(day=1)
    for day, escalated in ((first - dt.timedelta(days=1), 5), (first, 12)):
        observe("escalated_contacts", day, escalated)
        observe("total_contacts", day, 100)
    series_recompute_all()
    with django_capture_on_commit_callbacks(execute=True):
        kpi_upsert(key="escalation", name="Escalation", formula="100 * escalated_contacts / total_contacts")

    listing = signed_in.get(reverse("kpi_list")).content.decode()
    detail = signed_in.get(reverse("kpi_detail", args=["escalation"])).content.decode()

    mark = f"{first:%Y-%m} so far: 1 day"
    assert mark in listing
    assert mark in detail
