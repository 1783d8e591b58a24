"""Load the built-in KPI library (kpis/library.py) into the database, idempotently."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction

from kpis import library
from kpis.models import Aggregation, Dimension, Kpi, Measure
from kpis.services.definitions import dimension_upsert, kpi_upsert, measure_upsert


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Present but different from the library, left alone because the caller did not ask to update.
    kept: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class LibraryLoadSummary:
    measures: Tally = field(default_factory=Tally)
    dimensions: Tally = field(default_factory=Tally)
    kpis: Tally = field(default_factory=Tally)

    @property
    def changed(self) -> bool:
        return any(tally.created or tally.updated for tally in (self.measures, self.dimensions, self.kpis))

    def lines(self) -> list[str]:
        return [
            f"{kind}: " + ", ".join(f"{count} {outcome}" for outcome, count in asdict(tally).items())
            for kind, tally in (("measures", self.measures), ("dimensions", self.dimensions), ("KPIs", self.kpis))
        ]


def _outcome(*, exists: bool, same: bool, update: bool) -> str:
    if not exists:
        return "created"
    if same:
        return "unchanged"
    return "updated" if update else "kept"


def _measure_fields(spec: library.MeasureSpec) -> dict[str, Any]:
    return {"name": spec.name, "unit": spec.unit, "description": spec.description, "aggregation": Aggregation.SUM}


def _dimension_fields(spec: library.DimensionSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description}


def _kpi_fields(spec: library.KpiSpec) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in Kpi.DEFINITION_FIELDS} | {"is_builtin": True}


def _benchmark_rows(spec: library.KpiSpec) -> list[dict[str, Any]]:
    return [{"label": b.label, "low": b.low, "high": b.high, "source": b.source} for b in spec.benchmarks]


def _related_keys() -> dict[str, set[str]]:
    """Each built-in KPI's related keys, both ways: the relation is symmetric in the model too."""
    related: dict[str, set[str]] = {spec.key: set() for spec in library.KPIS}
    for spec in library.KPIS:
        for other in spec.related:
            related[spec.key].add(other)
            related[other].add(spec.key)
    return related


def _kpi_matches(kpi: Kpi, spec: library.KpiSpec, related: set[str]) -> bool:
    fields = _kpi_fields(spec)
    if any(getattr(kpi, name) != value for name, value in fields.items()):
        return False
    stored = sorted((b.label, b.low, b.high, b.source) for b in kpi.benchmarks.all())
    wanted = sorted((b.label, b.low, b.high, b.source) for b in spec.benchmarks)
    builtin_related = set(kpi.related.filter(is_builtin=True).values_list("key", flat=True))
    return stored == wanted and builtin_related == related


@transaction.atomic
def kpi_library_load(*, update: bool = False) -> LibraryLoadSummary:
    """Create the library's measures, dimensions and KPIs that are missing.

    Existing entries may have been tuned by their users (thresholds, descriptions), so they are only brought back
    to the library's definition when `update` is true. Running it twice changes nothing the second time.
    """
    summary = LibraryLoadSummary()

    for measure_spec in library.MEASURES:
        measure = Measure.objects.filter(key=measure_spec.key).first()
        wanted = _measure_fields(measure_spec)
        same = measure is not None and all(getattr(measure, name) == value for name, value in wanted.items())
        outcome = _outcome(exists=measure is not None, same=same, update=update)
        if outcome in ("created", "updated"):
            measure_upsert(key=measure_spec.key, **wanted)
        summary.measures.count(outcome)

    for dimension_spec in library.DIMENSIONS:
        dimension = Dimension.objects.filter(key=dimension_spec.key).first()
        wanted = _dimension_fields(dimension_spec)
        same = dimension is not None and all(getattr(dimension, name) == value for name, value in wanted.items())
        outcome = _outcome(exists=dimension is not None, same=same, update=update)
        if outcome in ("created", "updated"):
            dimension_upsert(key=dimension_spec.key, **wanted)
        summary.dimensions.count(outcome)

    related = _related_keys()
    written: list[library.KpiSpec] = []
    for kpi_spec in library.KPIS:
        kpi = Kpi.objects.filter(key=kpi_spec.key).first()
        same = kpi is not None and _kpi_matches(kpi, kpi_spec, related[kpi_spec.key])
        outcome = _outcome(exists=kpi is not None, same=same, update=update)
        if outcome in ("created", "updated"):
            kpi_upsert(key=kpi_spec.key, benchmarks=_benchmark_rows(kpi_spec), **_kpi_fields(kpi_spec))
            written.append(kpi_spec)
        summary.kpis.count(outcome)

    # Relations are set once every KPI exists; links to the users' own KPIs are theirs and stay.
    for kpi_spec in written:
        kpi = Kpi.objects.get(key=kpi_spec.key)
        own = list(kpi.related.filter(is_builtin=False))
        kpi.related.set([*Kpi.objects.filter(key__in=related[kpi_spec.key], is_builtin=True), *own])
    return summary
