"""Definitions drive recomputes: a new KPI, a formula or an aggregation changed recompute the series on commit,
then the key results reading it; until then pages say "Recomputing…" instead of old numbers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kpis import tasks
from kpis.models import Aggregation, Direction, Kpi, Measure
from kpis.selectors import series_value
from kpis.services.calendar import period_for_label
from kpis.services.definitions import kpi_upsert, measure_upsert
from kpis.services.series import series_recompute_all
from kpis.services.targets import kpi_target_create
from okrs.models import KeyResult
from tests.kpis.conftest import Observe
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

JAN = dt.date(2026, 1, 5)

# The old value as a number on the page (not a digit run inside a time stamp such as 07:02:26.807).
OLD_VALUE = re.compile(r"(?<![\d.])6\.8(?!\d)")


@pytest.fixture
def transfers(observe: Observe, django_capture_on_commit_callbacks: Capture) -> Kpi:
    # 17 transfers of 250 contacts: 6.8 %
    measure_upsert(key="transfers", name="Transfers")
    measure_upsert(key="total_contacts", name="Total contacts")
    observe("transfers", JAN, 17, team="Tier 1")
    observe("total_contacts", JAN, 250, team="Tier 1")
    series_recompute_all()
    with django_capture_on_commit_callbacks(execute=True):
        return kpi_upsert(key="transfer_rate", name="Transfer rate", formula="100 * transfers / total_contacts")


@pytest.fixture
def key_result(transfers: Kpi) -> KeyResult:
    """A 2026-Q1 key result reading Transfer rate, from 0 to 100, not computed yet."""
    return KeyResultFactory(
        objective=ObjectiveFactory(), kind="kpi_from_to", kpi=transfers, baseline_value=0, target_value=100
    )


def _value(kpi: Kpi, label: str = "2026-Q1") -> float | None:
    return series_value(kpi=kpi, period=period_for_label(label=label))


def test_a_new_kpi_over_stored_measures_gets_its_series_on_commit(
    observe: Observe, django_capture_on_commit_callbacks: Capture
) -> None:
    # given measures already stored and recomputed
    measure_upsert(key="transfers", name="Transfers")
    measure_upsert(key="total_contacts", name="Total contacts")
    observe("transfers", JAN, 17)
    observe("total_contacts", JAN, 250)
    series_recompute_all()

    # when a KPI over them is created
    with django_capture_on_commit_callbacks(execute=True):
        kpi = kpi_upsert(key="transfer_rate", name="Transfer rate", formula="100 * transfers / total_contacts")

    # then its series is there at once, not after the nightly job
    kpi.refresh_from_db()
    assert _value(kpi) == pytest.approx(6.8)
    assert kpi.recompute_requested_at is None


def test_a_formula_edit_replaces_the_old_values_and_marks_the_kpi_until_then(
    transfers: Kpi, django_capture_on_commit_callbacks: Capture
) -> None:
    assert _value(transfers) == pytest.approx(6.8)

    # when the formula is edited, before the recompute has run
    with django_capture_on_commit_callbacks(execute=False) as pending:
        kpi_upsert(key="transfer_rate", name="Transfer rate", formula="1000 * transfers / total_contacts")
    transfers.refresh_from_db()
    assert transfers.recompute_requested_at is not None

    # then once it runs, the values follow the new formula and the mark is gone
    for callback in pending:
        callback()
    transfers.refresh_from_db()
    assert _value(transfers) == pytest.approx(68.0)
    assert transfers.recompute_requested_at is None


def test_changing_a_measures_aggregation_recomputes_the_kpis_reading_it(
    observe: Observe, django_capture_on_commit_callbacks: Capture
) -> None:
    measure_upsert(key="open_tickets", name="Open tickets")
    observe("open_tickets", JAN, 10)
    observe("open_tickets", JAN + dt.timedelta(days=1), 12)
    series_recompute_all()
    with django_capture_on_commit_callbacks(execute=True):
        backlog = kpi_upsert(key="backlog", name="Backlog", formula="open_tickets")
    assert _value(backlog) == pytest.approx(22)

    with django_capture_on_commit_callbacks(execute=True):
        measure_upsert(key="open_tickets", name="Open tickets", aggregation=Aggregation.LAST)

    assert _value(backlog) == pytest.approx(12)
    assert Kpi.objects.get(pk=backlog.pk).recompute_requested_at is None


def test_a_formula_edit_recomputes_the_key_results_reading_the_kpi(
    transfers: Kpi, key_result: KeyResult, django_capture_on_commit_callbacks: Capture
) -> None:

    with django_capture_on_commit_callbacks(execute=True):
        kpi_upsert(key="transfer_rate", name="Transfer rate", formula="1000 * transfers / total_contacts")

    key_result.refresh_from_db()
    assert key_result.current_value == pytest.approx(68.0)
    assert key_result.progress == pytest.approx(68.0)


def test_a_direction_change_refreshes_the_key_results_statuses(
    transfers: Kpi, key_result: KeyResult, django_capture_on_commit_callbacks: Capture
) -> None:

    with django_capture_on_commit_callbacks(execute=True):
        kpi_upsert(
            key="transfer_rate",
            name="Transfer rate",
            formula="100 * transfers / total_contacts",
            direction=Direction.LOWER,
            green_max=5,
        )

    key_result.refresh_from_db()
    assert key_result.computed_at is not None
    assert key_result.current_value == pytest.approx(6.8)


def test_a_new_kpi_target_refreshes_the_key_results_reading_the_kpi(
    transfers: Kpi, key_result: KeyResult, django_capture_on_commit_callbacks: Capture
) -> None:

    with django_capture_on_commit_callbacks(execute=True):
        kpi_target_create(kpi=transfers, period_label="2026-Q1", value=5)

    assert KeyResult.objects.get(pk=key_result.pk).computed_at is not None


def test_a_library_loaded_without_data_asks_for_no_recompute(django_capture_on_commit_callbacks: Capture) -> None:
    with django_capture_on_commit_callbacks(execute=False) as pending:
        measure_upsert(key="transfers", name="Transfers")
        kpi_upsert(key="transfer_rate", name="Transfer rate", formula="transfers")

    assert pending == []
    assert Kpi.objects.get().recompute_requested_at is None


def test_pages_say_recomputing_instead_of_the_old_numbers(
    transfers: Kpi, signed_in: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        kpi_upsert(key="transfer_rate", name="Transfer rate", formula="1000 * transfers / total_contacts")

    detail = signed_in.get(reverse("kpi_detail", args=["transfer_rate"])).content.decode()
    listing = signed_in.get(reverse("kpi_list")).content.decode()

    assert "Recomputing…" in detail
    assert not OLD_VALUE.search(detail)
    assert "Recomputing…" in listing
    assert not OLD_VALUE.search(listing)
    assert Measure.objects.count() == 2


def test_a_recompute_lost_with_the_broker_is_sent_again_by_the_sweep(
    transfers: Kpi, django_capture_on_commit_callbacks: Capture
) -> None:
    # given a formula edit whose task never reached the broker
    with django_capture_on_commit_callbacks(execute=False):
        kpi_upsert(key="transfer_rate", name="Transfer rate", formula="1000 * transfers / total_contacts")
    Kpi.objects.filter(pk=transfers.pk).update(recompute_requested_at=timezone.now() - dt.timedelta(minutes=5))

    # when the minute sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        resent = tasks.definitions_recompute_recover_task.delay().get()

    # then the KPI is recomputed under its new formula
    assert resent == [transfers.pk]
    assert _value(transfers) == pytest.approx(68.0)
    assert Kpi.objects.get(pk=transfers.pk).recompute_requested_at is None
