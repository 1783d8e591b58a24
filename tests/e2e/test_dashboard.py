"""In the browser: the dashboard on the demo data, filtered, switched to another quarter, and on a phone."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from kpis.models import Kpi
from kpis.services.demo import demo_data_load
from kpis.services.library import kpi_library_load
from okrs.models import KeyResult, Membership, Objective
from okrs.services.demo import demo_okrs_load
from okrs.services.objectives import (
    key_result_create,
    membership_set,
    objective_create,
    objective_update,
    team_create,
)
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]


def load_demo(user: User) -> None:
    """The real demo data and OKRs, plus a department objective the demo teams' objectives support."""
    today = timezone.localdate()
    kpi_library_load()
    demo_data_load(today=today)
    tier1, tier2, billing = demo_okrs_load(today=today)
    department = team_create(name="Customer Service")
    # The signed-in lead belongs to the department and two of the three demo teams: Tier 2 must stay out of sight.
    for team in (department, tier1.team, billing.team):
        membership_set(team=team, user=user, role=Membership.Role.EDITOR)
    objective = objective_create(
        title="Make support effortless for every customer",
        team=department,
        owner=user,
        period=tier1.period,
        state=Objective.State.ACTIVE,
    )
    key_result_create(
        objective=objective,
        title="Keep customer satisfaction at or above 85%",
        kind=KeyResult.Kind.KPI_THRESHOLD,
        kpi=Kpi.objects.get(key="csat"),
        threshold_mode=KeyResult.ThresholdMode.ABOVE,
        target_value=85.0,
    )
    escalations = key_result_create(
        objective=objective,
        title="Cut escalations 15% across all teams",
        kind=KeyResult.Kind.KPI_RELATIVE,
        kpi=Kpi.objects.get(key="contact_escalation_rate"),
        change_percent=-15.0,
    )
    objective_update(objective=tier1, parent_key_result=escalations)
    objective_update(objective=billing, parent_objective=objective)
    objective_update(objective=tier2, parent_objective=objective)


@pytest.fixture
def demo(user: User) -> None:
    load_demo(user)


def test_a_lead_reads_the_quarter_on_the_dashboard(signed_in: Page, demo: None) -> None:
    page = signed_in

    # when
    page.goto("/")

    # then the current quarter, per team the lead belongs to, with key results formatted by unit
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"\d{4}-Q[1-4]"))
    expect(page.locator(".team-group h2")).to_have_text(["Billing", "Customer Service", "Tier 1"])
    expect(page.locator(".objective-card")).to_have_count(3)
    expect(page.locator(".kr")).to_have_count(8)
    escalation = page.locator(".kr", has_text="Decrease escalated calls").first
    expect(escalation.locator(".kr-current")).to_have_text(re.compile(r"^\d+\.\d %$"))
    expect(escalation.locator(".progress-pace")).to_have_count(1)
    expect(page.locator(".stats-row .stat")).to_have_count(5)
    # the alignment tree nests the teams' objectives under the department's, Tier 2's left out
    expect(page.locator(".tree .tree-title")).to_have_count(3)
    expect(page.locator(".tree > .tree-node > details > summary .tree-title")).to_have_text(
        "Make support effortless for every customer"
    )
    expect(page.locator(".tree-via")).to_contain_text("Cut escalations 15% across all teams")
    screenshot(page, "dashboard")

    # filtered to one team, swapped in by htmx
    page.get_by_label("Team").select_option(label="Tier 1")
    expect(page.locator(".team-group h2")).to_have_text(["Tier 1"])
    expect(page).to_have_url(re.compile(r"team=\d+"))

    # the previous quarter has no objectives: an empty state, not an error
    page.get_by_role("link", name=re.compile("Previous period")).click()
    expect(page.locator(".empty-state h2")).to_contain_text("No objectives")

    # and on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    expect(page.locator(".objective-card")).to_have_count(3)
    screenshot(page, "dashboard-phone")


def test_on_a_long_dashboard_a_lead_opens_an_objective_to_see_its_key_results(
    signed_in: Page, demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given more objectives than the dashboard shows key results for
    monkeypatch.setattr("okrs.views.dashboard.INLINE_KEY_RESULTS_UP_TO", 1)
    page = signed_in
    page.goto("/")
    card = page.locator(".objective-card", has=page.get_by_role("heading", name="Make support effortless"))
    expect(card.locator(".kr")).to_have_count(0)

    # when
    card.get_by_text("2 key results").click()

    # then they come in by htmx
    expect(card.locator(".kr")).to_have_count(2)
    expect(card.locator(".kr-title").first).to_have_text("Keep customer satisfaction at or above 85%")
