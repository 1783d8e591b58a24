"""Teams over the API: the same visibility as the pages (okrs.selectors.teams_for_user)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from okrs.models import Membership, Team
from tests.api.conftest import MakeToken
from tests.okrs.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing(db: None) -> Team:
    team = TeamFactory(name="Billing")
    MembershipFactory(team=team, user=UserFactory(username="bea", first_name="Bea"), role=Membership.Role.ADMIN)
    return team


def test_a_person_sees_the_teams_they_belong_to_with_members(
    token_client: APIClient, member: User, billing: Team
) -> None:
    teams = token_client.get("/api/v1/teams/").json()["results"]

    assert [team["name"] for team in teams] == ["Tier 1"]
    assert teams[0]["members"] == [{"username": "mia", "name": "Mia Member", "role": "viewer"}]


def test_a_team_the_person_is_not_in_is_a_404(token_client: APIClient, billing: Team) -> None:
    response = token_client.get(f"/api/v1/teams/{billing.pk}/")

    assert response.status_code == 404
    assert response.json()["detail"] == f"No team with the id {billing.pk}, or not one you may see."


def test_a_superuser_sees_every_team(make_token: MakeToken, member: User, billing: Team) -> None:
    admin = UserFactory(username="root", is_superuser=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user=admin)}")

    names = [team["name"] for team in client.get("/api/v1/teams/?ordering=-name").json()["results"]]

    assert names == ["Tier 1", "Billing"]
    assert client.get(f"/api/v1/teams/{billing.pk}/").json()["members"][0]["role"] == "admin"


def test_an_id_out_of_range_is_a_404_not_an_error(token_client: APIClient) -> None:
    response = token_client.get(f"/api/v1/teams/{2**70}/")

    assert response.status_code == 404
