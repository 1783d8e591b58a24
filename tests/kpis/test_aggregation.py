"""One aggregation rule per measure: the running to-date values end where the period's series value is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpis.models import Aggregation, Dimension, Kpi
from kpis.selectors import kpi_values_to_date, kpi_values_to_date_by_member, series_value
from kpis.services.calendar import period_for_label
from kpis.services.definitions import kpi_upsert, measure_upsert
from kpis.services.series import series_recompute_all
from tests.kpis.conftest import Observe

pytestmark = pytest.mark.django_db

Q1 = dt.date(2026, 1, 1)
TEAMS = ["A", "B", "C"]


def _stock(aggregation: Aggregation) -> Kpi:
    measure_upsert(key="open_tickets", name="Open tickets", aggregation=aggregation)
    measure_upsert(key="agents", name="Agents")
    return kpi_upsert(key="tickets_per_agent", name="Tickets per agent", formula="open_tickets / agents")


def test_a_last_measure_counts_each_team_at_its_own_latest_day_in_the_series_and_to_date(observe: Observe) -> None:
    # given team A on 1 and 2 March and team B only on 1 March
    measure_upsert(key="open_tickets", name="Open tickets", aggregation=Aggregation.LAST)
    backlog = kpi_upsert(key="backlog", name="Backlog", formula="open_tickets")
    observe("open_tickets", dt.date(2026, 3, 1), 10, team="A")
    observe("open_tickets", dt.date(2026, 3, 2), 12, team="A")
    observe("open_tickets", dt.date(2026, 3, 1), 20, team="B")

    # when the series and the running values are rebuilt
    series_recompute_all()
    quarter = period_for_label(label="2026-Q1")
    running = kpi_values_to_date(kpi=backlog, start=quarter.start, end=quarter.end)

    # then both say 32 on 2 March: A's 12 and B's 20, still its level
    assert series_value(kpi=backlog, period=quarter) == pytest.approx(32)
    assert running == [(dt.date(2026, 3, 1), pytest.approx(30)), (dt.date(2026, 3, 2), pytest.approx(32))]


def test_a_level_does_not_carry_into_the_next_period(observe: Observe) -> None:
    measure_upsert(key="open_tickets", name="Open tickets", aggregation=Aggregation.LAST)
    backlog = kpi_upsert(key="backlog", name="Backlog", formula="open_tickets")
    observe("open_tickets", dt.date(2026, 2, 27), 50, team="B")
    observe("open_tickets", dt.date(2026, 3, 2), 12, team="A")

    series_recompute_all()
    march = period_for_label(label="2026-03")

    assert series_value(kpi=backlog, period=march) == pytest.approx(12)
    assert kpi_values_to_date(kpi=backlog, start=march.start, end=march.end) == [
        (dt.date(2026, 3, 2), pytest.approx(12))
    ]


def test_an_average_counts_only_its_own_measures_cells(observe: Observe) -> None:
    # a KPI over an average and a summed measure: the average's count ignores the other measure's cells
    kpi = _stock(Aggregation.AVERAGE)
    observe("open_tickets", dt.date(2026, 3, 1), 10, team="A")
    observe("agents", dt.date(2026, 3, 1), 2, team="A")
    observe("agents", dt.date(2026, 3, 1), 3, team="B")

    series_recompute_all()
    march = period_for_label(label="2026-03")

    assert series_value(kpi=kpi, period=march) == pytest.approx(10 / 5)
    assert kpi_values_to_date(kpi=kpi, start=march.start, end=march.end)[-1][1] == pytest.approx(10 / 5)


cells = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=89),  # day of 2026-Q1
        st.sampled_from(TEAMS),
        st.sampled_from(["open_tickets", "agents"]),
        st.integers(min_value=0, max_value=1000),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda cell: (cell[0], cell[1], cell[2]),
)


@pytest.mark.parametrize("aggregation", list(Aggregation))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=cells)
def test_the_last_value_to_date_of_a_period_is_the_period_series_value(
    observe: Observe, aggregation: Aggregation, cells: list[tuple[int, str, str, int]]
) -> None:
    with transaction.atomic():
        kpi = _stock(aggregation)
        for offset, team, measure, value in cells:
            observe(measure, Q1 + dt.timedelta(days=offset), value, team=team)
        series_recompute_all()
        team = Dimension.objects.get(key="team")

        for label in ("2026-Q1", "2026-01", "2026-02", "2026-03"):
            period = period_for_label(label=label)
            window = {"kpi": kpi, "start": period.start, "end": period.end}
            overall = kpi_values_to_date(**window)
            expected = series_value(kpi=kpi, period=period)
            assert (overall[-1][1] if overall else None) == pytest.approx(expected)
            for member, values in kpi_values_to_date_by_member(dimension=team, **window).items():
                by_team = series_value(kpi=kpi, period=period, dimension=team, member=member)
                assert values[-1][1] == pytest.approx(by_team)
        transaction.set_rollback(True)
