"""Writes for the KPI library: measures, dimensions, KPIs and their benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kpis import formula
from kpis.models import Benchmark, Dimension, Kpi, Measure


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
    kpi = Kpi.objects.filter(key=key).first() or Kpi(key=key)
    for name, value in fields.items():
        setattr(kpi, name, value)
    kpi_save(kpi=kpi)
    if benchmarks is not None:
        kpi.benchmarks.all().delete()
        for benchmark in benchmarks:
            item = Benchmark(kpi=kpi, **benchmark)
            item.full_clean()
            item.save()
    return kpi


@transaction.atomic
def measure_upsert(*, key: str, **fields: Any) -> Measure:
    measure = Measure.objects.filter(key=key).first() or Measure(key=key)
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def dimension_upsert(*, key: str, **fields: Any) -> Dimension:
    dimension = Dimension.objects.filter(key=key).first() or Dimension(key=key)
    for name, value in fields.items():
        setattr(dimension, name, value)
    dimension.full_clean()
    dimension.save()
    return dimension
