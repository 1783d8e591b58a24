"""Output serializers for the kpis endpoints: shapes only; what goes into them comes from kpis.selectors.

The list endpoints answer a page of `.values()` rows turned into the same shape by plain functions here (`*_items`):
a serializer walking its fields for every row cost the larger part of a 100-row list. The serializers still describe
those lists in the schema and answer the detail views; tests/api/test_lists.py checks that both give the same JSON.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kpis.models import Benchmark, Dimension, Kpi, Measure, Period
from kpis.periods import Grain
from kpis.selectors import BENCHMARK_FIELDS, KpiLinks, TargetResult
from kpis.status import Rag


class MeasureSerializer(serializers.ModelSerializer[Measure]):
    class Meta:
        model = Measure
        fields = ["key", "name", "unit", "aggregation", "allows_negative", "description"]


class DimensionSerializer(serializers.ModelSerializer[Dimension]):
    members = serializers.ListField(
        child=serializers.CharField(),
        source="member_values",
        help_text="The values this dimension has taken in the data, in name order.",
    )

    class Meta:
        model = Dimension
        fields = ["key", "name", "description", "members"]


class RangeSerializer(serializers.Serializer[Any]):
    min = serializers.FloatField(allow_null=True, help_text="Lower end, inclusive; null: open.")
    max = serializers.FloatField(allow_null=True, help_text="Upper end, inclusive; null: open.")


class ThresholdsSerializer(serializers.Serializer[Kpi]):
    """Green inside the green range, else amber inside the amber range, else red."""

    green = serializers.SerializerMethodField()
    amber = serializers.SerializerMethodField()

    @extend_schema_field(RangeSerializer)
    def get_green(self, kpi: Kpi) -> dict[str, float | None]:
        return {"min": kpi.green_min, "max": kpi.green_max}

    @extend_schema_field(RangeSerializer)
    def get_amber(self, kpi: Kpi) -> dict[str, float | None]:
        return {"min": kpi.amber_min, "max": kpi.amber_max}


class BenchmarkSerializer(serializers.ModelSerializer[Benchmark]):
    class Meta:
        model = Benchmark
        fields = list(BENCHMARK_FIELDS)


class KpiSerializer(serializers.ModelSerializer[Kpi]):
    measures = serializers.SerializerMethodField(help_text="The keys of the measures the formula reads.")
    related = serializers.SerializerMethodField(help_text="The keys of related KPIs.")
    thresholds = ThresholdsSerializer(source="*", read_only=True)
    benchmarks = serializers.SerializerMethodField()

    class Meta:
        model = Kpi
        fields = [
            "key",
            "name",
            "category",
            "description",
            "formula",
            "unit",
            "decimals",
            "direction",
            "indicator",
            "thresholds",
            "benchmarks",
            "measures",
            "related",
            "is_builtin",
        ]

    # The view prefetches these into plain lists (see kpis.api.views._KPIS); sorted as kpis.selectors.kpi_links_of
    # sorts a list's.
    @extend_schema_field(BenchmarkSerializer(many=True))
    def get_benchmarks(self, kpi: Kpi) -> list[dict[str, Any]]:
        ordered = sorted(kpi.benchmark_list, key=lambda benchmark: (benchmark.label, benchmark.pk))  # type: ignore[attr-defined]
        return list(BenchmarkSerializer(ordered, many=True).data)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_measures(self, kpi: Kpi) -> list[str]:
        return sorted(measure.key for measure in kpi.measure_list)  # type: ignore[attr-defined]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_related(self, kpi: Kpi) -> list[str]:
        return sorted(other.key for other in kpi.related_list)  # type: ignore[attr-defined]


# The KPI columns a list reads.
KPI_LIST_COLUMNS: tuple[str, ...] = (
    "id",
    "key",
    "name",
    "category",
    "description",
    "formula",
    "unit",
    "decimals",
    "direction",
    "indicator",
    "green_min",
    "green_max",
    "amber_min",
    "amber_max",
    "is_builtin",
)


def kpi_items(rows: list[dict[str, Any]], links: KpiLinks) -> list[dict[str, Any]]:
    """KpiSerializer's output for `.values(*KPI_LIST_COLUMNS)` rows and their kpis.selectors.kpi_links_of. Spelt
    out key by key: a dict display is quicker than a loop over the names, 100 times a page."""
    measures, related, benchmarks = links.measures, links.related, links.benchmarks
    return [
        {
            "key": row["key"],
            "name": row["name"],
            "category": row["category"],
            "description": row["description"],
            "formula": row["formula"],
            "unit": row["unit"],
            "decimals": row["decimals"],
            "direction": row["direction"],
            "indicator": row["indicator"],
            "thresholds": {
                "green": {"min": row["green_min"], "max": row["green_max"]},
                "amber": {"min": row["amber_min"], "max": row["amber_max"]},
            },
            "benchmarks": benchmarks.get(row["id"], []),
            "measures": measures.get(row["id"], []),
            "related": related.get(row["id"], []),
            "is_builtin": row["is_builtin"],
        }
        for row in rows
    ]


class PeriodSerializer(serializers.ModelSerializer[Period]):
    end = serializers.DateField(help_text="The first day after the period.")

    class Meta:
        model = Period
        fields = ["label", "grain", "start", "end"]


class KpiTargetSerializer(serializers.Serializer[TargetResult]):
    id = serializers.IntegerField(source="target.id")
    period = PeriodSerializer(source="target.period")
    dimension = serializers.CharField(
        source="target.dimension.key", allow_null=True, default=None, help_text="Null: the overall target."
    )
    member = serializers.CharField(source="target.member", help_text="The dimension's value; empty when overall.")
    value = serializers.FloatField(source="target.value", allow_null=True, help_text="Reach at least this value.")
    band = serializers.SerializerMethodField(help_text="Or stay within this band.")
    tolerance = serializers.FloatField(source="target.tolerance", help_text="Within this of the value: amber.")
    actual = serializers.FloatField(allow_null=True, help_text="The KPI's value for the period and segment.")
    status = serializers.ChoiceField(choices=[rag.value for rag in Rag], allow_null=True)

    @extend_schema_field(RangeSerializer)
    def get_band(self, result: TargetResult) -> dict[str, float | None]:
        return {"min": result.target.band_min, "max": result.target.band_max}


class SeriesPointSerializer(serializers.Serializer[Any]):
    period = PeriodSerializer()
    member = serializers.CharField(allow_null=True, help_text="The dimension's value; null for the overall series.")
    value = serializers.FloatField(allow_null=True, help_text="The KPI's value; null when its denominator is zero.")
    measures = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Each measure aggregated over the period and segment: the inputs the value was computed from.",
    )


class SeriesSerializer(serializers.Serializer[Any]):
    kpi = serializers.CharField(help_text="The KPI's key.")
    formula = serializers.CharField()
    grain = serializers.ChoiceField(choices=Grain.choices)
    by = serializers.CharField(allow_null=True, help_text="The dimension the series is split by; null: overall.")
    points = SeriesPointSerializer(many=True, help_text="In period order, then member order.")


class SeriesQuerySerializer(serializers.Serializer[Any]):
    """The series endpoint's query parameters."""

    grain = serializers.ChoiceField(choices=Grain.choices, default=Grain.MONTH, help_text="Period length.")
    by = serializers.SlugField(required=False, help_text="A dimension's key: one value per member, e.g. `team`.")
    member = serializers.CharField(
        required=False, max_length=200, help_text="With `by`: only this member, e.g. `Tier 1`."
    )
    # `from` and `to` are Python keywords: declared under other names, renamed in get_fields.
    start = serializers.DateField(
        required=False, help_text="Keep the periods that start on or after this day (ISO date, e.g. 2026-01-01)."
    )
    end = serializers.DateField(required=False, help_text="Keep the periods that start on or before this day.")

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = fields.pop("start")
        fields["to"] = fields.pop("end")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "member" in attrs and "by" not in attrs:
            raise serializers.ValidationError({"member": "Give `by` too: the dimension the member belongs to."})
        if "from" in attrs and "to" in attrs and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": "`to` is before `from`."})
        return attrs
