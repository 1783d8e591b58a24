"""Writes for outgoing webhooks: register one, record an event's deliveries, and send one delivery.

An event becomes one delivery row per active webhook that picked it, in the transaction of the change it reports;
the rows are sent by okrs.tasks.webhook_deliver_task once that transaction commits, so a receiver never hears of a
change that was rolled back. Sending is synchronous here and idempotent per delivery: a delivered one is not sent
again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request
from functools import partial
from typing import Any

import kombu.exceptions
from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.celery import RELIABLE_TASK
from kpis.models import ImportBatch
from okrs import webhook_signing
from okrs.models import CheckIn, KeyResult, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
USER_AGENT = "Pacer-Webhooks/1"


class DeliveryFailed(Exception):
    """The receiver was not reached or did not answer 2xx; the task retries with backoff."""


@transaction.atomic
def webhook_create(*, url: str, events: list[str], created_by: User | None, description: str = "") -> Webhook:
    webhook = Webhook(created_by=created_by, secret=webhook_signing.new_secret())
    return _webhook_save(webhook, url=url, events=events, description=description)


@transaction.atomic
def webhook_update(*, webhook: Webhook, url: str, events: list[str], description: str = "") -> Webhook:
    """A new URL, events or description; the secret stays, and so do the deliveries already recorded."""
    return _webhook_save(webhook, url=url, events=events, description=description)


def _webhook_save(webhook: Webhook, *, url: str, events: list[str], description: str) -> Webhook:
    webhook.url = url
    webhook.events = list(dict.fromkeys(events))
    webhook.description = description
    webhook.full_clean()
    webhook.save()
    return webhook


def webhook_set_active(*, webhook: Webhook, active: bool) -> Webhook:
    webhook.is_active = active
    webhook.save(update_fields=["is_active"])
    return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    """The webhook and its delivery log go; a delivery still queued finds no row and is not sent."""
    webhook.delete()


# Named, not imported: okrs.tasks imports this module.
DELIVER_TASK = "okrs.webhook_deliver"


def _send(delivery_id: int) -> None:
    try:
        current_app.signature(DELIVER_TASK, args=[delivery_id]).delay()
    except kombu.exceptions.OperationalError:
        # The change has committed and the delivery is recorded as pending; the log page shows it was not sent.
        logger.warning("Webhook delivery %s not queued: the task queue cannot be reached.", delivery_id)


def webhook_event(*, event: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Record `event` for every active webhook that picked it; each is sent once the current transaction commits."""
    return webhook_events(event=event, items=[data])


def webhook_events(*, event: str, items: list[dict[str, Any]]) -> list[WebhookDelivery]:
    """One delivery of `event` per item and active webhook that picked it, in one query and one insert."""
    webhooks = [hook for hook in Webhook.objects.filter(is_active=True) if event in hook.events]
    if not webhooks or not items:
        return []
    occurred = timezone.now().isoformat()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(webhook=hook, event=event, payload={"event": event, "occurred_at": occurred, "data": data})
            for data in items
            for hook in webhooks
        ]
    )
    for delivery in deliveries:
        transaction.on_commit(partial(_send, delivery.pk))
    return deliveries


def webhook_deliver(*, delivery_id: int, last_try: bool = False) -> WebhookDelivery | None:
    """POST the delivery, signed, and record the answer; DeliveryFailed when it should be tried again.

    `last_try` records a failure as final instead of raising it. The delivery's row is locked while it is sent, so
    two tasks for it (its own and the sweep's, say) never send it at once: the second finds it locked and leaves it
    to the first, or finds it delivered and sends nothing.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state == WebhookDelivery.State.DELIVERED:
            return delivery
        ok = _attempt(delivery, last_try=last_try)
    if not ok and not last_try:
        raise DeliveryFailed(delivery.error)
    return delivery


def _attempt(delivery: WebhookDelivery, *, last_try: bool) -> bool:
    body = json.dumps({"id": delivery.pk, **delivery.payload}, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Pacer-Event": delivery.event,
            "Pacer-Delivery": str(delivery.pk),
            webhook_signing.HEADER: webhook_signing.header(delivery.webhook.secret, timestamp, body),
        },
    )
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    code: int | None = None
    error = ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            code = response.status
    except urllib.error.HTTPError as failed:
        code, error = failed.code, f"answered {failed.code} {failed.reason}"
    except (urllib.error.URLError, OSError) as failed:
        error = f"not reached: {getattr(failed, 'reason', failed)}"
    delivery.response_code = code
    ok = code is not None and 200 <= code < 300
    delivery.error = "" if ok else error[:500]
    if ok:
        delivery.state = WebhookDelivery.State.DELIVERED
        delivery.delivered_at = timezone.now()
    elif last_try:
        delivery.state = WebhookDelivery.State.FAILED
    delivery.save()
    return ok


# At most this many deliveries are queued again by one sweep; the next sweep takes the rest.
RESEND_BATCH = 500


def webhook_deliveries_resend(*, now: dt.datetime) -> list[int]:
    """Queue again the pending deliveries whose task is gone, and return their ids.

    A delivery recorded while the broker was down was never queued (see _send), and a broker that lost its
    messages loses the retries of a failed one. Either stays pending: one never tried, WEBHOOK_RESEND_AFTER_SECONDS
    after it was recorded; one tried before, once its retries have been silent longer than their longest backoff.
    Each is queued again at most once per WEBHOOK_RESEND_AFTER_SECONDS (resent_at), and one being sent right now
    (locked by webhook_deliver) is left alone; webhook_deliver sends a delivered one no more.
    """
    quiet = now - dt.timedelta(seconds=settings.WEBHOOK_RESEND_AFTER_SECONDS)
    retries_gone = quiet - dt.timedelta(seconds=RELIABLE_TASK["retry_backoff_max"])
    with transaction.atomic():
        stuck = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(state=WebhookDelivery.State.PENDING)
            .filter(Q(resent_at__isnull=True) | Q(resent_at__lt=quiet))
            .filter(Q(attempts=0, created_at__lt=quiet) | Q(attempts__gt=0, last_attempt_at__lt=retries_gone))
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:RESEND_BATCH]
        )
        WebhookDelivery.objects.filter(pk__in=stuck).update(resent_at=now)
        for delivery_id in stuck:
            transaction.on_commit(partial(_send, delivery_id))
    if stuck:
        logger.info("Webhook deliveries queued again: %s", len(stuck))
    return stuck


def webhooks_import_event(*, batch_id: int) -> list[WebhookDelivery]:
    """`import.finished` or `import.failed` for a batch that has ended; nothing for one still running."""
    batch = ImportBatch.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch is None or batch.status not in (ImportBatch.Status.SUCCEEDED, ImportBatch.Status.FAILED):
        return []
    succeeded = batch.status == ImportBatch.Status.SUCCEEDED
    data = {
        "import": {
            "id": batch.pk,
            "source": batch.source,
            "filename": batch.filename,
            "dry_run": batch.dry_run,
            "status": batch.status,
            "created_by": batch.created_by.username if batch.created_by else None,
            "rows_read": batch.rows_read,
            "cells": {
                "inserted": batch.cells_inserted,
                "updated": batch.cells_updated,
                "unchanged": batch.cells_unchanged,
            },
            "errors": batch.errors[:20],
        }
    }
    event = Webhook.Event.IMPORT_FINISHED if succeeded else Webhook.Event.IMPORT_FAILED
    return webhook_event(event=event, data=data)


def webhooks_import_ended(*, batch_id: int, **signal: Any) -> None:
    """The receiver of kpis.signals.import_ended."""
    webhooks_import_event(batch_id=batch_id)


def webhooks_status_changed(*, changes: list[tuple[KeyResult, str]]) -> None:
    """`key_result.status_changed` for each key result whose status moved: (key result as now, status before)."""
    items = []
    for key_result, before in changes:
        objective = key_result.objective
        data = {
            "key_result": {
                "id": key_result.pk,
                "title": key_result.title,
                "objective": objective.pk,
                "objective_title": objective.title,
                "team": objective.team_id,
                "period": objective.period.label,
                "status": key_result.status,
                "previous_status": before,
                "progress": key_result.progress,
                "current_value": key_result.current_value,
                "guardrail_breached": key_result.guardrail_breached,
            }
        }
        items.append(data)
    webhook_events(event=Webhook.Event.KEY_RESULT_STATUS_CHANGED, items=items)


def webhooks_check_in_added(*, check_in: CheckIn) -> list[WebhookDelivery]:
    data = {
        "check_in": {
            "id": check_in.pk,
            "key_result": check_in.key_result_id,
            "author": check_in.author.username,
            "day": check_in.day.isoformat(),
            "value": check_in.value,
            "confidence": check_in.confidence,
            "comment": check_in.comment,
        }
    }
    return webhook_event(event=Webhook.Event.CHECK_IN_ADDED, data=data)
