from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections, transaction
from django.utils import timezone

from kpis.models import Kpi
from kpis.services.library import kpi_library_load
from okrs.models import KeyResult, ProgressSnapshot
from okrs.services.objectives import current_quarter
from okrs.services.recompute import KeyResultBusy, key_result_recompute, key_results_recompute_for_kpis
from okrs.tasks import key_result_recompute_task, key_results_recompute_all_task, key_results_recompute_for_kpis_task
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, series

pytestmark = pytest.mark.django_db


def _fcr_key_result() -> KeyResult:
    kpi_library_load()
    fcr = Kpi.objects.get(key="first_contact_resolution_rate")
    objective = ObjectiveFactory(period=current_quarter())
    series(fcr, objective.period, 75.0)
    return KeyResultFactory(objective=objective, kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)


def test_the_import_hook_recomputes_the_key_results_reading_the_changed_kpis() -> None:
    # given a key result not computed yet
    key_result = _fcr_key_result()
    today = timezone.localdate()

    # when the KPI side reports its change, with days as ISO text
    key_results_recompute_for_kpis_task.delay(
        kpi_ids=[key_result.kpi_id], first_day=today.isoformat(), last_day=today.isoformat()
    )

    # then
    key_result.refresh_from_db()
    assert key_result.progress == pytest.approx(50.0)
    assert ProgressSnapshot.objects.filter(key_result=key_result, day=today).exists()


def test_data_for_past_days_rebuilds_the_history_through_a_second_task(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # given a key result in the current quarter
    key_result = _fcr_key_result()
    today = timezone.localdate()
    first_day = max(today - timedelta(days=3), key_result.objective.period.start)

    # when the KPI side reports a change three days back (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        key_results_recompute_for_kpis_task.delay(
            kpi_ids=[key_result.kpi_id], first_day=first_day.isoformat(), last_day=today.isoformat()
        )

    # then every day from then to today has its snapshot
    days = set(ProgressSnapshot.objects.filter(key_result=key_result).values_list("day", flat=True))
    assert len(enqueued) == (1 if first_day < today else 0)
    assert days == {first_day + timedelta(days=n) for n in range((today - first_day).days + 1)}


def test_the_nightly_task_recomputes_everything_and_writes_todays_snapshot() -> None:
    key_result = _fcr_key_result()

    key_results_recompute_all_task.delay()

    snapshot = ProgressSnapshot.objects.get(key_result=key_result)
    assert (snapshot.day, snapshot.progress) == (timezone.localdate(), pytest.approx(50.0))


def test_the_task_for_a_deleted_key_result_does_nothing() -> None:
    key_result = _fcr_key_result()
    key_result_id = key_result.pk
    key_result.delete()

    key_result_recompute_task.delay(key_result_id=key_result_id)

    assert not KeyResult.objects.filter(pk=key_result_id).exists()


@contextmanager
def _held_by_another_worker(key_result: KeyResult) -> Iterator[None]:
    """Lock the key result's row from another connection until the block ends."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                KeyResult.objects.select_for_update().get(pk=key_result.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(timeout=30)
    try:
        yield
    finally:
        release.set()
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_a_key_result_is_never_computed_twice_at_once() -> None:
    # given a key result another worker is computing
    key_result = _fcr_key_result()
    today = timezone.localdate()

    with _held_by_another_worker(key_result):
        # when a second computation starts
        with pytest.raises(KeyResultBusy):
            key_result_recompute(key_result=key_result)
        result = key_results_recompute_for_kpis(
            kpi_ids=[key_result.kpi_id], first_day=today - timedelta(days=1), last_day=today
        )

    # then it leaves the key result alone and says so, so that the caller can retry
    assert result.busy == [key_result.pk]
    assert result.recomputed == []
    key_result.refresh_from_db()
    assert key_result.computed_at is None
