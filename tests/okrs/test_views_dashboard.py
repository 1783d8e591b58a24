"""The dashboard page: the current quarter by default, filters, the period switcher, empty states, query counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import NoReverseMatch, reverse

from kpis.models import Period
from okrs.models import Guardrail, KeyResult, Objective, Status
from okrs.services.objectives import current_quarter
from tests.factories import DimensionFactory, KpiFactory
from tests.okrs.factories import (
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    TeamFactory,
    quarter,
)

pytestmark = pytest.mark.django_db


def _objectives(lead: User, count: int, period: Period | None = None, team_name: str = "Tier 1") -> None:
    """`count` objectives in the lead's team, each with three KPI key results and a guardrail."""
    team = TeamFactory(name=team_name)
    MembershipFactory(user=lead, team=team)
    kpi = KpiFactory(key="escalation", name="Escalation rate", unit="percent", direction="lower")
    dimension = DimensionFactory(key="team")
    for index in range(count):
        objective = ObjectiveFactory(team=team, period=period or current_quarter(), title=f"Objective {index}")
        for step in range(3):
            kr = KeyResultFactory(
                objective=objective,
                kind=KeyResult.Kind.KPI_FROM_TO,
                kpi=kpi,
                dimension=dimension,
                member=team_name,
                baseline_value=12.5,
                target_value=10.0,
                current_value=11.25,
                progress=50.0,
                expected=40.0,
                status=[Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK][step],
                guardrail_breached=step == 2,
            )
            Guardrail.objects.create(key_result=kr, kpi=kpi, threshold=20, comparison="<=", breached=step == 2)


def test_it_asks_a_visitor_to_sign_in(client: Client) -> None:
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_current_quarter_with_key_results_formatted_by_unit(signed_in: Client, lead: User) -> None:
    # given
    _objectives(lead, 1)

    # when
    response = signed_in.get(reverse("dashboard"))

    # then
    page = response.content.decode()
    assert response.context["period"] == current_quarter()
    assert "Objective 0" in page
    assert "11.2 %" in page or "11.3 %" in page
    assert "10.0 %" in page
    assert "Guardrail breached: Escalation rate ≤ 20.0 %" in page
    assert [g.team.name for g in response.context["groups"]] == ["Tier 1"]
    rollup = response.context["rollup"]
    assert (rollup.on_track, rollup.at_risk, rollup.off_track) == (1, 1, 1)


def test_it_shows_only_the_teams_the_user_belongs_to(signed_in: Client, lead: User) -> None:
    _objectives(lead, 1)
    ObjectiveFactory(team=TeamFactory(name="Billing"), period=current_quarter(), title="Billing's secret")

    page = signed_in.get(reverse("dashboard")).content.decode()

    assert "Objective 0" in page
    assert "Billing&#x27;s secret" not in page
    assert "Billing's secret" not in page


def test_it_filters_by_team_and_status(signed_in: Client, lead: User) -> None:
    # given objectives in two of the lead's teams, one with nothing off track
    _objectives(lead, 1)
    billing = TeamFactory(name="Billing")
    MembershipFactory(user=lead, team=billing)
    calm = ObjectiveFactory(team=billing, period=current_quarter(), title="Calm objective")
    KeyResultFactory(objective=calm, progress=60.0, expected=50.0, status=Status.ON_TRACK)

    # when
    by_team = signed_in.get(reverse("dashboard"), {"team": billing.pk})
    by_status = signed_in.get(reverse("dashboard"), {"status": "off_track"})

    # then
    assert [s.objective.title for g in by_team.context["groups"] for s in g.objectives] == ["Calm objective"]
    assert [s.objective.title for g in by_status.context["groups"] for s in g.objectives] == ["Objective 0"]
    # the alignment tree stays whole: it shows how objectives connect, whatever the list shows
    assert len(by_team.context["tree"]) == 2


def test_it_switches_to_another_quarter_and_offers_the_quarters_that_have_objectives(
    signed_in: Client, lead: User
) -> None:
    _objectives(lead, 1, period=quarter("2025-Q3"))

    response = signed_in.get(reverse("dashboard"), {"period": "2025-Q3"})

    assert response.context["period"].label == "2025-Q3"
    assert (response.context["previous_label"], response.context["next_label"]) == ("2025-Q2", "2025-Q4")
    labels = [p.label for p in response.context["quarters"]]
    assert "2025-Q3" in labels
    assert "Objective 0" in response.content.decode()


def test_a_bad_period_is_named_inline_and_the_current_quarter_shows(signed_in: Client, lead: User) -> None:
    # given
    _objectives(lead, 1)
    periods_before = Period.objects.count()

    # when
    response = signed_in.get(reverse("dashboard"), {"period": "Q1 2026"})

    # then
    assert response.status_code == 200
    assert "is not a period label" in response.content.decode()
    assert response.context["period"] == current_quarter()
    assert Period.objects.count() == periods_before


def test_a_team_the_user_is_not_in_is_refused_inline_and_shows_nothing_of_it(signed_in: Client, lead: User) -> None:
    _objectives(lead, 1)
    other = TeamFactory(name="Billing")
    ObjectiveFactory(team=other, period=current_quarter(), title="Billing's secret")

    response = signed_in.get(reverse("dashboard"), {"team": other.pk, "status": "sideways"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert "secret" not in page
    assert "Objective 0" in page


def test_an_htmx_request_gets_the_dashboard_without_the_page_around_it(signed_in: Client, lead: User) -> None:
    _objectives(lead, 1)

    response = signed_in.get(reverse("dashboard"), {"status": "on_track"}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="dashboard"')
    assert "<html" not in page
    assert "Objective 0" in page


def test_with_no_objectives_it_says_so_and_points_to_planning(signed_in: Client) -> None:
    response = signed_in.get(reverse("dashboard"))

    page = response.content.decode()
    assert "No objectives for" in page
    try:
        assert reverse("planning") in page
    except NoReverseMatch:
        pytest.skip("the planning page does not exist yet")


def test_key_results_link_to_their_page(signed_in: Client, lead: User) -> None:
    _objectives(lead, 1)
    key_result = KeyResult.objects.first()
    assert key_result is not None
    try:
        url = reverse("key_result_detail", args=[key_result.pk])
    except NoReverseMatch:
        pytest.skip("the key result page does not exist yet")

    assert url in signed_in.get(reverse("dashboard")).content.decode()


def test_a_long_dashboard_loads_key_results_when_an_objective_is_opened(
    signed_in: Client, lead: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given more objectives than the page shows key results for
    monkeypatch.setattr("okrs.views.dashboard.INLINE_KEY_RESULTS_UP_TO", 2)
    _objectives(lead, 3)
    objective = Objective.objects.get(title="Objective 0")

    # when
    page = signed_in.get(reverse("dashboard")).content.decode()
    opened = signed_in.get(reverse("dashboard_key_results", args=[objective.pk]), headers={"HX-Request": "true"})

    # then the page lists the objectives and links their key results, which come in their own response
    assert page.count('class="kr-details"') == 3
    assert 'class="kr-title"' not in page
    assert opened.content.decode().count('class="kr-title"') == 3
    assert "Guardrail breached: Escalation rate" in opened.content.decode()


def test_key_results_of_another_teams_objective_are_not_found(signed_in: Client) -> None:
    hidden = KeyResultFactory(objective=ObjectiveFactory(team=TeamFactory(name="Billing")))

    response = signed_in.get(reverse("dashboard_key_results", args=[hidden.objective_id]))

    assert response.status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_the_number_of_queries_does_not_grow_with_the_objectives(
    signed_in: Client, lead: User, count: int, django_assert_num_queries: object
) -> None:
    # given 3 or 30 objectives of three key results each, one of them breaking a guardrail
    _objectives(lead, count)
    signed_in.get(reverse("dashboard"))  # the session and the period row exist from here on

    # then the session, the user, the period (read: it exists), the objectives joined to their key results,
    # their KPIs, their dimensions, the breached guardrails, the periods to switch to and the team filter's choices
    with django_assert_num_queries(9):  # type: ignore[operator]
        response = signed_in.get(reverse("dashboard"))
    with django_assert_num_queries(9):  # type: ignore[operator]
        filtered = signed_in.get(reverse("dashboard"), {"status": Status.OFF_TRACK})

    assert len(response.context["groups"][0].objectives) == count
    assert response.context["rollup"].key_results == 3 * count
    assert filtered.context["rollup"].objectives == count


def test_a_long_dashboard_draws_each_status_badge_once(signed_in: Client, lead: User) -> None:
    # given 45 objectives in two teams (more than the dashboard shows inline), each with key results of three statuses
    _objectives(lead, 25)
    _objectives(lead, 20, team_name="Billing")

    # when
    response = signed_in.get(reverse("dashboard"))

    # then the cards show their badges, but the badge partial is rendered once per status, not once per card
    drawn = [template.name for template in response.templates].count("partials/status.html")
    assert response.content.decode().count('class="card objective-card"') == 45
    assert 1 <= drawn <= len(Status)
