"""The kpis read endpoints: what they answer, read through the same selectors as the pages, in constant queries."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from rest_framework.test import APIClient

from kpis.models import Dimension, Kpi
from kpis.selectors import kpi_series_values
from kpis.services.definitions import kpi_upsert, measure_upsert
from tests.api.conftest import DATA

pytestmark = pytest.mark.django_db

MaxQueries = Callable[[int], AbstractContextManager[object]]
SERIES = "/api/v1/kpis/contact_escalation_rate/series/"
# A token request reads the token (1) and, at most once a minute, records its use (1).
AUTH = 2


def test_a_kpi_has_its_formula_unit_direction_thresholds_and_benchmarks(kpi_data: Kpi, token_client: APIClient) -> None:
    body = token_client.get("/api/v1/kpis/contact_escalation_rate/").json()

    assert body["formula"] == "100 * escalated_contacts / total_contacts"
    assert (body["unit"], body["direction"], body["decimals"]) == ("percent", "lower", 1)
    assert body["thresholds"] == {"green": {"min": None, "max": 10.0}, "amber": {"min": None, "max": 20.0}}
    assert {b["label"] for b in body["benchmarks"]} == set(kpi_data.benchmarks.values_list("label", flat=True))
    assert body["measures"] == ["escalated_contacts", "total_contacts"]
    assert "csat" in body["related"]


def test_measures_and_dimensions_with_their_members(kpi_data: Kpi, token_client: APIClient) -> None:
    measure = token_client.get("/api/v1/measures/escalated_contacts/").json()
    team = token_client.get("/api/v1/dimensions/team/").json()
    dimensions = token_client.get("/api/v1/dimensions/").json()["results"]

    assert measure["aggregation"] == "sum"
    assert team["members"] == ["Billing", "Tier 1", "Tier 2"]
    assert {d["key"]: d["members"] for d in dimensions}["team"] == ["Billing", "Tier 1", "Tier 2"]
    assert token_client.get("/api/v1/dimensions/nope/").json()["detail"] == "No dimension with the key 'nope'."


def test_targets_carry_their_actual_and_status(kpi_data: Kpi, token_client: APIClient) -> None:
    targets = token_client.get("/api/v1/kpis/contact_escalation_rate/targets/").json()["results"]

    assert len(targets) == 1
    target = targets[0]
    assert target["period"]["label"] == "2026-Q1"
    assert (target["dimension"], target["member"], target["value"]) == ("team", "Tier 1", 12.0)
    # Tier 1 escalated 10 of 100 in Q1: 10 %, under the 12 % target (lower is better)
    assert target["actual"] == pytest.approx(10.0)
    assert target["status"] == "green"
    assert token_client.get("/api/v1/kpis/contact_escalation_rate/targets/?by=overall").json()["results"] == []
    assert token_client.get("/api/v1/kpis/contact_escalation_rate/targets/?grain=month").json()["results"] == []


def test_the_series_by_team_carries_the_sums_behind_each_value(kpi_data: Kpi, token_client: APIClient) -> None:
    body = token_client.get(f"{SERIES}?grain=month&by=team").json()

    assert (body["kpi"], body["grain"], body["by"]) == ("contact_escalation_rate", "month", "team")
    points = {(p["period"]["label"], p["member"]): p for p in body["points"]}
    for team, ((escalated, total), _) in DATA.items():
        point = points[("2026-03", team)]
        assert point["measures"] == {"escalated_contacts": escalated, "total_contacts": total}
        assert point["value"] == pytest.approx(100 * escalated / total)
    # Billing had no contacts in April: no value rather than 0
    assert points[("2026-04", "Billing")]["value"] is None
    # and the same values the pages read
    team = Dimension.objects.get(key="team")
    selected = [
        (v.period.label, v.member, v.value) for v in kpi_series_values(kpi=kpi_data, grain="month", dimension=team)
    ]
    assert [(p["period"]["label"], p["member"], p["value"]) for p in body["points"]] == selected


def test_the_overall_series_pools_teams_as_a_ratio_of_sums(kpi_data: Kpi, token_client: APIClient) -> None:
    body = token_client.get(f"{SERIES}?grain=quarter").json()

    q1 = body["points"][0]
    assert q1["member"] is None
    assert q1["period"]["label"] == "2026-Q1"
    assert q1["measures"] == {"escalated_contacts": 55, "total_contacts": 1120}
    assert q1["value"] == pytest.approx(100 * 55 / 1120)


def test_the_series_narrows_to_a_window_and_a_member(kpi_data: Kpi, token_client: APIClient) -> None:
    april = token_client.get(f"{SERIES}?by=team&from=2026-04-01&to=2026-04-30").json()["points"]
    tier_1 = token_client.get(f"{SERIES}?by=team&member=Tier%201").json()["points"]
    to_march = token_client.get(f"{SERIES}?to=2026-03-01").json()["points"]

    assert {p["period"]["label"] for p in april} == {"2026-04"}
    assert len(april) == 3
    assert [(p["period"]["label"], p["member"]) for p in tier_1] == [("2026-03", "Tier 1"), ("2026-04", "Tier 1")]
    assert tier_1[1]["measures"] == {"escalated_contacts": 12, "total_contacts": 150}
    # `to` keeps a period that starts on that day
    assert [p["period"]["label"] for p in to_march] == ["2026-03"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("grain=day", "grain"),
        ("by=tem", "by"),
        ("by=not a slug", "by"),
        ("member=Tier%201", "member"),
        ("from=yesterday", "from"),
        ("from=2026-05-01&to=2026-04-01", "to"),
        ("to=9999-12-31&from=0001-01-01", None),
    ],
)
def test_a_bad_series_parameter_is_a_400_naming_it(
    kpi_data: Kpi, token_client: APIClient, query: str, field: str | None
) -> None:
    response = token_client.get(f"{SERIES}?{query}")

    if field is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_the_unknown_dimension_error_lists_the_known_ones(kpi_data: Kpi, token_client: APIClient) -> None:
    message = token_client.get(f"{SERIES}?by=tem").json()["errors"][0]["message"]

    assert message == "No dimension with the key 'tem'. Known dimensions: channel, customer_tier, region, team."


def test_a_series_too_long_to_answer_is_refused(
    kpi_data: Kpi, token_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kpis.api.views.SERIES_MAX_POINTS", 5)

    response = token_client.get(f"{SERIES}?by=team")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "to"
    assert token_client.get(f"{SERIES}?by=team&member=Tier%201").status_code == 200


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/measures/?page_size=200", 1),
        ("/api/v1/dimensions/", 2),
        ("/api/v1/kpis/?page_size=200", 2),
        ("/api/v1/kpis/contact_escalation_rate/", 4),
        ("/api/v1/kpis/contact_escalation_rate/targets/", 4),
        (f"{SERIES}?by=team", 5),
    ],
)
def test_lists_read_in_the_same_few_queries_however_many_rows(
    kpi_data: Kpi,
    token_client: APIClient,
    django_assert_max_num_queries: MaxQueries,
    url: str,
    queries: int,
) -> None:
    with django_assert_max_num_queries(AUTH + queries):
        small = token_client.get(url)

    # given four times as many KPIs and measures
    for n in range(60):
        measure_upsert(key=f"extra_{n}", name=f"Extra {n}")
        kpi_upsert(key=f"extra_kpi_{n}", name=f"Extra KPI {n}", formula=f"extra_{n} / total_contacts")
    with django_assert_max_num_queries(AUTH + queries):
        large = token_client.get(url)
    assert small.status_code == large.status_code == 200
