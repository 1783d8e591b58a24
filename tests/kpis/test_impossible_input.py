"""Impossible input is refused with its field named, and nothing is written: formulas dividing by zero, error
positions at the right character, thresholds and targets outside a KPI's possible range, days after today."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from kpis import formula
from kpis.models import ImportBatch, Kpi, KpiTarget, Observation, Unit
from kpis.services.definitions import kpi_upsert, measure_upsert
from kpis.services.imports import import_batch_create, import_batch_process
from kpis.services.targets import kpi_target_create
from kpis.status import Range
from tests.factories import DimensionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fcr() -> Kpi:
    measure_upsert(key="resolved", name="Resolved first time")
    measure_upsert(key="total_contacts", name="Total contacts")
    return kpi_upsert(
        key="fcr", name="First contact resolution", formula="100 * resolved / total_contacts", unit=Unit.PERCENT
    )


@pytest.mark.parametrize(
    ("text", "column", "points_at", "reason"),
    [
        ("x / 0", 5, "0", "divides by zero"),
        ("x / (2 - 2)", 6, "2", "divides by zero"),
        ("x / 0.0 + y", 5, "0", "divides by zero"),
        ("  x +* y", 6, "*", "not valid arithmetic"),
        (" x ** 2", 4, "*", "Only measure keys"),
        ("(x) ** 2", 5, "*", "Only measure keys"),
        ("x + foo(y)", 5, "f", "Only measure keys"),
        ("x + zz", 5, "z", "Unknown measure: zz"),
        ("  zz + x", 3, "z", "Unknown measure: zz"),
        ("x $ y", 3, "$", "not valid arithmetic"),
        ("(x + y", 1, "(", "never closed"),
        ("café + x", 1, "c", "Unknown measure: café"),
        ("x + café", 5, "c", "Unknown measure: café"),
        ("x +", 4, "", "ends before it is complete"),
    ],
)
def test_formula_errors_point_at_the_character_they_are_about(
    text: str, column: int, points_at: str, reason: str
) -> None:
    with pytest.raises(formula.FormulaError) as error:
        formula.parse(text, {"x", "y"})

    assert error.value.column == column
    assert text[column - 1 : column] == points_at
    assert reason in str(error.value)
    assert str(error.value).endswith(f"(at character {column})")


def test_a_denominator_that_reads_a_measure_is_kept() -> None:
    assert formula.parse("x / (0 * y)", {"x", "y"}).measures == ("x", "y")


def test_a_formula_dividing_by_zero_is_refused_on_its_field_and_nothing_is_written(fcr: Kpi) -> None:
    with pytest.raises(ValidationError) as error:
        kpi_upsert(key="fcr", name="First contact resolution", formula="100 * resolved / 0", unit=Unit.PERCENT)

    assert error.value.message_dict["formula"] == [
        "This divides by zero, so the formula would never have a value (at character 18)"
    ]
    assert Kpi.objects.get(pk=fcr.pk).formula == "100 * resolved / total_contacts"


@pytest.mark.parametrize(
    ("unit", "bounds", "expected"),
    [
        (Unit.PERCENT, {}, Range(0, 100)),
        (Unit.SECONDS, {}, Range(0, None)),
        (Unit.COUNT, {}, Range(0, None)),
        (Unit.CURRENCY, {}, Range(None, None)),
        (Unit.SCORE, {"possible_min": 1, "possible_max": 5}, Range(1, 5)),
        (Unit.PERCENT, {"possible_min": -100}, Range(-100, 100)),
    ],
)
def test_a_kpi_has_a_possible_range_from_its_bounds_or_its_unit(
    unit: Unit, bounds: dict[str, float], expected: Range
) -> None:
    measure_upsert(key="x", name="x")
    kpi = kpi_upsert(key="k", name="K", formula="x", unit=unit, **bounds)

    assert kpi.possible_range() == expected


def test_the_okrs_side_asks_the_kpi_whether_a_value_is_possible(fcr: Kpi) -> None:
    assert fcr.impossible(80) is None
    assert fcr.impossible(120) == "First contact resolution cannot be above 100 %."
    assert fcr.impossible(-1) == "First contact resolution cannot be below 0 %."
    assert fcr.impossible(None) is None


def test_a_kpi_target_of_120_percent_is_refused_on_its_field_and_nothing_is_written(fcr: Kpi) -> None:
    with pytest.raises(ValidationError) as error:
        kpi_target_create(kpi=fcr, period_label="2026-Q4", value=120)

    assert error.value.message_dict == {"value": ["First contact resolution cannot be above 100 %."]}
    assert KpiTarget.objects.count() == 0


def test_a_band_outside_the_range_is_refused_on_its_field(fcr: Kpi) -> None:
    with pytest.raises(ValidationError) as error:
        kpi_target_create(kpi=fcr, period_label="2026-Q4", band_min=-5, band_max=90)

    assert list(error.value.message_dict) == ["band_min"]
    assert KpiTarget.objects.count() == 0


def test_thresholds_and_bounds_are_refused_on_their_fields_and_nothing_is_written(fcr: Kpi) -> None:
    fields: dict[str, Any] = {"name": "First contact resolution", "formula": "100 * resolved / total_contacts"}

    with pytest.raises(ValidationError) as above:
        kpi_upsert(key="fcr", unit=Unit.PERCENT, green_min=110, **fields)
    with pytest.raises(ValidationError) as crossed:
        kpi_upsert(key="fcr", unit=Unit.PERCENT, possible_min=50, possible_max=10, **fields)

    assert above.value.message_dict == {"green_min": ["First contact resolution cannot be above 100 %."]}
    assert list(crossed.value.message_dict) == ["possible_max"]
    stored = Kpi.objects.get(pk=fcr.pk)
    assert (stored.green_min, stored.possible_min, stored.possible_max) == (None, None, None)


def test_the_target_form_shows_the_refusal_inline(fcr: Kpi, signed_in: Client) -> None:
    response = signed_in.post(
        reverse("kpi_target_add", args=["fcr"]), {"period": "2026-Q4", "value": "120", "tolerance": ""}
    )

    assert response.status_code == 400
    assert response.context["target_form"].errors["value"] == ["First contact resolution cannot be above 100 %."]
    assert KpiTarget.objects.count() == 0


def test_the_kpi_form_refuses_a_formula_dividing_by_zero_inline(fcr: Kpi, signed_in: Client) -> None:
    response = signed_in.post(
        reverse("kpi_edit", args=["fcr"]),
        {
            "name": "First contact resolution",
            "formula": "100 * resolved / 0",
            "unit": Unit.PERCENT,
            "decimals": "1",
            "direction": "higher",
            "indicator": "lagging",
        },
    )

    assert response.status_code == 400
    assert "divides by zero" in response.context["form"].errors["formula"][0]
    assert Kpi.objects.get(pk=fcr.pk).formula == "100 * resolved / total_contacts"


def test_import_rows_dated_after_today_are_refused_and_nothing_is_written(
    fcr: Kpi, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    DimensionFactory(key="team")
    today = timezone.localdate()
    content = f"date,team,total_contacts\n{today},A,5\n{today + dt.timedelta(days=1)},A,5\n"
    batch = import_batch_create(
        path_or_file=io.BytesIO(content.encode()), filename="m.csv", source=ImportBatch.Source.UPLOAD
    )

    batch = import_batch_process(batch=batch)

    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["line"] == 3
    assert "is after today" in str(batch.errors[0]["message"])
    assert Observation.objects.count() == 0
