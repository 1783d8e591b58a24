"""The scorecard as CSV: one row per KPI line, then per objective, each followed by its key results.

Every number comes as the page shows it (`11.0 %`) and raw (`11`: a point, no separator, no unit) in a `_raw`
column that spreadsheets read as a number. Every text cell is neutralised against formula injection.
"""

from __future__ import annotations

import csv
import io

from kpis.csv_safety import spreadsheet_safe as text
from kpis.formatting import format_raw
from okrs.exports.document import ExportDocument, KeyResultRow, ObjectiveRow

COLUMNS = [
    "section",
    "period",
    "as_of",
    "team",
    "objective",
    "name",
    "kpi",
    "segment",
    "unit",
    "actual",
    "actual_raw",
    "actual_period",
    "target",
    "target_raw",
    "target_low_raw",
    "target_high_raw",
    "target_source",
    "status",
    "previous_period",
    "previous",
    "previous_raw",
    "change",
    "change_raw",
    "change_is",
    "baseline",
    "baseline_raw",
    "baseline_from",
    "forecast",
    "forecast_raw",
    "forecast_range",
    "forecast_low_raw",
    "forecast_high_raw",
    "progress",
    "progress_raw",
    "expected",
    "expected_raw",
    "guardrail",
    "guardrail_value",
    "guardrail_value_raw",
    "guardrail_breached",
    "confidence",
    "comment",
    "check_in_day",
    "owner",
]


def rows(document: ExportDocument) -> list[dict[str, str]]:
    common = {"period": document.period.label, "as_of": document.as_of.isoformat()}
    found: list[dict[str, str]] = []
    for row in document.kpis:
        line = row.line
        found.append(
            {
                **common,
                "section": "kpi",
                "name": text(row.name),
                "kpi": text(row.key),
                "segment": text(row.segment),
                "unit": row.unit,
                "actual": text(row.actual),
                "actual_raw": format_raw(line.actual),
                "actual_period": text(row.actual_period),
                "target": text(row.target),
                "target_raw": format_raw(line.target),
                "target_low_raw": format_raw(line.target_low),
                "target_high_raw": format_raw(line.target_high),
                "target_source": row.target_source,
                "status": row.status,
                "previous_period": row.previous_label,
                "previous": text(row.previous),
                "previous_raw": format_raw(line.previous),
                "change": text(row.change),
                "change_raw": format_raw(line.change),
                "change_is": row.change_is,
            }
        )
    for objective in document.objectives:
        found.append(_objective(objective, common))
        found.extend(_key_result(objective, kr, common) for kr in objective.key_results)
    return found


def _objective(objective: ObjectiveRow, common: dict[str, str]) -> dict[str, str]:
    summary = objective.summary
    return {
        **common,
        "section": "objective",
        "team": text(objective.team),
        "objective": text(objective.title),
        "name": text(objective.title),
        "status": objective.status,
        "progress": objective.progress,
        "progress_raw": format_raw(summary.progress),
        "expected": objective.expected,
        "expected_raw": format_raw(summary.expected),
        "owner": text(objective.owner),
    }


def _key_result(objective: ObjectiveRow, kr: KeyResultRow, common: dict[str, str]) -> dict[str, str]:
    model = kr.key_result
    guardrail = kr.guardrails[0] if kr.guardrails else None
    return {
        **common,
        "section": "key_result",
        "team": text(objective.team),
        "objective": text(objective.title),
        "name": text(kr.title),
        "kpi": text(kr.kpi_key),
        "segment": text(kr.segment),
        "unit": kr.unit,
        "actual": text(kr.current),
        "actual_raw": format_raw(model.current_value),
        "target": text(kr.target),
        "target_raw": format_raw(model.target_value),
        "target_low_raw": format_raw(model.band_min),
        "target_high_raw": format_raw(model.band_max),
        "status": kr.status,
        "baseline": text(kr.baseline),
        "baseline_raw": format_raw(model.baseline_value) if kr.baseline_from else "",
        "baseline_from": kr.baseline_from,
        "forecast": text(kr.forecast),
        "forecast_raw": format_raw(model.forecast),
        "forecast_range": text(kr.forecast_range),
        "forecast_low_raw": format_raw(model.forecast_low) if kr.forecast_range else "",
        "forecast_high_raw": format_raw(model.forecast_high) if kr.forecast_range else "",
        "progress": kr.progress,
        "progress_raw": format_raw(model.progress),
        "expected": kr.expected,
        "expected_raw": format_raw(model.expected),
        "guardrail": text(kr.guardrail_text),
        "guardrail_value": "" if guardrail is None else text(guardrail.value_text),
        "guardrail_value_raw": "" if guardrail is None else format_raw(guardrail.value),
        "guardrail_breached": "yes" if model.guardrail_breached else "no",
        "confidence": "" if kr.confidence is None else str(kr.confidence),
        "comment": text(kr.comment),
        "check_in_day": "" if kr.check_in_day is None else kr.check_in_day.isoformat(),
        "owner": text(objective.owner),
    }


def render(document: ExportDocument) -> bytes:
    out = io.StringIO()
    # A byte-order mark makes Excel read the file as UTF-8 (names with accents, the em dash).
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="")
    writer.writeheader()
    writer.writerows(rows(document))
    return out.getvalue().encode("utf-8")
