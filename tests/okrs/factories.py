"""Factories for the okrs app."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from django.contrib.auth.models import User

from kpis import periods
from kpis.models import Kpi, Period, SeriesValue
from kpis.services.calendar import period_for
from okrs import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    """A user's org role: `PersonFactory(user=user, org_role=Person.OrgRole.STEWARD)`."""

    class Meta:
        model = models.Person
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    org_role = models.Person.OrgRole.MEMBER


def data_steward(username: str = "analyst", **fields: Any) -> User:
    """A data steward: who may change the KPI library, KPI targets and data, and run imports."""
    user = UserFactory(username=username, **fields)
    PersonFactory(user=user, org_role=models.Person.OrgRole.STEWARD)
    return user


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = models.Membership.Role.EDITOR


def quarter(label: str = "2026-Q1") -> Period:
    return period_for(span=periods.parse_label(label))


def week_of(day: date) -> Period:
    return period_for(span=periods.containing(day, periods.Grain.WEEK))


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Objective
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Objective {n}")
    team = factory.SubFactory(TeamFactory)
    owner = factory.SubFactory(UserFactory)
    period = factory.LazyFunction(quarter)
    state = models.Objective.State.ACTIVE

    @factory.post_generation
    def owner_in_team(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """An objective's owner belongs to its team (Objective.clean refuses anyone else): an editor, unless they
        already have a role there."""
        if create and self.owner_id and self.team_id:
            models.Membership.objects.get_or_create(
                team_id=self.team_id, user_id=self.owner_id, defaults={"role": models.Membership.Role.EDITOR}
            )


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.KeyResult

    objective = factory.SubFactory(ObjectiveFactory)
    title = factory.Sequence(lambda n: f"Key result {n}")
    kind = models.KeyResult.Kind.MANUAL
    baseline_value = 0.0
    target_value = 100.0


def series(kpi: Kpi, period: Period, value: float | None, **segment: Any) -> SeriesValue:
    """A KPI series value written directly, as the series recompute would have stored it."""
    return SeriesValue.objects.create(kpi=kpi, period=period, value=value, **segment)
