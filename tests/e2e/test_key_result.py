"""In the browser: a key result's page on the demo data, a check-in with a comment, and the page on a phone."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from kpis.models import Dimension, Kpi
from kpis.services.demo import demo_data_load
from kpis.services.library import kpi_library_load
from okrs.models import CheckIn, KeyResult, Membership, Objective
from okrs.services.activity import initiative_create
from okrs.services.objectives import guardrail_create, key_result_create, membership_set, objective_create, team_create
from okrs.services.snapshots import progress_snapshots_rebuild
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def key_result(user: User) -> KeyResult:
    """Tier 1's escalation rate to fall 20 % against last quarter, on the real demo measurements."""
    today = timezone.localdate()
    kpi_library_load()
    demo_data_load(today=today)
    team = team_create(name="Tier 1")
    membership_set(team=team, user=user, role=Membership.Role.EDITOR)
    objective = objective_create(title="Reduce escalated contacts", team=team, owner=user, state=Objective.State.ACTIVE)
    key_result = key_result_create(
        objective=objective,
        title="Decrease escalated contacts by 20% against last quarter",
        kind=KeyResult.Kind.KPI_RELATIVE,
        kpi=Kpi.objects.get(key="contact_escalation_rate"),
        dimension=Dimension.objects.get(key="team"),
        member="Tier 1",
        change_percent=-20,
    )
    guardrail_create(
        key_result=key_result,
        kpi=Kpi.objects.get(key="csat"),
        comparison=">=",
        threshold=80,
        dimension=key_result.dimension,
        member="Tier 1",
    )
    initiative_create(key_result=key_result, title="Knowledge-base improvements", owner=user)
    initiative_create(key_result=key_result, title="Agent training on de-escalation")
    progress_snapshots_rebuild(key_result=key_result, first_day=objective.period.start, last_day=today)
    key_result.refresh_from_db()
    return key_result


def test_a_lead_reads_a_key_result_and_checks_in(signed_in: Page, key_result: KeyResult) -> None:
    page = signed_in

    # the page: figures, the chart with its five lines, the segment breakdown, guardrails, history
    page.goto(f"/key-results/{key_result.pk}/")
    expect(page.get_by_role("heading", name=key_result.title, level=1)).to_be_visible()
    expect(page.locator(".krd-stats")).to_contain_text(re.compile(r"read from \d{4}-Q\d"))
    for style in ("actual", "baseline", "target", "expected"):
        expect(page.locator(f".krd-chart svg.chart-wide path.series.{style}")).to_have_count(1)
    expect(page.locator(".segment-bars").first.locator("tbody tr")).to_have_count(3)
    expect(page.locator(".own-segment")).to_contain_text("Tier 1")
    expect(page.locator(".guardrail-list")).to_contain_text("Customer Satisfaction (CSAT)")
    screenshot(page, "key-result")

    # a check-in with a comment appears at the top of the history
    page.select_option("select[name=confidence]", "7")
    page.fill("textarea[name=comment]", "Agent training started; escalations are down two weeks running.")
    page.get_by_role("button", name="Check in").click()
    first = page.locator(".check-in-list .check-in").first
    expect(first).to_contain_text("Agent training started; escalations are down two weeks running.")
    expect(first).to_contain_text("confidence 7/10")
    expect(page.locator("textarea[name=comment]")).to_have_value("")
    assert CheckIn.objects.get().comment.startswith("Agent training started")

    # an initiative moves on
    row = page.locator(".initiative", has_text="Agent training on de-escalation")
    with page.expect_response(re.compile(r"/initiatives/\d+/status/$")) as answer:
        row.locator("select").select_option("in_progress")
    assert answer.value.ok
    expect(row.locator("select")).to_have_value("in_progress")
    assert key_result.initiatives.filter(status="in_progress").count() == 1

    # on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/key-results/{key_result.pk}/")
    screenshot(page, "key-result-phone")
