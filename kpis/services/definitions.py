"""Writes for the KPI library: measures, dimensions, KPIs and their benchmarks."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Min
from django.utils import timezone

from kpis import formula
from kpis.models import Benchmark, Dimension, Kpi, Measure, Observation, SeriesValue
from kpis.services import followups
from kpis.services.series import SeriesCause, SeriesChange

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


# Fields whose change moves the stored statuses of the key results reading the KPI, though not its series.
_STATUS_FIELDS = ("direction", "green_min", "green_max", "amber_min", "amber_max")


@transaction.atomic
def kpi_save(*, kpi: Kpi) -> Kpi:
    """Validate and save a KPI, keeping the measures it reads in step with its formula.

    A new KPI or a changed formula is marked "recomputing" and its series recomputed on commit (then the key
    results reading it); a changed direction or threshold recomputes those key results' statuses.
    """
    parsed = kpi_formula_check(text=kpi.formula)
    kpi.formula = parsed.text
    before = Kpi.objects.filter(pk=kpi.pk).values("formula", *_STATUS_FIELDS).first() if kpi.pk else None
    # Nothing to recompute while neither the KPI has values nor its measures have data (a library just loaded).
    series_moves = (before is None or before["formula"] != kpi.formula) and (
        SeriesValue.objects.filter(kpi_id=kpi.pk).exists()
        or Observation.objects.filter(measure__key__in=parsed.measures).exists()
    )
    if series_moves:
        kpi.recompute_requested_at = timezone.now()
    kpi.full_clean()
    kpi.save()
    kpi.measures.set(Measure.objects.filter(key__in=parsed.measures))
    if series_moves:
        followups.series_recompute_enqueue(kpi_ids=[kpi.pk])
    elif before is not None and any(before[name] != getattr(kpi, name) for name in _STATUS_FIELDS):
        key_results_refresh(kpi=kpi)
    return kpi


def key_results_refresh(*, kpi: Kpi) -> None:
    """On commit, recompute the key results reading the KPI over every day it has data: its series did not move,
    what they make of it did."""
    read = Kpi.measures.through.objects.filter(kpi_id=kpi.pk).values("measure_id")
    found = Observation.objects.filter(measure_id__in=read).aggregate(first=Min("day"), last=Max("day"))
    if found["first"] is not None:
        followups.key_results_refresh_enqueue(
            SeriesChange(
                kpi_ids=[kpi.pk], first_day=found["first"], last_day=found["last"], cause=SeriesCause.DEFINITION
            )
        )


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
    return measure_save(measure=_by_key(Measure, key, fields))


@transaction.atomic
def measure_save(*, measure: Measure) -> Measure:
    """Validate and save a measure; a changed aggregation recomputes, on commit, the series of the KPIs reading it."""
    before = Measure.objects.filter(pk=measure.pk).values_list("aggregation", flat=True).first() if measure.pk else None
    _validated_save(measure)
    if before is not None and before != measure.aggregation:
        Kpi.objects.filter(measures=measure).update(recompute_requested_at=timezone.now())
        followups.series_recompute_enqueue(measure_ids=[measure.pk])
    return measure


@transaction.atomic
def dimension_upsert(*, key: str, **fields: Any) -> Dimension:
    dimension = _by_key(Dimension, key, fields)
    _validated_save(dimension)
    return dimension
