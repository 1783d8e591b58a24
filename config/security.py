"""What the web tier adds to Django's own protections: the visitor's address, the `pacer.security` log of sign-ins
and denied requests, a limit on password-reset e-mails, idle session expiry and private caching of signed-in
pages."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.views import PasswordResetView as DjangoPasswordResetView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import patch_cache_control

log = logging.getLogger("pacer.security")

# The session is saved (and its expiry pushed back) at most this often while someone keeps using the app, not on
# every request: idle expiry without a database write per page.
_SESSION_TOUCH_SECONDS = 60
_LAST_SEEN = "pacer_last_seen"


def _seen_now(request: HttpRequest) -> None:
    request.session[_LAST_SEEN] = int(time.time())


def client_address(request: HttpRequest) -> str:
    """The visitor's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the address the outermost
    of them saw. That is the entry that many places from the right of X-Forwarded-For, because each proxy appends
    the address it was reached from and anything further left was written by the client."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    # Fewer entries than proxies: the request did not come through all of them, so the header proves nothing.
    return forwarded[-count] if len(forwarded) >= count else remote


def _who(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    return user.get_username() if user is not None and user.is_authenticated else "anonymous"


class SignInLogHandler(AxesDatabaseHandler):
    """django-axes' database handler (it counts failures and locks out), which also writes every sign-in, failed
    sign-in and lock-out to the `pacer.security` log, and starts a new session's idle clock."""

    def user_logged_in(self, sender: Any, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        # The new session is saved with this response anyway: start its idle clock now, not with a write later.
        _seen_now(request)
        address = client_address(request)
        log.info(
            "sign-in: %s from %s",
            user.get_username(),
            address,
            extra={"event": "sign_in", "username": user.get_username(), "address": address},
        )

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = str(credentials.get("username", ""))
        address = client_address(request) if request is not None else ""
        locked = bool(getattr(request, "axes_locked_out", False))
        event = "sign_in_locked_out" if locked else "sign_in_failed"
        log.warning(
            "%s: %s from %s",
            "sign-in refused, locked out" if locked else "failed sign-in",
            username,
            address,
            extra={"event": event, "username": username, "address": address},
        )


def lockout_response(
    request: HttpRequest, original_response: HttpResponseBase | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The page a locked-out sign-in gets: 429, how long the pause lasts, and the way out (a password reset)."""
    context = {
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/lockout.html", context, status=429)


def over_limit(scope: str, keys: Sequence[str], *, limit: int, seconds: int) -> bool:
    """Count one more request for each key (an address, an e-mail address) in the current window of `seconds`;
    True when any of them has now been counted more than `limit` times. The counters live in the shared cache."""
    window = int(time.time()) // seconds
    over = False
    for key in keys:
        name = f"pacer:limit:{scope}:{window}:{key}"
        cache.add(name, 0, timeout=seconds)
        over |= cache.incr(name) > limit
    return over


_HOUR = 3600


class PasswordResetView(DjangoPasswordResetView):
    """Django's reset form, which sends at most PASSWORD_RESET_LIMIT e-mails an hour from one address or for one
    e-mail address; beyond that it answers 429, on the form, saying when to try again."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        address = client_address(self.request)
        email = form.cleaned_data["email"].strip().lower()
        if not over_limit("password-reset", [address, email], limit=settings.PASSWORD_RESET_LIMIT, seconds=_HOUR):
            return super().form_valid(form)
        log.warning(
            "password reset refused, too many: %s from %s",
            email,
            address,
            extra={"event": "password_reset_limited", "username": email, "address": address},
        )
        form.add_error(
            None,
            "Too many password resets were asked for from here or for this address. Try again in an hour; "
            "an org admin can also help you sign in.",
        )
        return self.render_to_response(self.get_context_data(form=form), status=429)


class DeniedRequestLogMiddleware:
    """Every answer 403, whoever gave it (a permission check, CSRF, a view), goes to the `pacer.security` log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code == 403:
            address = client_address(request)
            log.warning(
                "denied: %s %s for %s from %s",
                request.method,
                request.path,
                _who(request),
                address,
                extra={"event": "denied", "username": _who(request), "address": address, "path": request.path},
            )
        return response


class IdleSessionMiddleware:
    """Signed-in sessions end SESSION_COOKIE_AGE after the last request, not after the sign-in: activity pushes
    the expiry back (at most once a minute)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated and time.time() - request.session.get(_LAST_SEEN, 0) >= _SESSION_TOUCH_SECONDS:
            _seen_now(request)  # marks the session changed, so it is saved with a fresh expiry
        return self.get_response(request)


class PrivateCacheMiddleware:
    """Pages for a signed-in person are theirs alone: `Cache-Control: private`, so no shared cache keeps them;
    downloads (scorecards, exports) are not stored at all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # A response that is not stored at all (a new API token, say) needs nothing more.
        if request.user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True)
            if response.get("Content-Disposition", "").startswith("attachment"):
                patch_cache_control(response, no_store=True)
        return response
