from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from kpis.services.definitions import kpi_upsert, measure_upsert
from kpis.services.series import series_recompute_all
from tests.kpis.conftest import Observe

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalations(observe: Observe) -> None:
    measure_upsert(key="escalated_contacts", name="Escalated contacts")
    measure_upsert(key="total_contacts", name="Total contacts")
    kpi_upsert(
        key="contact_escalation_rate",
        name="Contact escalation rate",
        formula="100 * escalated_contacts / total_contacts",
        unit="percent",
    )
    for team, escalated, total in [("Tier 1", 10, 100), ("Tier 2", 40, 1000), ("Billing", 0, 0)]:
        observe("escalated_contacts", dt.date(2026, 2, 10), escalated, team=team)
        observe("total_contacts", dt.date(2026, 2, 10), total, team=team)
    series_recompute_all()


def _csv(*args: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("kpi_series", *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_it_prints_the_overall_series_as_csv(escalations: None) -> None:
    rows = _csv("contact_escalation_rate", "--grain", "quarter", "--format", "csv")

    assert [(r["period"], float(r["value"])) for r in rows] == [("2026-Q1", pytest.approx(100 * 50 / 1100))]
    assert (rows[0]["escalated_contacts"], rows[0]["total_contacts"]) == ("50", "1100")


def test_it_prints_one_row_per_dimension_value_and_leaves_no_value_empty(escalations: None) -> None:
    rows = _csv("contact_escalation_rate", "--grain", "month", "--by", "team", "--format", "csv")

    assert [(r["period"], r["team"], r["value"]) for r in rows] == [
        ("2026-02", "Billing", ""),
        ("2026-02", "Tier 1", "10"),
        ("2026-02", "Tier 2", "4"),
    ]


def test_it_prints_a_table_formatted_by_unit(escalations: None) -> None:
    out = io.StringIO()

    call_command("kpi_series", "contact_escalation_rate", "--grain", "week", stdout=out)

    assert "2026-W07" in out.getvalue()
    assert "4.5 %" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_kpi"], "Unknown KPI 'no_such_kpi'"),
        (["contact_escalation_rate", "--by", "planet"], "Unknown dimension 'planet'"),
    ],
)
def test_it_names_what_it_does_not_know(escalations: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("kpi_series", *args)
