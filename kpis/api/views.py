"""Read endpoints for the KPI library: measures, dimensions, KPIs, their targets and their series.

Every signed-in person (or token with the read scope) may read these, as on the pages. Each view reads through
kpis.selectors and answers through a serializer; the number of queries is the same for one row or a page of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kpis.api import examples
from kpis.api.filters import KpiFilter, KpiTargetFilter, MeasureFilter
from kpis.api.renderers import FastJSONRenderer
from kpis.api.schema import bad_request, key_parameter, read_endpoint
from kpis.api.serializers import (
    KPI_LIST_COLUMNS,
    DimensionSerializer,
    KpiSerializer,
    KpiTargetSerializer,
    MeasureSerializer,
    SeriesQuerySerializer,
    SeriesSerializer,
    kpi_items,
)
from kpis.models import Dimension, Kpi, KpiTarget, Measure
from kpis.selectors import dimension_members, kpi_links_of, kpi_series_values, kpi_target_results_of, series_inputs

# A series longer than this is refused: narrow it with from/to or member instead of paging through it.
SERIES_MAX_POINTS = 5000


class _ByKey:
    # Detail views address objects by their key, and say which key they could not find.

    lookup_field = "key"
    noun = "object"

    def get_object(self) -> Any:
        try:
            return super().get_object()  # type: ignore[misc]
        except Http404:
            key = self.kwargs["key"]  # type: ignore[attr-defined]
            raise NotFound(f"No {self.noun} with the key '{key}'.") from None


def kpi_or_404(key: str) -> Kpi:
    kpi = Kpi.objects.prefetch_related("measures").filter(key=key).first()
    if kpi is None:
        raise NotFound(f"No KPI with the key '{key}'.")
    return kpi


Rows = list[dict[str, Any]]


class _RowsList(generics.ListAPIView[Any]):
    """A list answered from a page of `.values()` rows, which `items` turns into what serializer_class describes
    (the schema reads it); no model instance and no serializer per row (see kpis.api.serializers), and orjson to
    encode the page."""

    renderer_classes = [FastJSONRenderer]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None, "every list is paginated"
        return self.get_paginated_response(self.items(page))

    def items(self, rows: Rows) -> Rows:
        return rows


@read_endpoint(
    "List measures", examples.MEASURE, description="The raw daily quantities that imports report and KPI formulas read."
)
class MeasureList(_RowsList):
    # The columns are the serializer's fields, each a string or a boolean: a row is its item as it is.
    queryset = Measure.objects.values(*MeasureSerializer.Meta.fields)
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilter
    ordering_fields = ["key", "name"]
    ordering = ["key"]


@read_endpoint("Get a measure", examples.MEASURE, key=("measure", "escalated_contacts"))
class MeasureDetail(_ByKey, generics.RetrieveAPIView[Measure]):
    queryset = Measure.objects.all()
    serializer_class = MeasureSerializer
    noun = "measure"


def _with_members(dimensions: list[Dimension]) -> list[Dimension]:
    members = dimension_members(dimension_ids=[d.pk for d in dimensions])
    for dimension in dimensions:
        dimension.member_values = members.get(dimension.pk, [])  # type: ignore[attr-defined]
    return dimensions


@read_endpoint(
    "List dimensions",
    examples.DIMENSION,
    description="The ways data is segmented (team, channel, region …), each with the members seen in the data.",
)
class DimensionList(generics.ListAPIView[Dimension]):
    queryset = Dimension.objects.all()
    serializer_class = DimensionSerializer
    ordering_fields = ["key", "name"]
    ordering = ["key"]

    def paginate_queryset(self, queryset: QuerySet[Dimension]) -> list[Dimension] | None:  # type: ignore[override]
        page = super().paginate_queryset(queryset)
        return None if page is None else _with_members(list(page))


@read_endpoint("Get a dimension", examples.DIMENSION, key=("dimension", "team"))
class DimensionDetail(_ByKey, generics.RetrieveAPIView[Dimension]):
    queryset = Dimension.objects.all()
    serializer_class = DimensionSerializer
    noun = "dimension"

    def get_object(self) -> Dimension:
        return _with_members([super().get_object()])[0]


_KPIS = Kpi.objects.prefetch_related(
    Prefetch("measures", queryset=Measure.objects.only("key").order_by("key"), to_attr="measure_list"),
    Prefetch("related", queryset=Kpi.objects.only("key").order_by("key"), to_attr="related_list"),
    Prefetch("benchmarks", to_attr="benchmark_list"),
)


@read_endpoint(
    "List KPIs",
    examples.KPI,
    description="The KPI library: formula, unit, direction, thresholds and benchmarks of each KPI.",
)
class KpiList(_RowsList):
    # The page's measures, related KPIs and benchmarks come from one more query (kpi_links_of).
    queryset = Kpi.objects.values(*KPI_LIST_COLUMNS)
    serializer_class = KpiSerializer
    filterset_class = KpiFilter
    ordering_fields = ["key", "name", "category"]
    ordering = ["category", "name"]

    def items(self, rows: Rows) -> Rows:
        return kpi_items(rows, kpi_links_of(kpi_ids=[row["id"] for row in rows]))


@read_endpoint("Get a KPI", examples.KPI, key=("KPI", "contact_escalation_rate"))
class KpiDetail(_ByKey, generics.RetrieveAPIView[Kpi]):
    queryset = _KPIS
    serializer_class = KpiSerializer
    noun = "KPI"


@read_endpoint(
    "List a KPI's targets",
    examples.TARGET,
    description="What the KPI should reach per period, overall or per segment, with the actual value and the "
    "resulting status (green: met; amber: within the tolerance; red: missed; null: no data yet).",
    key=("KPI", "contact_escalation_rate"),
)
# Any: it lists KpiTarget rows but answers TargetResults (each target with its actual and status).
class KpiTargetList(generics.ListAPIView[Any]):
    serializer_class = KpiTargetSerializer
    filterset_class = KpiTargetFilter
    ordering_fields = ["period_start"]
    ordering = ["period_start"]

    def get_queryset(self) -> QuerySet[KpiTarget]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads the model, without a key
            return KpiTarget.objects.none()
        self.kpi = kpi_or_404(self.kwargs["key"])
        targets = KpiTarget.objects.filter(kpi=self.kpi).select_related("period", "dimension")
        return targets.annotate(period_start=F("period__start"))

    def paginate_queryset(self, queryset: QuerySet[KpiTarget]) -> list[Any] | None:  # type: ignore[override]
        page = super().paginate_queryset(queryset)
        return None if page is None else kpi_target_results_of(kpi=self.kpi, targets=page)


@extend_schema(
    summary="Get a KPI's series",
    description=(
        "The KPI's value per period of one grain, overall or one value per member of a dimension (`by`), with "
        "each measure aggregated over the period and segment: the sums (or the measure's own aggregation) the "
        "value is computed from, as ratio of sums. Periods are kept when they start within [`from`, `to`]. "
        f"A series of more than {SERIES_MAX_POINTS:,} points is refused: narrow it with `from`, `to` or `member`."
    ),
    parameters=[key_parameter("KPI", "contact_escalation_rate"), SeriesQuerySerializer],
    responses={
        200: SeriesSerializer,
        400: bad_request(
            ("Unknown grain", "grain", '"day" is not a valid choice.'),
            ("Unknown dimension", "by", "No dimension with the key 'tem'. Known dimensions: channel, team."),
            ("Bad date", "from", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ),
    },
    examples=[OpenApiExample("Monthly, by team", value=examples.SERIES, response_only=True)],
)
class KpiSeries(APIView):
    def get(self, request: Request, key: str) -> Response:
        query = SeriesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        kpi = kpi_or_404(key)
        dimension = _dimension(params.get("by"))
        window = {
            "kpi": kpi,
            "grain": params["grain"],
            "dimension": dimension,
            "member": params.get("member"),
            "start": params.get("from"),
            "end": _day_after(params.get("to")),
        }
        values = list(kpi_series_values(**window)[: SERIES_MAX_POINTS + 1])
        if len(values) > SERIES_MAX_POINTS:
            raise ValidationError(
                {"to": [f"More than {SERIES_MAX_POINTS:,} points: narrow from/to, or pick a member."]}
            )
        inputs = series_inputs(**window)
        measures = [measure.key for measure in kpi.measures.all()]
        points = [
            {
                "period": value.period,
                "member": value.member if dimension else None,
                "value": value.value,
                "measures": {key: inputs.get((value.period_id, value.member), {}).get(key) for key in measures},
            }
            for value in values
        ]
        body = {
            "kpi": kpi.key,
            "formula": kpi.formula,
            "grain": params["grain"],
            "by": params.get("by"),
            "points": points,
        }
        return Response(SeriesSerializer(body).data)


def _dimension(key: str | None) -> Dimension | None:
    if key is None:
        return None
    dimension = Dimension.objects.filter(key=key).first()
    if dimension is None:
        known = ", ".join(Dimension.objects.values_list("key", flat=True)) or "none yet"
        raise ValidationError({"by": [f"No dimension with the key '{key}'. Known dimensions: {known}."]})
    return dimension


def _day_after(day: dt.date | None) -> dt.date | None:
    """`to` is inclusive; the selectors take an exclusive end."""
    return None if day is None or day == dt.date.max else day + dt.timedelta(days=1)
