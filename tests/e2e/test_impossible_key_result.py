"""In the browser: an impossible key result (an FCR target of 120 %) is refused inline on its field, on a wide
screen and on a phone, and nothing is saved."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from kpis.services.library import kpi_library_load
from okrs.models import KeyResult, Membership, Objective
from okrs.services.objectives import membership_set, objective_create, team_create
from tests.e2e.conftest import htmx_settled, screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def objective(user: User) -> Objective:
    kpi_library_load()
    tier1 = team_create(name="Tier 1")
    membership_set(team=tier1, user=user, role=Membership.Role.EDITOR)
    return objective_create(title="Resolve more on first contact", team=tier1, owner=user)


@pytest.mark.parametrize(("width", "height", "name"), [(1440, 900, "wide"), (390, 844, "phone")])
def test_an_fcr_target_of_120_percent_is_refused_on_its_field(
    signed_in: Page, objective: Objective, width: int, height: int, name: str
) -> None:
    page = signed_in
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/planning/objectives/{objective.pk}/key-results/new/")
    page.select_option("select[name=kind]", "kpi_from_to")
    htmx_settled(page)
    page.select_option("select[name=kpi]", label="First Contact Resolution (FCR)")
    htmx_settled(page)
    page.fill("input[name=title]", "Raise FCR from 70 % to 120 %")
    page.fill("input[name=baseline_value]", "70")
    page.fill("input[name=target_value]", "120")

    page.get_by_role("button", name="Create key result").click()

    target = page.locator(".field.has-error", has=page.locator("input[name=target_value]"))
    expect(target.locator(".field-error")).to_have_text("First Contact Resolution (FCR) cannot be above 100 %.")
    expect(page.locator("input[name=target_value]")).to_have_value("120")
    target.scroll_into_view_if_needed()
    screenshot(page, f"key-result-form-impossible-{name}", full_page=False)
    assert not KeyResult.objects.exists()
