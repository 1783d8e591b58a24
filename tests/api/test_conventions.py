"""What every endpoint shares: the error shape, cursor pages, strict ordering and filters, size and type limits."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings as SettingsWrapper
from rest_framework.test import APIClient

from kpis.models import Kpi
from okrs.models import AccessToken
from tests.api.conftest import MakeToken

pytestmark = pytest.mark.django_db


def _assert_error_shape(body: dict[str, object], status: int) -> None:
    assert set(body) == {"status", "code", "detail", "errors"}
    assert body["status"] == status
    assert isinstance(body["errors"], list)
    assert body["errors"]
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}


def test_field_errors_name_nested_paths(session_client: APIClient) -> None:
    session_client.get("/api/tokens/")
    csrf = session_client.cookies["csrftoken"].value
    body = {"name": "", "scopes": ["read", "admin"], "expires_in_days": "soon"}

    response = session_client.post("/api/v1/tokens/", body, format="json", HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 400
    _assert_error_shape(response.json(), 400)
    fields = {error["field"]: error["code"] for error in response.json()["errors"]}
    assert fields == {"name": "blank", "scopes.1": "invalid_choice", "expires_in_days": "invalid"}
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"].startswith("name: This field may not be blank.")
    assert not AccessToken.objects.exists()


def test_an_unknown_object_is_a_404_in_the_shape(kpi_data: Kpi, token_client: APIClient) -> None:
    response = token_client.get("/api/v1/kpis/no_such_kpi/")

    assert response.status_code == 404
    _assert_error_shape(response.json(), 404)
    assert response.json()["detail"] == "No KPI with the key 'no_such_kpi'."


def test_an_unknown_path_under_the_api_is_a_json_404(token_client: APIClient) -> None:
    response = token_client.post("/api/v1/nothing/here/", {"a": 1}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    _assert_error_shape(response.json(), 404)


def test_a_path_without_its_slash_is_redirected_keeping_the_method(token_client: APIClient) -> None:
    response = token_client.get("/api/v1/kpis?unit=percent")

    assert response.status_code == 308
    assert response["Location"] == "/api/v1/kpis/?unit=percent"


def test_a_write_method_on_a_read_endpoint_is_a_405(kpi_data: Kpi, make_token: MakeToken) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(scopes=['read', 'write'])}")

    response = client.post("/api/v1/kpis/", {}, format="json")

    assert response.status_code == 405
    _assert_error_shape(response.json(), 405)
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_a_body_over_the_limit_is_a_413_before_it_is_read(session_client: APIClient, settings: SettingsWrapper) -> None:
    settings.API_MAX_REQUEST_BYTES = 1024
    session_client.get("/api/tokens/")
    csrf = session_client.cookies["csrftoken"].value
    body = {"name": "x" * 2000, "scopes": ["read"]}

    response = session_client.post("/api/v1/tokens/", body, format="json", HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 413
    _assert_error_shape(response.json(), 413)
    assert "the limit is 1,024 bytes" in response.json()["detail"]
    assert not AccessToken.objects.exists()


def test_a_body_that_is_not_json_is_a_415(session_client: APIClient) -> None:
    session_client.get("/api/tokens/")
    csrf = session_client.cookies["csrftoken"].value

    response = session_client.post(
        "/api/v1/tokens/", "name,scopes\nx,read\n", content_type="text/csv", HTTP_X_CSRFTOKEN=csrf
    )

    assert response.status_code == 415
    _assert_error_shape(response.json(), 415)


def test_malformed_json_is_a_400(session_client: APIClient) -> None:
    session_client.get("/api/tokens/")
    csrf = session_client.cookies["csrftoken"].value

    response = session_client.post(
        "/api/v1/tokens/", '{"name": ', content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    _assert_error_shape(response.json(), 400)


def test_token_endpoints_are_throttled_with_retry_after(token_client: APIClient, settings: SettingsWrapper) -> None:
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"DEFAULT_THROTTLE_RATES": {"tokens": "2/minute"}}

    statuses = [token_client.get("/api/v1/tokens/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    response = token_client.get("/api/v1/tokens/")
    _assert_error_shape(response.json(), 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    # other endpoints are not held back
    assert token_client.get("/api/v1/me/").status_code == 200


def test_cursor_pages_walk_every_kpi_once(kpi_data: Kpi, token_client: APIClient) -> None:
    seen: list[str] = []
    url: str | None = "/api/v1/kpis/?page_size=5&ordering=-name"
    while url:
        page = token_client.get(url).json()
        assert len(page["results"]) <= 5
        seen += [kpi["name"] for kpi in page["results"]]
        url = page["next"]

    assert seen == sorted(Kpi.objects.values_list("name", flat=True), reverse=True)
    assert len(seen) == 17


def test_a_previous_link_goes_back(kpi_data: Kpi, token_client: APIClient) -> None:
    first = token_client.get("/api/v1/kpis/?page_size=4").json()
    second = token_client.get(first["next"]).json()

    back = token_client.get(second["previous"]).json()

    assert back["results"] == first["results"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=bm90IG91cnM=", "cursor"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page_size=ten", "page_size"),
        ("ordering=formula", "ordering"),
        ("unit=litres", "unit"),
        ("unit=", "unit"),
        ("search=%00", "search"),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(
    kpi_data: Kpi, token_client: APIClient, query: str, field: str
) -> None:
    response = token_client.get(f"/api/v1/kpis/?{query}")

    assert response.status_code == 400
    _assert_error_shape(response.json(), 400)
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_cursor_is_refused_with_another_ordering(kpi_data: Kpi, token_client: APIClient) -> None:
    next_link = token_client.get("/api/v1/kpis/?page_size=3&ordering=key").json()["next"]

    response = token_client.get(next_link.replace("ordering=key", "ordering=name"))

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_filters_narrow_a_list(kpi_data: Kpi, token_client: APIClient) -> None:
    percent = token_client.get("/api/v1/kpis/?unit=percent&direction=lower&page_size=200").json()["results"]
    reading = token_client.get("/api/v1/kpis/?measure=escalated_contacts").json()["results"]
    found = token_client.get("/api/v1/kpis/?search=escalat").json()["results"]

    assert percent
    assert all(k["unit"] == "percent" and k["direction"] == "lower" for k in percent)
    assert {k["key"] for k in reading} == {"contact_escalation_rate"}
    assert "contact_escalation_rate" in {k["key"] for k in found}


def test_it_answers_json_only(kpi_data: Kpi, token_client: APIClient, member: User) -> None:
    response = token_client.get("/api/v1/kpis/?format=api")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
