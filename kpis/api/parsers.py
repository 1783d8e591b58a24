"""JSON bodies, bounded before they are read.

DRF parses from the request stream, which skips Django's DATA_UPLOAD_MAX_MEMORY_SIZE check on `request.body`; the
size is checked here instead, from Content-Length (the WSGI server reads no further than it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.parsers import JSONParser

from kpis.api.errors import RequestTooLarge


class BoundedJSONParser(JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        context = parser_context or {}
        request = context.get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        # A view may allow more (the measurement push): `max_request_bytes = …`.
        limit = getattr(context.get("view"), "max_request_bytes", None) or settings.API_MAX_REQUEST_BYTES
        if length and length.isdigit() and int(length) > limit:
            raise RequestTooLarge(f"The request body is {int(length):,} bytes; the limit is {limit:,} bytes.")
        return super().parse(stream, media_type, parser_context)
