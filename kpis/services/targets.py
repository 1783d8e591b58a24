"""Writes for KPI targets: what a KPI should reach in a period, overall or for one dimension value.

The KPI page and the API (okrs.api.targets) both fill kpis.forms.KpiTargetForm and call these; the model's
constraints and clean() say what else is refused (a repeated target, a figure the KPI cannot take).
"""

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
    return _target_save(
        KpiTarget(kpi=kpi),
        period_label=period_label,
        dimension=dimension,
        member=member,
        value=value,
        band_min=band_min,
        band_max=band_max,
        tolerance=tolerance,
    )


@transaction.atomic
def kpi_target_update(
    *,
    target: KpiTarget,
    period_label: str,
    dimension: Dimension | None = None,
    member: str = "",
    value: float | None = None,
    band_min: float | None = None,
    band_max: float | None = None,
    tolerance: float = 0,
) -> KpiTarget:
    """The target with every field set anew, checked as a new one is; the key results reading the KPI follow."""
    return _target_save(
        target,
        period_label=period_label,
        dimension=dimension,
        member=member,
        value=value,
        band_min=band_min,
        band_max=band_max,
        tolerance=tolerance,
    )


@transaction.atomic
def kpi_target_delete(*, target: KpiTarget) -> None:
    """Delete the target (its history keeps it); the key results reading the KPI are recomputed on commit."""
    kpi = target.kpi
    target.delete()
    key_results_refresh(kpi=kpi)


def _target_save(
    target: KpiTarget,
    *,
    period_label: str,
    dimension: Dimension | None,
    member: str,
    value: float | None,
    band_min: float | None,
    band_max: float | None,
    tolerance: float,
) -> KpiTarget:
    try:
        target.period = period_for_label(label=period_label)
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from None
    target.dimension = dimension
    target.member = member.strip() if dimension else ""
    target.value, target.band_min, target.band_max = value, band_min, band_max
    target.tolerance = tolerance
    target.full_clean()
    target.save()
    key_results_refresh(kpi=target.kpi)
    return target
