"""Writes for KPI targets: what a KPI should reach in a period, overall or for one dimension value."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from kpis.models import Dimension, Kpi, KpiTarget
from kpis.services.calendar import period_for_label
from kpis.services.definitions import key_results_refresh


@transaction.atomic
def kpi_target_create(
    *,
    kpi: Kpi,
    period_label: str,
    dimension: Dimension | None = None,
    member: str = "",
    value: float | None = None,
    band_min: float | None = None,
    band_max: float | None = None,
    tolerance: float = 0,
) -> KpiTarget:
    """A new target; ValidationError naming the field for a bad period, a missing figure or a repeated target."""
    try:
        period = period_for_label(label=period_label)
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from None
    target = KpiTarget(
        kpi=kpi,
        period=period,
        dimension=dimension,
        member=member.strip() if dimension else "",
        value=value,
        band_min=band_min,
        band_max=band_max,
        tolerance=tolerance,
    )
    target.full_clean()
    target.save()
    key_results_refresh(kpi=kpi)
    return target
