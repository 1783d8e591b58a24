"""One error shape for every API error, with a path to the field each message is about.

    {"status": 400, "code": "invalid", "detail": "grain: Select a valid choice.",
     "errors": [{"field": "grain", "code": "invalid_choice", "message": "Select a valid choice."}]}

`errors` is never empty; `field` is a dotted path into the request (`thresholds.green.min`, `points.3.value`, a
query parameter's name) or null when the error is about the request as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, Retry-After, WWW-Authenticate), with its body rewritten into the one shape."""
    if isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError; the API answers it like a serializer's.
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    response.data = error_body(response.status_code, exc)
    return response


def form_errors(form: Any, names: dict[str, str] | None = None) -> exceptions.ValidationError:
    """A Django form's errors as the API's 400: each on its field (renamed by `names`), the form's own on none."""
    names = names or {}
    detail = {
        names.get(name, name): [message for error in errors for message in error.messages]
        for name, errors in form.errors.as_data().items()
    }
    return exceptions.ValidationError(detail)


def error_body(status_code: int, exc: exceptions.APIException) -> dict[str, Any]:
    errors = list(_flatten(exc.detail, None))
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors[:3])
        if len(errors) > 3:
            detail += f"; and {len(errors) - 3} more"
    else:
        code = errors[0]["code"]
        detail = errors[0]["message"]
    return {"status": status_code, "code": code, "detail": detail, "errors": errors}


def _flatten(detail: Any, path: str | None) -> Iterator[dict[str, Any]]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            is_whole = key in (api_settings.NON_FIELD_ERRORS_KEY, "__all__")
            yield from _flatten(value, path if is_whole else _join(path, key))
    elif isinstance(detail, list):
        # A list of messages for one field, or a list of nested items (then each is numbered in the path).
        if all(isinstance(item, str) for item in detail):
            for item in detail:
                yield _entry(item, path)
        else:
            for index, item in enumerate(detail):
                if item:
                    yield from _flatten(item, _join(path, str(index)))
    else:
        yield _entry(detail, path)


def _join(path: str | None, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _entry(message: Any, path: str | None) -> dict[str, Any]:
    code = getattr(message, "code", None) or "invalid"
    return {"field": path, "code": str(code), "message": str(message)}


class ErrorItemSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(
        allow_null=True,
        help_text="Dotted path to the field or query parameter the message is about; null for the whole request.",
    )
    code = serializers.CharField(help_text="A stable, machine-readable code, e.g. `required`, `token_expired`.")
    message = serializers.CharField(help_text="What went wrong, in words for a person.")


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of every error response."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(help_text="`invalid` for field errors, else the error's own code.")
    detail = serializers.CharField(help_text="A one-line summary for a person.")
    # DRF takes declared fields off the class, so this does not hide Serializer.errors; mypy cannot know that.
    errors = ErrorItemSerializer(many=True, help_text="Every problem found; never empty.")  # type: ignore[assignment]
