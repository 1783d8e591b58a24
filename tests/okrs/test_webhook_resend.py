"""The sweep for stuck webhook deliveries (beat, every minute): a delivery recorded while the broker was down, or
whose retries were lost, is queued again; nothing is ever sent twice, whichever task comes first."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import RELIABLE_TASK
from okrs.models import Webhook, WebhookDelivery
from okrs.services.webhooks import webhook_create, webhook_deliver, webhook_deliveries_resend
from okrs.tasks import webhook_deliver_task
from tests.webhook_receiver import Receiver, webhook_receiver

NOW = timezone.now()
QUIET = dt.timedelta(seconds=settings.WEBHOOK_RESEND_AFTER_SECONDS)
RETRIES_GONE = QUIET + dt.timedelta(seconds=RELIABLE_TASK["retry_backoff_max"])
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as found:
        yield found


@pytest.fixture
def webhook(receiver: Receiver, db: None) -> Webhook:
    return webhook_create(url=receiver.url, events=["import.failed"], created_by=None)


def _delivery(webhook: Webhook, *, age: dt.timedelta, **fields: Any) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="import.failed", payload={"n": 1}, **fields)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=NOW - age)
    return delivery


@pytest.mark.django_db
def test_it_queues_again_only_the_deliveries_whose_task_is_gone(webhook: Webhook) -> None:
    never_tried = _delivery(webhook, age=QUIET + MINUTE)
    long_ago = NOW - RETRIES_GONE - MINUTE
    retries_lost = _delivery(webhook, age=RETRIES_GONE + MINUTE, attempts=2, last_attempt_at=long_ago)
    just_recorded = _delivery(webhook, age=QUIET - MINUTE)  # its task is on its way
    _delivery(webhook, age=RETRIES_GONE + MINUTE, attempts=3, last_attempt_at=NOW - MINUTE)  # its retries go on
    _delivery(webhook, age=QUIET + MINUTE, state="delivered", attempts=1)
    _delivery(webhook, age=QUIET + MINUTE, state="failed", attempts=9)
    resent = _delivery(webhook, age=QUIET + MINUTE, resent_at=NOW - MINUTE)  # queued again a minute ago

    assert sorted(webhook_deliveries_resend(now=NOW)) == sorted([never_tried.pk, retries_lost.pk])
    # and not again at the next sweep, a minute later
    assert webhook_deliveries_resend(now=NOW + MINUTE) == []
    # and again once as long has passed since, with the ones that have become as quiet meanwhile
    later = {never_tried.pk, retries_lost.pk, just_recorded.pk, resent.pk}
    assert set(webhook_deliveries_resend(now=NOW + QUIET + MINUTE)) == later


@pytest.mark.django_db
def test_a_delivery_queued_again_is_sent_once_though_its_first_task_comes_too(
    webhook: Webhook, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a delivery recorded while the broker was down
    delivery = _delivery(webhook, age=QUIET + MINUTE)

    # When the sweep queues it again (the tests' Celery runs it at once), then its own task arrives after all
    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliveries_resend(now=NOW)
    webhook_deliver_task.delay(delivery.pk)

    # Then the receiver heard of it once
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 1)


def _deliver_in_a_thread(delivery_id: int) -> None:
    try:
        webhook_deliver(delivery_id=delivery_id)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_tasks_sending_the_same_delivery_at_once_send_it_once(webhook: Webhook, receiver: Receiver) -> None:
    delivery = _delivery(webhook, age=QUIET + MINUTE)
    receiver.delay = 1.0
    first = threading.Thread(target=_deliver_in_a_thread, args=[delivery.pk])

    first.start()
    assert receiver.arrived.wait(5)
    # While the first waits for its answer, a second task (the sweep's) finds the delivery being sent
    second = webhook_deliver(delivery_id=delivery.pk)
    queued_meanwhile = webhook_deliveries_resend(now=NOW)
    first.join(5)

    assert second is None
    assert queued_meanwhile == []
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 1)
