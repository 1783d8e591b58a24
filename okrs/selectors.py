"""Reads for OKRs. Selectors that list things take the acting user and show only what their teams hold."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet

from kpis.models import Dimension, Kpi, Period, SeriesValue
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


def visible_objectives(
    *, user: User | AnonymousUser, period: Period | None = None, team: Team | None = None
) -> QuerySet[Objective]:
    """The objectives the user can see, of one period and one team when they are given."""
    objectives = Objective.objects.visible_to(user)
    if period is not None:
        objectives = objectives.for_period(period)
    if team is not None:
        objectives = objectives.for_team(team)
    return objectives


def objectives_for_user(
    *, user: User | AnonymousUser, period: Period | None = None, team: Team | None = None
) -> QuerySet[Objective]:
    """`visible_objectives` as instances, with their teams, owners, periods and key results."""
    objectives = visible_objectives(user=user, period=period, team=team).select_related("team", "owner", "period")
    return objectives.prefetch_related(
        Prefetch("key_results", queryset=KeyResult.objects.select_related("kpi", "dimension"))
    )


def objective_rows(*, user: User | AnonymousUser, period: Period) -> QuerySet[Objective, Any]:
    """The period's objectives the user can see, as plain rows (no model instances) for a long page, in the order
    of teams and titles."""
    objectives = Objective.objects.visible_to(user).for_period(period)
    return objectives.values(
        "pk", "title", "state", "weight", "team_id", "owner__first_name", "owner__last_name", "owner__username"
    )


def key_results_for_report(*, period: Period, team: Team | None = None) -> QuerySet[KeyResult]:
    """Every key result of the period's objectives, for the command line (which acts as an administrator)."""
    key_results = KeyResult.objects.for_period(period).select_related(
        "objective__team", "kpi", "dimension", "baseline_read_from"
    )
    if team is not None:
        key_results = key_results.for_team(team)
    return key_results.order_by("objective__team__name", "objective__title", "objective_id", "id")


def check_ins_for_key_result(*, key_result: KeyResult) -> QuerySet[CheckIn]:
    """The full check-in history, newest first."""
    return key_result.check_ins.select_related("author").order_by("-day", "-created_at", "-id")


def progress_history(*, key_result: KeyResult) -> QuerySet[ProgressSnapshot, Any]:
    """The key result's daily snapshots, oldest first, as plain rows (day, value, progress, expected, status):
    a year of them is a long table."""
    snapshots = key_result.snapshots.order_by("day")
    return snapshots.values_list("day", "value", "progress", "expected", "status", named=True)
