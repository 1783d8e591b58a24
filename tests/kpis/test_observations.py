from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import ProtectedError

from kpis.models import ImportBatch, Measure, Observation, Segment
from tests.kpis.conftest import Observe

pytestmark = pytest.mark.django_db


def test_what_observations_point_to_cannot_be_deleted(observe: Observe) -> None:
    # given an observation (the table has no foreign-key constraints, so PROTECT is the guard)
    observation = observe("total_contacts", dt.date(2026, 3, 2), 100, team="Tier 1")

    # when its measure, segment or batch is deleted, then the delete is refused and the observation is kept
    for row in (
        Measure.objects.get(pk=observation.measure_id),
        Segment.objects.get(pk=observation.segment_id),
        ImportBatch.objects.get(pk=observation.batch_id),
    ):
        with pytest.raises(ProtectedError):
            row.delete()
    assert Observation.objects.count() == 1


def test_a_cell_holds_one_value(observe: Observe) -> None:
    observe("total_contacts", dt.date(2026, 3, 2), 100, team="Tier 1")
    observe("total_contacts", dt.date(2026, 3, 2), 120, team="Tier 1")

    assert list(Observation.objects.values_list("value", flat=True)) == [120]
