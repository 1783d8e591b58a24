"""The demo's people show every role: a data steward, team admins, editors and a viewer of every team."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from okrs.models import Membership, Person, Team
from okrs.roles import is_data_steward, team_role
from okrs.services.demo_people import DEMO_PEOPLE, demo_people_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams() -> dict[str, Team]:
    return {name: Team.objects.create(name=name) for name in ("Tier 1", "Tier 2", "Billing")}


def test_the_demo_people_hold_each_role_and_nobody_can_sign_in_as_them(teams: dict[str, Team]) -> None:
    demo_people_load(teams=teams)

    olivia = User.objects.get(username="olivia.analyst")
    assert is_data_steward(olivia)
    assert team_role(User.objects.get(username="sam.agent"), teams["Tier 1"]) == Membership.Role.EDITOR
    dana = User.objects.get(username="dana.director")
    assert {team_role(dana, team) for team in teams.values()} == {Membership.Role.VIEWER}
    assert not any(user.has_usable_password() for user in User.objects.all())


def test_loading_the_demo_people_twice_changes_nothing(teams: dict[str, Team]) -> None:
    demo_people_load(teams=teams)
    before = (
        list(User.objects.order_by("pk").values_list("pk", "username", "password")),
        list(Person.objects.order_by("pk").values_list("pk", "org_role")),
        list(Membership.objects.order_by("pk").values_list("pk", "role")),
    )

    demo_people_load(teams=teams)

    assert User.objects.count() == len(DEMO_PEOPLE)
    assert (
        list(User.objects.order_by("pk").values_list("pk", "username", "password")),
        list(Person.objects.order_by("pk").values_list("pk", "org_role")),
        list(Membership.objects.order_by("pk").values_list("pk", "role")),
    ) == before
