"""The kinds of key result, one module each (see okrs/kinds/base.py), and the registry that names them."""

from __future__ import annotations

from django.db.models import CheckConstraint

from kpis.models import Direction
from okrs.kinds.base import (
    SEGMENT_FIELDS,
    Formatter,
    KeyResultFields,
    Kind,
    ReferenceLine,
    Stat,
    TargetRange,
    chart_format_of,
    formatter_of,
    kpi_kind_constraint,
    signed_percent,
)
from okrs.kinds.from_to import FromTo
from okrs.kinds.manual import Manual
from okrs.kinds.milestone import Milestone
from okrs.kinds.relative import Relative
from okrs.kinds.threshold import Threshold

# The registry: a new kind is a module beside these and one entry here.
KINDS: tuple[Kind, ...] = (FromTo(), Relative(), Threshold(), Manual(), Milestone())
BY_VALUE: dict[str, Kind] = {kind.value: kind for kind in KINDS}
DEFAULT = KINDS[0]

__all__ = [
    "BY_VALUE",
    "DEFAULT",
    "KINDS",
    "SEGMENT_FIELDS",
    "Formatter",
    "KeyResultFields",
    "Kind",
    "ReferenceLine",
    "Stat",
    "TargetRange",
    "chart_format_of",
    "choices",
    "constraints",
    "effective_direction",
    "formatter_of",
    "get",
    "kind_of",
    "signed_percent",
]


def get(value: str) -> Kind | None:
    return BY_VALUE.get(value)


def kind_of(key_result: KeyResultFields) -> Kind:
    return BY_VALUE[key_result.kind]


def effective_direction(key_result: KeyResultFields) -> str:
    """The key result's own direction, else its KPI's; a band KPI or a manual number goes the way its target lies."""
    if key_result.direction:
        return key_result.direction
    kpi = key_result.kpi
    if kpi is not None and kpi.direction in (Direction.HIGHER, Direction.LOWER):
        return str(kpi.direction)
    return kind_of(key_result).implied_direction(key_result)


def choices() -> list[tuple[str, tuple[str, str]]]:
    """KeyResult.Kind's members: name, (value, label)."""
    return [(kind.name, (kind.value, kind.label)) for kind in KINDS]


def constraints() -> list[CheckConstraint]:
    """The database's guards on the fields each kind needs."""
    found = [kind.db_constraint() for kind in KINDS]
    return [kpi_kind_constraint(KINDS), *(c for c in found if c is not None)]


def series_baseline_values() -> list[str]:
    """The kinds that always read their baseline from the series, whatever the key result's baseline source."""
    return [kind.value for kind in KINDS if kind.always_series]
