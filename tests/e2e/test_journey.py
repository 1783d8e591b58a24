"""In the browser, end to end: data imported through the upload page moves a key result, which the lead then
checks in on and finds on the dashboard and in the downloaded scorecard."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from kpis.models import Dimension, Kpi
from kpis.services.demo import demo_data_load
from kpis.services.library import kpi_library_load
from okrs.models import KeyResult, Membership, Objective
from okrs.services.objectives import (
    key_result_create,
    membership_set,
    objective_create,
    objective_state_set,
    team_create,
)
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]

TITLE = "Cut escalations 20% against last quarter"


@pytest.fixture
def key_result(user: User) -> KeyResult:
    """The demo measurements and an active objective of Tier 1 with a relative escalation-rate key result."""
    cache.clear()
    kpi_library_load()
    demo_data_load(today=timezone.localdate())
    tier1 = team_create(name="Tier 1")
    membership_set(team=tier1, user=user, role=Membership.Role.EDITOR)
    objective = objective_create(title="Reduce escalated contacts", team=tier1, owner=user)
    created = key_result_create(
        objective=objective,
        title=TITLE,
        kind=KeyResult.Kind.KPI_RELATIVE,
        kpi=Kpi.objects.get(key="contact_escalation_rate"),
        dimension=Dimension.objects.get(key="team"),
        member="Tier 1",
        change_percent=-20,
    )
    objective_state_set(objective=objective, state=Objective.State.ACTIVE)
    return created


def _progress(page: Page) -> int:
    text = page.locator(".krd-progress-figure").inner_text()
    match = re.search(r"\d+", text)
    assert match, text
    return int(match.group())


def test_an_import_moves_the_key_result_the_lead_checks_in_and_downloads_the_scorecard(
    signed_in: Page, key_result: KeyResult
) -> None:
    page = signed_in
    today = timezone.localdate().isoformat()

    # given the key result as the demo data leaves it
    page.goto(f"/key-results/{key_result.pk}/")
    before = _progress(page)

    # when a day with many contacts and no escalation is uploaded for Tier 1 and imported
    day = f"date,team,channel,total_contacts,escalated_contacts\n{today},Tier 1,phone,20000,0\n"
    page.goto("/kpis/imports/")
    page.get_by_label("Measurement file").set_input_files(
        {"name": "tier1-today.csv", "mimeType": "text/csv", "buffer": day.encode()}
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("button", name="Start import").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()

    # then the key result has moved on by itself (import -> series -> key results, each on commit)
    page.goto(f"/key-results/{key_result.pk}/")
    after = _progress(page)
    assert after > before, (before, after)

    # and the lead checks in, and sees it in the history
    page.locator(".check-in-form select[name=confidence]").select_option("8")
    page.locator(".check-in-form textarea[name=comment]").fill("Escalations down after the new scripts.")
    page.locator(".check-in-form").get_by_role("button", name="Check in").click()
    expect(page.locator("#check-ins")).to_contain_text("Escalations down after the new scripts.")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "journey-key-result")

    # the dashboard shows the new figure
    page.goto("/")
    expect(page.locator("body")).to_contain_text(TITLE)
    expect(page.locator("body")).to_contain_text(f"{after} %")

    # and the downloaded scorecard carries the key result with its progress
    page.goto("/scorecard/")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    line = next(row for row in rows if TITLE in row)
    assert any(cell.startswith(str(after)) for cell in line), line
