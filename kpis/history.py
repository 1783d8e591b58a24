"""Reading the audit history (config.audit, django-simple-history) as people read it: plain rows such as
"alice changed the target from 80.0 % to 85.0 % on 3 Dec", numbers in their KPI's unit.

The wording for any tracked model, and the History of a KPI; okrs.history adds the OKR pages and the org log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
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


class Related:
    """The objects a set of historical records points to, read in one query per model rather than one per record:
    the names shown for before and after, and what each record's own name is made of."""

    def __init__(self, records: Iterable[Any]) -> None:
        wanted: dict[type[Model], set[Any]] = defaultdict(set)
        for record in records:
            for field in _relations(record.instance_type):
                value = getattr(record, field.attname, None)
                if value is not None:
                    wanted[field.related_model].add(value)
        self._objects: dict[type[Model], dict[Any, Model]] = {
            model: model._default_manager.in_bulk(list(ids)) for model, ids in wanted.items()
        }
        # A record's name is asked for by its text and by its row: built once (an instance each time otherwise).
        self._labels: dict[tuple[type[Model], Any], str] = {}

    def get(self, model: type[Model], pk: Any) -> Any:
        """The object, read (and kept) now if it was not among those the records point to; None if it is gone."""
        known = self._objects.setdefault(model, {})
        if pk not in known:
            found = model._default_manager.filter(pk=pk).first()
            if found is None:
                return None
            known[pk] = found
        return known[pk]

    def instance(self, record: Any) -> Model:
        """The recorded object as it was, its references filled from those read already. (The library's own
        `record.instance` reads the fields history leaves out from the live row, a query per record.)"""
        instance = record.instance_type(
            **{field.attname: getattr(record, field.attname) for field in record.tracked_fields}
        )
        for field in _relations(record.instance_type):
            value = getattr(record, field.attname, None)
            related = self.get(field.related_model, value) if value is not None else None
            if related is not None:
                setattr(instance, field.name, related)
        return instance

    def label(self, record: Any) -> str:
        """The recorded object's name as it was."""
        key = (record.instance_type, record.history_id)
        if key not in self._labels:
            try:
                self._labels[key] = str(self.instance(record))
            except ObjectDoesNotExist:
                self._labels[key] = f"{kind_of(record.instance_type)} #{record.id}"
        return self._labels[key]


def _relations(model: type[Model]) -> list[Any]:
    return [field for field in model._meta.concrete_fields if field.is_relation and field.related_model is not None]


# How many changes a History section shows; the org audit log has them all.
HISTORY_SHOWN = 50

# Which KPI's unit a record's numbers are in (None: plain numbers); whether a changed field is the system's.
UnitOf = Callable[[Any, Related], Kpi | None]
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


def unit_of_kpi_field(record: Any, related: Related) -> Kpi | None:
    """A KPI's own thresholds, and a benchmark's, target's or guardrail's figures, are in the KPI's unit."""
    if record.instance_type is Kpi:
        return related.get(Kpi, record.id)
    kpi_id = getattr(record, "kpi_id", None)
    return related.get(Kpi, kpi_id) if kpi_id is not None else None


def _no_system_fields(record: Any, name: str) -> bool:
    return False


def _value_text(record: Any, name: str, value: Any, kpi: Kpi | None, related: Related) -> str:
    field = record.instance_type._meta.get_field(name)
    if value is None or value == "":
        return "none"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        target = related.get(field.related_model, value)
        if target is None:
            return f"#{value}"
        return person_name(target) if isinstance(target, User) else str(target)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format_value(value, kpi.unit, kpi.decimals) if kpi is not None else f"{value:,.10g}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    text = str(value)
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


def _field_name(record: Any, name: str) -> str:
    return _FIELD_NAMES.get(name) or f"the {record.instance_type._meta.get_field(name).verbose_name}"


def record_label(record: Any, related: Related) -> str:
    return related.label(record)


def record_text(
    record: Any,
    previous: Any | None,
    related: Related,
    *,
    unit_of: UnitOf = unit_of_kpi_field,
    system: SystemField = _no_system_fields,
) -> str | None:
    """What the record did, against the object's `previous` record; None for a save that changed nothing a
    person sets."""
    kind = kind_of(record.instance_type)
    if record.history_type != "~" or previous is None:
        return f"{_VERB[record.history_type]} the {kind} “{record_label(record, related)}”"
    changes = [change for change in record.diff_against(previous).changes if not system(record, change.field)]
    if not changes:
        return None
    kpi = unit_of(record, related)
    parts = [
        f"{_field_name(record, change.field)} from {_value_text(record, change.field, change.old, kpi, related)} "
        f"to {_value_text(record, change.field, change.new, kpi, related)}"
        for change in changes
    ]
    return f"changed {', '.join(parts)} of the {kind} “{record_label(record, related)}”"


def history_rows(
    records: Iterable[Any],
    *,
    unit_of: UnitOf = unit_of_kpi_field,
    system: SystemField = _no_system_fields,
    limit: int = HISTORY_SHOWN,
) -> list[HistoryRow]:
    """Rows for the records of one or more objects, each against that object's previous record, newest first; at
    most `limit` + 1 of them (one more says there are more), worded from the newest back."""
    previous: dict[tuple[type[Model], Any], Any] = {}
    pairs = []
    for record in sorted(records, key=lambda record: (record.history_date, record.history_id)):
        key = (record.instance_type, record.id)
        pairs.append((record, previous.get(key)))
        previous[key] = record
    related = Related(record for record, _ in pairs[-3 * limit :])
    rows: list[HistoryRow] = []
    for record, before in reversed(pairs):
        if len(rows) > limit:
            break
        text = record_text(record, before, related, unit_of=unit_of, system=system)
        if text is not None:
            rows.append(
                HistoryRow(
                    when=record.history_date,
                    who=person_name(record.history_user),
                    kind=kind_of(record.instance_type),
                    label=record_label(record, related),
                    text=text,
                )
            )
    return rows


def records_of(model: type[Model], **filters: Any) -> QuerySet[Any]:
    """A tracked model's historical records matching `filters` (fields of the recorded object), with their person."""
    manager = model.history  # type: ignore[attr-defined]
    return manager.filter(**filters).select_related("history_user")


def kpi_history(*, kpi: Kpi) -> list[HistoryRow]:
    """The KPI's definition, its benchmarks and its targets, newest first."""
    return history_rows(
        [*records_of(Kpi, id=kpi.pk), *records_of(Benchmark, kpi_id=kpi.pk), *records_of(KpiTarget, kpi_id=kpi.pk)]
    )
