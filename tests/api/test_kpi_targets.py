"""KPI targets written through the API: by data stewards and org admins only, through the KPI page's form and
services, every refusal a 400 on its field (or a 403) with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from kpis.models import Kpi, KpiTarget
from tests.api.conftest import MakeToken

pytestmark = pytest.mark.django_db

TARGETS = "/api/v1/kpis/contact_escalation_rate/targets/"


def _targets() -> list[tuple[Any, ...]]:
    fields = ("kpi__key", "period__label", "dimension__key", "member", "value", "band_min", "band_max", "tolerance")
    return list(KpiTarget.objects.order_by("pk").values_list(*fields))


def _client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def viewer_writer(make_token: MakeToken) -> APIClient:
    """Mia, a team viewer, with a token that has the write scope: her role still says no."""
    return _client(make_token(scopes=["read", "write"]))


def _target_url(target: KpiTarget) -> str:
    return f"{TARGETS}{target.pk}/"


def test_a_steward_adds_a_target_and_gets_its_actual_and_status(kpi_data: Kpi, steward_client: APIClient) -> None:
    response = steward_client.post(
        TARGETS, {"period": "2026-03", "dimension": "team", "member": "Tier 2", "value": 5}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    # Tier 2 escalated 40 of 1,000 in March: 4 %, under 5 % (lower is better)
    segment = (body["period"]["label"], body["dimension"], body["member"], body["value"])
    assert segment == ("2026-03", "team", "Tier 2", 5)
    assert (body["actual"], body["status"]) == (pytest.approx(4.0), "green")
    assert ("contact_escalation_rate", "2026-03", "team", "Tier 2", 5.0, None, None, 0.0) in _targets()
    assert steward_client.get(f"{TARGETS}{body['id']}/").json() == body


def test_an_org_admin_adds_an_overall_band(kpi_data: Kpi, admin_client: APIClient) -> None:
    response = admin_client.post(TARGETS, {"period": "2026-Q2", "band_min": 2, "band_max": 6}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["band"] == {"min": 2.0, "max": 6.0}
    assert response.json()["dimension"] is None


def test_a_change_keeps_the_fields_not_given_and_is_in_the_history(kpi_data: Kpi, steward_client: APIClient) -> None:
    target = KpiTarget.objects.get()

    response = steward_client.patch(_target_url(target), {"value": 11.5}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["value"] == 11.5
    target.refresh_from_db()
    assert (target.period.label, target.member, target.value, target.tolerance) == ("2026-Q1", "Tier 1", 11.5, 1)
    assert [record.value for record in target.history.order_by("history_date")] == [12, 11.5]


def test_a_change_to_overall_clears_the_segment(kpi_data: Kpi, steward_client: APIClient) -> None:
    target = KpiTarget.objects.get()

    response = steward_client.patch(_target_url(target), {"dimension": None, "member": ""}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["dimension"], response.json()["member"]) == (None, "")


def test_a_steward_deletes_a_target(kpi_data: Kpi, steward_client: APIClient) -> None:
    target = KpiTarget.objects.get()

    assert steward_client.delete(_target_url(target)).status_code == 204
    assert not KpiTarget.objects.exists()
    assert steward_client.get(_target_url(target)).status_code == 404


@pytest.mark.parametrize(
    ("method", "body"),
    [("post", {"period": "2026-04", "value": 3}), ("patch", {"value": 1}), ("delete", None)],
)
def test_anyone_else_is_refused_and_nothing_is_written(
    kpi_data: Kpi, viewer_writer: APIClient, method: str, body: dict[str, Any] | None
) -> None:
    before = _targets()
    url = TARGETS if method == "post" else _target_url(KpiTarget.objects.get())

    response = getattr(viewer_writer, method)(url, body, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Only data stewards and org admins change KPI targets."
    assert _targets() == before
    assert viewer_writer.get(TARGETS).status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"period": "2026-13", "value": 10}, "period", "names no month"),
        ({"period": "Q1 2026", "value": 10}, "period", "is not a period label"),
        ({"value": 10}, "period", "This field is required."),
        ({"period": "2026-04"}, "value", "Give a target value, or a band."),
        ({"period": "2026-04", "band_min": 9, "band_max": 3}, "band_max", "ends below"),
        ({"period": "2026-04", "value": 10, "member": "Tier 1"}, "dimension", "Pick the dimension"),
        ({"period": "2026-04", "value": 10, "dimension": "team"}, "member", "Name the member"),
        ({"period": "2026-04", "value": 10, "dimension": "nope", "member": "x"}, "dimension", "valid choice"),
        ({"period": "2026-04", "value": 10, "tolerance": -1}, "tolerance", "greater than or equal to 0"),
        ({"period": "2026-04", "value": "ten"}, "value", "Enter a number."),
        ({"period": "2026-04", "value": 1e300}, "value", "cannot be above"),
        ({"period": "2026-04", "value": 10, "colour": "red"}, "colour", "Unknown field."),
        ({"period": "2026-04", "value": [10]}, "value", "Give a single value."),
        (
            {"period": "2026-Q1", "dimension": "team", "member": "Tier 1", "value": 9},
            None,
            "There is already a target for this period and segment.",
        ),
    ],
)
def test_a_bad_target_is_refused_on_its_field_and_nothing_is_written(
    kpi_data: Kpi, steward_client: APIClient, body: dict[str, Any], field: str | None, message: str
) -> None:
    before = _targets()

    response = steward_client.post(TARGETS, body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {error["field"] for error in errors} == {field}
    assert message in " ".join(error["message"] for error in errors)
    assert _targets() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2026-99"}, "period"),
        ({"value": None}, "value"),
        ({"dimension": None}, "dimension"),
        ({"band_min": 20, "band_max": 10}, "band_max"),
    ],
)
def test_a_bad_change_is_refused_and_the_target_stays_as_it_was(
    kpi_data: Kpi, steward_client: APIClient, body: dict[str, Any], field: str
) -> None:
    before = _targets()

    response = steward_client.patch(_target_url(KpiTarget.objects.get()), body, format="json")

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert _targets() == before


def test_a_target_of_another_kpi_or_an_unknown_kpi_is_not_found(kpi_data: Kpi, steward_client: APIClient) -> None:
    target = KpiTarget.objects.get()

    assert steward_client.get(f"/api/v1/kpis/csat/targets/{target.pk}/").status_code == 404
    assert steward_client.delete(f"/api/v1/kpis/csat/targets/{target.pk}/").status_code == 404
    unknown = steward_client.post("/api/v1/kpis/nope/targets/", {"period": "2026-04", "value": 1}, format="json")
    assert unknown.status_code == 404
    assert KpiTarget.objects.filter(pk=target.pk).exists()


def test_the_kpi_page_and_the_api_refuse_a_target_in_the_same_words(
    kpi_data: Kpi, steward: User, steward_client: APIClient, client: Any
) -> None:
    client.force_login(steward)
    page = client.post("/kpis/contact_escalation_rate/targets/", {"period": "2026-04", "band_min": 9, "band_max": 3})
    api = steward_client.post(TARGETS, {"period": "2026-04", "band_min": 9, "band_max": 3}, format="json")

    assert page.status_code == api.status_code == 400
    assert page.context["target_form"].errors["band_max"] == [api.json()["errors"][0]["message"]]
