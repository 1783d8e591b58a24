"""In the browser: a person creates an API token, copies it once, uses it, revokes another; the docs page renders.

Screenshots at 1440 px and 390 px go to test-artifacts/screenshots/ (api-*.png).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from okrs.models import AccessToken
from tests.e2e.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]
WIDE, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def signed_in(page: Page, user: User) -> Page:
    page.goto("/accounts/login/?next=/api/tokens/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/api/tokens/")
    return page


def _create(tab: Page, name: str, *, push: bool, expiry: str) -> None:
    tab.get_by_label("Name").fill(name)
    if push:
        tab.get_by_role("checkbox", name=re.compile("Push")).check()
    tab.get_by_label("Expires after").select_option(label=expiry)
    tab.get_by_role("button", name="Create token").click()


def test_a_person_creates_uses_and_revokes_tokens(signed_in: Page, live_server: object) -> None:
    tab = signed_in
    tab.set_viewport_size(WIDE)
    expect(tab.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(tab.get_by_role("heading", name="No tokens yet")).to_be_visible()
    screenshot(tab, "api-tokens-empty")

    # a token with a bad form first: the error is on the field
    tab.get_by_role("button", name="Create token").click()
    expect(tab.locator(".field.has-error .field-error")).to_have_text("This field is required.")

    # then one that is shown once
    _create(tab, "Helpdesk nightly push", push=True, expiry="1 year")
    expect(tab.get_by_role("heading", name="Copy your new token now")).to_be_visible()
    secret = tab.locator("#new-token").input_value()
    assert secret.startswith("pacer_")
    screenshot(tab, "api-tokens-created")

    # it works against the API
    me = tab.request.get("/api/v1/me/", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 200
    assert me.json()["token"]["scopes"] == ["read", "push"]

    # a second one, then the first revoked
    tab.goto("/api/tokens/")
    _create(tab, "Dashboard reader", push=False, expiry="No expiry")
    tab.goto("/api/tokens/")
    expect(tab.locator(".token-card")).to_have_count(2)
    card = tab.locator(".token-card", has_text="Helpdesk nightly push")
    expect(card.locator(".token-dates")).to_contain_text("now")
    card.get_by_text("Revoke…").click()
    card.get_by_role("button", name="Revoke token").click()
    expect(tab.locator(".message.success")).to_contain_text("Revoked “Helpdesk nightly push”")
    expect(tab.locator(".token-card", has_text="Helpdesk nightly push").locator(".badge")).to_have_text("Revoked")
    expect(tab.locator(".token-card", has_text="Dashboard reader")).to_contain_text("Never")
    assert tab.request.get("/api/v1/me/", headers={"Authorization": f"Bearer {secret}"}).status == 401
    assert AccessToken.objects.filter(revoked_at__isnull=True).count() == 1
    screenshot(tab, "api-tokens-list")

    tab.set_viewport_size(PHONE)
    tab.goto("/api/tokens/")
    screenshot(tab, "api-tokens-phone")
    _create(tab, "Phone check", push=False, expiry="7 days")
    expect(tab.get_by_role("heading", name="Copy your new token now")).to_be_visible()
    screenshot(tab, "api-tokens-created-phone")


def test_the_docs_page_renders_every_endpoint(signed_in: Page, live_server: object) -> None:
    tab = signed_in
    tab.set_viewport_size(WIDE)
    tab.goto("/api/v1/docs/")
    expect(tab.locator(".swagger-ui .info .title")).to_contain_text("Pacer API")
    expect(tab.locator(".opblock-summary-path", has_text="/api/v1/kpis/{key}/series/")).to_be_visible()
    expect(tab.locator(".docs-bar").get_by_role("link", name="API tokens")).to_be_visible()
    screenshot(tab, "api-docs")

    # an operation opened, with its parameters and documented errors
    tab.locator(".opblock-summary", has_text="/api/v1/kpis/{key}/series/").click()
    expect(tab.locator(".opblock.is-open .parameters")).to_contain_text("grain")
    expect(tab.locator(".opblock.is-open .responses-table")).to_contain_text("401")
    screenshot(tab, "api-docs-operation", full_page=False)

    tab.set_viewport_size(PHONE)
    tab.goto("/api/v1/docs/")
    expect(tab.locator(".swagger-ui .info .title")).to_contain_text("Pacer API")
    screenshot(tab, "api-docs-phone")
    screenshot(tab, "api-docs-phone-top", full_page=False)
