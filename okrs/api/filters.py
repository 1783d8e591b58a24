"""Query-string filters for the OKR list endpoints (django-filter); a bad value answers 400 naming it."""

from __future__ import annotations

import django_filters

from kpis.api.filtering import StrictFilterSet
from okrs.models import KeyResult, Objective, Status


class ObjectiveFilter(StrictFilterSet):
    team = django_filters.NumberFilter(field_name="team_id", help_text="A team's id.")
    period = django_filters.CharFilter(
        field_name="period__label", max_length=10, help_text="A period's label, e.g. `2026-Q3`."
    )
    state = django_filters.ChoiceFilter(choices=Objective.State.choices)

    class Meta:
        model = Objective
        fields = ["team", "period", "state"]


class KeyResultFilter(StrictFilterSet):
    objective = django_filters.NumberFilter(field_name="objective_id", help_text="An objective's id.")
    kind = django_filters.ChoiceFilter(choices=KeyResult.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kpi = django_filters.CharFilter(field_name="kpi__key", max_length=64, help_text="A KPI's key.")

    class Meta:
        model = KeyResult
        fields = ["objective", "kind", "status", "kpi"]
