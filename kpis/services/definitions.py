"""Writes for the KPI library: measures, dimensions, KPIs and their benchmarks."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from kpis import formula
from kpis.models import Benchmark, Dimension, Kpi, Measure

_Keyed = TypeVar("_Keyed", Measure, Dimension, Kpi)


def _by_key(model: type[_Keyed], key: str, fields: dict[str, Any]) -> _Keyed:
    """The row with `key` (a new, unsaved one if there is none) with `fields` set on it."""
    row = model.objects.filter(key=key).first() or model(key=key)
    for name, value in fields.items():
        setattr(row, name, value)
    return row


def _validated_save(row: models.Model) -> None:
    row.full_clean()
    row.save()


def kpi_formula_check(*, text: str) -> formula.Formula:
    """The parsed formula, or a ValidationError on the `formula` field naming the problem."""
    known = set(Measure.objects.values_list("key", flat=True))
    try:
        return formula.parse(text, known)
    except formula.FormulaError as error:
        raise ValidationError({"formula": str(error)}) from None


@transaction.atomic
def kpi_save(*, kpi: Kpi) -> Kpi:
    """Validate and save a KPI, keeping the measures it reads in step with its formula."""
    parsed = kpi_formula_check(text=kpi.formula)
    kpi.formula = parsed.text
    kpi.full_clean()
    kpi.save()
    kpi.measures.set(Measure.objects.filter(key__in=parsed.measures))
    return kpi


@transaction.atomic
def kpi_upsert(*, key: str, benchmarks: list[dict[str, Any]] | None = None, **fields: Any) -> Kpi:
    """Create or update the KPI with `key`; `benchmarks`, when given, replace the KPI's benchmarks."""
    kpi = kpi_save(kpi=_by_key(Kpi, key, fields))
    if benchmarks is not None:
        kpi.benchmarks.all().delete()
        for benchmark in benchmarks:
            _validated_save(Benchmark(kpi=kpi, **benchmark))
    return kpi


@transaction.atomic
def measure_upsert(*, key: str, **fields: Any) -> Measure:
    measure = _by_key(Measure, key, fields)
    _validated_save(measure)
    return measure


@transaction.atomic
def dimension_upsert(*, key: str, **fields: Any) -> Dimension:
    dimension = _by_key(Dimension, key, fields)
    _validated_save(dimension)
    return dimension
