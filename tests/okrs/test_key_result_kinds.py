from __future__ import annotations

from datetime import date

import pytest

from kpis.models import Direction
from okrs.models import KeyResult, Status
from okrs.services.recompute import key_result_recompute
from tests.factories import DimensionFactory, KpiFactory
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, quarter, series, week_of

pytestmark = pytest.mark.django_db

MID_Q1 = date(2026, 2, 14)  # 45 of 90 days: 50 % expected


def test_a_from_to_key_result_follows_its_kpi_series() -> None:
    # given "Increase FCR from 70 % to 80 %" and a quarter-to-date FCR of 75 %
    fcr = KpiFactory(key="fcr", direction=Direction.HIGHER)
    series(fcr, quarter("2026-Q1"), 75.0)
    key_result = KeyResultFactory(kind=KeyResult.Kind.KPI_FROM_TO, kpi=fcr, baseline_value=70, target_value=80)

    # when
    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    # then
    assert key_result.current_value == 75.0
    assert key_result.progress == pytest.approx(50.0)
    assert key_result.expected == pytest.approx(50.0)
    assert key_result.status == Status.ON_TRACK
    assert key_result.computed_at is not None


def test_a_relative_key_result_reads_its_baseline_from_the_previous_quarter() -> None:
    # given "-20 % escalations vs last quarter", last quarter 12.5 %, this quarter so far 11.25 %
    escalation = KpiFactory(key="escalation", direction=Direction.LOWER)
    series(escalation, quarter("2025-Q4"), 12.5)
    series(escalation, quarter("2026-Q1"), 11.25)
    key_result = KeyResultFactory(
        kind=KeyResult.Kind.KPI_RELATIVE, kpi=escalation, change_percent=-20, baseline_value=None, target_value=None
    )

    # when
    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    # then the baseline and the derived target are stored with where they came from
    assert key_result.baseline_value == 12.5
    assert key_result.baseline_source == KeyResult.BaselineSource.SERIES
    assert key_result.baseline_read_from == quarter("2025-Q4")
    assert key_result.target_value == pytest.approx(10.0)
    assert key_result.target_source == KeyResult.TargetSource.DERIVED
    assert key_result.progress == pytest.approx(50.0)


def test_a_relative_key_result_uses_the_baseline_period_it_is_given() -> None:
    aht = KpiFactory(key="aht", direction=Direction.LOWER, unit="seconds")
    series(aht, quarter("2025-Q3"), 400.0)
    series(aht, quarter("2025-Q4"), 300.0)
    series(aht, quarter("2026-Q1"), 380.0)
    key_result = KeyResultFactory(
        kind=KeyResult.Kind.KPI_RELATIVE,
        kpi=aht,
        change_percent=-10,
        baseline_period=quarter("2025-Q3"),
        baseline_value=None,
        target_value=None,
    )

    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    assert key_result.baseline_value == 400.0
    assert key_result.target_value == pytest.approx(360.0)
    assert key_result.progress == pytest.approx(50.0)


def test_a_key_result_on_a_segment_reads_that_segment_only() -> None:
    # given overall escalations flat but Tier 1 halfway to its target
    escalation = KpiFactory(key="escalation", direction=Direction.LOWER)
    team = DimensionFactory(key="team")
    series(escalation, quarter("2025-Q4"), 12.5)
    series(escalation, quarter("2026-Q1"), 12.5)
    series(escalation, quarter("2025-Q4"), 20.0, dimension=team, member="Tier 1")
    series(escalation, quarter("2026-Q1"), 18.0, dimension=team, member="Tier 1")
    series(escalation, quarter("2026-Q1"), 5.0, dimension=team, member="Tier 2")
    key_result = KeyResultFactory(
        kind=KeyResult.Kind.KPI_RELATIVE,
        kpi=escalation,
        dimension=team,
        member="Tier 1",
        change_percent=-20,
        baseline_value=None,
        target_value=None,
    )

    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    assert (key_result.baseline_value, key_result.target_value, key_result.current_value) == (20.0, 16.0, 18.0)
    assert key_result.progress == pytest.approx(50.0)


def test_a_relative_key_result_without_last_quarters_data_has_no_progress_yet() -> None:
    escalation = KpiFactory(key="escalation", direction=Direction.LOWER)
    series(escalation, quarter("2026-Q1"), 11.0)
    key_result = KeyResultFactory(
        kind=KeyResult.Kind.KPI_RELATIVE, kpi=escalation, change_percent=-20, baseline_value=None, target_value=None
    )

    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    assert key_result.baseline_value is None
    assert key_result.target_value is None
    assert key_result.progress is None
    assert key_result.status == Status.NO_DATA


def test_a_zero_denominator_is_no_data_not_zero_progress() -> None:
    fcr = KpiFactory(key="fcr", direction=Direction.HIGHER)
    series(fcr, quarter("2026-Q1"), None)
    key_result = KeyResultFactory(kind=KeyResult.Kind.KPI_FROM_TO, kpi=fcr, baseline_value=70, target_value=80)

    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    assert key_result.current_value is None
    assert key_result.progress is None
    assert key_result.status == Status.NO_DATA


def test_a_from_to_baseline_can_be_read_from_the_series() -> None:
    fcr = KpiFactory(key="fcr", direction=Direction.HIGHER)
    series(fcr, quarter("2025-Q4"), 70.0)
    series(fcr, quarter("2026-Q1"), 72.0)
    key_result = KeyResultFactory(
        kind=KeyResult.Kind.KPI_FROM_TO,
        kpi=fcr,
        baseline_source=KeyResult.BaselineSource.SERIES,
        baseline_value=None,
        target_value=80,
    )

    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    assert key_result.baseline_value == 70.0
    assert key_result.target_source == KeyResult.TargetSource.TYPED
    assert key_result.progress == pytest.approx(20.0)
    assert key_result.status == Status.OFF_TRACK


def test_the_direction_can_be_overridden_for_a_band_kpi() -> None:
    # given a band KPI whose key result aims down
    occupancy = KpiFactory(key="occupancy", direction=Direction.BAND)
    series(occupancy, quarter("2026-Q1"), 88.0)
    key_result = KeyResultFactory(
        kind=KeyResult.Kind.KPI_FROM_TO, kpi=occupancy, baseline_value=90, target_value=85, direction="lower"
    )

    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    assert key_result.progress == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("mode", "fields", "value", "wanted_progress", "wanted_status"),
    [
        ("above", {"target_value": 85}, 88.0, 100.0, Status.ON_TRACK),
        ("above", {"target_value": 85}, 76.5, 90.0, Status.ON_TRACK),
        ("above", {"target_value": 85}, 63.75, 75.0, Status.AT_RISK),
        ("below", {"target_value": 120}, 100.0, 100.0, Status.ON_TRACK),
        ("below", {"target_value": 120}, 180.0, 50.0, Status.OFF_TRACK),
        ("within", {"band_min": 60, "band_max": 120}, 90.0, 100.0, Status.ON_TRACK),
    ],
)
def test_a_threshold_key_result_must_hold_all_along(
    mode: str, fields: dict[str, float], value: float, wanted_progress: float, wanted_status: Status
) -> None:
    kpi = KpiFactory(key="csat", direction=Direction.HIGHER)
    series(kpi, quarter("2026-Q1"), value)
    key_result = KeyResultFactory(
        kind=KeyResult.Kind.KPI_THRESHOLD,
        kpi=kpi,
        threshold_mode=mode,
        baseline_value=None,
        **{"target_value": None, **fields},
    )

    key_result = key_result_recompute(key_result=key_result, today=date(2026, 1, 10))

    assert key_result.expected == 100.0
    assert key_result.progress == pytest.approx(wanted_progress)
    assert key_result.status == wanted_status


def test_a_key_result_without_data_has_no_forecast() -> None:
    escalation = KpiFactory(key="escalation", direction=Direction.LOWER)
    series(escalation, week_of(date(2026, 1, 5)), 12.0)
    key_result = KeyResultFactory(kind=KeyResult.Kind.KPI_FROM_TO, kpi=escalation, baseline_value=13, target_value=10)

    key_result = key_result_recompute(key_result=key_result, today=date(2026, 2, 1))

    assert key_result.forecast is None
    assert key_result.status == Status.NO_DATA


def test_a_draft_objectives_key_result_is_computed_on_request_too() -> None:
    fcr = KpiFactory(key="fcr", direction=Direction.HIGHER)
    series(fcr, quarter("2026-Q1"), 80.0)
    key_result = KeyResultFactory(
        objective=ObjectiveFactory(state="draft"), kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80
    )

    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    assert key_result.progress == 100.0
