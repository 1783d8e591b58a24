"""The scorecard as a file from the REST API: the downloads' form, document and writers, a bad filter or format
refused with 400 on its field, and only the caller's teams in the file."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from kpis.models import Kpi
from okrs.models import Objective, Team
from tests.api.conftest import MakeToken
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(kpi_data: Kpi, member: User) -> Objective:
    objective = ObjectiveFactory(team=Team.objects.get(name="Tier 1"), owner=member, title="Ours")
    KeyResultFactory(objective=objective, title="Our key result")
    ObjectiveFactory(team=TeamFactory(name="Elsewhere"), owner=UserFactory(), title="Theirs")
    return objective


def test_the_xlsx_holds_the_callers_objectives_only(mine: Objective, token_client: APIClient) -> None:
    label = mine.period.label

    response = token_client.get("/api/v1/scorecard/export/", {"format": "xlsx", "period": label})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="scorecard-{label}.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["KPIs", "OKRs"]
    cells = {str(value) for row in book["OKRs"].iter_rows(min_row=6, values_only=True) for value in row}
    assert {"Ours", "Our key result"} <= cells
    assert "Theirs" not in cells


def test_the_pdf_is_the_downloads_file_for_the_same_team_and_day(
    mine: Objective, token_client: APIClient, member: User
) -> None:
    team, label = mine.team, mine.period.label
    as_of = mine.period.start.isoformat()
    query = {"period": label, "team": str(team.pk), "as_of": as_of}

    response = token_client.get("/api/v1/scorecard/export/", query | {"format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert f"Scorecard {label}" in text
    assert "Tier 1" in text
    assert f"{mine.period.start:%-d %b %Y}" in text
    page = APIClient()
    page.force_login(member)
    download = page.get("/scorecard.pdf", query)
    assert download["Content-Disposition"] == response["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"format": "docx"}, "format"),
        ({"format": ""}, "format"),
        ({"format": "csv", "period": "2026-Q9"}, "period"),
        ({"format": "csv", "team": "99999"}, "team"),
        ({"format": "csv", "team": ""}, "team"),
        ({"format": "csv", "as_of": "2999-01-01"}, "as_of"),
        ({"format": "csv", "as_of": ""}, "as_of"),
        ({"format": "csv", "as_of": "31/03/2026"}, "as_of"),
        ({"format": "csv", "teem": "1"}, "teem"),
    ],
)
def test_a_bad_format_or_filter_is_400_on_its_field(
    kpi_data: Kpi, token_client: APIClient, query: dict[str, str], field: str
) -> None:
    response = token_client.get("/api/v1/scorecard/export/", query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["field"] == field


def test_without_a_format_the_file_is_csv(kpi_data: Kpi, token_client: APIClient) -> None:
    response = token_client.get("/api/v1/scorecard/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')


def test_a_token_without_the_read_scope_is_refused(kpi_data: Kpi, make_token: MakeToken) -> None:
    secret = make_token(scopes=["write"], name="write only")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = client.get("/api/v1/scorecard/export/", {"format": "csv"})

    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
