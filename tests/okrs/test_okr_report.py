from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from kpis.models import Direction
from okrs.services.recompute import key_result_recompute
from tests.factories import DimensionFactory, KpiFactory
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, TeamFactory, quarter, series

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_teams() -> None:
    escalation = KpiFactory(key="contact_escalation_rate", direction=Direction.LOWER, decimals=1)
    team = DimensionFactory(key="team")
    series(escalation, quarter("2025-Q4"), 12.5, dimension=team, member="Tier 1")
    series(escalation, quarter("2026-Q1"), 11.25, dimension=team, member="Tier 1")
    tier1 = ObjectiveFactory(title="Reduce Escalated Calls Rate", team=TeamFactory(name="Tier 1"))
    relative = KeyResultFactory(
        objective=tier1,
        title="Escalations -20%",
        kind="kpi_relative",
        kpi=escalation,
        dimension=team,
        member="Tier 1",
        change_percent=-20,
        baseline_value=None,
        target_value=None,
    )
    key_result_recompute(key_result=relative, today=date(2026, 2, 14))
    billing = ObjectiveFactory(title="Billing objective", team=TeamFactory(name="Billing"))
    KeyResultFactory(objective=billing, title="Manual one", kind="manual")
    ObjectiveFactory(title="Next quarter", period=quarter("2026-Q2"))


def _csv(*args: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("okr_report", *args, "--format", "csv", stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.mark.usefixtures("two_teams")
def test_the_report_has_one_row_per_key_result_of_the_period() -> None:
    rows = _csv("--period", "2026-Q1")

    assert [row["key_result"] for row in rows] == ["Manual one", "Escalations -20%"]
    relative = rows[1]
    assert relative == relative | {
        "objective": "Reduce Escalated Calls Rate",
        "kind": "kpi_relative",
        "kpi": "contact_escalation_rate",
        "segment": "team=Tier 1",
        "baseline": "12.5",
        "baseline_from": "2025-Q4",
        "target": "10.0",
        "current": "11.2",
        "progress": "50.0",
        "expected": "50.0",
        "status": "on_track",
    }
    assert rows[0]["current"] == ""
    assert rows[0]["status"] == "no_data"


@pytest.mark.usefixtures("two_teams")
def test_the_report_filters_by_team_and_prints_a_table() -> None:
    out = io.StringIO()

    call_command("okr_report", "--period", "2026-Q1", "--team", "Tier 1", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].split()[:4] == ["team", "objective", "key_result", "kind"]
    assert set(lines[1]) == {"-", " "}
    assert len(lines) == 3
    assert "Escalations -20%" in lines[2]
    assert "on_track" in lines[2]


@pytest.mark.usefixtures("two_teams")
def test_a_period_without_objectives_gives_a_header_only() -> None:
    assert _csv("--period", "2025-Q1") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-Q5"], "not a period label|names no"),
        (["--period", "2026-Q1", "--team", "Nobody"], "No team"),
    ],
)
def test_it_rejects_an_unknown_period_or_team(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("okr_report", *args)
