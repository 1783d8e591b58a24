"""KPI targets through the API: read by everyone, as on the KPI page; created, changed and deleted by data stewards
and org admins, through the page's form (kpis.forms.KpiTargetForm) and services (kpis.services.targets).

The JSON names the segment's dimension by its key and the period by its label; a change starts from the target as
it is and overlays the fields given, so the form checks the whole target as the page would.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from kpis.api import examples
from kpis.api.errors import form_errors
from kpis.api.schema import bad_request, key_parameter
from kpis.api.serializers import KpiTargetSerializer
from kpis.api.views import KpiTargetList as KpiTargetReadList
from kpis.api.views import kpi_or_404
from kpis.forms import KpiTargetForm
from kpis.models import Dimension, KpiTarget
from kpis.selectors import kpi_target_results_of
from kpis.services.targets import kpi_target_create, kpi_target_delete, kpi_target_update
from okrs.api.okrs import _body, _form_value, _pk_of
from okrs.api.permissions import DataStewardWrites
from okrs.api.views import NotFoundNamed


class KpiTargetWriteSerializer(serializers.Serializer[Any]):
    """A target's fields as sent; the form behind it checks them (this describes them in the schema)."""

    period = serializers.CharField(max_length=10, help_text="The period's label: 2026-W09, 2026-03, 2026-Q1 or 2026.")
    dimension = serializers.CharField(
        required=False, allow_null=True, help_text="A dimension's key, for a segment's target; null: overall."
    )
    member = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="The dimension's value, e.g. `Tier 1`."
    )
    value = serializers.FloatField(required=False, allow_null=True, help_text="Reach at least this value.")
    band_min = serializers.FloatField(required=False, allow_null=True, help_text="Or stay within a band from this…")
    band_max = serializers.FloatField(required=False, allow_null=True, help_text="…up to this.")
    tolerance = serializers.FloatField(
        required=False, allow_null=True, min_value=0, help_text="Within this of the value: amber. Default 0."
    )


_FIELDS = set(KpiTargetWriteSerializer().fields)
_KPI = key_parameter("KPI", "contact_escalation_rate")
_BAD_TARGET = bad_request(
    ("Bad period", "period", "'2026-13' names no month: months run from 01 to 12."),
    ("No figure", "value", "Give a target value, or a band."),
    ("Member, no dimension", "dimension", "Pick the dimension this member belongs to, or leave the member blank."),
)


def _form(request: Request, target: KpiTarget | None) -> KpiTargetForm:
    given = _body(request, _FIELDS)
    data: dict[str, Any] = (
        {}
        if target is None
        else {
            "period": target.period.label,
            "dimension": _form_value(target.dimension_id),
            "member": target.member,
            "value": _form_value(target.value),
            "band_min": _form_value(target.band_min),
            "band_max": _form_value(target.band_max),
            "tolerance": target.tolerance,
        }
    )
    for name, value in given.items():
        data[name] = _pk_of(Dimension, "key", value) if name == "dimension" else _form_value(value)
    form = KpiTargetForm(data)
    if not form.is_valid():
        raise form_errors(form)
    return form


def _answer(target: KpiTarget, code: int = status.HTTP_200_OK) -> Response:
    [result] = kpi_target_results_of(kpi=target.kpi, targets=[target])
    return Response(KpiTargetSerializer(result).data, status=code)


@extend_schema_view(
    post=extend_schema(
        summary="Add a target to a KPI",
        description="For data stewards and org admins, checked as on the KPI page: a period label, a value or a "
        "band, and for a segment its dimension and member; one target per period and segment.",
        parameters=[_KPI],
        request=KpiTargetWriteSerializer,
        responses={201: KpiTargetSerializer, 400: _BAD_TARGET},
        examples=[
            OpenApiExample(
                "Tier 1 in Q1",
                value={"period": "2026-Q1", "dimension": "team", "member": "Tier 1", "value": 12, "tolerance": 1},
                request_only=True,
            ),
            OpenApiExample("Added", value=examples.TARGET, response_only=True, status_codes=[201]),
        ],
    ),
)
class KpiTargetList(KpiTargetReadList):
    permission_classes = [*KpiTargetReadList.permission_classes, DataStewardWrites]

    def post(self, request: Request, key: str) -> Response:
        kpi = kpi_or_404(key)
        form = _form(request, None)
        return _answer(kpi_target_create(kpi=kpi, **form.target_fields()), status.HTTP_201_CREATED)


_TARGET_PATH = [_KPI]


@extend_schema_view(
    get=extend_schema(
        summary="Get a KPI's target",
        parameters=_TARGET_PATH,
        examples=[OpenApiExample("A target", value=examples.TARGET, response_only=True)],
    ),
    patch=extend_schema(
        summary="Change a KPI's target",
        description="For data stewards and org admins. Give only the fields to change; the target as changed is "
        "checked whole, as on the KPI page.",
        parameters=_TARGET_PATH,
        request=KpiTargetWriteSerializer(partial=True),
        responses={200: KpiTargetSerializer, 400: _BAD_TARGET},
        examples=[
            OpenApiExample("A new value", value={"value": 11.5}, request_only=True),
            OpenApiExample("Changed", value=examples.TARGET | {"value": 11.5}, response_only=True),
        ],
    ),
    delete=extend_schema(
        summary="Delete a KPI's target",
        description="For data stewards and org admins; the audit history keeps what it was.",
        parameters=_TARGET_PATH,
    ),
)
# Any: it reads KpiTarget rows but answers TargetResults, as the list does.
class KpiTargetDetail(NotFoundNamed, generics.RetrieveAPIView[Any]):
    serializer_class = KpiTargetSerializer
    permission_classes = [*generics.RetrieveAPIView.permission_classes, DataStewardWrites]
    http_method_names = ["get", "patch", "delete", "head", "options"]
    noun = "target"

    def get_queryset(self) -> QuerySet[KpiTarget]:
        targets = KpiTarget.objects.select_related("kpi", "period", "dimension")
        return targets.filter(kpi__key=self.kwargs.get("key", ""))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _answer(self.get_object())

    def patch(self, request: Request, key: str, pk: int) -> Response:
        target = self.get_object()
        form = _form(request, target)
        return _answer(kpi_target_update(target=target, **form.target_fields()))

    def delete(self, request: Request, key: str, pk: int) -> Response:
        kpi_target_delete(target=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
