"""Reading the audit history (config.audit, django-simple-history) as people read it: plain rows such as
"alice changed the target from 80.0 % to 85.0 % on 3 Dec", numbers in their KPI's unit.

The wording for any tracked model, and the History of a KPI; okrs.history adds the OKR pages and the org log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.utils import timezone

from kpis.formatting import format_value
from kpis.models import Benchmark, Kpi, KpiTarget

_VERB = {"+": "created", "~": "changed", "-": "deleted"}
# Fields named in words of their own rather than by their verbose name.
_FIELD_NAMES = {
    "target_value": "the target",
    "baseline_value": "the baseline",
    "band_min": "the band's low end",
    "band_max": "the band's high end",
    "is_active": "active",
    "org_role": "the org role",
}
# The object a record is about, in the words of the audit log's filter.
_KINDS = {
    "importbatch": "import",
    "person": "org role",
    "user": "account",
    "checkin": "check-in",
    "kpitarget": "KPI target",
}

# Which KPI's unit a record's numbers are in (None: plain numbers); whether a changed field is the system's.
UnitOf = Callable[[Any], Kpi | None]
SystemField = Callable[[Any, str], bool]


@dataclass(frozen=True)
class HistoryRow:
    when: dt.datetime
    who: str
    kind: str
    label: str
    text: str
    url: str = ""

    @property
    def sentence(self) -> str:
        return f"{self.who} {self.text} on {day_text(self.when)}"


def day_text(moment: dt.datetime) -> str:
    """`3 Dec`, with the year when it is not this one."""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b}" + ("" if local.year == timezone.localdate().year else f" {local.year}")


def kind_of(model: type[Model]) -> str:
    return _KINDS.get(model._meta.model_name or "", str(model._meta.verbose_name))


def person_name(user: User | None) -> str:
    if user is None:
        return "The system"
    return user.get_full_name() or user.get_username()


def unit_of_kpi_field(record: Any) -> Kpi | None:
    """A KPI's own thresholds, and a benchmark's, target's or guardrail's figures, are in the KPI's unit."""
    if isinstance(record.instance, Kpi):
        return record.instance
    kpi_id = getattr(record, "kpi_id", None)
    return Kpi.objects.filter(pk=kpi_id).first() if kpi_id is not None else None


def _no_system_fields(record: Any, name: str) -> bool:
    return False


def _value_text(record: Any, name: str, value: Any, kpi: Kpi | None) -> str:
    field = record.instance._meta.get_field(name)
    if value is None or value == "":
        return "none"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        if related is None:
            return f"#{value}"
        return person_name(related) if isinstance(related, User) else str(related)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format_value(value, kpi.unit, kpi.decimals) if kpi is not None else f"{value:,.10g}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    text = str(value)
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


def _field_name(record: Any, name: str) -> str:
    return _FIELD_NAMES.get(name) or f"the {record.instance._meta.get_field(name).verbose_name}"


def record_label(record: Any) -> str:
    try:
        return str(record.instance)
    except ObjectDoesNotExist:
        return f"{kind_of(record.instance_type)} #{record.id}"


def record_text(
    record: Any, previous: Any | None, *, unit_of: UnitOf = unit_of_kpi_field, system: SystemField = _no_system_fields
) -> str | None:
    """What the record did, against the object's `previous` record; None for a save that changed nothing a
    person sets."""
    kind = kind_of(record.instance_type)
    if record.history_type != "~" or previous is None:
        return f"{_VERB[record.history_type]} the {kind} “{record_label(record)}”"
    changes = [change for change in record.diff_against(previous).changes if not system(record, change.field)]
    if not changes:
        return None
    kpi = unit_of(record)
    parts = [
        f"{_field_name(record, change.field)} from {_value_text(record, change.field, change.old, kpi)} "
        f"to {_value_text(record, change.field, change.new, kpi)}"
        for change in changes
    ]
    return f"changed {', '.join(parts)} of the {kind} “{record_label(record)}”"


def history_rows(
    records: Iterable[Any], *, unit_of: UnitOf = unit_of_kpi_field, system: SystemField = _no_system_fields
) -> list[HistoryRow]:
    """Rows for the records of one or more objects, each against that object's previous record, newest first."""
    previous: dict[tuple[type[Model], Any], Any] = {}
    rows = []
    for record in sorted(records, key=lambda record: (record.history_date, record.history_id)):
        key = (record.instance_type, record.id)
        text = record_text(record, previous.get(key), unit_of=unit_of, system=system)
        previous[key] = record
        if text is not None:
            rows.append(
                HistoryRow(
                    when=record.history_date,
                    who=person_name(record.history_user),
                    kind=kind_of(record.instance_type),
                    label=record_label(record),
                    text=text,
                )
            )
    return rows[::-1]


def records_of(model: type[Model], **filters: Any) -> QuerySet[Any]:
    """A tracked model's historical records matching `filters` (fields of the recorded object), with their person."""
    manager = model.history  # type: ignore[attr-defined]
    return manager.filter(**filters).select_related("history_user")


def kpi_history(*, kpi: Kpi) -> list[HistoryRow]:
    """The KPI's definition, its benchmarks and its targets, newest first."""
    return history_rows(
        [*records_of(Kpi, id=kpi.pk), *records_of(Benchmark, kpi_id=kpi.pk), *records_of(KpiTarget, kpi_id=kpi.pk)]
    )
