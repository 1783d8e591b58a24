"""Signed-in people the okrs page tests share."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from okrs.models import Membership
from tests.okrs.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def lead() -> User:
    return UserFactory(username="lead", first_name="Lena", last_name="Lead")


@pytest.fixture
def signed_in(client: Client, lead: User) -> Client:
    client.force_login(lead)
    return client


@pytest.fixture
def editor(client: Client) -> User:
    """Ella, an editor of Tier 1, signed in."""
    user = UserFactory(username="ella", first_name="Ella", last_name="Editor")
    MembershipFactory(user=user, team=TeamFactory(name="Tier 1"), role=Membership.Role.EDITOR)
    client.force_login(user)
    return user
