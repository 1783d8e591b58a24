"""Filtering and ordering of list endpoints: a parameter the client gives is used or refused (400), never ignored.

DRF's OrderingFilter quietly drops fields it does not know, and django-filter treats `?unit=` as no filter, which
hides a client's typo behind a plausible answer. Ordering here also adds the primary key as the last sort key, so
that every ordering is total and cursor pages neither skip nor repeat rows that tie.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
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


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, except that a request naming none of the filters gets the list as it is: a filter
    set and its form built to filter nothing (every filter skips an absent value) were a tenth of a list request."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        # A prefix, not the name alone: a filter may read several parameters (`date_after`, `date_before`).
        given = filterset_class is not None and any(
            param.startswith(name) for param in request.query_params for name in filterset_class.base_filters
        )
        return super().filter_queryset(request, queryset, view) if given else queryset
