"""JSON encoded by orjson, for the lists: the standard library's encoder took about 0.6 ms for a 100-row KPI page,
more than the page's query, orjson a tenth of that (docs/benchmarks.md, "Lists on a quiet machine")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()


class FastJSONRenderer(JSONRenderer):
    """The same JSON as DRF's renderer: compact, UTF-8, and whatever orjson does not know (dates and times, decimals,
    lazy strings) encoded by DRF's encoder as DRF would; an indent asked for in the Accept header gets DRF's own."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", dict(renderer_context or {})) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        return orjson.dumps(data, default=_ENCODER.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
