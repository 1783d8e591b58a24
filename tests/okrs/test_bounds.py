"""Numbers beyond ±1e15 and weights beyond 0-1000 are field errors, not 500s, and nothing is written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from okrs.models import KeyResult
from okrs.services.objectives import key_result_create, objective_update
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [("target_value", 1e300), ("baseline_value", -2e15), ("weight", 1001.0), ("weight", -1.0)],
)
def test_an_out_of_range_number_is_named_on_its_field(field: str, value: float) -> None:
    objective = ObjectiveFactory()
    fields = {"baseline_value": 0.0, "target_value": 100.0, field: value}

    with pytest.raises(ValidationError) as raised:
        key_result_create(objective=objective, title="Too big", kind="manual", **fields)

    assert field in raised.value.message_dict
    assert not KeyResult.objects.filter(title="Too big").exists()


def test_an_objective_weight_above_1000_is_refused() -> None:
    objective = KeyResultFactory().objective

    with pytest.raises(ValidationError) as raised:
        objective_update(objective=objective, weight=5000.0)

    assert "weight" in raised.value.message_dict
    objective.refresh_from_db()
    assert objective.weight == 1.0
