"""People with each org role and team role, for the people and team tests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from okrs.models import Membership, Person, Team
from tests.okrs.factories import MembershipFactory, TeamFactory, UserFactory

PASSWORD = "correct-horse-battery-staple"


def person(username: str, org_role: Person.OrgRole | None = None, **fields: object) -> User:
    """A user with a password and, when given, an org role."""
    user = UserFactory(username=username, email=f"{username}@example.com", **fields)
    user.set_password(PASSWORD)
    user.save()
    if org_role is not None:
        Person.objects.create(user=user, org_role=org_role)
    return user


def member_of(team: Team, user: User, role: Membership.Role) -> Membership:
    return MembershipFactory(team=team, user=user, role=role)


@pytest.fixture
def admin() -> User:
    return person("ada", Person.OrgRole.ADMIN, first_name="Ada", last_name="Admin")


@pytest.fixture
def steward() -> User:
    return person("stella", Person.OrgRole.STEWARD, first_name="Stella", last_name="Steward")


@pytest.fixture
def member() -> User:
    return person("mo", first_name="Mo", last_name="Member")


@pytest.fixture
def tier1() -> Team:
    return TeamFactory(name="Tier 1")


@pytest.fixture
def tier2() -> Team:
    return TeamFactory(name="Tier 2")


@pytest.fixture
def team_admin(tier1: Team) -> User:
    """Tara, admin of Tier 1 (and nothing else)."""
    user = person("tara", first_name="Tara", last_name="Teamlead")
    member_of(tier1, user, Membership.Role.ADMIN)
    return user


@pytest.fixture
def editor(tier1: Team) -> User:
    user = person("eddie", first_name="Eddie", last_name="Editor")
    member_of(tier1, user, Membership.Role.EDITOR)
    return user


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client
