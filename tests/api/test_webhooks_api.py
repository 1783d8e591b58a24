"""Webhooks through the API: org admins register, change, pause and delete them and read their delivery log, with
the webhooks page's form and services; anyone else is refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from okrs.models import Person, Webhook, WebhookDelivery
from okrs.services.webhooks import webhook_create
from tests.api.conftest import MakeToken
from tests.okrs.factories import UserFactory

pytestmark = pytest.mark.django_db

WEBHOOKS = "/api/v1/webhooks/"
HOOK = {"url": "https://chat.example.com/hooks/pacer", "events": ["import.failed"], "description": "Chat"}


@pytest.fixture
def webhook(admin: User) -> Webhook:
    return webhook_create(url="https://old.example.com/in", events=["check_in.added"], created_by=admin)


def _rows() -> list[tuple[Any, ...]]:
    return list(Webhook.objects.order_by("pk").values_list("url", "events", "description", "is_active", "secret"))


def test_an_org_admin_registers_a_webhook_and_gets_its_secret(admin_client: APIClient) -> None:
    response = admin_client.post(WEBHOOKS, HOOK, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    webhook = Webhook.objects.get()
    assert (body["id"], body["secret"], body["created_by"]) == (webhook.pk, webhook.secret, "ada")
    assert (webhook.url, webhook.events, webhook.is_active) == (HOOK["url"], ["import.failed"], True)
    assert admin_client.get(WEBHOOKS).json()["results"] == [body]


def test_a_change_keeps_the_secret_and_the_fields_not_given(admin_client: APIClient, webhook: Webhook) -> None:
    response = admin_client.patch(f"{WEBHOOKS}{webhook.pk}/", {"events": ["import.failed"]}, format="json")

    assert response.status_code == 200, response.json()
    after = Webhook.objects.get()
    assert (after.url, after.events, after.secret) == ("https://old.example.com/in", ["import.failed"], webhook.secret)


def test_a_webhook_is_paused_and_resumed(admin_client: APIClient, webhook: Webhook) -> None:
    paused = admin_client.patch(f"{WEBHOOKS}{webhook.pk}/", {"is_active": False}, format="json")
    assert (paused.status_code, paused.json()["is_active"]) == (200, False)
    assert not Webhook.objects.get().is_active

    resumed = admin_client.patch(f"{WEBHOOKS}{webhook.pk}/", {"is_active": True}, format="json")
    assert resumed.json()["is_active"] is True


def test_a_deleted_webhook_takes_its_log_along(admin_client: APIClient, webhook: Webhook) -> None:
    WebhookDelivery.objects.create(webhook=webhook, event="check_in.added", payload={})

    assert admin_client.delete(f"{WEBHOOKS}{webhook.pk}/").status_code == 204
    assert not Webhook.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert admin_client.get(f"{WEBHOOKS}{webhook.pk}/deliveries/").status_code == 404


def test_the_delivery_log_lists_newest_first_with_the_answers(admin_client: APIClient, webhook: Webhook) -> None:
    failed = WebhookDelivery.objects.create(
        webhook=webhook, event="check_in.added", payload={"n": 1}, state="failed", response_code=502, attempts=9
    )
    sent = WebhookDelivery.objects.create(
        webhook=webhook, event="check_in.added", payload={"n": 2}, state="delivered", response_code=200, attempts=1
    )
    other = webhook_create(url="https://else.example.com/", events=["import.failed"], created_by=None)
    WebhookDelivery.objects.create(webhook=other, event="import.failed", payload={})

    page = admin_client.get(f"{WEBHOOKS}{webhook.pk}/deliveries/?page_size=1").json()
    rest = admin_client.get(page["next"]).json()

    assert [d["id"] for d in page["results"] + rest["results"]] == [sent.pk, failed.pk]
    assert (rest["results"][0]["state"], rest["results"][0]["response_code"]) == ("failed", 502)
    assert rest["results"][0]["payload"] == {"n": 1}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**HOOK, "url": "ftp://files.example.com/x"}, "url", "Give an http:// or https:// URL."),
        ({**HOOK, "url": "not a url"}, "url", "Enter a valid URL."),
        ({**HOOK, "url": ""}, "url", "This field is required."),
        ({**HOOK, "events": []}, "events", "Pick at least one event."),
        ({**HOOK, "events": ["import.started"]}, "events", "not one of the available choices"),
        ({**HOOK, "events": "import.failed"}, "events", "Give a list of event names."),
        ({**HOOK, "description": "x" * 201}, "description", "at most 200 characters"),
        ({**HOOK, "description": ["a"]}, "description", "Give a single value."),
        ({**HOOK, "is_active": "yes"}, "is_active", "Give true or false."),
        ({**HOOK, "secret": "mine"}, "secret", "Unknown field."),
    ],
)
def test_a_bad_webhook_is_refused_on_its_field_and_nothing_is_written(
    admin_client: APIClient, webhook: Webhook, body: dict[str, Any], field: str, message: str
) -> None:
    before = _rows()

    created = admin_client.post(WEBHOOKS, body, format="json")
    changed = admin_client.patch(f"{WEBHOOKS}{webhook.pk}/", body, format="json")

    for response in (created, changed):
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert [error["field"] for error in errors] == [field]
        assert message in errors[0]["message"]
    assert _rows() == before


def test_the_page_and_the_api_refuse_a_url_in_the_same_words(admin: User, admin_client: APIClient) -> None:
    client = Client()
    client.force_login(admin)
    page = client.post("/webhooks/", {"url": "ftp://files.example.com/x", "events": ["import.failed"]})
    api = admin_client.post(WEBHOOKS, {**HOOK, "url": "ftp://files.example.com/x"}, format="json")

    assert page.status_code == api.status_code == 400
    assert page.context["form"].errors["url"] == [api.json()["errors"][0]["message"]]


@pytest.mark.parametrize("org_role", [Person.OrgRole.STEWARD, Person.OrgRole.MEMBER])
def test_anyone_but_an_org_admin_is_refused_and_nothing_is_written(
    make_token: MakeToken, webhook: Webhook, org_role: str
) -> None:
    user = UserFactory()
    Person.objects.create(user=user, org_role=org_role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(scopes=['read', 'write'], user=user)}")
    before = _rows()

    answers = [
        client.get(WEBHOOKS),
        client.post(WEBHOOKS, HOOK, format="json"),
        client.get(f"{WEBHOOKS}{webhook.pk}/"),
        client.patch(f"{WEBHOOKS}{webhook.pk}/", {"is_active": False}, format="json"),
        client.delete(f"{WEBHOOKS}{webhook.pk}/"),
        client.get(f"{WEBHOOKS}{webhook.pk}/deliveries/"),
    ]

    assert [answer.status_code for answer in answers] == [403] * 6
    assert answers[1].json()["detail"] == "Only org admins manage webhooks."
    assert _rows() == before
