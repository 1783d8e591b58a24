"""The scorecard as JSON, and as a file: the same selector (okrs.scorecard.scorecard_for), filter form and export
step (okrs.exports.views.scorecard_file) as the scorecard page and its downloads."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kpis.api.errors import form_errors
from kpis.api.schema import bad_request
from kpis.api.serializers import PeriodSerializer
from kpis.status import Rag
from okrs.api import examples
from okrs.calendar import chosen_period
from okrs.exports.formats import FORMATS
from okrs.exports.views import scorecard_file, unknown_format
from okrs.forms import PeriodTeamForm, ScorecardFilterForm
from okrs.models import Status
from okrs.scorecard import Change, KpiLine, ObjectiveSummary, scorecard_for


class TrendPointSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.FloatField(allow_null=True)


class KpiLineSerializer(serializers.Serializer[KpiLine]):
    kpi = serializers.CharField(source="kpi.key")
    name = serializers.CharField(source="kpi.name")
    unit = serializers.CharField(source="kpi.unit")
    dimension = serializers.CharField(source="dimension.key", allow_null=True, default=None)
    member = serializers.CharField(help_text="Empty for the overall line.")
    actual = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    target_low = serializers.FloatField(allow_null=True)
    target_high = serializers.FloatField(allow_null=True)
    target_source = serializers.CharField(help_text="`kpi target`, `key result`, or empty: the KPI's thresholds.")
    status = serializers.ChoiceField(choices=[rag.value for rag in Rag], allow_null=True)
    previous_period = serializers.CharField(source="previous_label")
    previous = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    change_is = serializers.ChoiceField(choices=[change.value for change in Change], allow_null=True)
    trend = serializers.SerializerMethodField()

    @extend_schema_field(TrendPointSerializer(many=True))
    def get_trend(self, line: KpiLine) -> list[dict[str, Any]]:
        """The KPI over the periods leading to the scorecard's, its own last."""
        return [{"label": label, "value": value} for label, value in zip(line.trend_labels, line.trend, strict=True)]


class ScorecardKeyResultSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    current_value = serializers.FloatField(allow_null=True)
    target_value = serializers.FloatField(allow_null=True)
    progress = serializers.FloatField(allow_null=True)
    expected = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    guardrail_breached = serializers.BooleanField()


class ScorecardObjectiveSerializer(serializers.Serializer[ObjectiveSummary]):
    id = serializers.IntegerField(source="objective.pk")
    title = serializers.CharField(source="objective.title")
    team = serializers.CharField(source="objective.team.name")
    state = serializers.CharField(source="objective.state")
    progress = serializers.FloatField(allow_null=True)
    expected = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    guardrail_breached = serializers.BooleanField()
    key_results = ScorecardKeyResultSerializer(many=True)


class RollupSerializer(serializers.Serializer[Any]):
    objectives = serializers.IntegerField()
    key_results = serializers.IntegerField()
    on_track = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    off_track = serializers.IntegerField()
    no_data = serializers.IntegerField()
    progress = serializers.FloatField(allow_null=True)
    expected = serializers.FloatField(allow_null=True)


class ScorecardSerializer(serializers.Serializer[Any]):
    period = PeriodSerializer()
    team = serializers.IntegerField(source="team.pk", allow_null=True, default=None)
    kpis = KpiLineSerializer(source="kpi_lines", many=True)
    kpi_counts = serializers.DictField(child=serializers.IntegerField(), help_text="Lines per status; `none`: none.")
    objectives = ScorecardObjectiveSerializer(many=True)
    rollup = RollupSerializer()


_PERIOD = OpenApiParameter(
    "period", str, description="A period's label: 2026-Q1, 2026-03, 2026-W09 or 2026; default: the current quarter."
)
_TEAM = OpenApiParameter("team", int, description="One of your teams' ids; default: all your teams.")


def _refuse_unknown(request: Request, known: set[str]) -> None:
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise ValidationError({name: ["Unknown parameter."] for name in unknown})


# What a blank parameter is told: the page's form reads a blank team as "all my teams" and a blank day as "today";
# the API's parameters are an id and a date, or left out.
_BLANK = {
    "team": "Enter one of your teams' ids, or leave the parameter out.",
    "as_of": "Enter a date (2026-03-31), or leave the parameter out.",
}


def _refuse_blank(request: Request, names: set[str]) -> None:
    blank = sorted(name for name in names if request.query_params.get(name) == "")
    if blank:
        raise ValidationError({name: [_BLANK[name]] for name in blank})


@extend_schema(
    summary="Get the scorecard",
    description="A period's KPIs against their targets (or thresholds), with the previous period and a trend, then "
    "the objectives of your teams with their key results and the roll-up: the scorecard page as JSON.",
    parameters=[_PERIOD, _TEAM],
    responses={
        200: ScorecardSerializer,
        400: bad_request(("Bad period", "period", "Not a period label: use 2026-Q1, 2026-03, 2026-W09 or 2026.")),
    },
    examples=[OpenApiExample("A quarter", value=examples.SCORECARD, response_only=True)],
)
class ScorecardView(APIView):
    def get(self, request: Request) -> Response:
        _refuse_unknown(request, {"period", "team"})
        _refuse_blank(request, {"team"})
        form = PeriodTeamForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise form_errors(form)
        # The form has refused a label that names no period, so what is left is a period or none (the current quarter).
        period = chosen_period(request.query_params.get("period")).period
        card = scorecard_for(user=request.user, period=period, team=form.cleaned_data.get("team"))
        return Response(ScorecardSerializer(card).data)


@extend_schema(
    summary="Download the scorecard",
    description="The scorecard as a CSV, Excel, PDF or slides file, as the scorecard page's downloads give it: the "
    "same period, team and as-of day, the same teams (yours), the same file.",
    parameters=[
        OpenApiParameter("format", str, enum=list(FORMATS), default="csv", description="The file's format."),
        _PERIOD,
        _TEAM,
        OpenApiParameter(
            "as_of",
            OpenApiTypes.DATE,
            description="The scorecard as it stood at the end of this day, within the period and up to today; "
            "default: today, or a finished period's last day.",
        ),
    ],
    responses={
        **{
            (200, f.content_type.split(";")[0]): OpenApiResponse(
                OpenApiTypes.BINARY, description=f"The {f.label} file."
            )
            for f in FORMATS.values()
        },
        400: bad_request(
            ("Bad format", "format", unknown_format("doc")),
            ("Bad period", "period", "Not a period label: use 2026-Q1, 2026-03, 2026-W09 or 2026."),
        ),
    },
)
class ScorecardExportView(APIView):
    def get(self, request: Request) -> HttpResponse:
        _refuse_unknown(request, {"format", "period", "team", "as_of"})
        key = request.query_params.get("format", "csv")
        export_format = FORMATS.get(key)
        if export_format is None:
            raise ValidationError({"format": [unknown_format(key)]})
        _refuse_blank(request, {"team", "as_of"})
        form = ScorecardFilterForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise form_errors(form)
        return scorecard_file(request.user, export_format, form)
