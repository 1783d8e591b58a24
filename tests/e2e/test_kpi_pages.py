"""In the browser: the KPI library, a KPI's page, and creating a KPI with its formula checked as you type."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from kpis.models import Kpi
from kpis.services.demo import demo_data_load
from kpis.services.library import kpi_library_load
from tests.e2e.conftest import PASSWORD, htmx_settled, screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(page: Page, user: User) -> Page:
    # Straight to this area's page after signing in, whichever page the site opens on by default.
    page.goto("/accounts/login/?next=/kpis/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/kpis/")
    return page


@pytest.fixture
def library(transactional_db: None) -> None:
    kpi_library_load()
    demo_data_load()


def test_a_lead_reads_the_library_and_a_kpi_page_by_grain_and_segment(signed_in: Page, library: None) -> None:
    page = signed_in

    # the library, by category, with values formatted by unit
    page.goto("/kpis/")
    expect(page.get_by_role("heading", name="KPI library")).to_be_visible()
    expect(page.locator("section.kpi-category h2")).to_have_count(4)
    expect(page.locator("table.kpi-table tbody tr")).to_have_count(17)
    escalation = page.locator("tr", has=page.get_by_role("link", name="Contact Escalation Rate"))
    expect(escalation.locator(".kpi-latest")).to_have_text(re.compile(r"^\d+\.\d %$"))
    expect(escalation.locator("svg.sparkline")).to_have_count(1)
    screenshot(page, "kpi-library")

    # a KPI's page
    page.get_by_role("link", name="Contact Escalation Rate").click()
    expect(page.get_by_role("heading", name="Contact Escalation Rate", level=1)).to_be_visible()
    expect(page.locator("code.formula")).to_have_text("100 * escalated_contacts / total_contacts")
    expect(page.locator(".chart svg.chart-wide path.series.actual")).to_have_count(1)
    screenshot(page, "kpi-detail")

    # another grain, swapped in by htmx
    page.locator(".tabs").get_by_role("link", name="Quarter").click()
    expect(page.locator('.tabs a[aria-current="page"]')).to_have_text("Quarter")
    expect(page).to_have_url(re.compile(r"grain=quarter"))
    expect(page.locator(".values-table tbody th").first).to_have_text(re.compile(r"^\d{4}-Q[1-4]$"))

    # one row per team
    htmx_settled(page)
    page.select_option("#segment-by", "team")
    expect(page.locator(".segment-table tbody tr")).to_have_count(3)
    screenshot(page, "kpi-detail-by-team")

    # and on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/kpis/")
    screenshot(page, "kpi-library-phone")
    page.goto("/kpis/contact_escalation_rate/")
    screenshot(page, "kpi-detail-phone")


def test_a_lead_adds_a_target_and_sees_its_status(signed_in: Page, library: None) -> None:
    page = signed_in
    page.goto("/kpis/contact_escalation_rate/")
    latest_quarter = page.locator(".values-table tbody th").first.inner_text()

    # a bad period first
    page.get_by_label("Period").fill("Q1 2026")
    page.get_by_label("Target value").fill("12")
    page.get_by_role("button", name="Add target").click()
    expect(page.locator("#targets .field-error")).to_contain_text("is not a period label")

    # then a good one
    page.get_by_label("Period").fill(latest_quarter)
    page.get_by_role("button", name="Add target").click()
    row = page.locator("#targets tbody tr").first
    expect(row.locator("th")).to_have_text(latest_quarter)
    expect(row.locator(".badge")).to_have_count(1)


def test_a_lead_creates_a_kpi_with_the_formula_checked_as_they_type(signed_in: Page, library: None) -> None:
    page = signed_in
    page.goto("/kpis/")
    page.get_by_role("link", name="New KPI").first.click()
    page.get_by_label("Name").fill("Phone escalations")
    page.get_by_label("Key").fill("phone_escalations")
    page.get_by_label("Green up to").fill("8")
    page.get_by_label("Amber up to").fill("15")
    page.get_by_label("Direction").select_option("lower")
    page.get_by_label("Unit").select_option("percent")

    # a formula with a typo is refused as it is typed
    formula = page.locator("textarea[name=formula]")
    formula.press_sequentially("100 * escalated / total_contacts", delay=10)
    expect(page.locator("#formula-check")).to_contain_text("Unknown measure: escalated (at character 7)")

    # and on saving, inline
    page.get_by_role("button", name="Create KPI").click()
    expect(page.locator(".field.has-error .field-error")).to_contain_text("Unknown measure: escalated (at character 7)")
    screenshot(page, "kpi-form-error")
    assert not Kpi.objects.filter(key="phone_escalations").exists()

    # fixed, it says what it reads
    formula = page.locator("textarea[name=formula]")
    formula.fill("")
    formula.press_sequentially("100 * escalated_contacts / total_contacts", delay=10)
    expect(page.locator("#formula-check")).to_have_text("Reads: escalated_contacts, total_contacts")
    page.get_by_role("button", name="Create KPI").click()

    expect(page.get_by_role("heading", name="Phone escalations", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/kpis/phone_escalations/$"))
    assert Kpi.objects.get(key="phone_escalations").measures.count() == 2
