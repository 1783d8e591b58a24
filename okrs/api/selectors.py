"""Reads for personal access tokens."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from okrs.models import AccessToken


def access_tokens_for_user(*, user: User | AnonymousUser) -> QuerySet[AccessToken]:
    """The user's own tokens, newest first: nobody sees another person's tokens, a superuser neither."""
    if not user.is_authenticated:
        return AccessToken.objects.none()
    return AccessToken.objects.filter(user=user).order_by("-created_at", "-id")
