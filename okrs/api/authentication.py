"""`Authorization: Bearer pacer_…`: a personal access token, found by its digest in one indexed query.

A token that is unknown, expired or revoked answers 401 saying which, so that whoever runs the script knows what
to do; a request without the header falls through to the session (the browser, with CSRF).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from okrs.api import tokens
from okrs.api.selectors import access_token_by_digest
from okrs.api.services import access_token_touch
from okrs.models import AccessToken

_WHEN = "%Y-%m-%d %H:%M %Z"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, AccessToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            # No token, or another scheme (a proxy's Basic auth): let the session decide.
            return None
        secret = secret.strip()
        if not secret or " " in secret:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: send `Authorization: Bearer <token>`.", "token_malformed"
            )
        token = access_token_by_digest(digest=tokens.digest(secret))
        if token is None:
            raise exceptions.AuthenticationFailed(
                "This token is not valid: check that it was copied whole.", "token_invalid"
            )
        now = timezone.now()
        state = tokens.state_at(token, now)
        if state == AccessToken.State.REVOKED:
            assert token.revoked_at is not None
            revoked = timezone.localtime(token.revoked_at).strftime(_WHEN)
            raise exceptions.AuthenticationFailed(f"This token was revoked on {revoked}.", "token_revoked")
        if state == AccessToken.State.EXPIRED:
            assert token.expires_at is not None
            expired = timezone.localtime(token.expires_at).strftime(_WHEN)
            raise exceptions.AuthenticationFailed(
                f"This token expired on {expired}; create a new one on the API tokens page.", "token_expired"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The account this token belongs to is deactivated.", "user_inactive")
        access_token_touch(token=token, at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes an unauthenticated request a 401 (with this challenge) rather than a 403.
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from the API tokens page: `Authorization: Bearer pacer_…`. "
            "Its scopes limit it: `read` for GET, `write` for changes, `push` for pushing measurements.",
        }
