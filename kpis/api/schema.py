"""The OpenAPI description: every operation lists the errors it can answer, in the one error shape.

Which errors an operation can give follows from how its view is built (authentication, permissions, parameters,
a request body, a throttle), so they are added here once instead of by hand on every view; a view may still
describe one of them itself (a 400 example of its own, say), which then wins.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.mixins import ListModelMixin
from rest_framework.permissions import AllowAny

from kpis.api.errors import ErrorSerializer


def _error(status: int, code: str, detail: str, field: str | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "code": code,
        "detail": detail,
        "errors": [{"field": field, "code": code, "message": detail}],
    }


def error_response(status: int, description: str, *examples: tuple[str, dict[str, Any]]) -> OpenApiResponse:
    """An error response in the one shape, with named examples of its body."""
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[OpenApiExample(name, value=value, status_codes=[status]) for name, value in examples],
    )


def bad_request(*examples: tuple[str, str, str]) -> OpenApiResponse:
    """A 400 with field errors; each example is (name, field, message)."""
    bodies = []
    for name, field, message in examples:
        body = _error(400, "invalid", message, field)
        body["detail"] = f"{field}: {message}"
        bodies.append((name, body))
    return error_response(400, "Invalid parameters or body: one entry per problem, each naming its field.", *bodies)


def read_endpoint(
    summary: str, example: dict[str, Any], description: str = "", key: tuple[str, str] | None = None
) -> Any:
    """Describes a view's GET: a summary, what it answers, an example answer and (for `{key}` paths) the key.

    A list's example is one of its items: drf-spectacular wraps it in a page.
    """
    return extend_schema_view(
        get=extend_schema(
            summary=summary,
            description=description or None,
            parameters=[key_parameter(*key)] if key else None,
            examples=[OpenApiExample("Example", value=example, response_only=True)],
        )
    )


def key_parameter(noun: str, example: str) -> OpenApiParameter:
    """The `{key}` in a path: the object's key, as in files and formulas."""
    return OpenApiParameter(
        "key",
        str,
        OpenApiParameter.PATH,
        required=True,
        description=f"The {noun}'s key, e.g. `{example}`.",
        pattern=r"^[-a-zA-Z0-9_]+$",
    )


_UNAUTHENTICATED = error_response(
    401,
    "No valid credentials: a missing, unknown, expired or revoked token, or no session.",
    ("No credentials", _error(401, "not_authenticated", "Authentication credentials were not provided.")),
    (
        "Expired token",
        _error(
            401, "token_expired", "This token expired on 2026-11-30 12:00 UTC; create a new one on the API tokens page."
        ),
    ),
    ("Revoked token", _error(401, "token_revoked", "This token was revoked on 2026-11-30 12:00 UTC.")),
)
_FORBIDDEN = error_response(
    403,
    "Signed in, but not allowed: the token lacks the scope this needs, or (with a session) the CSRF token is missing.",
    ("Missing scope", _error(403, "scope_missing", "This token lacks the 'write' scope, which this request needs.")),
)
_NOT_FOUND = error_response(
    404,
    "No such object, or not one you may see.",
    ("Not found", _error(404, "not_found", "No KPI with the key 'unknown_kpi'.")),
)
_BAD_REQUEST = bad_request(("Unknown ordering", "ordering", "Order by one of: key, -key, name, -name."))
_TOO_LARGE = error_response(
    413,
    "The request body is over the size limit.",
    ("Too large", _error(413, "too_large", "The request body is 12,000,000 bytes; the limit is 10,485,760 bytes.")),
)
_UNSUPPORTED = error_response(
    415,
    "The body is not JSON: send `Content-Type: application/json`.",
    ("Not JSON", _error(415, "unsupported_media_type", 'Unsupported media type "text/csv" in request.')),
)
_THROTTLED = error_response(
    429,
    "Too many requests; the Retry-After header says how many seconds to wait.",
    ("Throttled", _error(429, "throttled", "Request was throttled. Expected available in 42 seconds.")),
)

_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before trying again.",
)
_WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[401],
    description='The scheme to authenticate with: `Bearer realm="api"`.',
)

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self) -> list[Any]:
        return [*super().get_override_parameters(), _RETRY_AFTER, _WWW_AUTHENTICATE]

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        # After @extend_schema's own responses, which it returns without calling back into this class.
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        for code, error in self._errors():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(error, str(code), direction=direction)
        return bodies

    def _errors(self) -> list[tuple[int, OpenApiResponse]]:
        view = self.view
        errors = []
        # Lists take a cursor, a page size, an ordering and filters; other views declare their query parameters.
        has_query = self.method == "GET" and isinstance(view, ListModelMixin)
        has_query = has_query or any(
            not isinstance(parameter, OpenApiParameter) or parameter.location == OpenApiParameter.QUERY
            for parameter in self.get_override_parameters()
            if not getattr(parameter, "response", False)
        )
        if has_query or self.method in _BODY_METHODS:
            errors.append((400, _BAD_REQUEST))
        if view.get_authenticators():
            errors.append((401, _UNAUTHENTICATED))
        if any(not isinstance(permission, AllowAny) for permission in view.get_permissions()):
            errors.append((403, _FORBIDDEN))
        if "{" in self.path:
            errors.append((404, _NOT_FOUND))
        if self.method in _BODY_METHODS:
            errors.extend([(413, _TOO_LARGE), (415, _UNSUPPORTED)])
        if getattr(view, "throttle_scope", None):
            errors.append((429, _THROTTLED))
        return errors
