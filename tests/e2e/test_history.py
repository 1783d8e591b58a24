"""In the browser: History on a key result, an objective and a KPI; the org audit log; an import undone from its
page, putting the previous numbers back."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from playwright.sync_api import Page, expect

from config.audit import acting_as
from kpis.models import ImportBatch, Kpi, Observation
from kpis.services.definitions import kpi_save
from kpis.services.imports import import_batch_create, import_batch_process, import_batch_series_recompute
from kpis.services.library import kpi_library_load
from okrs.models import KeyResult, Membership, Person
from okrs.services.objectives import key_result_create, key_result_update, objective_update
from tests.e2e.conftest import screenshot
from tests.okrs.factories import MembershipFactory, ObjectiveFactory, TeamFactory, quarter

pytestmark = [pytest.mark.django_db(transaction=True)]

HEADER = "date,team,total_contacts,escalated_contacts\n"
FIRST = HEADER + "2026-01-05,Tier 1,1000,100\n2026-01-06,Tier 1,1000,120\n"
CORRECTION = HEADER + "2026-01-05,Tier 1,1000,300\n2026-01-07,Tier 1,1000,200\n"
WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def admin(user: User) -> User:
    """Lena, an org admin (who may also undo imports) and an editor of Tier 1."""
    Person.objects.update_or_create(user=user, defaults={"org_role": Person.OrgRole.ADMIN})
    MembershipFactory(user=user, team=TeamFactory(name="Tier 1"), role=Membership.Role.EDITOR)
    return user


def _import(content: str, name: str, user: User) -> ImportBatch:
    batch = import_batch_create(
        path_or_file=io.BytesIO(content.encode()), filename=name, source=ImportBatch.Source.UPLOAD, created_by=user
    )
    batch = import_batch_process(batch=batch)
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    import_batch_series_recompute(batch_id=batch.pk)
    return batch


def _changes(admin: User) -> KeyResult:
    cache.clear()
    kpi_library_load()
    kpi = Kpi.objects.get(key="first_contact_resolution_rate")
    objective = ObjectiveFactory(
        title="Resolve more contacts first time",
        team=admin.okr_memberships.get().team,
        owner=admin,
        period=quarter("2026-Q1"),
    )
    with acting_as(admin):
        key_result = key_result_create(
            objective=objective,
            title="Raise FCR from 70 % to 80 %",
            kind="kpi_from_to",
            kpi=kpi,
            baseline_value=70,
            target_value=80,
        )
        key_result_update(key_result=key_result, target_value=85)
        objective_update(objective=objective, title="Resolve most contacts first time")
        kpi.green_min = 82.5
        kpi_save(kpi=kpi)
    return key_result


def test_history_is_shown_on_a_key_result_an_objective_a_kpi_and_in_the_audit_log(signed_in: Page, admin: User) -> None:
    page = signed_in
    key_result = _changes(admin)
    page.set_viewport_size(WIDE)

    page.goto(f"/key-results/{key_result.pk}/")
    history = page.locator("#kr-changes")
    expect(history).to_contain_text("Lena Lead changed the target from 80.0 % to 85.0 %")
    expect(history).to_contain_text("created the key result")
    history.scroll_into_view_if_needed()
    screenshot(page, "history-key-result")

    page.goto(f"/planning/objectives/{key_result.objective_id}/edit/")
    expect(page.locator("#objective-changes")).to_contain_text(
        "changed the title from “Resolve more contacts first time” to “Resolve most contacts first time”"
    )
    screenshot(page, "history-objective")

    page.goto("/kpis/first_contact_resolution_rate/")
    expect(page.locator("#kpi-changes")).to_contain_text("Lena Lead changed the green min from 80.0 % to 82.5 %")
    screenshot(page, "history-kpi")

    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Object").select_option("key result")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator(".audit-table tbody tr")
    expect(rows.first).to_contain_text("Changed the target from 80.0 % to 85.0 %")
    expect(rows).to_have_count(2)
    screenshot(page, "audit-log")


def test_an_import_undone_in_the_browser_puts_the_previous_numbers_back(signed_in: Page, admin: User) -> None:
    # given a first import, and a correction that replaced one cell and added another
    page = signed_in
    cache.clear()
    kpi_library_load()
    _import(FIRST, "january.csv", admin)
    before = set(Observation.objects.values_list("measure_id", "day", "segment_id", "value", "batch_id"))
    correction = _import(CORRECTION, "january-corrected.csv", admin)
    page.set_viewport_size(WIDE)

    # the correction's page lists what it replaced
    page.goto(f"/kpis/imports/{correction.pk}/")
    replaced = page.locator(".replaced-table tbody tr")
    expect(replaced).to_have_count(1)
    expect(replaced.first).to_contain_text("escalated_contacts")
    expect(replaced.first).to_contain_text("january.csv")
    screenshot(page, "import-before-undo")

    # when
    page.get_by_label("I want to undo this import").check()
    page.get_by_role("button", name="Undo import").click()

    # then
    expect(page.locator("#undone-title")).to_be_visible()
    expect(page.locator(".page-header")).to_contain_text("Undone")
    screenshot(page, "import-undone")
    after = set(Observation.objects.values_list("measure_id", "day", "segment_id", "value", "batch_id"))
    assert after == before
    page.goto("/kpis/contact_escalation_rate/?grain=week")
    expect(page.locator("#series")).to_contain_text("11.0 %")
    screenshot(page, "kpi-after-undo")
