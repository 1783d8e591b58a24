"""Filtering and ordering of list endpoints: a parameter the client gives is used or refused (400), never ignored.

DRF's OrderingFilter quietly drops fields it does not know, and django-filter treats `?unit=` as no filter, which
hides a client's typo behind a plausible answer. Ordering here also adds the primary key as the last sort key, so
that every ordering is total and cursor pages neither skip nor repeat rows that tie.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request


class StrictOrderingFilter(OrderingFilter):
    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> tuple[str, ...]:
        choices = self._choices(view)
        raw = request.query_params.get(self.ordering_param)
        if raw is None or not choices:
            chosen = tuple(getattr(view, "ordering", ()))
        elif raw in choices:
            chosen = (raw,)
        else:
            raise ValidationError({self.ordering_param: [f"Order by one of: {', '.join(choices)}."]})
        return (*chosen, "pk") if "pk" not in chosen else chosen

    def _choices(self, view: Any) -> list[str]:
        fields = list(getattr(view, "ordering_fields", ()))
        return [choice for field in fields for choice in (field, f"-{field}")]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        choices = self._choices(view)
        if not choices:
            return []
        default = ", ".join(getattr(view, "ordering", ()))
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Sort by this field; a leading `-` reverses it. Default: `{default}`.",
                "schema": {"type": "string", "enum": choices},
            }
        ]


class StrictFilterSet(django_filters.FilterSet):
    """A filter parameter given empty is refused, like one with an unknown value."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
        return valid and not self.form.errors
