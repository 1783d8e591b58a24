"""The scorecard as CSV text: the same selector the page reads (okrs.scorecard.selector), written for a spreadsheet."""

from __future__ import annotations

import csv
import io

from kpis.csv_safety import spreadsheet_safe as text
from kpis.formatting import format_raw
from okrs.models import Status
from okrs.scorecard.selector import Scorecard

CSV_COLUMNS = [
    "section",
    "period",
    "team",
    "objective",
    "name",
    "kpi",
    "segment",
    "unit",
    "actual",
    "target",
    "target_low",
    "target_high",
    "status",
    "previous_period",
    "previous",
    "change",
    "change_is",
    "progress",
    "expected",
    "owner",
]


def scorecard_rows(card: Scorecard) -> list[dict[str, str]]:
    """The scorecard as CSV rows: one per KPI line, then per objective, each followed by its key results.

    Numbers are raw (a point, no thousands separator, no unit) so a spreadsheet reads them as numbers; the unit
    has its own column. Every text cell is neutralised against formula injection.
    """
    label = card.period.label
    rows: list[dict[str, str]] = []
    for line in card.kpi_lines:
        rows.append(
            {
                "section": "kpi",
                "period": label,
                "name": text(line.kpi.name),
                "kpi": text(line.kpi.key),
                "segment": text(line.segment_label),
                "unit": line.kpi.unit,
                "actual": format_raw(line.actual),
                "target": format_raw(line.target),
                "target_low": format_raw(line.target_low),
                "target_high": format_raw(line.target_high),
                "status": line.status or "",
                "previous_period": line.previous_label,
                "previous": format_raw(line.previous),
                "change": format_raw(line.change),
                "change_is": line.change_is or "",
            }
        )
    for summary in card.objectives:
        objective = summary.objective
        common = {
            "period": label,
            "team": text(objective.team.name),
            "objective": text(objective.title),
            "owner": text(objective.owner.get_full_name() or objective.owner.get_username()),
        }
        rows.append(
            {
                **common,
                "section": "objective",
                "name": common["objective"],
                "status": summary.status.value,
                "progress": format_raw(summary.progress),
                "expected": format_raw(summary.expected),
            }
        )
        for kr in summary.key_results:
            kpi = kr.kpi
            rows.append(
                {
                    **common,
                    "section": "key_result",
                    "name": text(kr.title),
                    "kpi": "" if kpi is None else text(kpi.key),
                    "segment": "" if kpi is None else text(kr.segment_label),
                    "unit": "" if kpi is None else kpi.unit,
                    "actual": format_raw(kr.current_value),
                    "target": format_raw(kr.target_value),
                    "target_low": format_raw(kr.band_min),
                    "target_high": format_raw(kr.band_max),
                    "status": Status(kr.status).value,
                    "progress": format_raw(kr.progress),
                    "expected": format_raw(kr.expected),
                }
            )
    return rows


def scorecard_csv_text(card: Scorecard) -> str:
    """The whole file, with a byte-order mark so that Excel reads it as UTF-8 (names with accents, the em dash)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, restval="")
    writer.writeheader()
    writer.writerows(scorecard_rows(card))
    return out.getvalue()
