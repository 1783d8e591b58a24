"""Loading a quarter's objectives, key results, guardrails and initiatives from a file: all or nothing.

Objectives are matched by (team, period, title) and key results by (objective, title), so loading a corrected file
again updates in place; a key result's guardrails are replaced by those the file lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from kpis.models import Dimension, Kpi, Period
from kpis.services.calendar import period_for_label
from okrs import okr_file
from okrs.models import Initiative, KeyResult, Objective, Team
from okrs.okr_file import Item, OkrFileError
from okrs.services.activity import initiative_update
from okrs.services.objectives import (
    guardrail_create,
    key_result_read_validate,
    key_result_update,
    objective_update,
)
from okrs.services.recompute import key_result_recompute

_GUARDRAIL = re.compile(r"^\s*([a-z0-9_]+)\s*(>=|<=)\s*(-?[0-9.]+)\s*$")
_NUMBER_FIELDS = {
    "change_percent": "change_percent",
    "band_min": "band_min",
    "band_max": "band_max",
    "weight": "weight",
}


@dataclass
class ImportSummary:
    objectives: int = 0
    key_results: int = 0
    initiatives: int = 0


class _Resolver:
    """Looks names up once each and collects every problem with its line."""

    def __init__(self) -> None:
        self.errors: list[tuple[int, str]] = []
        self._cache: dict[tuple[str, str], Any] = {}

    def fail(self, line: int, message: str) -> None:
        self.errors.append((line, message))

    def _find(self, what: str, name: str, line: int) -> Any:
        key = (what, name)
        if key not in self._cache:
            self._cache[key] = self._lookup(what, name)
        found = self._cache[key]
        if found is None:
            self.fail(line, f"unknown {what} {name!r}")
        return found

    def _lookup(self, what: str, name: str) -> Any:
        if what == "period":
            try:
                return period_for_label(label=name)
            except ValueError:
                return None
        model: Any = {"team": Team, "user": User, "KPI": Kpi, "dimension": Dimension}[what]
        field = {"team": "name", "user": "username", "KPI": "key", "dimension": "key"}[what]
        return model.objects.filter(**{field: name}).first()

    def team(self, name: str, line: int) -> Team | None:
        return self._find("team", name, line)

    def user(self, name: str, line: int) -> User | None:
        return self._find("user", name, line)

    def kpi(self, name: str, line: int) -> Kpi | None:
        return self._find("KPI", name, line)

    def period(self, label: str, line: int) -> Period | None:
        return self._find("period", label, line)

    def segment(self, text: str, line: int) -> tuple[Dimension | None, str]:
        dimension_key, sep, member = text.partition("=")
        if not sep or not member.strip():
            self.fail(line, f"segment {text!r} must read dimension=member, e.g. team=Tier 1")
            return None, ""
        return self._find("dimension", dimension_key.strip(), line), member.strip()

    def number(self, item: Item, name: str) -> float | None:
        value = item.values.get(name)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            self.fail(item.line_of(name), f"{name} must be a number, got {value!r}")
            return None

    def validation(self, item: Item, error: ValidationError, renames: dict[str, str]) -> None:
        for name, messages in error.message_dict.items():
            file_name = renames.get(name, name)
            where = item.line_of(file_name)
            label = "" if name == "__all__" else f"{file_name}: "
            for message in messages:
                self.fail(where, f"{label}{message}")


_KR_RENAMES = {
    "baseline_value": "baseline",
    "target_value": "target",
    "threshold_mode": "threshold",
    "member": "segment",
}


def _objective(item: Item, resolve: _Resolver) -> Objective | None:
    values = item.values
    missing = [name for name in ("title", "team", "owner", "period") if not values.get(name)]
    for name in missing:
        resolve.fail(item.line, f"the objective has no {name}")
    if missing:
        return None
    team = resolve.team(str(values["team"]), item.line_of("team"))
    owner = resolve.user(str(values["owner"]), item.line_of("owner"))
    period = resolve.period(str(values["period"]), item.line_of("period"))
    weight = resolve.number(item, "weight")
    if team is None or owner is None or period is None:
        return None
    title = str(values["title"])
    objective = Objective.objects.filter(team=team, period=period, title=title).first() or Objective(
        team=team, period=period, title=title
    )
    try:
        return objective_update(
            objective=objective,
            recompute=False,
            owner=owner,
            description=str(values.get("description", objective.description)),
            state=str(values.get("state", objective.state)),
            weight=objective.weight if weight is None else weight,
        )
    except ValidationError as error:
        resolve.validation(item, error, {})
        return None


def _key_result_fields(item: Item, resolve: _Resolver) -> dict[str, Any]:
    values = item.values
    fields: dict[str, Any] = {"kind": str(values.get("kind", "")), "direction": str(values.get("direction", ""))}
    if "kpi" in values:
        fields["kpi"] = resolve.kpi(str(values["kpi"]), item.line_of("kpi"))
    if "segment" in values:
        fields["dimension"], fields["member"] = resolve.segment(str(values["segment"]), item.line_of("segment"))
    baseline = values.get("baseline")
    if isinstance(baseline, str) and baseline.strip().lower() == "series":
        fields["baseline_source"] = KeyResult.BaselineSource.SERIES
    elif baseline is not None:
        fields["baseline_value"] = resolve.number(item, "baseline")
    if "baseline_period" in values:
        fields["baseline_period"] = resolve.period(str(values["baseline_period"]), item.line_of("baseline_period"))
    if "target" in values:
        fields["target_value"] = resolve.number(item, "target")
    if "threshold" in values:
        fields["threshold_mode"] = str(values["threshold"])
    for name, model_field in _NUMBER_FIELDS.items():
        if name in values:
            fields[model_field] = resolve.number(item, name)
    return fields


def _guardrails(key_result: KeyResult, guardrails: list[tuple[int, str]], resolve: _Resolver) -> None:
    key_result.guardrails.all().delete()
    for line, text in guardrails:
        match = _GUARDRAIL.match(text)
        if match is None:
            resolve.fail(line, f"guardrail {text!r} must read kpi_key >= number or kpi_key <= number")
            continue
        kpi = resolve.kpi(match[1], line)
        if kpi is None:
            continue
        try:
            guardrail_create(
                key_result=key_result,
                kpi=kpi,
                dimension=key_result.dimension,
                member=key_result.member,
                comparison=match[2],
                threshold=float(match[3]),
                recompute=False,
            )
        except ValidationError as error:
            for message in error.messages:
                resolve.fail(line, f"guardrail: {message}")


def _initiative(key_result: KeyResult, item: Item, resolve: _Resolver) -> None:
    title = str(item.values.get("title", ""))
    if not title:
        resolve.fail(item.line, "the initiative has no title")
        return
    initiative = Initiative.objects.filter(key_result=key_result, title=title).first() or Initiative(
        key_result=key_result, title=title
    )
    fields: dict[str, Any] = {}
    if "owner" in item.values:
        fields["owner"] = resolve.user(str(item.values["owner"]), item.line_of("owner"))
    if "status" in item.values:
        fields["status"] = str(item.values["status"])
    due = item.values.get("due")
    if due is not None:
        try:
            fields["due_date"] = due if isinstance(due, date) else date.fromisoformat(str(due))
        except ValueError:
            resolve.fail(item.line_of("due"), f"due must be a date such as 2026-03-31, got {due!r}")
    try:
        initiative_update(initiative=initiative, **fields)
    except ValidationError as error:
        resolve.validation(item, error, {"due_date": "due"})


def _key_result(objective: Objective, item: Item, resolve: _Resolver) -> KeyResult | None:
    title = str(item.values.get("title", ""))
    if not title:
        resolve.fail(item.line, "the key result has no title")
        return None
    errors_before = len(resolve.errors)
    fields = _key_result_fields(item, resolve)
    if len(resolve.errors) > errors_before:
        return None
    key_result = KeyResult.objects.filter(objective=objective, title=title).first() or KeyResult(
        objective=objective, title=title
    )
    try:
        key_result_update(key_result=key_result, recompute=False, **fields)
    except ValidationError as error:
        resolve.validation(item, error, _KR_RENAMES)
        return None
    _guardrails(key_result, item.guardrails, resolve)
    for initiative in item.children:
        _initiative(key_result, initiative, resolve)
    return key_result


@transaction.atomic
def okrs_import(*, text: str, filename: str) -> ImportSummary:
    """Load the file's objectives; OkrFileError listing every problem by line, and nothing written, on any error."""
    items = okr_file.parse(text, filename=filename)
    resolve = _Resolver()
    summary = ImportSummary()
    computed: list[tuple[KeyResult, Item]] = []
    for item in items:
        objective = _objective(item, resolve)
        if objective is None:
            continue
        summary.objectives += 1
        for kr_item in item.children:
            key_result = _key_result(objective, kr_item, resolve)
            if key_result is not None:
                computed.append((key_result, kr_item))
                summary.initiatives += len(kr_item.children)
    if not resolve.errors:
        for key_result, kr_item in computed:
            try:
                key_result_read_validate(key_result=key_result_recompute(key_result=key_result))
            except ValidationError as error:
                resolve.validation(kr_item, error, _KR_RENAMES)
    if resolve.errors:
        # Leaving by an exception rolls back everything written above.
        raise OkrFileError(resolve.errors)
    summary.key_results = len(computed)
    return summary
