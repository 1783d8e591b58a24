"""In the browser: a key result's lineage after an import corrected its still-running baseline quarter."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from config.audit import acting_as
from kpis.models import ImportBatch, Kpi
from kpis.services import followups
from okrs.models import KeyResult, Membership
from okrs.services.objectives import key_result_create, membership_set, objective_create, team_create
from tests.e2e.conftest import SCREENSHOTS
from tests.okrs.factories import quarter
from tests.okrs.helpers import day_row, measurements_import

pytestmark = [pytest.mark.django_db(transaction=True)]


def _import(tmp_path: Path, escalated: int, name: str) -> None:
    row = day_row(date(2026, 10, 5), "Tier 1", total=400, escalated=escalated, resolved=300, aht=300, csat=(100, 90))
    followups.key_results_enqueue(measurements_import(tmp_path, [row], name=name))


@pytest.fixture
def key_result(user: User, tmp_path: Path) -> KeyResult:
    """ "-20 % escalations vs 2026-Q4" for 2027-Q1, created by Lena, then a correction of 2026-Q4 and a new day."""
    _import(tmp_path, 50, "first.csv")
    team = team_create(name="Tier 1")
    membership_set(team=team, user=user, role=Membership.Role.EDITOR)
    with acting_as(user):
        objective = objective_create(
            title="Fewer escalations", team=team, owner=user, period=quarter("2027-Q1"), state="active"
        )
        key_result = key_result_create(
            objective=objective,
            title="Cut escalations 20 % against last quarter",
            kind=KeyResult.Kind.KPI_RELATIVE,
            kpi=Kpi.objects.get(key="contact_escalation_rate"),
            change_percent=-20,
        )
    _import(tmp_path, 48, "correction.csv")
    return key_result


@pytest.mark.parametrize("width", [1440, 390])
def test_the_key_result_page_says_which_import_moved_its_target(
    signed_in: Page, key_result: KeyResult, width: int
) -> None:
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/key-results/{key_result.pk}/")

    batch = ImportBatch.objects.get(filename="correction.csv")
    section = page.locator("#kr-lineage")
    expect(section).to_contain_text("target 10.0 % \u2192 9.6 %")
    expect(section.get_by_role("link", name=f"import #{batch.pk} corrected 2026-Q4")).to_be_visible()
    expect(section).to_contain_text("edited by Lena Lead")
    expect(page.locator("#krd-summary")).to_contain_text("provisional")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(SCREENSHOTS / f"key-result-lineage-{width}.png"))
    page.locator("#krd-summary").screenshot(path=str(SCREENSHOTS / f"key-result-summary-provisional-{width}.png"))
