"""Factories for the kpis app; the okrs app keeps its own in tests/okrs/factories.py."""

from __future__ import annotations

import factory
from django.utils import timezone

from kpis import models


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Measure
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"measure_{n}")
    name = factory.LazyAttribute(lambda o: o.key.replace("_", " ").capitalize())


class DimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Dimension
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"dimension_{n}")
    name = factory.LazyAttribute(lambda o: o.key.replace("_", " ").capitalize())


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Kpi
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"kpi_{n}")
    name = factory.LazyAttribute(lambda o: o.key.replace("_", " ").capitalize())
    formula = "100 * escalated_contacts / total_contacts"
    unit = models.Unit.PERCENT
    direction = models.Direction.LOWER


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ImportBatch

    filename = "measurements.csv"
    source = models.ImportBatch.Source.COMMAND
    status = models.ImportBatch.Status.PENDING
    # A succeeded batch made here stands for one whose series were recomputed too.
    series_recomputed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == models.ImportBatch.Status.SUCCEEDED else None
    )
