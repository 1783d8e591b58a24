"""A KPI whose formula was edited in the browser shows the new values within seconds, through a real worker."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kpis.models import ImportBatch, Kpi, Observation, Segment, Unit
from kpis.services.definitions import kpi_upsert, measure_upsert
from kpis.services.series import series_recompute_all
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 60


@pytest.fixture
def transfer_rate(transactional_db: None, worker: Path) -> Kpi:
    # 17 transfers of 250 contacts on 5 January: 6.8 %
    batch = ImportBatch.objects.create(filename="seed.csv", status=ImportBatch.Status.SUCCEEDED)
    segment = Segment.objects.create(key="", dimensions="")
    for key, value in (("transfers", 17), ("total_contacts", 250)):
        measure = measure_upsert(key=key, name=key.replace("_", " ").capitalize())
        Observation.objects.create(measure=measure, day=dt.date(2026, 1, 5), segment=segment, value=value, batch=batch)
    series_recompute_all()
    kpi = kpi_upsert(
        key="transfer_rate", name="Transfer rate", formula="100 * transfers / total_contacts", unit=Unit.PERCENT
    )
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while Kpi.objects.get(pk=kpi.pk).recompute_requested_at is not None:
        assert time.monotonic() < deadline, f"the worker did not recompute the new KPI in {TIMEOUT_SECONDS} s"
        time.sleep(0.3)
    return kpi


def test_an_edited_formula_shows_its_new_values_through_the_worker(signed_in: Page, transfer_rate: Kpi) -> None:
    page = signed_in
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/kpis/transfer_rate/?grain=quarter")
    expect(page.locator(".values-table")).to_contain_text("6.8 %")

    # when the formula is edited
    page.goto("/kpis/transfer_rate/edit/")
    page.fill("textarea[name=formula]", "1000 * transfers / total_contacts")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/kpis/transfer_rate/")
    screenshot(page, "kpi-formula-edited")

    # then the page polls until the worker's values under the new formula are in, never showing the old ones
    expect(page.locator("#series .values-table")).to_contain_text("68.0 %", timeout=TIMEOUT_SECONDS * 1000)
    expect(page.locator("#series")).not_to_contain_text("Recomputing")
    expect(page.locator("#series")).not_to_contain_text("6.8 %")
    screenshot(page, "kpi-formula-recomputed")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "kpi-formula-recomputed-phone")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/kpis/")
    expect(page.locator("body")).to_contain_text("Transfer rate")
    screenshot(page, "kpi-library-after-formula-edit")
