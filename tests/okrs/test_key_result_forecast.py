"""A key result's forecast as the recompute stores it: the KPI's ratio of sums at the period's end, from the
imported days, with its range; a manual key result's line through its check-ins."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis.models import Dimension, Kpi
from okrs.models import CheckIn, KeyResult, Status
from okrs.progress import Direction
from okrs.scorecard import scorecard_for
from okrs.services.recompute import key_result_recompute, key_results_recompute_all
from okrs.services.snapshots import progress_snapshots_rebuild
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, UserFactory, quarter
from tests.okrs.helpers import day_row, measurements_import

pytestmark = pytest.mark.django_db

Q1 = date(2026, 1, 1)


def _days(first: date, last: date, team: str, *, total: int, escalated: int) -> list[dict[str, object]]:
    count = (last - first).days + 1
    return [
        day_row(first + timedelta(days=i), team, total=total, escalated=escalated, resolved=0, aht=300, csat=(1, 1))
        for i in range(count)
    ]


def _escalations(team: str | None = "Tier 2") -> KeyResult:
    """Escalations from 13 % to 10 % in 2026-Q1, for `team` (None: overall)."""
    return KeyResultFactory(
        objective=ObjectiveFactory(period=quarter("2026-Q1")),
        kind=KeyResult.Kind.KPI_FROM_TO,
        kpi=Kpi.objects.get(key="contact_escalation_rate"),
        dimension=Dimension.objects.get(key="team") if team else None,
        member=team or "",
        baseline_value=13.0,
        target_value=10.0,
    )


def test_a_two_day_partial_week_does_not_pull_the_forecast_of_a_team_at_twelve_percent(tmp_path: Path) -> None:
    """Why: the forecast was the end-of-quarter value of a line through weekly values, so Monday and Tuesday of a
    new week with 1 escalation in 50 contacts each (a "2 %" week) predicted a fraction of a team's 12 %."""
    # given Tier 2 at 12 % from 1 January to Sunday 8 March, then two quiet days
    rows = _days(Q1, date(2026, 3, 8), "Tier 2", total=100, escalated=12)
    rows += _days(date(2026, 3, 9), date(2026, 3, 10), "Tier 2", total=50, escalated=1)
    measurements_import(tmp_path, rows)
    key_result = _escalations()

    # when
    key_result = key_result_recompute(key_result=key_result, today=date(2026, 3, 10))

    # then the rest of the quarter (21 days) runs at the last 28 days' pace, numerator and denominator apart
    escalated = 12 * 67 + 2 + 21 * (12 * 26 + 2) / 28
    contacts = 100 * 67 + 100 + 21 * (100 * 26 + 100) / 28
    assert key_result.forecast == pytest.approx(100 * escalated / contacts)
    assert 11.5 < key_result.forecast < 12.0
    assert key_result.forecast_low is not None
    assert key_result.forecast_high is not None
    assert 11.0 < key_result.forecast_low <= key_result.forecast < key_result.forecast_high < 12.5


def test_the_forecast_of_a_finished_quarter_is_its_ratio_of_sums(tmp_path: Path) -> None:
    rows = _days(Q1, date(2026, 2, 14), "Tier 2", total=100, escalated=14)
    rows += _days(date(2026, 2, 15), date(2026, 3, 31), "Tier 2", total=300, escalated=30)
    measurements_import(tmp_path, rows)

    key_result = key_result_recompute(key_result=_escalations(), today=date(2026, 4, 3))

    pooled = 100 * (14 * 45 + 30 * 45) / (100 * 45 + 300 * 45)
    assert key_result.current_value == pytest.approx(pooled)
    assert (key_result.forecast, key_result.forecast_low, key_result.forecast_high) == pytest.approx(
        (pooled, pooled, pooled)
    )


def test_a_recent_improvement_carries_the_forecast_towards_the_target_and_the_status_with_it(tmp_path: Path) -> None:
    # given 17 % in January and 7 % since 1 February: 12.3 % so far on 28 February, far behind the pace to 10 %
    rows = _days(Q1, date(2026, 1, 31), "Tier 2", total=100, escalated=17)
    rows += _days(date(2026, 2, 1), date(2026, 2, 28), "Tier 2", total=100, escalated=7)
    measurements_import(tmp_path, rows)

    key_result = key_result_recompute(key_result=_escalations(), today=date(2026, 2, 28))

    # then the rest of the quarter at February's pace ends it at (17 x 31 + 7 x 59) / 90 = 10.4 %
    assert key_result.current_value == pytest.approx(100 * (17 * 31 + 7 * 28) / (100 * 59))
    assert key_result.forecast == pytest.approx((17 * 31 + 7 * 59) / 90)
    assert key_result.forecast_low == pytest.approx(key_result.forecast)
    assert key_result.progress is not None
    assert key_result.expected is not None
    assert key_result.progress < key_result.expected - 25
    # 85 % of the way forecast: at risk, not off track
    assert key_result.status == Status.AT_RISK


def test_another_teams_days_do_not_move_a_teams_forecast(tmp_path: Path) -> None:
    rows = _days(Q1, date(2026, 2, 28), "Tier 2", total=100, escalated=12)
    rows += _days(Q1, date(2026, 2, 28), "Billing", total=100, escalated=30)
    measurements_import(tmp_path, rows)

    key_result = key_result_recompute(key_result=_escalations(), today=date(2026, 2, 28))
    overall = key_result_recompute(key_result=_escalations(None), today=date(2026, 2, 28))

    assert key_result.forecast == pytest.approx(12.0)
    assert overall.forecast == pytest.approx(21.0)


def test_a_manual_key_result_is_forecast_along_its_check_ins_with_a_range() -> None:
    key_result = KeyResultFactory(
        objective=ObjectiveFactory(period=quarter("2026-Q1")), baseline_value=0, target_value=40, direction="higher"
    )
    author = UserFactory()
    for day, value in ((date(2026, 1, 5), 4.0), (date(2026, 1, 19), 9.0), (date(2026, 2, 2), 15.0)):
        CheckIn.objects.create(key_result=key_result, author=author, day=day, value=value, confidence=7)

    key_result = key_result_recompute(key_result=key_result, today=date(2026, 2, 2))

    assert key_result.effective_direction == Direction.HIGHER
    assert key_result.forecast == pytest.approx(4 + 11 / 28 * 86, abs=1.0)
    assert key_result.forecast_low is not None
    assert key_result.forecast_high is not None
    assert key_result.forecast_low < key_result.forecast < key_result.forecast_high


def test_a_past_days_scorecard_forecasts_from_the_data_up_to_that_day(tmp_path: Path) -> None:
    # given 17 % in January and 7 % in February, recomputed on 28 February with its snapshot history
    rows = _days(Q1, date(2026, 1, 31), "Tier 2", total=100, escalated=17)
    rows += _days(date(2026, 2, 1), date(2026, 2, 28), "Tier 2", total=100, escalated=7)
    measurements_import(tmp_path, rows)
    key_result = key_result_recompute(key_result=_escalations(), today=date(2026, 2, 28))
    progress_snapshots_rebuild(key_result=key_result, first_day=Q1, last_day=date(2026, 2, 28))

    # when the scorecard is asked for 31 January
    card = scorecard_for(user=key_result.objective.owner, period=quarter("2026-Q1"), as_of=date(2026, 1, 31))

    # then its forecast is January's 17 %, not the 10.4 % February's data makes today
    (shown,) = card.objectives[0].key_results
    assert key_result.forecast == pytest.approx(10.44, abs=0.01)
    assert shown.current_value == pytest.approx(17.0)
    assert (shown.forecast, shown.forecast_low, shown.forecast_high) == pytest.approx((17.0, 17.0, 17.0))


def test_key_results_of_several_segments_recomputed_together_forecast_as_each_alone(tmp_path: Path) -> None:
    """The batch reads every segment's daily parts in one query per period; each key result still gets its own."""
    rows = _days(Q1, date(2026, 2, 28), "Tier 2", total=100, escalated=12)
    rows += _days(Q1, date(2026, 2, 20), "Billing", total=100, escalated=30)
    measurements_import(tmp_path, rows)
    alone = {
        team: key_result_recompute(key_result=_escalations(team), today=date(2026, 2, 28))
        for team in ("Tier 2", "Billing", None)
    }

    with CaptureQueriesContext(connection) as queries:
        key_results_recompute_all(today=date(2026, 2, 28))

    together = {kr.member or None: kr for kr in KeyResult.objects.filter(pk__in=[kr.pk for kr in alone.values()])}
    for team, key_result in alone.items():
        assert key_result.forecast is not None
        assert (together[team].forecast, together[team].forecast_low, together[team].forecast_high) == (
            key_result.forecast,
            key_result.forecast_low,
            key_result.forecast_high,
        )
    assert alone["Tier 2"].forecast == pytest.approx(12.0)
    assert alone["Billing"].forecast == pytest.approx(30.0)
    assert sum("kpis_observation" in query["sql"] for query in queries.captured_queries) == 1


def test_key_results_of_one_segment_share_a_forecast_only_when_they_read_the_same_kpi(tmp_path: Path) -> None:
    """The batch computes each KPI's forecast once per segment: two key results on it get the same, another KPI on
    the same segment its own."""
    measurements_import(tmp_path, _days(Q1, date(2026, 2, 28), "Tier 2", total=100, escalated=12))
    escalations, again = _escalations(), _escalations()
    resolution = KeyResultFactory(
        objective=escalations.objective,
        kind=KeyResult.Kind.KPI_FROM_TO,
        kpi=Kpi.objects.get(key="first_contact_resolution_rate"),
        dimension=escalations.dimension,
        member="Tier 2",
        baseline_value=40.0,
        target_value=60.0,
    )

    key_results_recompute_all(today=date(2026, 2, 28))

    found = {kr.pk: kr for kr in KeyResult.objects.filter(pk__in=[escalations.pk, again.pk, resolution.pk])}
    assert found[escalations.pk].forecast == pytest.approx(12.0)
    assert found[again.pk].forecast == found[escalations.pk].forecast
    assert found[resolution.pk].forecast == pytest.approx(0.0)


def test_days_imported_after_the_day_forecast_do_not_change_its_forecast(tmp_path: Path) -> None:
    """The forecast reads the daily parts up to its day only, and the same from them as from the whole period."""
    measurements_import(tmp_path, _days(Q1, date(2026, 2, 28), "Tier 2", total=100, escalated=12))
    measurements_import(
        tmp_path, _days(date(2026, 2, 27), date(2026, 2, 28), "Tier 2", total=80, escalated=1), "late.csv"
    )
    before = key_result_recompute(key_result=_escalations(), today=date(2026, 2, 28))

    measurements_import(
        tmp_path, _days(date(2026, 3, 1), date(2026, 3, 31), "Tier 2", total=300, escalated=90), "march.csv"
    )
    after = key_result_recompute(key_result=before, today=date(2026, 2, 28))

    assert before.forecast is not None
    assert (after.forecast, after.forecast_low, after.forecast_high) == (
        before.forecast,
        before.forecast_low,
        before.forecast_high,
    )
    # the day itself counts: the last 28 days to 28 February (two of them at 1 in 80), then 31 days at their pace
    escalated = 57 * 12 + 2 + 31 * (26 * 12 + 2) / 28
    contacts = 57 * 100 + 160 + 31 * (26 * 100 + 160) / 28
    assert before.forecast == pytest.approx(100 * escalated / contacts)
