from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.test import Client

from kpis.models import Dimension, ImportBatch, Measure, Observation, Segment, SegmentMember
from tests.factories import ImportBatchFactory
from tests.okrs.factories import data_steward

Observe = Callable[..., Observation]


@pytest.fixture
def observe(db: None) -> Observe:
    """Write one observation directly, bypassing the import: `observe("total_contacts", day, 100, team="Tier 1")`."""
    batch = ImportBatchFactory(status=ImportBatch.Status.SUCCEEDED)

    def _observe(measure: str, day: dt.date, value: float, **members: str) -> Observation:
        key = ";".join(f"{name}={members[name]}" for name in sorted(members))
        segment, created = Segment.objects.get_or_create(
            key=key, defaults={"dimensions": Segment.dimensions_of(members)}
        )
        if created:
            for name, member in members.items():
                dimension, _ = Dimension.objects.get_or_create(key=name, defaults={"name": name})
                SegmentMember.objects.create(segment=segment, dimension=dimension, value=member)
        measure_row, _ = Measure.objects.get_or_create(key=measure, defaults={"name": measure})
        observation, _ = Observation.objects.update_or_create(
            measure=measure_row, day=day, segment=segment, defaults={"value": value, "batch": batch}
        )
        return observation

    return _observe


@pytest.fixture
def signed_in(client: Client) -> Client:
    """A client signed in as a data steward, who keeps the KPI library and imports the numbers."""
    client.force_login(data_steward(username="analyst"))
    return client


@pytest.fixture
def other_connection() -> Iterator[psycopg.Connection[Any]]:
    """A second database session, as another worker or web process has."""
    database = settings.DATABASES["default"]
    with psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"] or None,
        host=database["HOST"] or None,
        port=database["PORT"] or None,
    ) as connection:
        yield connection
