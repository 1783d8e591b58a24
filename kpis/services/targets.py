"""Writes for KPI targets: what a KPI should reach in a period, overall or for one dimension value.

The KPI page and the API (okrs.api.targets) both fill kpis.forms.KpiTargetForm and call these; the model's
constraints and clean() say what else is refused (a repeated target, a figure the KPI cannot take).
"""

from __future__ import annotations

from typing import Required, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction

from kpis.models import Dimension, Kpi, KpiTarget
from kpis.services.calendar import period_for_label
from kpis.services.definitions import key_results_refresh


class TargetFields(TypedDict, total=False):
    """A target's fields as kpis.forms.KpiTargetForm.target_fields gives them: a period label, and a value or band."""

    period_label: Required[str]
    dimension: Dimension | None
    member: str
    value: float | None
    band_min: float | None
    band_max: float | None
    tolerance: float


@transaction.atomic
def kpi_target_create(*, kpi: Kpi, **fields: Unpack[TargetFields]) -> KpiTarget:
    """A new target; ValidationError naming the field for a bad period, a missing figure or a repeated target."""
    return _target_save(KpiTarget(kpi=kpi), fields)


@transaction.atomic
def kpi_target_update(*, target: KpiTarget, **fields: Unpack[TargetFields]) -> KpiTarget:
    """The target with every field set anew (those not given to their defaults), checked as a new one is."""
    return _target_save(target, fields)


@transaction.atomic
def kpi_target_delete(*, target: KpiTarget) -> None:
    """Delete the target (its history keeps it); the key results reading the KPI are recomputed on commit."""
    kpi = target.kpi
    target.delete()
    key_results_refresh(kpi=kpi)


def _target_save(target: KpiTarget, fields: TargetFields) -> KpiTarget:
    try:
        target.period = period_for_label(label=fields["period_label"])
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from None
    target.dimension = fields.get("dimension")
    target.member = fields.get("member", "").strip() if target.dimension else ""
    target.value = fields.get("value")
    target.band_min, target.band_max = fields.get("band_min"), fields.get("band_max")
    target.tolerance = fields.get("tolerance", 0)
    target.full_clean()
    target.save()
    key_results_refresh(kpi=target.kpi)
    return target
