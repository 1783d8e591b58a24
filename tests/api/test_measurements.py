"""Pushing measurements: the file import's rules and errors, all-or-nothing, idempotent, for data stewards only."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings as SettingsWrapper
from rest_framework.test import APIClient

from kpis.models import ImportBatch, Kpi, Observation, PushKey
from tests.api.conftest import MakeToken

pytestmark = pytest.mark.django_db

URL = "/api/v1/measurements/"
DAY = "2026-03-09"
WIDE = {
    "records": [
        {"date": DAY, "team": "Tier 1", "total_contacts": 200, "escalated_contacts": 20},
        {"date": DAY, "team": "Tier 2", "total_contacts": 100.5, "escalated_contacts": None},
    ]
}


def _push(client: APIClient, body: Any, **headers: str) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def _cells() -> int:
    return Observation.objects.count()


def test_wide_records_are_imported_as_one_api_batch_and_answered_202(
    kpi_data: Kpi, steward_client: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    before = _cells()

    with django_capture_on_commit_callbacks() as callbacks:
        response = _push(steward_client, WIDE)

    assert response.status_code == 202, response.json()
    body = response.json()
    batch = ImportBatch.objects.get(pk=body["id"])
    assert (batch.source, batch.status, batch.created_by.username) == ("api", "succeeded", "sam")
    assert response["Location"] == body["url"] == f"http://testserver/api/v1/imports/{batch.pk}/"
    assert body["cells"] == {"inserted": 3, "updated": 0, "unchanged": 0}
    assert body["state"] == "recomputing"
    assert _cells() == before + 3
    assert Observation.objects.filter(batch=batch, day=dt.date(2026, 3, 9)).count() == 3
    assert callbacks, "the series recompute is queued once the cells have committed"


def test_long_records_are_imported_too(kpi_data: Kpi, steward_client: APIClient) -> None:
    body = {
        "records": [
            {"date": DAY, "team": "Tier 1", "measure": "total_contacts", "value": 50},
            {"date": DAY, "team": "Tier 1", "measure": "escalated_contacts", "value": 5},
        ]
    }
    response = _push(steward_client, body)

    assert response.status_code == 202, response.json()
    assert response.json()["file_format"] == "long"


@pytest.mark.parametrize(
    ("records", "field", "words"),
    [
        ([{"date": DAY, "team": "Tier 1", "total_contacts": "lots"}], "records.0.total_contacts", "number"),
        (
            [{"date": DAY, "total_contacts": 1}, {"date": "2026-02-30", "total_contacts": 1}],
            "records.1.date",
            "date",
        ),
        ([{"date": DAY, "totl_contacts": 1}], "records.*.totl_contacts", "unknown column"),
        ([{"date": DAY, "total_contacts": -4}], "records.0.total_contacts", "negative"),
        ([{"date": DAY, "total_contacts": {"a": 1}}], "records.0.total_contacts", "number, a string or null"),
        (["2026-03-09,4"], "records.0", "object"),
        ([{"team": "Tier 1", "total_contacts": 1}], "records", "date"),
    ],
)
def test_a_bad_record_is_named_by_index_and_field_and_nothing_is_written(
    kpi_data: Kpi, steward_client: APIClient, records: list[Any], field: str, words: str
) -> None:
    before, batches = _cells(), ImportBatch.objects.count()

    response = _push(steward_client, {"records": records})

    assert response.status_code == 400
    errors = response.json()["errors"]
    matching = [error for error in errors if error["field"] == field]
    assert matching, errors
    assert words in matching[0]["message"].lower()
    assert (_cells(), ImportBatch.objects.count()) == (before, batches)


def test_a_retry_with_the_same_idempotency_key_is_applied_once_and_answered_the_same(
    kpi_data: Kpi, steward_client: APIClient
) -> None:
    first = _push(steward_client, WIDE, HTTP_IDEMPOTENCY_KEY="nightly-2026-03-09")
    cells, batches = _cells(), ImportBatch.objects.count()

    again = _push(steward_client, WIDE, HTTP_IDEMPOTENCY_KEY="nightly-2026-03-09")

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert (_cells(), ImportBatch.objects.count()) == (cells, batches)
    assert PushKey.objects.get().batch_id == first.json()["id"]


def test_the_same_idempotency_key_with_another_body_is_refused(kpi_data: Kpi, steward_client: APIClient) -> None:
    _push(steward_client, WIDE, HTTP_IDEMPOTENCY_KEY="k1")
    cells = _cells()
    other = {"records": [{"date": DAY, "team": "Tier 1", "total_contacts": 999}]}

    response = _push(steward_client, other, HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _cells() == cells


def test_a_refused_push_keeps_no_key_and_a_retry_is_refused_the_same_way(
    kpi_data: Kpi, steward_client: APIClient
) -> None:
    bad = {"records": [{"date": DAY, "total_contacts": "x"}]}

    first = _push(steward_client, bad, HTTP_IDEMPOTENCY_KEY="k2")
    again = _push(steward_client, bad, HTTP_IDEMPOTENCY_KEY="k2")

    assert (first.status_code, again.status_code) == (400, 400)
    assert first.json() == again.json()
    assert not PushKey.objects.exists()


def test_over_the_size_limit_is_413_and_other_content_types_415(
    kpi_data: Kpi, steward_client: APIClient, settings: SettingsWrapper
) -> None:
    settings.API_MAX_PUSH_BYTES = 2048
    from okrs.api.imports import MeasurementPush

    MeasurementPush.max_request_bytes = 2048
    try:
        big = {"records": [{"date": DAY, "total_contacts": n} for n in range(200)]}
        too_large = _push(steward_client, big)
    finally:
        MeasurementPush.max_request_bytes = 50 * 1024 * 1024
    as_csv = steward_client.post(URL, "date,total_contacts\n2026-03-09,1\n", content_type="text/csv")

    assert too_large.status_code == 413
    assert as_csv.status_code == 415
    assert not ImportBatch.objects.filter(source="api").exists()


def test_pushing_needs_the_push_scope_and_a_data_stewards_account(
    kpi_data: Kpi, steward: Any, make_token: MakeToken, token_client: APIClient
) -> None:
    write_only = APIClient()
    write_only.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(scopes=['read', 'write'], user=steward)}")
    member_push = APIClient()
    member_push.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(scopes=['push'])}")

    assert _push(write_only, WIDE).json()["code"] == "scope_missing"
    assert _push(member_push, WIDE).status_code == 403
    assert _push(APIClient(), WIDE).status_code == 401
    assert not ImportBatch.objects.filter(source="api").exists()


def test_a_file_uploaded_is_queued_and_its_status_read_back(kpi_data: Kpi, steward_client: APIClient) -> None:
    upload = SimpleUploadedFile("march.csv", b"date,team,total_contacts\n2026-03-09,Tier 1,5\n2026-03-09,Tier 1,6\n")

    response = steward_client.post("/api/v1/imports/", {"file": upload}, format="multipart")

    assert response.status_code == 202, response.json()
    detail = steward_client.get(response["Location"]).json()
    assert detail["state"] == "failed"
    assert detail["errors"] == [
        {"line": 3, "column": None, "message": "the same day and segment as line 2 (2026-03-09, team=Tier 1)"}
    ]
    listed = steward_client.get("/api/v1/imports/").json()["results"]
    assert [batch["id"] for batch in listed][:1] == [detail["id"]]


def test_an_upload_that_is_not_csv_or_xlsx_is_400_on_file(kpi_data: Kpi, steward_client: APIClient) -> None:
    upload = SimpleUploadedFile("notes.pdf", b"%PDF-1.4")
    before = ImportBatch.objects.count()

    response = steward_client.post("/api/v1/imports/", {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert ImportBatch.objects.count() == before


def test_imports_are_for_data_stewards_only(kpi_data: Kpi, token_client: APIClient) -> None:
    assert token_client.get("/api/v1/imports/").status_code == 403
