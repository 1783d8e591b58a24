from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kpis.models import Direction, Kpi
from kpis.services.library import kpi_library_load
from okrs.models import KeyResult, ProgressSnapshot, Status
from okrs.services.recompute import (
    key_results_recompute_all,
    key_results_recompute_for_kpis,
    progress_snapshots_rebuild_for,
)
from okrs.services.snapshots import progress_snapshots_write
from tests.factories import KpiFactory
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, quarter, series
from tests.okrs.helpers import day_row, measurements_import

pytestmark = pytest.mark.django_db


def _fcr_days(resolved_on_feb_2: int) -> list[dict[str, object]]:
    return [
        day_row(date(2026, 2, day), "Tier 1", total=100, escalated=10, resolved=resolved, aht=300, csat=(10, 9))
        for day, resolved in [(1, 70), (2, resolved_on_feb_2), (3, 80), (4, 80)]
    ]


def _recompute_with_history(kpi_ids: list[int], first_day: date, last_day: date, *, today: date) -> None:
    """What the recompute task and the history task it enqueues do, on a given day."""
    result = key_results_recompute_for_kpis(kpi_ids=kpi_ids, first_day=first_day, last_day=last_day, today=today)
    assert result.history_from == first_day
    progress_snapshots_rebuild_for(
        key_result_ids=result.recomputed, first_day=result.history_from, last_day=today - timedelta(days=1)
    )


def test_a_correction_to_past_data_rebuilds_the_history_from_that_day_on(tmp_path: Path) -> None:
    # given FCR imported for 1-4 February and a key result "FCR from 70 % to 80 %"
    change = measurements_import(tmp_path, _fcr_days(resolved_on_feb_2=70))
    fcr = Kpi.objects.get(key="first_contact_resolution_rate")
    key_result = KeyResultFactory(kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)
    assert change.first_day is not None
    _recompute_with_history(change.kpi_ids, change.first_day, date(2026, 2, 4), today=date(2026, 2, 5))
    before = dict(ProgressSnapshot.objects.filter(key_result=key_result).values_list("day", "value"))
    assert before[date(2026, 2, 2)] == pytest.approx(70.0)
    assert before[date(2026, 2, 4)] == pytest.approx(75.0)

    # when 2 February is corrected (70 -> 90 resolved) a few days later
    correction = measurements_import(tmp_path, [_fcr_days(resolved_on_feb_2=90)[1]], name="correction.csv")
    assert (correction.first_day, correction.last_day) == (date(2026, 2, 2), date(2026, 2, 2))
    _recompute_with_history(correction.kpi_ids, date(2026, 2, 2), date(2026, 2, 2), today=date(2026, 2, 6))

    # then the days before stay, and 2 February onwards show the corrected to-date values
    after = dict(ProgressSnapshot.objects.filter(key_result=key_result).values_list("day", "value"))
    assert after[date(2026, 2, 1)] == pytest.approx(70.0)
    assert after[date(2026, 2, 2)] == pytest.approx(80.0)
    assert after[date(2026, 2, 3)] == pytest.approx(80.0)
    assert after[date(2026, 2, 4)] == pytest.approx(80.0)
    assert after[date(2026, 2, 5)] == pytest.approx(80.0)  # carried forward to the days without data
    assert after[date(2026, 2, 6)] == pytest.approx(80.0)  # today's: the key result as just computed
    key_result.refresh_from_db()
    assert key_result.current_value == pytest.approx(80.0)
    assert key_result.progress == 100.0


def test_the_nightly_snapshot_records_each_active_key_result_once_per_day() -> None:
    # given an active and a draft objective's key results, computed
    fcr = KpiFactory(key="fcr", direction=Direction.HIGHER)
    series(fcr, quarter("2026-Q1"), 75.0)
    active = KeyResultFactory(kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)
    KeyResultFactory(
        objective=ObjectiveFactory(state="draft"), kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80
    )
    key_results_recompute_all(today=date(2026, 2, 14))

    # when written twice on the same day
    progress_snapshots_write(day=date(2026, 2, 14))
    written = progress_snapshots_write(day=date(2026, 2, 14))

    # then
    assert written == 1
    snapshot = ProgressSnapshot.objects.get()
    assert (snapshot.key_result_id, snapshot.value, snapshot.progress) == (active.pk, 75.0, 50.0)
    assert snapshot.status == Status.ON_TRACK


def test_only_active_key_results_reading_the_changed_kpis_and_periods_are_recomputed() -> None:
    # given key results on two KPIs, in two quarters, one in a draft objective, one guarding with the changed KPI
    kpi_library_load()
    fcr, csat, aht = (
        Kpi.objects.get(key=key) for key in ("first_contact_resolution_rate", "csat", "average_handle_time")
    )
    on_fcr = KeyResultFactory(kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)
    on_csat = KeyResultFactory(kind="kpi_from_to", kpi=csat, baseline_value=70, target_value=80)
    next_quarter = KeyResultFactory(
        objective=ObjectiveFactory(period=quarter("2026-Q2")),
        kind="kpi_from_to",
        kpi=fcr,
        baseline_value=1,
        target_value=2,
    )
    draft = KeyResultFactory(
        objective=ObjectiveFactory(state="draft"), kind="kpi_from_to", kpi=fcr, baseline_value=1, target_value=2
    )
    guarded = KeyResultFactory(kind="kpi_from_to", kpi=aht, baseline_value=400, target_value=360)
    guarded.guardrails.create(kpi=fcr, comparison=">=", threshold=60)
    # a relative key result whose baseline quarter (2026-Q1) is the one that changed
    relative_next = KeyResultFactory(
        objective=ObjectiveFactory(period=quarter("2026-Q2")),
        kind="kpi_relative",
        kpi=fcr,
        change_percent=5,
        baseline_value=None,
        target_value=None,
    )

    # when FCR changes on 3 February
    result = key_results_recompute_for_kpis(
        kpi_ids=[fcr.pk], first_day=date(2026, 2, 3), last_day=date(2026, 2, 3), today=date(2026, 2, 14)
    )

    # then
    assert set(result.recomputed) == {on_fcr.pk, guarded.pk, relative_next.pk}
    assert result.busy == []
    assert KeyResult.objects.get(pk=on_csat.pk).computed_at is None
    assert KeyResult.objects.get(pk=next_quarter.pk).computed_at is None
    assert KeyResult.objects.get(pk=draft.pk).computed_at is None
    assert KeyResult.objects.get(pk=relative_next.pk).baseline_read_from == quarter("2026-Q1")
