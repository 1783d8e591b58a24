"""Outgoing webhooks: registered by org admins, one delivery per event, signed, sent to a real receiver on
127.0.0.1, retried, and logged with the receiver's answers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from okrs import webhook_signing
from okrs.models import Person, Webhook, WebhookDelivery
from okrs.services.activity import check_in_create
from okrs.services.webhooks import DeliveryFailed, webhook_create, webhook_deliver
from tests.okrs.factories import KeyResultFactory, UserFactory
from tests.webhook_receiver import Receiver, webhook_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as found:
        yield found


@pytest.fixture
def admin() -> User:
    user = UserFactory(username="ada")
    Person.objects.create(user=user, org_role=Person.OrgRole.ADMIN)
    return user


@given(secret=st.text(min_size=1), body=st.binary(), timestamp=st.integers(min_value=0, max_value=2**40))
def test_a_signature_verifies_with_its_secret_and_body_only(secret: str, body: bytes, timestamp: int) -> None:
    header = webhook_signing.header(secret, timestamp, body)

    assert webhook_signing.verify(header, secret, body, now=timestamp)
    assert not webhook_signing.verify(header, secret + "x", body, now=timestamp)
    assert not webhook_signing.verify(header, secret, body + b"x", now=timestamp)
    assert not webhook_signing.verify(header, secret, body, now=timestamp + webhook_signing.TOLERANCE_SECONDS + 1)


def test_a_check_in_is_delivered_signed_and_logged_with_the_answer(
    admin: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = webhook_create(url=receiver.url, events=["check_in.added"], created_by=admin)
    key_result = KeyResultFactory()

    with django_capture_on_commit_callbacks(execute=True):
        check_in_create(key_result=key_result, author=admin, day=key_result.objective.period.start, value=5)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.response_code, delivery.attempts) == ("delivered", 200, 1)
    got = receiver.received[0]
    assert webhook_signing.verify(got.headers["Pacer-Signature"], webhook.secret, got.body, now=int(time.time()))
    payload = json.loads(got.body)
    assert payload["event"] == "check_in.added" == got.headers["Pacer-Event"]
    assert payload["data"]["check_in"]["value"] == 5


def test_a_receiver_that_fails_is_retried_and_the_last_failure_recorded(admin: User, receiver: Receiver) -> None:
    webhook = webhook_create(url=receiver.url, events=["check_in.added"], created_by=admin)
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="check_in.added", payload={"event": "x"})
    receiver.answers = [500, 503]

    with pytest.raises(DeliveryFailed):
        webhook_deliver(delivery_id=delivery.pk)
    last = webhook_deliver(delivery_id=delivery.pk, last_try=True)

    assert last is not None
    assert (last.state, last.response_code, last.attempts) == ("failed", 503, 2)
    assert "503" in last.error


def test_an_unreachable_receiver_is_recorded_without_a_code(admin: User) -> None:
    webhook = webhook_create(url="http://127.0.0.1:9/none", events=["import.failed"], created_by=admin)
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="import.failed", payload={})

    found = webhook_deliver(delivery_id=delivery.pk, last_try=True)

    assert found is not None
    assert (found.state, found.response_code) == ("failed", None)
    assert found.error.startswith("not reached")


def test_only_webhooks_that_picked_the_event_get_it(admin: User, django_capture_on_commit_callbacks: Any) -> None:
    webhook_create(url="http://127.0.0.1:9/a", events=["import.failed"], created_by=admin)
    key_result = KeyResultFactory()

    check_in_create(key_result=key_result, author=admin, day=key_result.objective.period.start, value=1)

    assert not WebhookDelivery.objects.exists()


def test_org_admins_register_webhooks_and_read_the_delivery_log(admin: User, client: Client) -> None:
    client.force_login(admin)

    bad = client.post("/webhooks/", {"url": "ftp://example.com/x", "events": ["check_in.added"]})
    none = client.post("/webhooks/", {"url": "https://example.com/x"})
    assert (bad.status_code, none.status_code) == (400, 400)
    assert "Pick at least one event" in none.content.decode()
    assert not Webhook.objects.exists()

    created = client.post(
        "/webhooks/", {"url": "https://chat.example.com/hook", "events": ["key_result.status_changed"]}
    )
    webhook = Webhook.objects.get()
    assert created["Location"] == f"/webhooks/{webhook.pk}/"
    WebhookDelivery.objects.create(
        webhook=webhook, event="key_result.status_changed", payload={}, state="failed", response_code=502, attempts=9
    )
    page = client.get(created["Location"]).content.decode()
    assert webhook.secret in page
    assert "502" in page
    assert "Failed" in page


def test_webhook_pages_are_for_org_admins_only(client: Client) -> None:
    steward = UserFactory()
    Person.objects.create(user=steward, org_role=Person.OrgRole.STEWARD)
    client.force_login(steward)

    assert client.get("/webhooks/").status_code == 403
    assert client.post("/webhooks/", {"url": "https://x.example/", "events": ["import.failed"]}).status_code == 403
    assert not Webhook.objects.exists()
