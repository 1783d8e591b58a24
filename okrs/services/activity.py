"""Writes for the work around a key result: initiatives and check-ins."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from okrs.models import CheckIn, Initiative, KeyResult
from okrs.services.recompute import key_result_recompute
from okrs.services.snapshots import progress_snapshots_rebuild
from okrs.services.webhooks import webhooks_check_in_added


@transaction.atomic
def initiative_create(
    *,
    key_result: KeyResult,
    title: str,
    owner: User | None = None,
    status: str = Initiative.State.PLANNED,
    due_date: date | None = None,
) -> Initiative:
    initiative = Initiative(key_result=key_result, title=title, owner=owner, status=status, due_date=due_date)
    initiative.full_clean()
    initiative.save()
    return initiative


_INITIATIVE_FIELDS = {"title", "owner", "status", "due_date"}


@transaction.atomic
def initiative_update(*, initiative: Initiative, **fields: Any) -> Initiative:
    unknown = set(fields) - _INITIATIVE_FIELDS
    if unknown:
        raise TypeError(f"initiative_update() cannot set {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(initiative, name, value)
    initiative.full_clean()
    initiative.save()
    return initiative


def _value_errors(key_result: KeyResult, value: float | None) -> dict[str, str]:
    kind = key_result.kind
    if kind == KeyResult.Kind.MANUAL and value is None:
        return {"value": "A manual key result's check-in gives the new number."}
    if kind == KeyResult.Kind.MILESTONE and value not in (None, 0, 1):
        return {"value": "A milestone is done (1) or not done (0)."}
    if key_result.is_kpi_kind and value is not None:
        return {"value": "This key result follows its KPI; a check-in gives confidence and a comment, not a value."}
    return {}


@transaction.atomic
def check_in_create(
    *,
    key_result: KeyResult,
    author: User,
    day: date,
    value: float | None = None,
    confidence: int | None = None,
    comment: str = "",
) -> CheckIn:
    """Record a check-in; a manual key result or milestone takes its value and is recomputed."""
    errors = _value_errors(key_result, value)
    if errors:
        raise ValidationError(errors)
    check_in = CheckIn(
        key_result=key_result, author=author, day=day, value=value, confidence=confidence, comment=comment
    )
    check_in.full_clean()
    check_in.save()
    webhooks_check_in_added(check_in=check_in)
    if value is not None:
        key_result = key_result_recompute(key_result=key_result)
        # A check-in dated in the past changes the history from that day on.
        progress_snapshots_rebuild(key_result=key_result, first_day=day, last_day=timezone.localdate())
    return check_in
