"""Demo OKRs: the seeds' example objective for each demo team, in the current quarter, on the demo KPI data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from kpis.models import Dimension, Kpi, Period
from okrs.calendar import current_quarter
from okrs.models import Guardrail, Initiative, KeyResult, Membership, Objective, Team
from okrs.services.demo_people import demo_people_load
from okrs.services.objectives import key_result_update, membership_set
from okrs.services.recompute import key_result_recompute
from okrs.services.snapshots import progress_snapshots_rebuild

DEMO_TEAMS = ("Tier 1", "Tier 2", "Billing")
OBJECTIVE_TITLE = "Reduce Escalated Calls Rate"


@dataclass(frozen=True)
class _KeyResultSpec:
    title: str
    kpi: str
    fields: dict[str, Any]
    initiative: str
    guardrails: list[tuple[str, str, float]] = field(default_factory=list)


SEEDS_KEY_RESULTS = (
    _KeyResultSpec(
        "Decrease escalated calls by 20% compared to the previous quarter",
        "contact_escalation_rate",
        {"kind": "kpi_relative", "change_percent": -20.0},
        "Knowledge-base improvements and agent training",
    ),
    _KeyResultSpec(
        "Increase First Call Resolution rate from 70% to 80%",
        "first_contact_resolution_rate",
        {"kind": "kpi_from_to", "baseline_value": 70.0, "target_value": 80.0},
        "Agent decision-making tools",
    ),
    _KeyResultSpec(
        "Decrease average call duration by 10% without compromising quality",
        "average_handle_time",
        {"kind": "kpi_relative", "change_percent": -10.0},
        "Call scripts and call analytics",
        guardrails=[("csat", Guardrail.Comparison.AT_LEAST, 85.0)],
    ),
)


def _kpis() -> dict[str, Kpi]:
    keys = {spec.kpi for spec in SEEDS_KEY_RESULTS} | {g[0] for spec in SEEDS_KEY_RESULTS for g in spec.guardrails}
    found = {kpi.key: kpi for kpi in Kpi.objects.filter(key__in=keys)}
    missing = sorted(keys - set(found))
    if missing:
        raise ValueError(f"The KPI library is not loaded (missing {', '.join(missing)}): run load_kpi_library first.")
    return found


def _key_result_upsert(
    objective: Objective, spec: _KeyResultSpec, kpis: dict[str, Kpi], dimension: Dimension, member: str
) -> KeyResult:
    key_result = KeyResult.objects.filter(objective=objective, title=spec.title).first() or KeyResult(
        objective=objective, title=spec.title
    )
    fields = {"kpi": kpis[spec.kpi], "dimension": dimension, "member": member, **spec.fields}
    key_result_update(key_result=key_result, recompute=False, **fields)
    for kpi_key, comparison, threshold in spec.guardrails:
        guardrail = Guardrail.objects.filter(key_result=key_result, kpi=kpis[kpi_key]).first() or Guardrail(
            key_result=key_result, kpi=kpis[kpi_key]
        )
        guardrail.dimension, guardrail.member = dimension, member
        guardrail.comparison, guardrail.threshold = comparison, threshold
        guardrail.full_clean()
        guardrail.save()
    if not Initiative.objects.filter(key_result=key_result, title=spec.initiative).exists():
        initiative = Initiative(key_result=key_result, title=spec.initiative, owner=objective.owner)
        initiative.full_clean()
        initiative.save()
    return key_result


@transaction.atomic
def seeds_objective_upsert(*, team: Team, owner: User, period: Period, dimension: Dimension) -> Objective:
    """The seeds' example objective for `team`, its key results reading the team's segment; idempotent."""
    kpis = _kpis()
    objective = Objective.objects.filter(team=team, period=period, title=OBJECTIVE_TITLE).first() or Objective(
        team=team, period=period, title=OBJECTIVE_TITLE
    )
    objective.owner = owner
    objective.state = Objective.State.ACTIVE
    objective.description = "Fewer escalations, faster resolution, shorter calls, with quality kept."
    objective.full_clean()
    objective.save()
    for spec in SEEDS_KEY_RESULTS:
        _key_result_upsert(objective, spec, kpis, dimension, team.name)
    return objective


@transaction.atomic
def demo_okrs_load(*, today: date) -> list[Objective]:
    """The seeds' example for each demo team in the quarter of `today`, computed, with its snapshot history."""
    dimension = Dimension.objects.filter(key="team").first()
    if dimension is None:
        raise ValueError("The dimension 'team' does not exist: run load_kpi_library first.")
    period = current_quarter(today=today)
    objectives = []
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in DEMO_TEAMS}
    demo_people_load(teams=teams)
    for name, team in teams.items():
        username = "lead." + name.lower().replace(" ", "")
        owner = User.objects.filter(username=username).first()
        if owner is None:
            owner = User.objects.create_user(username=username, first_name=f"{name} lead")
        membership_set(team=team, user=owner, role=Membership.Role.ADMIN)
        objective = seeds_objective_upsert(team=team, owner=owner, period=period, dimension=dimension)
        for key_result in objective.key_results.all():
            computed = key_result_recompute(key_result=key_result, today=today)
            progress_snapshots_rebuild(key_result=computed, first_day=period.start, last_day=today)
        objectives.append(objective)
    return objectives
