"""The History of a key result and of an objective, and the org audit log, in the wording of kpis.history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import CharField, Model, Q, QuerySet, Value
from django.urls import reverse

from kpis.history import (
    HistoryRow,
    Related,
    history_rows,
    kind_of,
    person_name,
    record_label,
    record_text,
    records_of,
    unit_of_kpi_field,
)
from kpis.models import Benchmark, Dimension, ImportBatch, Kpi, KpiTarget, Measure
from okrs.models import CheckIn, Guardrail, Initiative, KeyResult, Membership, Objective, Person, Team

# Every tracked model, by the word the audit log's filter shows.
KINDS: dict[str, type[Model]] = {
    kind_of(model): model
    for model in (
        Objective,
        KeyResult,
        Guardrail,
        Initiative,
        CheckIn,
        Kpi,
        Benchmark,
        KpiTarget,
        Measure,
        Dimension,
        ImportBatch,
        Team,
        Membership,
        Person,
        User,
    )
}


def _unit_of(record: Any, related: Related) -> Kpi | None:
    """A check-in's numbers are in its key result's KPI's unit."""
    if record.instance_type is CheckIn:
        key_result = related.get(KeyResult, record.key_result_id)
        return related.get(Kpi, key_result.kpi_id) if key_result is not None and key_result.kpi_id else None
    return unit_of_kpi_field(record, related)


def _system_field(record: Any, name: str) -> bool:
    """A key result's baseline read from the series, or target derived from it: the recompute's, not a person's.
    Where they come from follows from the kind a person chose, which is shown itself."""
    if record.instance_type is not KeyResult:
        return False
    if name in ("baseline_source", "target_source"):
        return True
    if name == "baseline_value":
        return bool(record.baseline_source == KeyResult.BaselineSource.SERIES)
    if name == "target_value":
        return bool(record.target_source == KeyResult.TargetSource.DERIVED)
    return False


def key_result_history(*, key_result: KeyResult) -> list[HistoryRow]:
    """The key result's own changes and those of its guardrails, initiatives and check-ins, newest first."""
    records = [
        *records_of(KeyResult, id=key_result.pk),
        *records_of(Guardrail, key_result_id=key_result.pk),
        *records_of(Initiative, key_result_id=key_result.pk),
        *records_of(CheckIn, key_result_id=key_result.pk),
    ]
    return history_rows(records, unit_of=_unit_of, system=_system_field)


def objective_history(*, objective: Objective) -> list[HistoryRow]:
    """The objective's changes and its key results' (each key result's page has their guardrails and check-ins)."""
    records = [*records_of(Objective, id=objective.pk), *records_of(KeyResult, objective_id=objective.pk)]
    return history_rows(records, unit_of=_unit_of, system=_system_field)


@dataclass(frozen=True)
class AuditFilter:
    person: User | None = None
    object_type: str = ""
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def audit_log(*, filters: AuditFilter) -> QuerySet[Any]:
    """Every recorded change matching `filters`, newest first, as (kind, history_id, history_date) rows of one
    UNION query that a paginator can count and slice; `audit_log_rows` words a page of them."""
    where = Q()
    if filters.person is not None:
        where &= Q(history_user=filters.person)
    if filters.first_day is not None:
        where &= Q(history_date__date__gte=filters.first_day)
    if filters.last_day is not None:
        where &= Q(history_date__date__lte=filters.last_day)
    parts = [
        model.history.filter(where)  # type: ignore[attr-defined]
        .annotate(audit_kind=Value(object_type, output_field=CharField()))
        .values_list("audit_kind", "history_id", "history_date")
        .order_by()
        for object_type, model in KINDS.items()
        if filters.object_type in ("", object_type)
    ]
    first, *rest = parts
    return (first.union(*rest, all=True) if rest else first).order_by("-history_date", "-history_id")


def audit_log_rows(page: Sequence[tuple[str, int, dt.datetime]]) -> list[HistoryRow]:
    """One page of the audit log in words, each change against its object's previous record."""
    records = [
        (kind, KINDS[kind].history.select_related("history_user").get(history_id=history_id))  # type: ignore[attr-defined]
        for kind, history_id, _ in page
    ]
    related = Related(record for _, record in records)
    rows = []
    for kind, record in records:
        previous = record.prev_record if record.history_type == "~" else None
        text = record_text(record, previous, related, unit_of=_unit_of, system=_system_field)
        label = record_label(record, related)
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=person_name(record.history_user),
                kind=kind,
                label=label,
                text=text or f"saved the {kind} “{label}”: only the figures the system computes moved",
                url=_url_of(record),
            )
        )
    return rows


def _url_of(record: Any) -> str:
    """Where the changed object is seen, while it still exists."""
    model = record.instance_type
    if not model._default_manager.filter(pk=record.id).exists():
        return ""
    if model is KeyResult:
        return reverse("key_result_detail", args=[record.id])
    if model is Objective:
        return reverse("objective_detail", args=[record.id])
    if model is Kpi:
        return reverse("kpi_detail", args=[record.key])
    if model is ImportBatch:
        return reverse("import_detail", args=[record.id])
    if model is Team:
        return reverse("team_detail", args=[record.id])
    return ""


def audit_people() -> QuerySet[User]:
    """Who the audit log can be filtered by: every account, active or not, by name."""
    return User.objects.order_by("first_name", "last_name", "username")
