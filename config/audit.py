"""Audit history (django-simple-history, see docs/audit.md): who a recorded change is by, and how a model asks to
be recorded.

Inside a request the library's middleware hands it the signed-in user. Elsewhere (a Celery worker, a management
command, a service acting for someone else) the code says who it acts for with `acting_as(user)`; a change made
with neither is recorded without a person, as the system's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from simple_history.models import HistoricalRecords

_actor: ContextVar[Any] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Record the changes made inside the block as `user`'s (None: the system's), request or not."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def history_user(instance: Any = None, request: HttpRequest | None = None, **kwargs: Any) -> Any:
    """The person a change is recorded for: the one `acting_as` names, else the request's signed-in user."""
    actor = _actor.get()
    if actor is not None:
        return actor
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def current_actor() -> Any:
    """Who the code acts for right now, as the history would record it: `acting_as`, else the request's user."""
    return history_user(request=getattr(HistoricalRecords.context, "request", None))


def tracked(*, excluded: Sequence[str] = (), app: str | None = None) -> HistoricalRecords:
    """A model's history: every save and delete, with the fields a person sets (`excluded` are those the system
    computes, which are not anyone's change)."""
    return HistoricalRecords(excluded_fields=list(excluded), get_user=history_user, app=app)


def record_as(instance: Any, user: Any) -> None:
    """Record `instance`'s next saves as `user`'s (the library's own per-object override), e.g. a worker finishing
    an import for the person who started it."""
    instance._history_user = user


def command_actor(username: str | None) -> Any:
    """The account a management command's `--as USERNAME` names (None: the system); CommandError if none has it."""
    from django.contrib.auth.models import User
    from django.core.management.base import CommandError

    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--as {username}: no active account has that username")
    return user
