"""The OKR models' QuerySets: the vocabulary pages, exports, commands and the API read OKRs with.

`visible_to(user)`: what the user may see: the objectives of the teams they belong to (any team role), and
everything under them; every team's for an org admin; nothing for an anonymous visitor or a deactivated account.
`editable_by(user)`: what the user may change: the same, but only in the teams where they are an editor or an
admin. docs/permissions.md is the matrix these two answer.

`active()`, `for_period(p)`, `for_team(t)`: "active" is spelled here once: an objective someone works on this
period (not a draft, not closed), and the key results under one.

A team has at most one membership per person, so filtering through the membership join never repeats a row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    # Named in the base classes below as strings, which ruff does not read as uses.
    from kpis.models import Period
    from okrs.models import CheckIn, Guardrail, Initiative, KeyResult, Objective, Team  # noqa: F401
    from okrs.roles import AnyUser

M = TypeVar("M", bound=models.Model)

_WRITING_ROLES = ("editor", "admin")
ACTIVE = "active"


def _team_rule(user: AnyUser, team_path: str, *, write: bool) -> Q | None:
    """The filter on `team_path` (the lookup from a model to its team) for `user`; None when it is every row."""
    # Imported here: okrs.roles reads the models, whose managers are built from this module.
    from okrs.roles import is_org_admin, org_role

    if org_role(user) is None:
        return Q(pk__in=[])
    if is_org_admin(user):
        return None
    prefix = f"{team_path}__" if team_path else ""
    rule = Q(**{f"{prefix}memberships__user": user})
    if write:
        rule &= Q(**{f"{prefix}memberships__role__in": _WRITING_ROLES})
    return rule


class TeamScoped(models.QuerySet[M]):
    # The lookup from the model to the team whose members see it.
    team_path: str = ""

    def visible_to(self, user: AnyUser) -> Self:
        """The rows the user may see: those of their teams; every one for an org admin."""
        rule = _team_rule(user, self.team_path, write=False)
        return self if rule is None else self.filter(rule)

    def editable_by(self, user: AnyUser) -> Self:
        """The rows the user may change: those of the teams where they are an editor or an admin; every one for an
        org admin."""
        rule = _team_rule(user, self.team_path, write=True)
        return self if rule is None else self.filter(rule)


class TeamQuerySet(TeamScoped["Team"]):
    """Teams: visible to their members; editable (their OKRs planned) by their editors and admins."""

    team_path = ""


class ObjectiveQuerySet(TeamScoped["Objective"]):
    team_path = "team"

    def active(self) -> Self:
        return self.filter(state=ACTIVE)

    def for_period(self, period: Period) -> Self:
        return self.filter(period=period)

    def for_team(self, team: Team) -> Self:
        return self.filter(team=team)


class KeyResultQuerySet(TeamScoped["KeyResult"]):
    team_path = "objective__team"

    def active(self) -> Self:
        """Key results of active objectives: the ones the recompute and the nightly snapshot keep up to date."""
        return self.filter(objective__state=ACTIVE)

    def for_period(self, period: Period) -> Self:
        return self.filter(objective__period=period)

    def for_team(self, team: Team) -> Self:
        return self.filter(objective__team=team)


class GuardrailQuerySet(TeamScoped["Guardrail"]):
    team_path = "key_result__objective__team"


class InitiativeQuerySet(TeamScoped["Initiative"]):
    team_path = "key_result__objective__team"


class CheckInQuerySet(TeamScoped["CheckIn"]):
    team_path = "key_result__objective__team"
