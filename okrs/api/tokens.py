"""What a personal access token is made of: its secret, its digest, and its state. Pure: no database."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from okrs.models import AccessToken

PREFIX = "pacer_"
# The characters shown in lists after the token is created, to recognise it by: the prefix and six of the secret.
SHOWN = len(PREFIX) + 6


def new_secret() -> str:
    """A new token: `pacer_` and 43 URL-safe characters (256 random bits)."""
    return PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def state_at(token: AccessToken, moment: dt.datetime) -> AccessToken.State:
    if token.revoked_at is not None:
        return AccessToken.State.REVOKED
    if token.expires_at is not None and token.expires_at <= moment:
        return AccessToken.State.EXPIRED
    return AccessToken.State.ACTIVE
