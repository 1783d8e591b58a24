"""The scorecard page and its CSV download: one selector, raw numbers, neutralised text, bounded queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from kpis.models import KpiTarget, Period
from okrs.exports.csv_file import COLUMNS as CSV_COLUMNS
from okrs.models import Guardrail, KeyResult, Objective, Status
from tests.factories import DimensionFactory, KpiFactory
from tests.okrs.factories import (
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    TeamFactory,
    quarter,
    series,
)

pytestmark = pytest.mark.django_db


def _objectives(lead: User, count: int, *, team_name: str = "Tier 1", title: str = "Objective {}") -> None:
    """`count` objectives in 2026-Q1, each with a KPI key result on the team's segment and a manual one."""
    team = TeamFactory(name=team_name)
    MembershipFactory(user=lead, team=team)
    dimension = DimensionFactory(key="team")
    for index in range(count):
        # A KPI per objective, so that the page's KPI lines grow with the objectives too.
        kpi = KpiFactory(key=f"escalation_{index}", name=f"Escalation rate {index}", unit="percent", direction="lower")
        series(kpi, quarter("2025-Q4"), 12.0, dimension=dimension, member=team_name)
        series(kpi, quarter("2026-Q1"), 11.0, dimension=dimension, member=team_name)
        objective = ObjectiveFactory(team=team, owner=lead, period=quarter("2026-Q1"), title=title.format(index))
        kr = KeyResultFactory(
            objective=objective,
            title="Cut escalations",
            kind=KeyResult.Kind.KPI_FROM_TO,
            kpi=kpi,
            dimension=dimension,
            member=team_name,
            baseline_value=12.5,
            target_value=10.0,
            current_value=11.0,
            progress=60.0,
            expected=50.0,
            status=Status.ON_TRACK,
        )
        Guardrail.objects.create(key_result=kr, kpi=kpi, threshold=20, comparison="<=")
        KeyResultFactory(objective=objective, title="Launch the help centre", baseline_value=0, target_value=5)
        KpiTarget.objects.create(kpi=kpi, period=quarter("2026-Q1"), value=11.5)


def _csv(response: HttpResponse) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


def test_it_shows_each_kpi_against_its_target_then_each_objective(signed_in: Client, lead: User) -> None:
    _objectives(lead, 1)

    response = signed_in.get(reverse("scorecard"), {"period": "2026-Q1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Escalation rate 0" in page
    assert "11.0 %" in page  # actual, by unit
    assert "≤ 10.0 %" in page  # the key result's target on its segment
    assert "≤ 11.5 %" in page  # the overall KPI target
    assert "\u22121.0 pts" in page  # a minus sign, not a hyphen
    assert "better" in page
    assert "Objective 0" in page
    assert "Launch the help centre" in page
    assert 'href="/scorecard.csv?period=2026-Q1"' in page


def test_the_csv_has_a_row_per_kpi_line_objective_and_key_result_with_raw_numbers(
    signed_in: Client, lead: User
) -> None:
    _objectives(lead, 1)

    response = signed_in.get(reverse("scorecard_csv"), {"period": "2026-Q1"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="scorecard-2026-Q1.csv"'
    rows = _csv(response)
    assert [row["section"] for row in rows] == ["kpi", "kpi", "objective", "key_result", "key_result"]
    segment_line = next(r for r in rows if r["section"] == "kpi" and r["segment"] == "Team: Tier 1")
    assert segment_line["unit"] == "percent"
    # the line follows its key result's status (on track), in the objectives' words
    assert (segment_line["actual_raw"], segment_line["target_raw"], segment_line["status"]) == ("11", "10", "On track")
    assert (segment_line["previous_period"], segment_line["previous_raw"]) == ("2025-Q4", "12")
    assert (segment_line["change_raw"], segment_line["change_is"]) == ("-1", "better")  # a number, not neutralised
    objective = next(r for r in rows if r["section"] == "objective")
    assert (objective["team"], objective["progress_raw"], objective["owner"]) == ("Tier 1", "60", "Lena Lead")
    manual = rows[-1]
    assert (manual["name"], manual["kpi"], manual["unit"], manual["target_raw"]) == (
        "Launch the help centre",
        "",
        "",
        "5",
    )


def test_the_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(signed_in: Client, lead: User) -> None:
    # given a team and an objective whose names are formulas
    _objectives(lead, 1, team_name='=HYPERLINK("http://evil.example","x")', title="+cmd|' /C calc'!A0 {}")

    # when
    rows = _csv(signed_in.get(reverse("scorecard_csv"), {"period": "2026-Q1"}))

    # then every text cell starts with a quote, the numbers stay numbers
    objective = next(r for r in rows if r["section"] == "objective")
    assert objective["team"] == '\'=HYPERLINK("http://evil.example","x")'
    assert objective["objective"] == "'+cmd|' /C calc'!A0 0"
    key_result = next(r for r in rows if r["section"] == "key_result")
    assert key_result["team"] == objective["team"]
    assert key_result["segment"] == 'Team: =HYPERLINK("http://evil.example","x")'  # starts with a letter: harmless
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())
    assert next(r for r in rows if r["change_raw"])["change_raw"] == "-1"


def test_a_team_filter_keeps_to_that_team_on_the_page_and_in_the_csv(signed_in: Client, lead: User) -> None:
    _objectives(lead, 1)
    billing = TeamFactory(name="Billing")
    MembershipFactory(user=lead, team=billing)
    ObjectiveFactory(team=billing, period=quarter("2026-Q1"), title="Billing objective")

    page = signed_in.get(reverse("scorecard"), {"period": "2026-Q1", "team": billing.pk})
    rows = _csv(signed_in.get(reverse("scorecard_csv"), {"period": "2026-Q1", "team": billing.pk}))

    assert [s.objective.title for s in page.context["card"].objectives] == ["Billing objective"]
    assert {row["team"] for row in rows if row["section"] == "objective"} == {"Billing"}


def test_bad_filters_are_named_inline_and_never_a_500(signed_in: Client, lead: User) -> None:
    # given
    _objectives(lead, 1)
    stranger = TeamFactory(name="Not mine")
    periods_before = Period.objects.count()

    # when
    response = signed_in.get(reverse("scorecard"), {"period": "2026-Q5", "team": stranger.pk})
    download = signed_in.get(reverse("scorecard_csv"), {"period": "nonsense", "team": "abc"})

    # then the page names both problems and shows the current quarter for all the lead's teams
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not a period label" in page
    assert "Select a valid choice" in page
    assert response.context["card"].team is None
    # and a download refuses them rather than hand over a file of another period or team
    assert download.status_code == 400
    assert b"is not a period label" in download.content
    assert b"Select a valid choice" in download.content
    assert Period.objects.count() <= periods_before + 1  # at most the current quarter's row


def test_a_user_without_teams_gets_empty_states_and_a_header_only_csv(signed_in: Client) -> None:
    ObjectiveFactory(period=quarter("2026-Q1"), title="Someone else's")

    page = signed_in.get(reverse("scorecard"), {"period": "2026-Q1"}).content.decode()
    rows = _csv(signed_in.get(reverse("scorecard_csv"), {"period": "2026-Q1"}))

    assert "No KPIs for 2026-Q1" in page
    assert "No objectives for 2026-Q1" in page
    assert "Someone else" not in page
    assert rows == []


def test_a_long_scorecard_loads_key_results_when_asked_and_the_csv_keeps_them_all(
    signed_in: Client, lead: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given more objectives than the page shows key results for
    monkeypatch.setattr("okrs.views.scorecard.INLINE_KEY_RESULTS_UP_TO", 2)
    _objectives(lead, 3)
    objective = Objective.objects.get(title="Objective 1")

    # when
    page = signed_in.get(reverse("scorecard"), {"period": "2026-Q1"}).content.decode()
    rows = signed_in.get(reverse("scorecard_key_results", args=[objective.pk])).content.decode()
    download = _csv(signed_in.get(reverse("scorecard_csv"), {"period": "2026-Q1"}))

    # then
    assert page.count('class="kr-row"') == 0
    assert page.count("Show 2 key results") == 3
    assert rows.count('class="kr-row"') == 2
    assert "Objective 1" in rows
    assert "Show 2 key results" not in rows
    assert [row["section"] for row in download].count("key_result") == 6


def test_the_key_results_of_another_teams_objective_are_not_found(signed_in: Client) -> None:
    hidden = ObjectiveFactory(team=TeamFactory(name="Billing"))

    assert signed_in.get(reverse("scorecard_key_results", args=[hidden.pk])).status_code == 404


def test_the_csv_asks_a_visitor_to_sign_in(client: Client) -> None:
    response = client.get(reverse("scorecard_csv"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("count", [3, 30])
def test_the_number_of_queries_does_not_grow_with_the_objectives(
    signed_in: Client,
    lead: User,
    count: int,
    django_assert_num_queries: object,
    django_assert_max_num_queries: object,
) -> None:
    # given 3 or 30 objectives, each with a KPI of its own: the KPI lines grow with them
    _objectives(lead, count)
    signed_in.get(reverse("scorecard"), {"period": "2026-Q1"})  # the session exists from here on

    # One of them reads the KPIs' last days with data, for a running period's mark ("2026-Q1 so far: 40 days"); the
    # key results' KPIs and their dimensions are one query each.
    with django_assert_num_queries(11):  # type: ignore[operator]
        page = signed_in.get(reverse("scorecard"), {"period": "2026-Q1"})
    # The CSV adds the guardrails and the latest check-ins, one query each.
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        download = signed_in.get(reverse("scorecard_csv"), {"period": "2026-Q1"})

    assert len(page.context["card"].objectives) == count
    assert len(page.context["card"].kpi_lines) == 2 * count
    assert len(_csv(download)) == 2 * count + 3 * count
