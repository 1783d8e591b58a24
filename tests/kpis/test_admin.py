from __future__ import annotations

import pytest
from django.test import Client

from kpis.models import Kpi
from kpis.services.library import kpi_library_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(admin_client: Client) -> Client:
    kpi_library_load()
    return admin_client


def test_the_admin_shows_a_bad_formula_next_to_the_field_and_saves_nothing(operator: Client) -> None:
    response = operator.post(
        "/admin/kpis/kpi/add/",
        {
            "key": "broken",
            "name": "Broken",
            "formula": "100 * nosuch / total_contacts",
            "unit": "percent",
            "decimals": 1,
            "direction": "lower",
            "indicator": "lagging",
            "benchmarks-TOTAL_FORMS": 0,
            "benchmarks-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "Unknown measure: nosuch (at character" in response.content.decode()
    assert not Kpi.objects.filter(key="broken").exists()


@pytest.mark.parametrize("page", ["kpi", "measure", "dimension", "period", "importbatch", "seriesvalue", "kpitarget"])
def test_every_admin_list_answers(operator: Client, page: str) -> None:
    assert operator.get(f"/admin/kpis/{page}/").status_code == 200
