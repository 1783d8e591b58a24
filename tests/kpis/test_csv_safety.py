"""Every CSV the project writes is neutralised against formula injection, by one helper."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from kpis.csv_safety import spreadsheet_safe
from tests.factories import DimensionFactory, KpiFactory
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, TeamFactory, quarter, series

ATTACKS = [
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "Tier 1;=1+1",
    "Tier 1;\t@SUM(A1)",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_apostrophe(attack: str) -> None:
    assert spreadsheet_safe(attack) == "'" + attack


@pytest.mark.parametrize("value", ["-5", "+3.2", "1e-3", "-0.25", "12", "Tier 1", "team=Tier 1", "Cut, -20% vs Q1", ""])
def test_numbers_and_plain_text_are_left_as_they_are(value: str) -> None:
    assert spreadsheet_safe(value) == value


def test_none_is_an_empty_cell() -> None:
    assert spreadsheet_safe(None) == ""


@given(st.text())
def test_no_neutralised_cell_starts_a_formula(text: str) -> None:
    cell = spreadsheet_safe(text)
    if cell.lstrip().startswith(("=", "+", "-", "@")) and not cell.startswith("'"):
        # left as it is only as a plain number (-5, +3.2), which a spreadsheet reads as that number
        assert cell == cell.strip()
        float(cell)  # raises unless it is one
    # What a semicolon-separated spreadsheet would make of it, cell by cell.
    for part in next(csv.reader(io.StringIO(cell.replace("\n", " ").replace("\r", " ")), delimiter=";"), []):
        if part.lstrip().startswith(("=", "@")):
            assert cell.startswith("'")


@pytest.mark.parametrize("text", ["+0\n", "-5\n", "+3.2\r\n"])
def test_a_number_with_a_line_break_after_it_is_neutralised(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


HOSTILE = "=cmd|' /C calc'!A0"


@pytest.mark.django_db
def test_kpi_series_csv_neutralises_a_hostile_member_and_keeps_negative_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a team named like a formula, and a KPI whose series goes negative
    kpi = KpiFactory(key="net_change_rate", formula="net_change", unit="count")
    team = DimensionFactory(key="team")
    series(kpi, quarter("2026-Q1"), -5.0, dimension=team, member=HOSTILE)

    # when
    call_command("kpi_series", "net_change_rate", "--grain", "quarter", "--by", "team", "--format", "csv")

    # then
    [row] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["team"] == "'" + HOSTILE
    assert row["value"] == "-5"


@pytest.mark.django_db
def test_okr_report_csv_neutralises_hostile_names(capsys: pytest.CaptureFixture[str]) -> None:
    # given
    objective = ObjectiveFactory(title='=HYPERLINK("http://evil.example","x")', team=TeamFactory(name=HOSTILE))
    KeyResultFactory(objective=objective, title="@SUM(A1:A9)", kind="manual")

    # when
    call_command("okr_report", "--period", objective.period.label, "--format", "csv")

    # then
    [row] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["team"] == "'" + HOSTILE
    assert row["objective"] == "'" + objective.title
    assert row["key_result"] == "'@SUM(A1:A9)"
