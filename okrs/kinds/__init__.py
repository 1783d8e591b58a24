"""The kinds of key result, one module each (see okrs/kinds/base.py), and the registry that names them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import CheckConstraint

from okrs.kinds.base import (
    SEGMENT_FIELDS,
    Formatter,
    Kind,
    ReferenceLine,
    Stat,
    TargetRange,
    baseline_origin,
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

if TYPE_CHECKING:
    from okrs.models import KeyResult

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
    "Kind",
    "ReferenceLine",
    "Stat",
    "TargetRange",
    "baseline_origin",
    "chart_format_of",
    "choices",
    "constraints",
    "formatter_of",
    "get",
    "kind_of",
    "signed_percent",
]


def get(value: str) -> Kind | None:
    return BY_VALUE.get(value)


def kind_of(key_result: KeyResult) -> Kind:
    return BY_VALUE[key_result.kind]


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
