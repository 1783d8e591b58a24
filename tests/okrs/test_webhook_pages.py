"""The webhook pages change and delete a webhook through the same form and services as the API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from okrs.models import Person, Webhook, WebhookDelivery
from okrs.services.webhooks import webhook_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    user = User.objects.create_user("ada")
    Person.objects.create(user=user, org_role=Person.OrgRole.ADMIN)
    client.force_login(user)
    return client


@pytest.fixture
def webhook() -> Webhook:
    hook = webhook_create(
        url="https://chat.example.com/in", events=[Webhook.Event.CHECK_IN_ADDED], created_by=None, description="Chat"
    )
    WebhookDelivery.objects.create(webhook=hook, event=Webhook.Event.CHECK_IN_ADDED, payload={}, state="delivered")
    return hook


def test_the_edit_form_starts_from_the_webhook_and_saves_it_keeping_its_secret_and_log(
    admin_client: Client, webhook: Webhook
) -> None:
    url = reverse("webhook_edit", args=[webhook.pk])
    form = admin_client.get(url).context["form"]
    assert form["url"].value() == "https://chat.example.com/in"
    assert form["events"].value() == [Webhook.Event.CHECK_IN_ADDED]
    assert form["description"].value() == "Chat"

    response = admin_client.post(
        url,
        {
            "url": "https://ops.example.com/pacer",
            "events": [Webhook.Event.IMPORT_FAILED, Webhook.Event.KEY_RESULT_STATUS_CHANGED],
            "description": "Ops",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("webhook_detail", args=[webhook.pk])
    saved = Webhook.objects.get(pk=webhook.pk)
    assert saved.url == "https://ops.example.com/pacer"
    assert saved.events == [Webhook.Event.IMPORT_FAILED, Webhook.Event.KEY_RESULT_STATUS_CHANGED]
    assert saved.description == "Ops"
    assert saved.secret == webhook.secret
    assert saved.deliveries.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "ftp://files.example.com/drop", "events": ["import.failed"]}, "url", "http"),
        ({"url": "https://ops.example.com/pacer"}, "events", "Pick at least one event."),
        ({"url": "https://ops.example.com/pacer", "events": ["no.such.event"]}, "events", "not one of"),
    ],
)
def test_a_bad_edit_shows_the_field_error_and_changes_nothing(
    admin_client: Client, webhook: Webhook, data: dict[str, object], field: str, message: str
) -> None:
    response = admin_client.post(reverse("webhook_edit", args=[webhook.pk]), data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    saved = Webhook.objects.get(pk=webhook.pk)
    assert (saved.url, saved.events, saved.description) == (webhook.url, webhook.events, webhook.description)


def test_the_detail_page_offers_edit_and_a_delete_that_says_what_goes(admin_client: Client, webhook: Webhook) -> None:
    page = admin_client.get(reverse("webhook_detail", args=[webhook.pk])).content.decode()

    assert f'href="{reverse("webhook_edit", args=[webhook.pk])}"' in page
    assert f'action="{reverse("webhook_delete", args=[webhook.pk])}"' in page
    assert "its 1 delivery go from the log" in page


def test_deleting_a_webhook_removes_it_and_its_log(admin_client: Client, webhook: Webhook) -> None:
    other = webhook_create(url="https://etl.example.com/in", events=[Webhook.Event.IMPORT_FAILED], created_by=None)

    response = admin_client.post(reverse("webhook_delete", args=[webhook.pk]), follow=True)

    assert response.redirect_chain == [(reverse("webhook_list"), 302)]
    assert "Webhook for https://chat.example.com/in deleted with its delivery log." in response.content.decode()
    assert list(Webhook.objects.all()) == [other]
    assert not WebhookDelivery.objects.exists()


def test_deleting_takes_a_post_only(admin_client: Client, webhook: Webhook) -> None:
    assert admin_client.get(reverse("webhook_delete", args=[webhook.pk])).status_code == 405
    assert Webhook.objects.filter(pk=webhook.pk).exists()
