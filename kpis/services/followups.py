"""What a change enqueues once it has committed: the series recompute after a definition change, and the key
results that read the series.

Tasks are sent by name, so that services need not import the task modules (which import them) and kpis needs no
okrs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Sequence
from functools import partial

import kombu.exceptions
from celery import current_app
from django.db import transaction
from django.utils import timezone

from kpis.models import Kpi
from kpis.services.series import SeriesChange

logger = logging.getLogger(__name__)

SERIES_TASK = "kpis.series_recompute_for_definitions"
KEY_RESULTS_TASK = "okrs.key_results_recompute_for_kpis"


def key_results_enqueue(change: SeriesChange) -> None:
    """Hand the KPIs and days a series recompute changed, and why, to the key results that read them (the okrs
    app)."""
    if change.kpi_ids and change.first_day and change.last_day:
        args = [
            change.kpi_ids,
            change.first_day.isoformat(),
            change.last_day.isoformat(),
            change.cause,
            change.batch_id,
        ]
        current_app.signature(KEY_RESULTS_TASK, args=args).delay()


def series_recompute_enqueue(*, kpi_ids: Collection[int] = (), measure_ids: Collection[int] = ()) -> None:
    """On commit, recompute the series of these KPIs (their formula changed) and of the KPIs reading these measures
    (their aggregation changed)."""
    args = [sorted(kpi_ids), sorted(measure_ids)]
    transaction.on_commit(partial(_send, SERIES_TASK, args))


def key_results_refresh_enqueue(change: SeriesChange) -> None:
    """On commit, recompute the key results that read these KPIs: their direction, thresholds or targets moved."""
    transaction.on_commit(partial(key_results_enqueue, change))


def _send(name: str, args: Sequence[object]) -> None:
    try:
        current_app.signature(name, args=list(args)).delay()
    except kombu.exceptions.OperationalError:
        # The change is committed and the KPI stays marked: kpis.definitions_recompute_recover sends it again.
        logger.warning("The broker is unreachable: %s%s will be sent again by the minute sweep.", name, args)


def kpis_awaiting_recompute(*, older_than: dt.timedelta) -> list[int]:
    """KPIs marked "recomputing" for longer than a recompute takes: their task was lost (broker down, say)."""
    since = timezone.now() - older_than
    return list(Kpi.objects.filter(recompute_requested_at__lt=since).order_by("id").values_list("id", flat=True))
