"""The words the okrs app reads its rows with: `Objective.objects.active()`, `KeyResult.objects.for_period(p)`…

"Active" is spelled here once: an objective someone works on this period (not a draft, not closed), and the key
results under one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from kpis.models import Period
    from okrs.models import KeyResult, Objective, Team  # noqa: F401 (named in the QuerySet generics)

ACTIVE = "active"


class ObjectiveQuerySet(models.QuerySet["Objective"]):
    def active(self) -> ObjectiveQuerySet:
        return self.filter(state=ACTIVE)

    def for_period(self, period: Period) -> ObjectiveQuerySet:
        return self.filter(period=period)

    def for_team(self, team: Team) -> ObjectiveQuerySet:
        return self.filter(team=team)


class KeyResultQuerySet(models.QuerySet["KeyResult"]):
    def active(self) -> KeyResultQuerySet:
        """Key results of active objectives: the ones the recompute and the nightly snapshot keep up to date."""
        return self.filter(objective__state=ACTIVE)

    def for_period(self, period: Period) -> KeyResultQuerySet:
        return self.filter(objective__period=period)

    def for_team(self, team: Team) -> KeyResultQuerySet:
        return self.filter(objective__team=team)
