"""A scorecard as it stood on a chosen day: key results from their daily progress snapshots, KPIs to that day.

A period's numbers move every day until it ends; a director comparing this week's scorecard with last week's needs
last week's as it was then. The nightly snapshot records every key result's value, progress, pace and status; the
KPI lines are recomputed from the observations up to that day, as ratio of sums like every other KPI value, and so
are the forecasts (a snapshot keeps none): each one made from the days and check-ins up to that day only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from kpis.models import Dimension, Kpi, Period
from kpis.selectors import kpi_values_to_date, kpi_values_to_date_by_member
from okrs.models import KeyResult, ProgressSnapshot, Status
from okrs.services.inputs import Inputs, forecast_inputs_load

if TYPE_CHECKING:
    from okrs.forecast import Forecast
    from okrs.scorecard.rows import KeyResultRow

LineKey = tuple[int, int | None, str]  # kpi, dimension, member


def last_day(period: Period) -> date:
    return period.end - timedelta(days=1)


def default_as_of(period: Period, *, today: date | None = None) -> date:
    """Today, or the period's last day once it has ended (or its first, when it has not begun)."""
    today = today or timezone.localdate()
    return min(max(today, period.start), last_day(period))


def effective_as_of(period: Period, requested: date | None, *, today: date | None = None) -> date:
    """The day a scorecard states: the one asked for, kept within the period and never after today."""
    today = today or timezone.localdate()
    if requested is None:
        return default_as_of(period, today=today)
    return min(max(requested, period.start), default_as_of(period, today=today))


def is_past(period: Period, as_of: date, *, today: date | None = None) -> bool:
    """Whether `as_of` lies before what the live numbers show (today, or the end of a finished period)."""
    return as_of < default_as_of(period, today=today)


def key_results_as_of(key_results: Sequence[KeyResult] | Sequence[KeyResultRow], day: date) -> None:
    """Give the key results the value, progress, pace and status of their latest snapshot on or before `day`, and
    the forecast the data up to `day` makes.

    In place, on the instances or rows the scorecard holds, so that everything summarised from them afterwards
    (objective roll-ups, counts) says the same. A key result without a snapshot by then had no data yet, and no
    forecast.
    """
    if not key_results:
        return
    latest_day = (
        ProgressSnapshot.objects.filter(key_result=OuterRef("key_result"), day__lte=day)
        .order_by("-day")
        .values("day")[:1]
    )
    snapshots = {
        s.key_result_id: s
        for s in ProgressSnapshot.objects.filter(
            key_result_id__in=[kr.pk for kr in key_results], day=Subquery(latest_day)
        )
    }
    forecasts = _forecasts_on(list(snapshots), day)
    for kr in key_results:
        snapshot = snapshots.get(kr.pk)
        kr.current_value = None if snapshot is None else snapshot.value
        kr.progress = None if snapshot is None else snapshot.progress
        kr.expected = None if snapshot is None else snapshot.expected
        kr.status = Status.NO_DATA if snapshot is None else snapshot.status
        forecast = forecasts.get(kr.pk)
        kr.forecast = None if forecast is None else forecast.value
        kr.forecast_low = None if forecast is None else forecast.low
        kr.forecast_high = None if forecast is None else forecast.high


def _forecasts_on(key_result_ids: list[int], day: date) -> dict[int, Forecast | None]:
    """Each key result's forecast from the data up to `day`, read for instances with their period (the scorecard
    page holds plain rows without one): one query for them, then what their forecasts read."""
    key_results = list(
        KeyResult.objects.select_related("objective__period", "kpi", "dimension").filter(pk__in=key_result_ids)
    )
    inputs = Inputs()
    forecast_inputs_load(inputs, key_results, day=day)
    return {kr.pk: kr.kind_rules.forecast(kr, inputs, day) for kr in key_results}


def kpi_values_as_of(
    keys: Iterable[LineKey],
    kpis: dict[int, Kpi],
    dimensions: dict[int, Dimension],
    *,
    period: Period,
    day: date,
) -> dict[LineKey, float | None]:
    """Each line's KPI value over the period from its first day up to `day`, one query per KPI and dimension."""
    end = day + timedelta(days=1)
    by_kpi_dimension: dict[tuple[int, int | None], set[str]] = {}
    for kpi_id, dimension_id, member in keys:
        by_kpi_dimension.setdefault((kpi_id, dimension_id), set()).add(member)
    values: dict[LineKey, float | None] = {}
    for (kpi_id, dimension_id), members in by_kpi_dimension.items():
        kpi = kpis[kpi_id]
        if dimension_id is None:
            history = kpi_values_to_date(kpi=kpi, start=period.start, end=end)
            values[(kpi_id, None, "")] = history[-1][1] if history else None
            continue
        by_member = kpi_values_to_date_by_member(
            kpi=kpi, start=period.start, end=end, dimension=dimensions[dimension_id]
        )
        for member in members:
            history = by_member.get(member, [])
            values[(kpi_id, dimension_id, member)] = history[-1][1] if history else None
    return values
