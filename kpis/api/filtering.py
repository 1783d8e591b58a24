"""Ordering of list endpoints: one `?ordering=` field from the view's list, refused (400) when unknown.

DRF's OrderingFilter quietly ignores fields it does not know, which hides a client's typo behind a plausible
answer. This one also adds the primary key as the last sort key, so that every ordering is total and cursor pages
neither skip nor repeat rows that tie.
"""

from __future__ import annotations

from typing import Any

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
