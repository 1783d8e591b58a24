"""Cursor pagination: stable pages while rows are added, and cursors a client cannot forge.

DRF's cursor is base64 of the position, so a hand-made one can put any text into a filter on the ordering field
(a 500 on an integer field). Ours is signed, and remembers the ordering it was made for.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 200


class CursorPage(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "pk"
    cursor_query_description = "The `next` or `previous` link's cursor, as given; opaque."
    page_size_query_description = f"Results per page, 1 to {MAX_PAGE_SIZE} (default 50)."
    _salt = "pacer.api.cursor"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError({self.page_size_query_param: [f"Give a whole number from 1 to {MAX_PAGE_SIZE}."]})
        return int(raw)

    def encode_cursor(self, cursor: Cursor) -> str:
        payload = [cursor.offset, cursor.reverse, cursor.position, list(self.ordering)]
        token = signing.dumps(payload, salt=self._salt, compress=True)
        return str(replace_query_param(str(self.base_url), self.cursor_query_param, token))

    def decode_cursor(self, request: Request) -> Cursor | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            offset, reverse, position, ordering = signing.loads(raw, salt=self._salt)
        except (signing.BadSignature, ValueError, TypeError):
            raise ValidationError({self.cursor_query_param: ["Not a cursor this API gave out."]}) from None
        if list(ordering) != list(self.ordering):
            raise ValidationError(
                {self.cursor_query_param: ["This cursor belongs to another ordering; start again without it."]}
            )
        return Cursor(offset=offset, reverse=reverse, position=position)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": MAX_PAGE_SIZE, "default": self.page_size}
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):
            paginated["properties"][link]["description"] = f"The {link} page's URL; null when there is none."
            paginated["properties"][link]["example"] = "https://pacer.example.com/api/v1/kpis/?cursor=eyJhIjoxfQ"
        paginated["required"] = ["next", "previous", "results"]
        return paginated
