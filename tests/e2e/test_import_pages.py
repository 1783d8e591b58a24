"""In the browser: upload a file, preview it, run it through the real import task, and read the result or errors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from playwright.sync_api import Page, expect

from kpis import tasks
from kpis.models import ImportBatch, Observation
from kpis.services.library import kpi_library_load
from tests.e2e.conftest import PASSWORD, screenshot
from tests.factories import ImportBatchFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(page: Page, user: User) -> Page:
    # Straight to this area's page after signing in, whichever page the site opens on by default.
    page.goto("/accounts/login/?next=/kpis/imports/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/kpis/imports/")
    return page


GOOD = (
    "date,team,channel,total_contacts,escalated_contacts,first_contact_resolved\n"
    "2026-01-05,Tier 1,phone,500,50,380\n"
    "2026-01-05,Tier 2,email,1000,200,720\n"
    "2026-01-06,Tier 1,phone,480,41,371\n"
    "2026-01-06,Tier 2,email,950,170,700\n"
)


@pytest.fixture
def library(transactional_db: None) -> None:
    cache.clear()
    kpi_library_load()


def _upload(page: Page, name: str, content: str) -> None:
    page.goto("/kpis/imports/")
    page.get_by_label("Measurement file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Upload and preview").click()


def test_a_lead_uploads_a_file_previews_it_and_imports_it(signed_in: Page, library: None) -> None:
    page = signed_in

    # the preview: layout, columns and first rows, nothing written yet
    _upload(page, "helpdesk-january.csv", GOOD)
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.locator(".preview-facts")).to_contain_text("Wide")
    expect(page.locator(".columns .column")).to_have_count(6)
    expect(page.locator(".preview-table tbody tr")).to_have_count(4)
    assert not Observation.objects.exists()
    screenshot(page, "import-preview")

    # started, the task runs and the result replaces the preview
    page.get_by_role("button", name="Start import").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator(".result-stats")).to_contain_text("12")  # cells inserted
    expect(page.get_by_role("link", name="Contact Escalation Rate")).to_be_visible()
    assert Observation.objects.count() == 12
    screenshot(page, "import-result")

    # and it heads the history
    page.get_by_role("link", name="Imports", exact=True).first.click()
    first = page.locator(".history-table tbody tr").first
    expect(first).to_contain_text("helpdesk-january.csv")
    expect(first).to_contain_text("Imported")
    screenshot(page, "import-history")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "import-history-phone")


def test_a_lead_sees_the_line_numbered_errors_of_a_bad_file(signed_in: Page, library: None) -> None:
    page = signed_in
    bad = GOOD + "2026-01-07,Tier 1,phone,-3,1,1\n2026-02-30,Tier 2,email,10,1,1\n2026-01-08,,chat,5,1,1\n"

    _upload(page, "helpdesk-broken.csv", bad)
    page.get_by_role("button", name="Start import").click()

    expect(page.get_by_role("heading", name="The file was not imported")).to_be_visible()
    rows = page.locator(".error-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("6")
    expect(rows.nth(0)).to_contain_text("total_contacts")
    expect(rows.nth(1)).to_contain_text("Bad date '2026-02-30'")
    assert not Observation.objects.exists()
    screenshot(page, "import-errors")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "import-errors-phone")


def test_a_file_with_unknown_columns_cannot_be_started(signed_in: Page, library: None) -> None:
    page = signed_in
    _upload(page, "helpdesk-renamed.csv", "date,team,contacts,escalations\n2026-01-05,Tier 1,500,50\n")

    expect(page.locator(".column.unknown")).to_have_count(2)
    expect(page.get_by_role("heading", name="This file will not import as it is")).to_be_visible()
    expect(page.get_by_role("button", name="Start import")).to_be_disabled()
    screenshot(page, "import-preview-unknown-columns")


def test_a_lead_validates_a_file_then_imports_it(signed_in: Page, library: None) -> None:
    page = signed_in
    _upload(page, "helpdesk-january.csv", GOOD)

    page.get_by_role("button", name="Validate only").click()
    expect(page.get_by_role("heading", name="The file is valid")).to_be_visible()
    assert not Observation.objects.exists()

    page.get_by_role("button", name="Import this file").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    assert Observation.objects.count() == 12


def test_the_batch_page_follows_a_running_import_until_it_ends(signed_in: Page, library: None) -> None:
    # given an import a worker is reading
    page = signed_in
    batch = ImportBatchFactory(filename="large-export.csv", status=ImportBatch.Status.RUNNING)
    tasks.import_progress_report(batch.pk, tasks.ImportStage.READING, 120_000)

    page.goto(f"/kpis/imports/{batch.pk}/")
    expect(page.locator(".import-progress")).to_contain_text("120,000 rows read so far")
    expect(page.locator(".step.current")).to_have_text("Reading")
    screenshot(page, "import-progress")

    # when the worker moves on, the polled block follows
    tasks.import_progress_report(batch.pk, tasks.ImportStage.WRITING, 150_000)
    expect(page.locator(".step.current")).to_have_text("Writing")

    # and when it has finished, the page shows the result
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.FAILED,
        rows_read=150_000,
        errors=[{"line": 7, "column": "date", "message": "bad date '7 Jan': expected a date as YYYY-MM-DD"}],
    )
    cache.clear()
    expect(page.get_by_role("heading", name="The file was not imported")).to_be_visible(timeout=10_000)
    expect(page.locator(".import-progress")).to_have_count(0)
