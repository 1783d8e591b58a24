"""The API tokens page: create a token (its secret shown once), see your tokens, revoke one.

Throttled like the token endpoints, and with the same counters (okrs.api.views.TokenList), so a script cannot
mint tokens faster through the browser than through the API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from kpis.api.throttling import ScopedThrottle
from okrs.api import tokens
from okrs.api.forms import AccessTokenForm
from okrs.api.selectors import access_tokens_for_user
from okrs.api.services import access_token_create, access_token_revoke
from okrs.forms_planning import errors_onto
from okrs.models import AccessToken

Page = Callable[..., HttpResponse]


class _Scope:
    throttle_scope = "tokens"


def _throttled(page: Page) -> Page:
    @functools.wraps(page)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = ScopedThrottle()
        if throttle.allow_request(request, _Scope):  # type: ignore[arg-type]
            return page(request, *args, **kwargs)
        wait = max(1, round(throttle.wait() or 1))
        response = render(request, "api/throttled.html", {"nav": "tokens", "wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response

    return wrapper


@_throttled
@require_http_methods(["GET", "POST"])
def access_tokens(request: HttpRequest) -> HttpResponse:
    form = AccessTokenForm(request.POST if request.method == "POST" else None)
    created: tuple[AccessToken, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = access_token_create(user=request.user, **form.service_arguments())  # type: ignore[arg-type]
        except ValidationError as error:
            errors_onto(form, error)
        else:
            form = AccessTokenForm()
    now = timezone.now()
    rows = [(token, tokens.state_at(token, now)) for token in access_tokens_for_user(user=request.user)]
    context = {
        "nav": "tokens",
        "form": form,
        "rows": rows,
        "created": created[0] if created else None,
        "secret": created[1] if created else None,
        "api_root": request.build_absolute_uri("/api/v1/"),
    }
    response = render(request, "api/tokens.html", context, status=400 if form.errors else 200)
    # The page may hold a secret: keep it out of every cache and of the browser's history.
    response["Cache-Control"] = "no-store"
    return response


@_throttled
@require_POST
def access_token_revoke_page(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(access_tokens_for_user(user=request.user), pk=pk)
    access_token_revoke(token=token)
    messages.success(request, f"Revoked “{token.name}”: requests with it now answer 401.")
    return redirect("access_tokens")
