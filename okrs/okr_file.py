"""Reading an OKR file (YAML or CSV) into plain specs that remember their line numbers.

Pure: no database. Only the shape is checked here (known fields, one value each, lists where lists go); names of
teams, people, KPIs and periods are resolved by okrs.services.okr_import. The format is documented in
docs/okr-format.md.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import yaml

OBJECTIVE_FIELDS = {"title", "team", "owner", "period", "state", "weight", "description", "key_results"}
KEY_RESULT_FIELDS = {
    "title",
    "kind",
    "kpi",
    "segment",
    "direction",
    "baseline",
    "baseline_period",
    "freeze_baseline",
    "target",
    "change_percent",
    "threshold",
    "band_min",
    "band_max",
    "weight",
    "guardrails",
    "initiatives",
}
INITIATIVE_FIELDS = {"title", "owner", "status", "due"}
CSV_COLUMNS = {
    "period": "objective.period",
    "team": "objective.team",
    "owner": "objective.owner",
    "objective": "objective.title",
    "objective_state": "objective.state",
    "objective_weight": "objective.weight",
    "key_result": "key_result.title",
    **{name: f"key_result.{name}" for name in KEY_RESULT_FIELDS - {"title", "initiatives", "guardrails"}},
    "guardrails": "key_result.guardrails",
    "initiatives": "key_result.initiatives",
}


class OkrFileError(Exception):
    """Problems found in a file, each with its line number."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = sorted(errors)
        super().__init__("; ".join(f"line {line}: {message}" for line, message in self.errors))


@dataclass
class Item:
    """One objective, key result or initiative as the file gives it: values and the line of each."""

    line: int
    values: dict[str, Any]
    lines: dict[str, int]
    children: list[Item] = field(default_factory=list)
    guardrails: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, name: str) -> int:
        return self.lines.get(name, self.line)


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records where each mapping and each of its keys starts."""


def _mapping_with_lines(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        str(key): value for key, value in yaml.SafeLoader.construct_mapping(loader, node).items()
    }
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__lines__"] = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_lines)


def _item(raw: dict[str, Any], allowed: set[str], what: str, errors: list[tuple[int, str]]) -> Item:
    lines = raw.pop("__lines__")
    line = raw.pop("__line__")
    for name in sorted(set(raw) - allowed):
        errors.append((lines.get(name, line), f"unknown {what} field {name!r}; use {', '.join(sorted(allowed))}"))
    values = {name: value for name, value in raw.items() if name in allowed and value is not None}
    return Item(line=line, values=values, lines=lines)


def _list(item: Item, name: str, errors: list[tuple[int, str]]) -> list[Any]:
    value = item.values.pop(name, [])
    if not isinstance(value, list):
        errors.append((item.line_of(name), f"{name} must be a list"))
        return []
    return value


def _mappings(values: list[Any], what: str, line: int, errors: list[tuple[int, str]]) -> list[dict[str, Any]]:
    found = []
    for value in values:
        if isinstance(value, dict):
            found.append(value)
        else:
            errors.append((line, f"each {what} must be a mapping of fields, got {value!r}"))
    return found


def parse_yaml(text: str) -> list[Item]:
    """Objectives (with their key results, guardrails and initiatives) from YAML; OkrFileError on any problem."""
    try:
        document = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise OkrFileError([(line, f"not valid YAML: {error.problem}")]) from None
    if not isinstance(document, dict) or not isinstance(document.get("objectives"), list):
        raise OkrFileError([(1, "the file must have a top-level 'objectives:' list")])
    errors: list[tuple[int, str]] = [
        (document["__lines__"][name], f"unknown top-level field {name!r}; use period and objectives")
        for name in document
        if not name.startswith("__") and name not in ("period", "objectives")
    ]
    default_period = document.get("period")
    objectives = []
    for raw in _mappings(document["objectives"], "objective", document["__lines__"]["objectives"], errors):
        objective = _item(raw, OBJECTIVE_FIELDS, "objective", errors)
        if default_period is not None:
            objective.values.setdefault("period", default_period)
            objective.lines.setdefault("period", document["__lines__"]["period"])
        for raw_kr in _mappings(_list(objective, "key_results", errors), "key result", objective.line, errors):
            key_result = _item(raw_kr, KEY_RESULT_FIELDS, "key result", errors)
            for raw_initiative in _mappings(
                _list(key_result, "initiatives", errors), "initiative", key_result.line, errors
            ):
                key_result.children.append(_item(raw_initiative, INITIATIVE_FIELDS, "initiative", errors))
            line = key_result.line_of("guardrails")
            key_result.guardrails = [(line, str(text)) for text in _list(key_result, "guardrails", errors)]
            objective.children.append(key_result)
        objectives.append(objective)
    if errors:
        raise OkrFileError(errors)
    return objectives


def parse_csv(text: str) -> list[Item]:
    """Objectives from a CSV with one row per key result (header on line 1); rows of one objective share
    period, team and objective title."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    errors = [(1, f"unknown column {name!r}") for name in header if name not in CSV_COLUMNS]
    for required in ("team", "owner", "objective", "period"):
        if required not in header:
            errors.append((1, f"missing column {required!r}"))
    if errors:
        raise OkrFileError(errors)
    objectives: dict[tuple[str, str, str], Item] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append((line, f"{len(row)} cells where the header has {len(header)}"))
            continue
        cells = {CSV_COLUMNS[name]: cell.strip() for name, cell in zip(header, row, strict=True) if cell.strip()}
        objective_values = {k.split(".")[1]: v for k, v in cells.items() if k.startswith("objective.")}
        key = (objective_values.get("period", ""), objective_values.get("team", ""), objective_values.get("title", ""))
        objective = objectives.get(key)
        if objective is None:
            objective = Item(line=line, values=objective_values, lines=dict.fromkeys(objective_values, line))
            objectives[key] = objective
        kr_values = {k.split(".")[1]: v for k, v in cells.items() if k.startswith("key_result.")}
        if not kr_values:
            continue
        guardrails = kr_values.pop("guardrails", "")
        initiatives = kr_values.pop("initiatives", "")
        key_result = Item(line=line, values=kr_values, lines=dict.fromkeys(kr_values, line))
        key_result.guardrails = [(line, part.strip()) for part in guardrails.split("|") if part.strip()]
        key_result.children = [
            Item(line=line, values={"title": title.strip()}, lines={})
            for title in initiatives.split("|")
            if title.strip()
        ]
        objective.children.append(key_result)
    if errors:
        raise OkrFileError(errors)
    return list(objectives.values())


def parse(text: str, *, filename: str) -> list[Item]:
    """Objectives from a file's text; YAML for .yaml/.yml, CSV otherwise."""
    if filename.lower().endswith((".yaml", ".yml")):
        return parse_yaml(text)
    return parse_csv(text)
