"""The list endpoints answer from `.values()` rows, not through their serializers: each item must be exactly what
the serializer (which the schema and the detail views use) makes of the same object, key order included."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from kpis.api.serializers import KpiSerializer, MeasureSerializer
from kpis.api.views import _KPIS
from kpis.models import Benchmark, Kpi, Measure

pytestmark = pytest.mark.django_db


def _as_json(data: object) -> str:
    return json.dumps(data)


def test_a_listed_measure_is_its_serialization(kpi_data: Kpi, token_client: APIClient) -> None:
    listed = token_client.get("/api/v1/measures/?page_size=200").json()["results"]

    expected = [MeasureSerializer(measure).data for measure in Measure.objects.order_by("key", "pk")]
    assert listed
    assert _as_json(listed) == _as_json(expected)


def test_a_listed_kpi_is_its_serialization(kpi_data: Kpi, token_client: APIClient) -> None:
    # Given a KPI with no threshold, no measure, no relation and two benchmarks of the same label, and one whose
    # label a language's collation would put first (Python's order, code points, puts it last)
    bare = Kpi.objects.create(key="bare", name="Bare", category="Quality", formula="1", decimals=0)
    Benchmark.objects.bulk_create(
        [Benchmark(kpi=bare, label="Same", low=None, high=3, source=source) for source in ("b", "a")]
        + [Benchmark(kpi=bare, label="also", low=1.5, high=None, source="c")]
    )

    listed = token_client.get("/api/v1/kpis/?page_size=200").json()["results"]

    expected = [KpiSerializer(kpi).data for kpi in _KPIS.order_by("category", "name", "pk")]
    assert len(listed) == Kpi.objects.count()
    assert _as_json(listed) == _as_json(expected)


def test_a_filtered_kpi_list_pages_through_every_kpi_once(kpi_data: Kpi, token_client: APIClient) -> None:
    reading = Kpi.objects.filter(measures__key="total_contacts").distinct().count()
    seen: list[str] = []
    url: str | None = "/api/v1/kpis/?measure=total_contacts&page_size=2&ordering=-name"

    while url:
        page = token_client.get(url).json()
        seen += [item["key"] for item in page["results"]]
        url = page["next"]

    assert len(seen) == len(set(seen)) == reading > 2
    names = dict(Kpi.objects.values_list("key", "name"))
    assert [names[key] for key in seen] == sorted((names[key] for key in seen), reverse=True)
