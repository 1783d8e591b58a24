"""Writes for personal access tokens; the token pages and the API both call these."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from okrs.api import tokens
from okrs.models import AccessToken

MAX_LIFETIME_DAYS = 366


@transaction.atomic
def access_token_create(
    *, user: User, name: str, scopes: list[str], expires_in_days: int | None
) -> tuple[AccessToken, str]:
    """A new token and its secret, which is shown this once and never stored.

    `expires_in_days` None makes a token that never expires; ValidationError names the field for a bad name
    (blank, or one of the user's active tokens has it), bad scopes or a lifetime outside 1..366 days.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name: what it is for."})
    if AccessToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": f"You already have a token named '{name}'; revoke it or pick another name."})
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_LIFETIME_DAYS:
        raise ValidationError({"expires_in_days": f"Give 1 to {MAX_LIFETIME_DAYS} days, or none for no expiry."})
    secret = tokens.new_secret()
    now = timezone.now()
    token = AccessToken(
        user=user,
        name=name,
        prefix=secret[: tokens.SHOWN],
        digest=tokens.digest(secret),
        scopes=list(dict.fromkeys(scopes)),
        expires_at=None if expires_in_days is None else now + dt.timedelta(days=expires_in_days),
    )
    token.full_clean()
    token.save()
    return token, secret


def access_token_revoke(*, token: AccessToken) -> AccessToken:
    """Revoke the token from now on; revoking it again changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def access_token_touch(*, token: AccessToken, at: dt.datetime) -> None:
    """Record that the token was used, at most once a minute: a write per request would cost every request."""
    if token.last_used_at is None or at - token.last_used_at >= dt.timedelta(minutes=1):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=at)
        token.last_used_at = at
