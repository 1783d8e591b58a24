"""The scorecard as JSON: the page's selector and filter form, a bad filter refused on its field."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from kpis.models import Kpi
from okrs.models import Team
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_scorecard_has_the_kpis_against_targets_and_your_teams_objectives(
    kpi_data: Kpi, member: User, token_client: APIClient
) -> None:
    mine = ObjectiveFactory(team=Team.objects.get(name="Tier 1"), owner=member, title="Ours")
    KeyResultFactory(objective=mine)
    ObjectiveFactory(team=TeamFactory(name="Elsewhere"), owner=UserFactory(), title="Theirs")

    body = token_client.get("/api/v1/scorecard/", {"period": mine.period.label}).json()

    assert body["period"]["label"] == mine.period.label
    assert [o["title"] for o in body["objectives"]] == ["Ours"]
    assert len(body["objectives"][0]["key_results"]) == 1
    assert body["rollup"]["objectives"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [({"period": "2026-Q9"}, "period"), ({"team": "99999"}, "team"), ({"team": ""}, "team"), ({"teem": "1"}, "teem")],
)
def test_a_bad_filter_is_400_on_its_field(
    kpi_data: Kpi, token_client: APIClient, query: dict[str, str], field: str
) -> None:
    response = token_client.get("/api/v1/scorecard/", query)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
