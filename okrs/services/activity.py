"""Writes for the work around a key result: initiatives and check-ins."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from okrs.models import CheckIn, Initiative, KeyResult, KeyResultChange
from okrs.services.fields import fields_set
from okrs.services.lineage import Cause
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
    fields_set(initiative, fields, allowed=_INITIATIVE_FIELDS, service="initiative_update")
    initiative.full_clean()
    initiative.save()
    return initiative


def _value_errors(key_result: KeyResult, value: float | None) -> dict[str, str]:
    return key_result.kind_rules.check_in_errors(key_result, value)


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
        cause = Cause(KeyResultChange.Cause.CHECK_IN, user_id=author.pk)
        key_result = key_result_recompute(key_result=key_result, cause=cause)
        # A check-in dated in the past changes the history from that day on.
        progress_snapshots_rebuild(key_result=key_result, first_day=day, last_day=timezone.localdate())
    return check_in
