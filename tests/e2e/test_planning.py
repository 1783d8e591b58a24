"""In the browser: planning a quarter, an objective with a relative KPI key result previewed from the data."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from kpis import periods
from kpis.services.demo import demo_data_load
from kpis.services.library import kpi_library_load
from okrs.models import KeyResult, Membership, Objective
from okrs.services.objectives import (
    current_quarter,
    key_result_create,
    membership_set,
    objective_create,
    team_create,
)
from tests.e2e.conftest import htmx_settled, screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(user: User) -> str:
    """The real demo measurements, and the signed-in lead an editor of Tier 1."""
    kpi_library_load()
    demo_data_load(today=timezone.localdate())
    tier1 = team_create(name="Tier 1")
    membership_set(team=tier1, user=user, role=Membership.Role.EDITOR)
    membership_set(team=team_create(name="Billing"), user=user, role=Membership.Role.VIEWER)
    # A draft already planned, so the page shows more than the objective the test creates.
    draft = objective_create(title="Launch the self-service help centre", team=tier1, owner=user)
    key_result_create(objective=draft, title="Help centre live for every product", kind=KeyResult.Kind.MILESTONE)
    key_result_create(
        objective=draft, title="Publish 40 help articles", kind=KeyResult.Kind.MANUAL, baseline_value=0, target_value=40
    )
    return "Tier 1"


def test_a_lead_plans_an_objective_with_a_relative_kpi_key_result(signed_in: Page, team: str) -> None:
    page = signed_in
    quarter = current_quarter()
    previous = periods.preceding(periods.parse_label(quarter.label), 1).label

    # an empty plan invites the first objective
    page.goto("/planning/")
    expect(page.get_by_role("heading", name="Quarter planning")).to_be_visible()
    expect(page.locator(".team-plan")).to_have_count(2)
    page.get_by_role("link", name="New objective").click()

    # the objective, with a bad period first
    page.fill("input[name=title]", "Reduce escalated contacts")
    page.fill("textarea[name=description]", "Fewer escalations without hurting quality.")
    page.select_option("select[name=team]", label=team)
    expect(page.locator("input[name=period]")).to_have_value(quarter.label)
    screenshot(page, "objective-form")
    page.fill("input[name=period]", "2026-Q5")
    page.get_by_role("button", name="Create objective").click()
    expect(page.locator(".field.has-error .field-error")).to_contain_text("is not a period label")
    screenshot(page, "objective-form-error")
    page.fill("input[name=period]", quarter.label)
    page.get_by_role("button", name="Create objective").click()

    # its key result: a relative target on Tier 1's escalation rate
    expect(page.get_by_role("heading", name="New key result")).to_be_visible()
    page.select_option("select[name=kind]", "kpi_relative")
    expect(page.locator("input[name=change_percent]")).to_be_visible()
    htmx_settled(page)
    page.select_option("select[name=kpi]", label="Contact Escalation Rate")
    expect(page.locator("#kpi-recent-values")).to_contain_text("overall")
    htmx_settled(page)
    page.select_option("select[name=dimension]", label="Team")
    expect(page.locator("select[name=member] option[value='Tier 1']")).to_have_count(1)
    htmx_settled(page)
    page.select_option("select[name=member]", "Tier 1")
    expect(page.locator("#kpi-recent-values")).to_contain_text("team=Tier 1")
    htmx_settled(page)
    expect(page.locator(".recent-list li")).to_have_count(5)
    page.fill("input[name=title]", "Cut escalations 20% against last quarter")
    page.fill("input[name=change_percent]", "-20")
    preview = page.locator("#kr-preview")
    expect(preview).to_contain_text(re.compile(rf"\u221220\u00a0% vs {previous}: \d+\.\d % \u2192 \d+\.\d %"))
    expect(preview).to_contain_text(re.compile(r"Currently \d+\.\d %"))
    page.select_option("select[name=guardrail_kpi]", label="Customer Satisfaction (CSAT)")
    page.fill("input[name=guardrail_threshold]", "80")
    page.fill("textarea[name=initiatives]", "Knowledge-base improvements\nAgent training")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "key-result-form")
    page.get_by_role("button", name="Create key result").click()

    # saved: the key result's page, while the objective is a draft
    expect(page.get_by_role("heading", name="Cut escalations 20% against last quarter", level=1)).to_be_visible()
    key_result = KeyResult.objects.get(objective__title="Reduce escalated contacts")
    assert key_result.baseline_read_from is not None
    assert key_result.baseline_read_from.label == previous

    # activate it from the plan
    page.goto("/planning/")
    planned = page.locator(".plan-objective", has_text="Reduce escalated contacts")
    planned.get_by_role("button", name="Activate").click()
    expect(page.locator(".message.success")).to_contain_text("is active")
    expect(planned.locator(".plan-kr .badge")).not_to_have_text("Not started")
    assert Objective.objects.get(title="Reduce escalated contacts").state == Objective.State.ACTIVE
    screenshot(page, "planning")

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "planning-phone")
