from __future__ import annotations

import datetime as dt

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from kpis.models import Aggregation, Dimension, Kpi, KpiTarget, SeriesValue
from kpis.periods import Grain
from kpis.selectors import (
    kpi_series_values,
    kpi_target_results,
    kpi_values_to_date,
    kpi_values_to_date_by_member,
    series_inputs,
)
from kpis.services.calendar import period_for_label
from kpis.services.definitions import kpi_upsert, measure_upsert
from kpis.services.series import Scope, series_recompute, series_recompute_all
from kpis.status import Rag
from tests.kpis.conftest import Observe

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 2)


@pytest.fixture
def escalation_rate() -> Kpi:
    measure_upsert(key="escalated_contacts", name="Escalated contacts")
    measure_upsert(key="total_contacts", name="Total contacts")
    return kpi_upsert(
        key="contact_escalation_rate",
        name="Contact escalation rate",
        formula="100 * escalated_contacts / total_contacts",
        direction="lower",
    )


def _values(kpi: Kpi, grain: Grain, dimension: Dimension | None = None) -> dict[tuple[str, str], float | None]:
    return {(v.period.label, v.member): v.value for v in kpi_series_values(kpi=kpi, grain=grain, dimension=dimension)}


def test_it_pools_segments_as_a_ratio_of_sums_not_an_average_of_ratios(escalation_rate: Kpi, observe: Observe) -> None:
    # given two teams whose rates are 10 % and 4 %
    observe("escalated_contacts", MARCH, 10, team="Tier 1")
    observe("total_contacts", MARCH, 100, team="Tier 1")
    observe("escalated_contacts", MARCH, 40, team="Tier 2")
    observe("total_contacts", MARCH, 1000, team="Tier 2")

    # when every series is computed
    series_recompute_all()

    # then overall is 50 / 1100 = 4.5 %, not the 7 % an average of the two rates would give
    overall = _values(escalation_rate, Grain.MONTH)
    assert overall[("2026-03", "")] == pytest.approx(100 * 50 / 1100)
    by_team = _values(escalation_rate, Grain.MONTH, Dimension.objects.get(key="team"))
    assert by_team == {("2026-03", "Tier 1"): pytest.approx(10.0), ("2026-03", "Tier 2"): pytest.approx(4.0)}


def test_it_pools_days_within_a_period_as_a_ratio_of_sums(escalation_rate: Kpi, observe: Observe) -> None:
    observe("escalated_contacts", MARCH, 10)
    observe("total_contacts", MARCH, 100)
    observe("escalated_contacts", MARCH + dt.timedelta(days=1), 40)
    observe("total_contacts", MARCH + dt.timedelta(days=1), 1000)

    series_recompute_all()

    for grain, label in [
        (Grain.WEEK, "2026-W10"),
        (Grain.MONTH, "2026-03"),
        (Grain.QUARTER, "2026-Q1"),
        (Grain.YEAR, "2026"),
    ]:
        assert _values(escalation_rate, grain) == {(label, ""): pytest.approx(100 * 50 / 1100)}


@pytest.mark.parametrize(("escalated", "total", "rate"), [(50, 500, 10.0), (200, 1000, 20.0)])
def test_it_computes_the_seed_worked_examples(
    escalation_rate: Kpi, observe: Observe, escalated: int, total: int, rate: float
) -> None:
    observe("escalated_contacts", MARCH, escalated)
    observe("total_contacts", MARCH, total)

    series_recompute_all()

    assert _values(escalation_rate, Grain.MONTH) == {("2026-03", ""): pytest.approx(rate)}


def test_a_zero_denominator_gives_no_value_rather_than_zero_or_an_error(escalation_rate: Kpi, observe: Observe) -> None:
    observe("escalated_contacts", MARCH, 0)
    observe("total_contacts", MARCH, 0)

    series_recompute_all()

    assert _values(escalation_rate, Grain.MONTH) == {("2026-03", ""): None}


def test_it_keeps_the_aggregated_measures_behind_each_value(escalation_rate: Kpi, observe: Observe) -> None:
    observe("escalated_contacts", MARCH, 50, team="Tier 1")
    observe("total_contacts", MARCH, 500, team="Tier 1")

    series_recompute_all()

    value = kpi_series_values(kpi=escalation_rate, grain=Grain.MONTH).get()
    inputs = series_inputs(kpi=escalation_rate, grain=Grain.MONTH)
    assert inputs[(value.period_id, "")] == {"escalated_contacts": 50, "total_contacts": 500}


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        (Aggregation.SUM, 10 + 20 + 7),
        (Aggregation.AVERAGE, (10 + 20 + 7) / 3),
        (Aggregation.MINIMUM, 7),
        (Aggregation.MAXIMUM, 20),
        # each team's value on its own latest day in the month, then summed: 20 (Tier 1, 3 March) + 7 (Tier 2)
        (Aggregation.LAST, 20 + 7),
    ],
)
def test_each_measure_aggregates_over_time_as_declared(
    observe: Observe, aggregation: Aggregation, expected: float
) -> None:
    measure_upsert(key="open_tickets", name="Open tickets", aggregation=aggregation)
    backlog = kpi_upsert(key="backlog", name="Backlog", formula="open_tickets")
    observe("open_tickets", MARCH, 10, team="Tier 1")
    observe("open_tickets", MARCH + dt.timedelta(days=1), 20, team="Tier 1")
    observe("open_tickets", MARCH, 7, team="Tier 2")

    series_recompute_all()

    assert _values(backlog, Grain.MONTH) == {("2026-03", ""): pytest.approx(expected)}


def test_quarters_and_years_follow_the_fiscal_year(
    escalation_rate: Kpi, observe: Observe, settings: SettingsWrapper
) -> None:
    settings.FISCAL_YEAR_START_MONTH = 4
    observe("escalated_contacts", dt.date(2026, 4, 1), 1)
    observe("total_contacts", dt.date(2026, 4, 1), 10)

    series_recompute_all()

    assert _values(escalation_rate, Grain.QUARTER) == {("2027-Q1", ""): pytest.approx(10.0)}
    assert _values(escalation_rate, Grain.YEAR) == {("2027", ""): pytest.approx(10.0)}


def test_an_incremental_recompute_touches_only_the_periods_and_members_in_scope(
    escalation_rate: Kpi, observe: Observe
) -> None:
    # given series for January and March, for two teams
    january = dt.date(2026, 1, 5)
    for day in (january, MARCH):
        for team in ("Tier 1", "Tier 2"):
            observe("escalated_contacts", day, 10, team=team)
            observe("total_contacts", day, 100, team=team)
    series_recompute_all()
    before = {v.pk: v.value for v in SeriesValue.objects.all()}
    team = Dimension.objects.get(key="team")

    # when Tier 1's March figure is corrected and only that cell's scope is recomputed
    changed = observe("escalated_contacts", MARCH, 30, team="Tier 1")
    change = series_recompute(
        scope=Scope(
            measure_ids=frozenset({changed.measure_id}),
            days=frozenset({MARCH}),
            members={team.id: frozenset({"Tier 1"})},
        )
    )

    # then March overall and Tier 1 moved, and January and Tier 2 kept their very rows
    assert change.kpi_ids == [escalation_rate.id]
    assert _values(escalation_rate, Grain.MONTH) == {("2026-01", ""): 10.0, ("2026-03", ""): pytest.approx(20.0)}
    assert _values(escalation_rate, Grain.MONTH, team) == {
        ("2026-01", "Tier 1"): 10.0,
        ("2026-01", "Tier 2"): 10.0,
        ("2026-03", "Tier 1"): pytest.approx(30.0),
        ("2026-03", "Tier 2"): 10.0,
    }
    untouched = SeriesValue.objects.filter(period__end__lte=dt.date(2026, 2, 1)) | SeriesValue.objects.filter(
        member="Tier 2"
    )
    assert untouched.count() == 10  # January week and month (overall, Tier 1, Tier 2), Tier 2 of W10, March, Q1, 2026
    assert all(before.get(v.pk) == v.value for v in untouched)
    # and a full recompute agrees with the incremental one
    incremental = {(v.period_id, v.dimension_id, v.member): v.value for v in SeriesValue.objects.all()}
    series_recompute_all()
    assert {(v.period_id, v.dimension_id, v.member): v.value for v in SeriesValue.objects.all()} == pytest.approx(
        incremental
    )


def test_values_to_date_pool_every_day_from_the_start(escalation_rate: Kpi, observe: Observe) -> None:
    observe("escalated_contacts", MARCH, 10, team="Tier 1")
    observe("total_contacts", MARCH, 100, team="Tier 1")
    observe("escalated_contacts", MARCH + dt.timedelta(days=2), 40, team="Tier 1")
    observe("total_contacts", MARCH + dt.timedelta(days=2), 1000, team="Tier 1")
    observe("escalated_contacts", MARCH + dt.timedelta(days=2), 99, team="Tier 2")
    observe("total_contacts", MARCH + dt.timedelta(days=2), 100, team="Tier 2")
    team = Dimension.objects.get(key="team")

    values = kpi_values_to_date(
        kpi=escalation_rate, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1), dimension=team, member="Tier 1"
    )

    assert values == [(MARCH, pytest.approx(10.0)), (MARCH + dt.timedelta(days=2), pytest.approx(100 * 50 / 1100))]


def test_targets_get_a_status_from_the_actual_value_of_their_period(escalation_rate: Kpi, observe: Observe) -> None:
    observe("escalated_contacts", MARCH, 12, team="Tier 1")
    observe("total_contacts", MARCH, 100, team="Tier 1")
    series_recompute_all()
    march = period_for_label(label="2026-03")
    q1 = period_for_label(label="2026-Q1")
    team = Dimension.objects.get(key="team")
    KpiTarget.objects.create(kpi=escalation_rate, period=march, value=10, tolerance=2.5)
    KpiTarget.objects.create(kpi=escalation_rate, period=q1, dimension=team, member="Tier 1", band_min=5, band_max=11)
    KpiTarget.objects.create(kpi=escalation_rate, period=period_for_label(label="2026-04"), value=10)

    results = kpi_target_results(kpi=escalation_rate)

    assert [(r.target.period.label, r.actual, r.status) for r in results] == [
        ("2026-Q1", pytest.approx(12.0), Rag.RED),
        ("2026-03", pytest.approx(12.0), Rag.AMBER),
        ("2026-04", None, None),
    ]


def test_values_to_date_by_member_match_one_member_at_a_time(escalation_rate: Kpi, observe: Observe) -> None:
    for offset, team, escalated, total in [(0, "Tier 1", 10, 100), (2, "Tier 1", 40, 1000), (1, "Tier 2", 5, 50)]:
        observe("escalated_contacts", MARCH + dt.timedelta(days=offset), escalated, team=team)
        observe("total_contacts", MARCH + dt.timedelta(days=offset), total, team=team)
    team = Dimension.objects.get(key="team")
    window = {"kpi": escalation_rate, "start": dt.date(2026, 3, 1), "end": dt.date(2026, 4, 1)}

    by_member = kpi_values_to_date_by_member(dimension=team, **window)

    assert set(by_member) == {"Tier 1", "Tier 2"}
    for member, values in by_member.items():
        assert values == kpi_values_to_date(dimension=team, member=member, **window)
    assert by_member["Tier 2"] == [(MARCH + dt.timedelta(days=1), pytest.approx(10.0))]
