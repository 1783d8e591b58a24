"""Query-string filters for the kpis list endpoints (django-filter); a bad value answers 400 naming it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from kpis.api.filtering import StrictFilterSet
from kpis.models import Aggregation, Direction, Indicator, Kpi, KpiTarget, Measure, Unit
from kpis.periods import Grain


def _search(fields: tuple[str, ...]) -> Any:
    def apply(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)

    return apply


class MeasureFilter(StrictFilterSet):
    aggregation = django_filters.ChoiceFilter(choices=Aggregation.choices, help_text="How the measure aggregates.")
    search = django_filters.CharFilter(
        method=_search(("key", "name")), max_length=200, help_text="Part of the key or the name."
    )

    class Meta:
        model = Measure
        fields = ["aggregation", "search"]


class KpiFilter(StrictFilterSet):
    category = django_filters.CharFilter(max_length=100, help_text="Exactly this category, e.g. `Quality`.")
    unit = django_filters.ChoiceFilter(choices=Unit.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    indicator = django_filters.ChoiceFilter(choices=Indicator.choices)
    measure = django_filters.CharFilter(
        field_name="measures__key", max_length=64, distinct=True, help_text="KPIs whose formula reads this measure."
    )
    search = django_filters.CharFilter(
        method=_search(("key", "name", "description")),
        max_length=200,
        help_text="Part of the key, the name or the description.",
    )

    class Meta:
        model = Kpi
        fields = ["category", "unit", "direction", "indicator", "measure", "search"]


class KpiTargetFilter(StrictFilterSet):
    grain = django_filters.ChoiceFilter(field_name="period__grain", choices=Grain.choices)
    by = django_filters.CharFilter(
        field_name="dimension__key",
        max_length=64,
        help_text="Only targets for members of this dimension; `overall` for the overall targets.",
        method="filter_by",
    )

    class Meta:
        model = KpiTarget
        fields = ["grain", "by"]

    def filter_by(self, queryset: QuerySet[KpiTarget], name: str, value: str) -> QuerySet[KpiTarget]:
        if value == "overall":
            return queryset.filter(dimension__isnull=True)
        return queryset.filter(dimension__key=value)
