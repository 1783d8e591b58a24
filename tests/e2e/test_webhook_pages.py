"""In the browser: an org admin reads the registered webhooks, is told what is wrong with a new one, registers it
and reads a webhook's delivery log. Screenshots at 1440 px and 390 px go to test-artifacts/screenshots/
(webhooks-*.png)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from okrs.models import Person, Webhook, WebhookDelivery
from okrs.services.webhooks import webhook_create
from tests.e2e.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]
SIZES = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def admin(transactional_db: None) -> User:
    user = User.objects.create_user("ada", password=PASSWORD, first_name="Ada", last_name="Admin")
    Person.objects.create(user=user, org_role=Person.OrgRole.ADMIN)
    return user


@pytest.fixture
def webhook(admin: User) -> Webhook:
    chat = webhook_create(
        url="https://chat.example.com/hooks/pacer-status-changes-for-the-whole-customer-service-team",
        events=[Webhook.Event.KEY_RESULT_STATUS_CHANGED, Webhook.Event.CHECK_IN_ADDED],
        description="Team chat: off-track key results",
        created_by=admin,
    )
    webhook_create(url="https://etl.example.com/in", events=[Webhook.Event.IMPORT_FAILED], created_by=admin)
    for n, (state, code, attempts, error) in enumerate(
        [
            ("delivered", 200, 1, ""),
            ("failed", 502, 9, "answered 502 Bad Gateway"),
            ("pending", None, 0, ""),
            ("delivered", 204, 2, ""),
        ]
    ):
        WebhookDelivery.objects.create(
            webhook=chat,
            event=Webhook.Event.KEY_RESULT_STATUS_CHANGED if n % 2 else Webhook.Event.CHECK_IN_ADDED,
            payload={},
            state=state,
            response_code=code,
            attempts=attempts,
            error=error,
        )
    return chat


@pytest.fixture
def signed_in(page: Page, admin: User) -> Page:
    page.goto("/accounts/login/?next=/webhooks/")
    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/webhooks/")
    return page


def test_an_org_admin_reads_registers_and_follows_webhooks(signed_in: Page, webhook: Webhook) -> None:
    tab = signed_in
    for size, viewport in SIZES.items():
        tab.set_viewport_size(viewport)
        tab.goto("/webhooks/")
        expect(tab.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
        expect(tab.get_by_role("link", name=webhook.url)).to_be_visible()
        screenshot(tab, f"webhooks-list-{size}")

        tab.get_by_label("Payload URL").fill("ftp://files.example.com/drop")
        tab.get_by_role("button", name="Register webhook").click()
        expect(tab.get_by_text("Pick at least one event.")).to_be_visible()
        expect(tab.get_by_label("Payload URL")).to_have_value("ftp://files.example.com/drop")
        screenshot(tab, f"webhooks-form-error-{size}")

        tab.goto(f"/webhooks/{webhook.pk}/")
        expect(tab.get_by_role("heading", name="Deliveries")).to_be_visible()
        expect(tab.get_by_text("502", exact=True)).to_be_visible()
        screenshot(tab, f"webhooks-log-{size}")

    tab.goto("/webhooks/")
    tab.get_by_label("Payload URL").fill("https://ops.example.com/pacer")
    tab.get_by_role("checkbox", name="An import failed").check()
    tab.get_by_role("button", name="Register webhook").click()
    expect(tab.get_by_role("heading", name="https://ops.example.com/pacer", level=1)).to_be_visible()
    assert Webhook.objects.filter(url="https://ops.example.com/pacer", events=["import.failed"]).exists()


def test_an_org_admin_edits_a_webhook_then_deletes_it(signed_in: Page, webhook: Webhook) -> None:
    tab = signed_in
    for size, viewport in SIZES.items():
        tab.set_viewport_size(viewport)
        tab.goto(f"/webhooks/{webhook.pk}/")
        tab.get_by_role("link", name="Edit", exact=True).click()
        expect(tab.get_by_role("heading", name="Edit webhook", level=1)).to_be_visible()
        expect(tab.get_by_label("Payload URL")).to_have_value(webhook.url)
        expect(tab.get_by_role("checkbox", name="A check-in was added")).to_be_checked()
        tab.get_by_role("checkbox", name="A check-in was added").uncheck()
        tab.get_by_role("checkbox", name="A key result's status changed").uncheck()
        tab.get_by_role("button", name="Save").click()
        expect(tab.get_by_text("Pick at least one event.")).to_be_visible()
        screenshot(tab, f"webhooks-edit-error-{size}")

    tab.get_by_role("checkbox", name="An import failed").check()
    tab.get_by_label("Description").fill("Ops on-call")
    tab.get_by_role("button", name="Save").click()
    expect(tab.get_by_text("Its secret and deliveries are unchanged.")).to_be_visible()
    expect(tab.get_by_text("Ops on-call")).to_be_visible()
    assert Webhook.objects.get(pk=webhook.pk).events == [Webhook.Event.IMPORT_FAILED]

    for size, viewport in SIZES.items():
        tab.set_viewport_size(viewport)
        tab.get_by_text("Delete…").click()
        expect(tab.get_by_text("its 4 deliveries go from the log")).to_be_visible()
        screenshot(tab, f"webhooks-delete-{size}")
        tab.reload()
    tab.get_by_text("Delete…").click()
    tab.get_by_role("button", name="Delete webhook").click()
    expect(tab.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(tab.get_by_text("deleted with its delivery log")).to_be_visible()
    assert not Webhook.objects.filter(pk=webhook.pk).exists()
