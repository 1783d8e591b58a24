"""The admin, for operators. Writes of definitions go through the services and the pages' own forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kpis.forms import KpiForm
from kpis.models import Benchmark, Dimension, ImportBatch, Kpi, KpiTarget, Measure, Period, SeriesValue
from kpis.services.definitions import kpi_save, measure_save


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by imports and recomputes: visible and searchable, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "unit", "aggregation"]
    list_filter = ["aggregation"]
    search_fields = ["key", "name", "description"]

    def save_model(self, request: HttpRequest, obj: Measure, form: forms.ModelForm, change: bool) -> None:
        measure_save(measure=obj)


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["key", "name"]
    search_fields = ["key", "name"]


class BenchmarkInline(admin.TabularInline):
    model = Benchmark
    extra = 0


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    form = KpiForm
    list_display = ["name", "key", "category", "unit", "direction", "indicator", "formula", "is_builtin"]
    list_filter = ["category", "direction", "indicator", "unit", "is_builtin"]
    search_fields = ["key", "name", "description", "formula"]
    readonly_fields = ["measures_used", "is_builtin"]
    filter_horizontal = ["related"]
    inlines = [BenchmarkInline]
    fieldsets = [
        (None, {"fields": ["key", "name", "category", "description", "is_builtin"]}),
        ("Formula", {"fields": ["formula", "measures_used", "unit", "decimals"]}),
        (
            "Status",
            {
                "fields": [
                    "direction",
                    "indicator",
                    ("green_min", "green_max"),
                    ("amber_min", "amber_max"),
                    ("possible_min", "possible_max"),
                ],
                "description": "A value in the green range is green, else in the amber range amber, else red. "
                "Leave an end empty for an open range. Possible values: blank is 0 to 100 for a percent rate, at "
                "least 0 for durations and counts.",
            },
        ),
        ("Related KPIs", {"fields": ["related"]}),
    ]

    @admin.display(description="Measures used")
    def measures_used(self, obj: Kpi) -> str:
        return ", ".join(obj.measures.values_list("key", flat=True)) if obj.pk else "—"

    def save_model(self, request: HttpRequest, obj: Kpi, form: forms.ModelForm, change: bool) -> None:
        kpi_save(kpi=obj)


@admin.register(Period)
class PeriodAdmin(_ReadOnlyAdmin):
    list_display = ["label", "grain", "start", "end"]
    list_filter = ["grain"]
    search_fields = ["label"]


@admin.register(ImportBatch)
class ImportBatchAdmin(_ReadOnlyAdmin):
    list_display = [
        "created_at",
        "filename",
        "source",
        "status",
        "dry_run",
        "rows_read",
        "cells_inserted",
        "cells_updated",
        "cells_unchanged",
        "error_count",
    ]
    list_filter = ["status", "source", "dry_run"]
    search_fields = ["filename"]
    date_hierarchy = "created_at"
    exclude = ["errors"]
    readonly_fields = ["error_list"]

    @admin.display(description="Errors")
    def error_count(self, obj: ImportBatch) -> int:
        return len(obj.errors)

    @admin.display(description="Errors")
    def error_list(self, obj: ImportBatch) -> str:
        lines = []
        for error in obj.errors:
            where = ", ".join(f"{part} {error[part]}" for part in ("line", "column") if error.get(part) is not None)
            lines.append(f"{where}: {error.get('message', '')}" if where else str(error.get("message", error)))
        return "\n".join(lines) or "—"


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ["kpi", "period", "dimension", "member", "value", "band_min", "band_max", "tolerance"]
    list_filter = ["kpi", "period__grain", "dimension"]
    list_select_related = ["kpi", "period", "dimension"]
    autocomplete_fields = ["kpi"]


@admin.register(SeriesValue)
class SeriesValueAdmin(_ReadOnlyAdmin):
    list_display = ["kpi", "period", "segment", "value"]
    list_filter = ["kpi", "period__grain", "dimension"]
    list_select_related = ["kpi", "period", "dimension"]
    search_fields = ["kpi__key", "kpi__name", "period__label", "member"]
    ordering = ["kpi", "period__grain", "period__start", "dimension", "member"]

    @admin.display(description="Segment", ordering="member")
    def segment(self, obj: SeriesValue) -> str:
        return f"{obj.dimension.key}={obj.member}" if obj.dimension else "overall"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SeriesValue]:
        return super().get_queryset(request).select_related("kpi", "period", "dimension")
