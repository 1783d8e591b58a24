"""`python manage.py okr_report --period LABEL [--team NAME] [--format csv|table]`: one row per key result."""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpis.csv_safety import spreadsheet_safe
from kpis.models import Period
from kpis.periods import parse_label
from okrs.models import KeyResult, Team
from okrs.selectors import key_results_for_report

COLUMNS = [
    "team",
    "objective",
    "key_result",
    "kind",
    "kpi",
    "segment",
    "baseline",
    "baseline_from",
    "target",
    "current",
    "progress",
    "expected",
    "status",
    "forecast",
    "guardrail_breached",
]


def _number(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


def _row(key_result: KeyResult) -> list[str]:
    decimals = key_result.kpi.decimals if key_result.kpi else 2
    return [
        key_result.objective.team.name,
        key_result.objective.title,
        key_result.title,
        key_result.kind,
        key_result.kpi.key if key_result.kpi else "",
        key_result.segment_label if key_result.kpi else "",
        _number(key_result.baseline_value, decimals),
        key_result.baseline_read_from.label if key_result.baseline_read_from else key_result.baseline_source,
        _number(key_result.target_value, decimals),
        _number(key_result.current_value, decimals),
        _number(key_result.progress, 1),
        _number(key_result.expected, 1),
        key_result.status,
        _number(key_result.forecast, decimals),
        "yes" if key_result.guardrail_breached else "no",
    ]


class Command(BaseCommand):
    help = "Print every key result of a period with baseline, target, current value, progress and status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="period label, e.g. 2026-Q1")
        parser.add_argument("--team", help="team name")
        parser.add_argument("--format", choices=["csv", "table"], default="table")

    def handle(self, *args: Any, period: str, team: str | None, format: str, **options: Any) -> None:
        try:
            span = parse_label(period)
        except ValueError as error:
            raise CommandError(str(error)) from None
        found = Period.objects.filter(grain=span.grain, start=span.start).first()
        chosen_team = None
        if team is not None:
            chosen_team = Team.objects.filter(name=team).first()
            if chosen_team is None:
                raise CommandError(f"No team named {team!r}.")
        rows = [_row(kr) for kr in key_results_for_report(period=found, team=chosen_team)] if found else []
        if format == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
            return
        self._table(rows)

    def _table(self, rows: list[list[str]]) -> None:
        widths = [max(len(cell) for cell in column) for column in zip(COLUMNS, *rows, strict=True)]
        for cells in [COLUMNS, ["-" * width for width in widths], *rows]:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip())
