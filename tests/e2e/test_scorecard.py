"""In the browser: the scorecard on the demo data, and its CSV downloaded through the page's link."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import load_demo

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(user: User) -> None:
    load_demo(user)


def test_a_lead_reads_the_scorecard_and_downloads_it(signed_in: Page, demo: None) -> None:
    page = signed_in

    # when
    page.goto("/scorecard/")

    # then each KPI the key results read, per team segment, with its status and change in the KPI's terms
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Scorecard \d{4}-Q[1-4]"))
    rows = page.locator("table.scorecard-kpis tbody tr")
    expect(rows.first).to_be_visible()
    escalation = rows.filter(has_text="Contact Escalation Rate").filter(has_text="Tier 1")
    # the quarter's value, marked while the quarter runs with the days its data covers
    expect(escalation.locator("td.actual")).to_have_text(re.compile(r"^\d+\.\d %(\s*\d{4}-Q[1-4] so far: \d+ days?)?$"))
    expect(escalation.locator("td.target")).to_have_text(re.compile(r"^≤ \d+\.\d %$"))
    expect(escalation.locator(".badge")).to_have_count(1)
    expect(escalation.locator("td.change")).to_have_class(re.compile(r"\b(better|worse|same)\b"))
    expect(escalation.locator("svg.sparkline")).to_have_count(1)
    expect(page.locator(".scorecard-okrs .objective-row")).to_have_count(3)
    screenshot(page, "scorecard")

    # the CSV, through the page's link
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert re.fullmatch(r"scorecard-\d{4}-Q[1-4]\.csv", download.suggested_filename)
    text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows_read = list(csv.DictReader(io.StringIO(text)))
    sections = [row["section"] for row in rows_read]
    assert sections.count("objective") == 3
    assert sections.count("key_result") == 8
    kpi_row = next(
        r
        for r in rows_read
        if r["section"] == "kpi" and r["kpi"] == "contact_escalation_rate" and r["segment"].endswith("Tier 1")
    )
    assert kpi_row["unit"] == "percent"
    assert float(kpi_row["actual_raw"]) > 0
    assert kpi_row["actual"].endswith(" %")
    # the line's target comes from Tier 1's key result: it says what the key result says
    assert kpi_row["target_source"] == "key result"
    assert kpi_row["status"] in {"On track", "At risk", "Off track"}

    # one team only
    page.get_by_label("Team").select_option(label="Tier 1")
    expect(page).to_have_url(re.compile(r"team=\d+"))
    expect(page.locator(".scorecard-okrs .objective-row")).to_have_count(1)

    # and on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/scorecard/")
    screenshot(page, "scorecard-phone")


def test_on_a_long_scorecard_a_lead_shows_an_objectives_key_results(
    signed_in: Page, demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("okrs.views.scorecard.INLINE_KEY_RESULTS_UP_TO", 1)
    page = signed_in
    page.goto("/scorecard/")
    expect(page.locator(".scorecard-okrs .kr-row")).to_have_count(0)

    page.get_by_role("button", name="Show 2 key results").click()

    expect(page.locator(".scorecard-okrs .kr-row")).to_have_count(2)
    expect(page.locator(".scorecard-okrs .objective-row")).to_have_count(3)
