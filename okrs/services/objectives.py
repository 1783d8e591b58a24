"""Writes for teams, objectives, key results and guardrails."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from kpis.models import Dimension, Kpi, Period
from okrs import kinds
from okrs.calendar import current_quarter
from okrs.models import Guardrail, KeyResult, Membership, Objective, Team
from okrs.services.activity import initiative_create
from okrs.services.fields import fields_set
from okrs.services.recompute import key_result_recompute


@transaction.atomic
def team_create(*, name: str, description: str = "") -> Team:
    team = Team(name=name.strip(), description=description)
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def membership_set(*, team: Team, user: User, role: str = Membership.Role.VIEWER) -> Membership:
    """Give `user` `role` in `team`, replacing any role they had there."""
    membership = Membership.objects.filter(team=team, user=user).first() or Membership(team=team, user=user)
    membership.role = role
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def objective_create(
    *,
    title: str,
    team: Team,
    owner: User,
    period: Period | None = None,
    description: str = "",
    parent_objective: Objective | None = None,
    parent_key_result: KeyResult | None = None,
    weight: float = 1.0,
    state: str = Objective.State.DRAFT,
) -> Objective:
    """A new objective; in the current quarter unless another period is given."""
    objective = Objective(
        title=title,
        team=team,
        owner=owner,
        period=period or current_quarter(),
        description=description,
        parent_objective=parent_objective,
        parent_key_result=parent_key_result,
        weight=weight,
        state=state,
    )
    objective.full_clean()
    objective.save()
    return objective


_OBJECTIVE_FIELDS = {
    "title",
    "description",
    "team",
    "owner",
    "period",
    "parent_objective",
    "parent_key_result",
    "weight",
    "state",
}


def _parent_of(objective: Objective) -> Objective | None:
    if objective.parent_key_result is not None:
        return objective.parent_key_result.objective
    return objective.parent_objective


def _refuse_alignment_loop(objective: Objective) -> None:
    """An objective may not support, through any chain of parents, itself."""
    seen: set[int] = set()
    parent = _parent_of(objective)
    while parent is not None and parent.pk not in seen:
        if parent.pk == objective.pk:
            raise ValidationError({"parent_objective": "This alignment would make the objective support itself."})
        seen.add(parent.pk)
        parent = _parent_of(parent)


@transaction.atomic
def objective_update(*, objective: Objective, recompute: bool = True, **fields: Any) -> Objective:
    """Change the given fields (of a new objective too); a change of period or state recomputes the objective's key
    results unless `recompute` is false (an import recomputes once, at its end)."""
    fields_set(objective, fields, allowed=_OBJECTIVE_FIELDS, service="objective_update")
    objective.full_clean()
    _refuse_alignment_loop(objective)
    objective.save()
    if recompute and {"period", "state"} & set(fields) and objective.is_active:
        for key_result in objective.key_results.all():
            key_result_recompute(key_result=key_result)
    return objective


# Draft -> active -> closed; a closed objective may be reopened, an active one set back to draft.
_STATE_MOVES = {
    Objective.State.DRAFT: {Objective.State.ACTIVE},
    Objective.State.ACTIVE: {Objective.State.CLOSED, Objective.State.DRAFT},
    Objective.State.CLOSED: {Objective.State.ACTIVE},
}


@transaction.atomic
def objective_state_set(*, objective: Objective, state: str) -> Objective:
    """Move the objective to `state` and recompute its key results, so that an activated objective shows its
    progress at once and a closed one keeps the reading it closed with."""
    if state not in _STATE_MOVES.get(Objective.State(objective.state), set()):
        current = Objective.State(objective.state).label.lower()
        raise ValidationError({"state": f"A {current} objective cannot become {state}."})
    objective.state = state
    objective.full_clean()
    objective.save(update_fields=["state", "updated_at"])
    for key_result in objective.key_results.all():
        key_result_recompute(key_result=key_result)
    return objective


_KEY_RESULT_FIELDS = {
    "title",
    "kind",
    "kpi",
    "dimension",
    "member",
    "direction",
    "baseline_value",
    "baseline_source",
    "baseline_period",
    "change_percent",
    "target_value",
    "threshold_mode",
    "band_min",
    "band_max",
    "weight",
}


def _apply(key_result: KeyResult, fields: dict[str, Any]) -> None:
    fields_set(key_result, fields, allowed=_KEY_RESULT_FIELDS, service="key_result_update")
    if "target_value" in fields:
        key_result.target_source = KeyResult.TargetSource.TYPED
    if kinds.get(key_result.kind) is not None:
        key_result.kind_rules.settle_sources(key_result)


@transaction.atomic
def key_result_create(
    *,
    objective: Objective,
    title: str,
    kind: str,
    kpi: Kpi | None = None,
    dimension: Dimension | None = None,
    member: str = "",
    **fields: Any,
) -> KeyResult:
    """A new key result, computed at once from the data already there.

    Other fields: direction, baseline_value, baseline_source, baseline_period, change_percent, target_value,
    threshold_mode, band_min, band_max, weight.
    """
    key_result = KeyResult(objective=objective)
    _apply(key_result, {"title": title, "kind": kind, "kpi": kpi, "dimension": dimension, "member": member, **fields})
    key_result.full_clean()
    key_result.save()
    key_result_recompute(key_result=key_result)
    key_result.refresh_from_db()
    key_result_read_validate(key_result=key_result)
    return key_result


@transaction.atomic
def key_result_update(*, key_result: KeyResult, recompute: bool = True, **fields: Any) -> KeyResult:
    """Change the given fields (of a new key result too) and recompute it, unless `recompute` is false (an import
    recomputes once, at its end)."""
    _apply(key_result, fields)
    key_result.full_clean()
    key_result.save()
    if recompute:
        key_result_recompute(key_result=key_result)
        key_result.refresh_from_db()
        key_result_read_validate(key_result=key_result)
    return key_result


def key_result_read_validate(*, key_result: KeyResult) -> None:
    """Refuse, by field, a baseline just read from the series or the target derived from it that makes no sense (a
    target equal to the baseline read, a derived FCR target of 120 %). Called right after the read, inside the
    transaction that saved the key result, so that raising undoes the save."""
    errors = key_result.kind_rules.read_errors(key_result)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def guardrail_create(
    *,
    key_result: KeyResult,
    kpi: Kpi,
    comparison: str,
    threshold: float,
    dimension: Dimension | None = None,
    member: str = "",
    recompute: bool = True,
) -> Guardrail:
    """A condition on another KPI that the key result must not break, such as "CSAT stays >= 85"."""
    guardrail = Guardrail(
        key_result=key_result, kpi=kpi, comparison=comparison, threshold=threshold, dimension=dimension, member=member
    )
    guardrail.full_clean()
    guardrail.save()
    if recompute:
        key_result_recompute(key_result=key_result)
    return guardrail


@transaction.atomic
def key_result_save(
    *,
    objective: Objective,
    key_result: KeyResult | None,
    fields: dict[str, Any],
    guardrail: dict[str, Any] | None = None,
    initiative_titles: list[str] | tuple[str, ...] = (),
) -> KeyResult:
    """Create (`key_result` None) or change a key result with its new guardrail and initiatives, all or nothing.

    The planning page and the API both save through here.
    """
    if key_result is None:
        key_result = key_result_create(objective=objective, **fields)
    else:
        key_result = key_result_update(key_result=key_result, **fields)
    if guardrail is not None:
        guardrail_create(key_result=key_result, dimension=key_result.dimension, member=key_result.member, **guardrail)
    for title in initiative_titles:
        initiative_create(key_result=key_result, title=title)
    return key_result
