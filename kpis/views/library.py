"""The KPI library: the list by category, a KPI's page, and creating and editing KPIs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, re_path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kpis import charts
from kpis.formatting import chart_format
from kpis.forms import KpiForm, KpiTargetForm
from kpis.history import kpi_history
from kpis.models import Dimension, Kpi, Period, SeriesValue
from kpis.periods import Grain, so_far
from kpis.selectors import kpi_last_days, kpi_series_values, kpi_target_results, series_inputs
from kpis.services.definitions import kpi_formula_check, kpi_save
from kpis.services.targets import kpi_target_create
from kpis.status import Rag, Range, threshold_status
from okrs.roles import data_steward_required

SPARKLINE_MONTHS = 12
# How many of the latest periods a KPI's page charts and tabulates, per grain.
GRAIN_WINDOW = {Grain.WEEK: 26, Grain.MONTH: 24, Grain.QUARTER: 12, Grain.YEAR: 10}
SEGMENT_COLUMNS = 4


def thresholds_status(kpi: Kpi, value: float | None) -> Rag | None:
    return threshold_status(value, Range(kpi.green_min, kpi.green_max), Range(kpi.amber_min, kpi.amber_max))


@dataclass(frozen=True)
class LibraryRow:
    kpi: Kpi
    latest: float | None
    latest_label: str
    status: Rag | None
    sparkline: str


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _library_rows(kpis: list[Kpi]) -> list[LibraryRow]:
    """Each KPI with its latest monthly value and its last months' trend, in two queries whatever the count."""
    overall = SeriesValue.objects.filter(period__grain=Grain.MONTH, dimension__isnull=True)
    last_start = overall.aggregate(last=Max("period__start"))["last"]
    series: dict[int, dict[dt.date, tuple[str, float | None]]] = defaultdict(dict)
    months: list[dt.date] = []
    if last_start is not None:
        first_start = _months_back(last_start, SPARKLINE_MONTHS - 1)
        months = [_months_back(last_start, back) for back in range(SPARKLINE_MONTHS - 1, -1, -1)]
        recent = overall.filter(period__start__gte=first_start).values_list(
            "kpi_id", "period__start", "period__label", "value"
        )
        for kpi_id, start, label, value in recent:
            series[kpi_id][start] = (label, value)
    rows = []
    last_days = kpi_last_days(kpi_ids=[kpi.pk for kpi in kpis]) if series else {}
    today = timezone.localdate()
    for kpi in kpis:
        by_month = series.get(kpi.pk, {})
        latest_label, latest = by_month[max(by_month)] if by_month else ("", None)
        if by_month:
            start = max(by_month)
            # A month that has barely begun says so: one day of December is not December.
            latest_label = so_far(latest_label, start, _months_back(start, -1), last_days.get(kpi.pk), today)
        rows.append(
            LibraryRow(
                kpi=kpi,
                latest=latest,
                latest_label=latest_label,
                # Until a recompute under a new definition is done, the old values' status means nothing.
                status=None if kpi.recompute_requested_at else thresholds_status(kpi, latest),
                sparkline=charts.sparkline([by_month.get(month, ("", None))[1] for month in months]),
            )
        )
    return rows


@require_GET
def kpi_list(request: HttpRequest) -> HttpResponse:
    kpis = list(Kpi.objects.order_by("category", "name"))
    categories: dict[str, list[LibraryRow]] = {}
    for row in _library_rows(kpis):
        categories.setdefault(row.kpi.category or "Other", []).append(row)
    context = {"nav": "kpis", "categories": categories, "kpi_count": len(kpis)}
    return render(request, "kpis/kpi_list.html", context)


@dataclass(frozen=True)
class ValueRow:
    period: Period
    value: float | None
    status: Rag | None
    inputs: list[float | None]


@dataclass(frozen=True)
class SegmentRow:
    member: str
    values: list[float | None]
    status: Rag | None
    sparkline: str


def _grain(request: HttpRequest) -> Grain:
    raw = request.GET.get("grain", "")
    return Grain(raw) if raw in Grain.values else Grain.MONTH


def _segment_rows(
    kpi: Kpi, grain: Grain, dimension: Dimension, periods: list[Period]
) -> tuple[list[Period], list[SegmentRow]]:
    """Each member's values over the charted periods; the table shows the last few of them."""
    if not periods:
        return [], []
    by_member: dict[str, dict[int, float | None]] = defaultdict(dict)
    for value in kpi_series_values(kpi=kpi, grain=grain, dimension=dimension, start=periods[0].start):
        by_member[value.member][value.period_id] = value.value
    shown = periods[-SEGMENT_COLUMNS:]
    rows = []
    for member in sorted(by_member):
        values = by_member[member]
        latest = values.get(periods[-1].pk)
        rows.append(
            SegmentRow(
                member=member,
                values=[values.get(period.pk) for period in shown],
                status=thresholds_status(kpi, latest),
                sparkline=charts.sparkline([values.get(period.pk) for period in periods]),
            )
        )
    return shown, rows


def _detail_context(request: HttpRequest, kpi: Kpi, target_form: KpiTargetForm) -> dict[str, Any]:
    grain = _grain(request)
    dimensions = list(Dimension.objects.order_by("name"))
    dimension = next((d for d in dimensions if d.key == request.GET.get("by")), None)
    values = list(kpi_series_values(kpi=kpi, grain=grain))[-GRAIN_WINDOW[grain] :]
    periods = [value.period for value in values]
    measures = list(kpi.measures.all())
    inputs = series_inputs(kpi=kpi, grain=grain)
    value_rows = [
        ValueRow(
            period=value.period,
            value=value.value,
            status=thresholds_status(kpi, value.value),
            inputs=[inputs.get((value.period_id, ""), {}).get(measure.key) for measure in measures],
        )
        for value in reversed(values)
    ]
    chart = charts.line_chart(
        [charts.Line(kpi.name, [(index, value.value) for index, value in enumerate(values)], "actual")],
        [period.label for period in periods],
        value_format=chart_format(kpi.unit, kpi.decimals),
    )
    segment_periods, segment_rows = _segment_rows(kpi, grain, dimension, periods) if dimension else ([], [])
    latest = value_rows[0] if value_rows else None
    latest_label = ""
    if latest is not None:
        last_day = kpi_last_days(kpi_ids=[kpi.pk]).get(kpi.pk)
        latest_label = so_far(
            latest.period.label, latest.period.start, latest.period.end, last_day, timezone.localdate()
        )
    return {
        "nav": "kpis",
        "kpi": kpi,
        "recomputing": kpi.recompute_requested_at is not None,
        "grain": grain,
        "grains": Grain.choices,
        "dimensions": dimensions,
        "dimension": dimension,
        "chart": chart,
        "measures": measures,
        "value_rows": value_rows,
        "latest": latest,
        "latest_label": latest_label,
        "segment_periods": segment_periods,
        "segment_rows": segment_rows,
        "target_results": kpi_target_results(kpi=kpi),
        "target_form": target_form,
        "benchmarks": list(kpi.benchmarks.all()),
        "related": list(kpi.related.order_by("name")),
        "history": kpi_history(kpi=kpi),
    }


def _kpi(key: str) -> Kpi:
    return get_object_or_404(Kpi.objects.prefetch_related("measures"), key=key)


@require_GET
def kpi_detail(request: HttpRequest, key: str) -> HttpResponse:
    kpi = _kpi(key)
    return render(request, "kpis/kpi_detail.html", _detail_context(request, kpi, KpiTargetForm()))


@require_POST
@data_steward_required
def kpi_target_add(request: HttpRequest, key: str) -> HttpResponse:
    kpi = _kpi(key)
    form = KpiTargetForm(request.POST)
    if form.is_valid():
        try:
            kpi_target_create(kpi=kpi, **form.target_fields())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            return redirect(reverse("kpi_detail", args=[kpi.key]) + "#targets")
    context = _detail_context(request, kpi, form)
    return render(request, "kpis/kpi_detail.html", context, status=400)


def _add_service_errors(form: Any, error: ValidationError) -> None:
    """A service's ValidationError as the form's field errors; what names no field of the form goes on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@require_http_methods(["GET", "POST"])
@data_steward_required
def kpi_create(request: HttpRequest) -> HttpResponse:
    return _kpi_form(request, Kpi())


@require_http_methods(["GET", "POST"])
@data_steward_required
def kpi_edit(request: HttpRequest, key: str) -> HttpResponse:
    return _kpi_form(request, get_object_or_404(Kpi, key=key))


def _kpi_form(request: HttpRequest, kpi: Kpi) -> HttpResponse:
    form = KpiForm(request.POST if request.method == "POST" else None, instance=kpi)
    if request.method == "POST" and form.is_valid():
        try:
            # One transaction, so that a refused formula leaves no related KPIs half-set.
            with transaction.atomic():
                saved = kpi_save(kpi=form.save(commit=False))
                form.save_m2m()
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            return redirect("kpi_detail", key=saved.key)
    status = 400 if form.errors else 200
    return render(request, "kpis/kpi_form.html", {"nav": "kpis", "form": form, "kpi": kpi}, status=status)


@require_POST
@data_steward_required
def kpi_formula_check_partial(request: HttpRequest) -> HttpResponse:
    """What a formula reads, or why it cannot be read: answered as you type."""
    text = request.POST.get("formula", "")
    context: dict[str, Any] = {"text": text}
    if text.strip():
        try:
            context["measures"] = kpi_formula_check(text=text).measures
        except ValidationError as error:
            context["error"] = " ".join(error.message_dict["formula"])
    return render(request, "kpis/partials/formula_check.html", context)


urlpatterns: list[URLPattern] = [
    path("", kpi_list, name="kpi_list"),
    path("new/", kpi_create, name="kpi_create"),
    path("formula-check/", kpi_formula_check_partial, name="kpi_formula_check"),
    # Not `<slug:key>/`: this module's patterns come first, and the imports pages live under /kpis/imports/.
    re_path(r"^(?!imports/)(?P<key>[-a-zA-Z0-9_]+)/$", kpi_detail, name="kpi_detail"),
    path("<slug:key>/edit/", kpi_edit, name="kpi_edit"),
    path("<slug:key>/targets/", kpi_target_add, name="kpi_target_add"),
]
