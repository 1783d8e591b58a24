"""Reads for OKRs. Selectors that list things take the acting user and show only what their teams hold."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet

from kpis.models import Dimension, Kpi, Period, SeriesValue
from okrs import progress
from okrs.models import CheckIn, KeyResult, Membership, Objective, ProgressSnapshot, Team


def team_people(*, teams: QuerySet[Team]) -> QuerySet[User]:
    """The active members of `teams`, by name: the people an objective or an initiative of theirs can be owned by."""
    members = Membership.objects.filter(team__in=teams).values("user_id")
    return User.objects.filter(pk__in=members, is_active=True).order_by("first_name", "last_name", "username")


def kpi_segment_members(*, kpi: Kpi, dimension: Dimension) -> QuerySet[SeriesValue, str]:
    """The members of `dimension` the KPI's series has values for, in name order: the segments a key result can
    follow."""
    members = SeriesValue.objects.filter(kpi=kpi, dimension=dimension).order_by("member")
    return members.values_list("member", flat=True).distinct()


def objectives_for_user(
    *, user: User | AnonymousUser, period: Period | None = None, team: Team | None = None
) -> QuerySet[Objective]:
    objectives = Objective.objects.visible_to(user).select_related("team", "owner", "period")
    if period is not None:
        objectives = objectives.filter(period=period)
    if team is not None:
        objectives = objectives.filter(team=team)
    return objectives.prefetch_related(
        Prefetch("key_results", queryset=KeyResult.objects.select_related("kpi", "dimension"))
    )


def key_results_for_report(*, period: Period, team: Team | None = None) -> QuerySet[KeyResult]:
    """Every key result of the period's objectives, for the command line (which acts as an administrator)."""
    key_results = KeyResult.objects.filter(objective__period=period).select_related(
        "objective__team", "kpi", "dimension", "baseline_read_from"
    )
    if team is not None:
        key_results = key_results.filter(objective__team=team)
    return key_results.order_by("objective__team__name", "objective__title", "objective_id", "id")


def check_ins_for_key_result(*, key_result: KeyResult) -> QuerySet[CheckIn]:
    """The full check-in history, newest first."""
    return key_result.check_ins.select_related("author").order_by("-day", "-created_at", "-id")


def progress_history(*, key_result: KeyResult) -> QuerySet[ProgressSnapshot]:
    return key_result.snapshots.order_by("day")


def objective_progress(*, objective: Objective) -> float | None:
    """The weighted mean of the objective's key results' progress, skipping those with no data."""
    return progress.weighted_mean((kr.progress, kr.weight) for kr in objective.key_results.all())


def team_progress(*, team: Team, period: Period) -> float | None:
    """The roll-up of a team's active objectives in a period, weighted by the objectives' weights."""
    objectives = Objective.objects.filter(team=team, period=period, state=Objective.State.ACTIVE).prefetch_related(
        "key_results"
    )
    return progress.weighted_mean((objective_progress(objective=o), o.weight) for o in objectives)


def period_progress(*, user: User | AnonymousUser, period: Period) -> float | None:
    """The roll-up over every active objective the user can see in the period."""
    objectives = objectives_for_user(user=user, period=period).filter(state=Objective.State.ACTIVE)
    return progress.weighted_mean((objective_progress(objective=o), o.weight) for o in objectives)
