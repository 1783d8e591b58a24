"""Celery entry points for OKRs: thin, idempotent, late-acknowledged and retried with backoff."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.celery import RELIABLE_TASK, RETRIED_ERRORS
from okrs.exports.delivery import ScorecardNotSent, scorecard_subscription_send, scorecard_subscriptions_due
from okrs.models import KeyResult
from okrs.services.lineage import RECOMPUTED, Cause
from okrs.services.recompute import (
    KeyResultBusy,
    key_result_recompute,
    key_results_recompute_all,
    key_results_recompute_for_kpis,
    progress_snapshots_rebuild_for,
)
from okrs.services.snapshots import progress_snapshots_write
from okrs.services.webhooks import DeliveryFailed, webhook_deliver, webhook_deliveries_resend

# Another worker holding a key result is finishing the same computation: look again shortly.
_BUSY_RETRY_SECONDS = 5


def _enqueue_busy(ids: list[int], cause: Cause = RECOMPUTED) -> None:
    for key_result_id in ids:
        transaction.on_commit(partial(_enqueue_one, key_result_id, cause))


def _enqueue_one(key_result_id: int, cause: Cause) -> None:
    kwargs = {"key_result_id": key_result_id, "cause": cause.kind.value, "batch_id": cause.batch_id}
    key_result_recompute_task.apply_async(kwargs=kwargs, countdown=_BUSY_RETRY_SECONDS)


@shared_task(name="okrs.key_result_recompute", bind=True, **RELIABLE_TASK)
def key_result_recompute_task(
    self: Task, key_result_id: int, cause: str = RECOMPUTED.kind, batch_id: int | None = None
) -> None:
    key_result = KeyResult.objects.filter(pk=key_result_id).first()
    if key_result is None:
        return  # deleted since it was enqueued: nothing left to compute
    try:
        key_result_recompute(key_result=key_result, cause=Cause.from_series(cause, batch_id))
    except KeyResultBusy as busy:
        raise self.retry(exc=busy, countdown=_BUSY_RETRY_SECONDS) from None


@shared_task(name="okrs.key_results_recompute_for_kpis", **RELIABLE_TASK)
def key_results_recompute_for_kpis_task(
    kpi_ids: list[int],
    first_day: str,
    last_day: str,
    cause: str = RECOMPUTED.kind,
    batch_id: int | None = None,
) -> None:
    """Called on commit of a KPI series recompute with the KPIs and days it changed, and why (an import batch, an
    undo, a definition change: kpis.services.series.SeriesCause)."""
    moved_by = Cause.from_series(cause, batch_id)
    result = key_results_recompute_for_kpis(
        kpi_ids=kpi_ids,
        first_day=date.fromisoformat(first_day),
        last_day=date.fromisoformat(last_day),
        cause=moved_by,
    )
    _enqueue_busy(result.busy, moved_by)
    if result.history_from is not None:
        yesterday = timezone.localdate() - timedelta(days=1)
        transaction.on_commit(
            partial(
                progress_snapshots_rebuild_task.delay,
                key_result_ids=result.recomputed,
                first_day=result.history_from.isoformat(),
                last_day=yesterday.isoformat(),
            )
        )


@shared_task(name="okrs.progress_snapshots_rebuild", **RELIABLE_TASK)
def progress_snapshots_rebuild_task(key_result_ids: list[int], first_day: str, last_day: str) -> None:
    """Late or corrected data: rebuild the key results' history from the first changed day."""
    result = progress_snapshots_rebuild_for(
        key_result_ids=key_result_ids, first_day=date.fromisoformat(first_day), last_day=date.fromisoformat(last_day)
    )
    if result.busy:
        transaction.on_commit(
            partial(
                progress_snapshots_rebuild_task.apply_async,
                kwargs={"key_result_ids": result.busy, "first_day": first_day, "last_day": last_day},
                countdown=_BUSY_RETRY_SECONDS,
            )
        )


@shared_task(name="okrs.key_results_recompute_all", **RELIABLE_TASK)
def key_results_recompute_all_task() -> None:
    """Nightly safety net: recompute every active key result, then record today's snapshots."""
    result = key_results_recompute_all()
    progress_snapshots_write(day=timezone.localdate())
    _enqueue_busy(result.busy)


@shared_task(name="okrs.scorecard_subscriptions_send_due", **RELIABLE_TASK)
def scorecard_subscriptions_send_due_task() -> None:
    """Celery beat, every minute: one task per subscription whose time has come."""
    for subscription_id in scorecard_subscriptions_due(now=timezone.now()):
        scorecard_subscription_send_task.delay(subscription_id=subscription_id)


@shared_task(name="okrs.scorecard_subscription_send", bind=True, **RELIABLE_TASK)
def scorecard_subscription_send_task(self: Task, subscription_id: int) -> None:
    final_attempt = self.request.retries + 1 >= settings.SCORECARD_DELIVERY_ATTEMPTS
    try:
        scorecard_subscription_send(subscription_id=subscription_id, final_attempt=final_attempt)
    except ScorecardNotSent as error:
        if not final_attempt:
            raise self.retry(exc=error, countdown=settings.SCORECARD_DELIVERY_RETRY_SECONDS) from None


@shared_task(
    name="okrs.webhook_deliver", bind=True, **(RELIABLE_TASK | {"autoretry_for": (DeliveryFailed, *RETRIED_ERRORS)})
)
def webhook_deliver_task(self: Task, delivery_id: int) -> str | None:
    """Send one webhook delivery; retried with backoff (5 s doubling, up to 10 min) until the last try fails it."""
    delivery = webhook_deliver(delivery_id=delivery_id, last_try=self.request.retries >= (self.max_retries or 0))
    return None if delivery is None else delivery.state


@shared_task(name="okrs.webhook_deliveries_resend", **RELIABLE_TASK)
def webhook_deliveries_resend_task() -> int:
    """Celery beat, every minute: queue again the pending deliveries whose task is gone."""
    return len(webhook_deliveries_resend(now=timezone.now()))
