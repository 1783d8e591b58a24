"""The scorecard as an Excel workbook: a KPI sheet and an OKR sheet of real numbers, formatted by unit.

Percentages are stored as fractions under a percent format and durations as days under `[h]:mm:ss`, so that
Excel shows and computes them as what they are; the decimals are the KPI's, as on the page. Each sheet opens with
a title block (period, team, "as of"), then a frozen header with a filter. Every string is stored as a string
(data type `s`), never as a formula, and one a spreadsheet could take for a formula also gets Excel's quote prefix,
so that editing the cell does not turn it into one either.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpis.csv_safety import looks_like_formula
from okrs.exports.document import ExportDocument

# The page's badge colours (config/static/css/tokens.css), light enough to read dark text on.
FILLS = {
    "green": "D8F0E0",
    "on_track": "D8F0E0",
    "amber": "FCEBC7",
    "at_risk": "FCEBC7",
    "red": "F8D7D4",
    "off_track": "F8D7D4",
}
HEADER_FILL = PatternFill("solid", fgColor="E8ECF1")
TITLE_ROWS = 4  # title, period and team, as of, a blank line; the header follows


@dataclass(frozen=True)
class Number:
    """A value with the unit it is in; written as a number with that unit's format."""

    value: float | None
    unit: str = ""
    decimals: int = 1


@dataclass(frozen=True)
class Status:
    word: str
    key: str


Value = str | int | float | date | Number | Status | None


def number_format(unit: str, decimals: int) -> str:
    places = "." + "0" * decimals if decimals else ""
    if unit == "percent":
        return f"0{places}%"
    if unit == "seconds":
        return "[h]:mm:ss"
    if unit == "currency":
        return f"#,##0{places or '.00'}"
    return f"#,##0{places}"


def _excel_value(number: Number) -> float | None:
    if number.value is None:
        return None
    if number.unit == "percent":
        return number.value / 100
    if number.unit == "seconds":
        return number.value / 86400
    return number.value


def _write(sheet: Worksheet, row: int, column: int, value: Value) -> Cell:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, Number):
        cell.value = _excel_value(value)
        cell.number_format = number_format(value.unit, value.decimals)
    elif isinstance(value, Status):
        cell.value = value.word
        cell.data_type = "s"
        if value.key in FILLS:
            cell.fill = PatternFill("solid", fgColor=FILLS[value.key])
    elif isinstance(value, str):
        cell.value = value
        # openpyxl takes a string that starts with "=" for a formula: it is text here, whatever it starts with.
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    else:
        cell.value = value
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
    return cell


def _sheet(
    sheet: Worksheet,
    document: ExportDocument,
    title: str,
    headers: Sequence[tuple[str, int]],
    rows: Sequence[Sequence[Value]],
) -> None:
    _write(sheet, 1, 1, f"{title} · {document.period.label}").font = Font(bold=True, size=14)
    _write(
        sheet,
        2,
        1,
        f"{document.team_label} · {document.period.start:%-d %b %Y} \u2013 {document.period_last_day:%-d %b %Y}",
    )
    _write(sheet, 3, 1, f"As of {document.as_of:%-d %b %Y}")
    header_row = TITLE_ROWS + 1
    for column, (name, width) in enumerate(headers, start=1):
        cell = _write(sheet, header_row, column, name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            _write(sheet, header_row + offset, column, value)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(rows), 1)}"


KPI_HEADERS = [
    ("KPI", 34),
    ("Segment", 22),
    ("Unit", 10),
    ("Actual", 12),
    ("Target", 12),
    ("Target low", 12),
    ("Target high", 12),
    ("Target from", 14),
    ("Status", 12),
    ("Previous period", 14),
    ("Previous", 12),
    ("Change", 12),
    ("Change is", 11),
    ("Actual for", 24),
]

OKR_HEADERS = [
    ("Team", 18),
    ("Objective", 36),
    ("Key result", 40),
    ("Kind", 12),
    ("KPI", 26),
    ("Segment", 20),
    ("Current", 12),
    ("Target", 12),
    ("Baseline", 12),
    ("Baseline from", 18),
    ("Forecast", 12),
    ("Forecast low", 12),
    ("Forecast high", 12),
    ("Progress", 10),
    ("Expected", 10),
    ("Status", 12),
    ("Guardrail", 30),
    ("Guardrail value", 14),
    ("Confidence", 11),
    ("Last comment", 48),
    ("Checked in", 12),
    ("Owner", 18),
]


def _kpi_rows(document: ExportDocument) -> list[list[Value]]:
    rows: list[list[Value]] = []
    for row in document.kpis:
        line, unit, decimals = row.line, row.unit, row.decimals
        # A change in a percentage is in points: a plain number, not a fraction of the whole.
        change_unit = "" if unit == "percent" else unit
        rows.append(
            [
                row.name,
                row.segment,
                unit,
                Number(line.actual, unit, decimals),
                Number(line.target, unit, decimals),
                Number(line.target_low, unit, decimals),
                Number(line.target_high, unit, decimals),
                row.target_source,
                Status(row.status, row.status_key),
                row.previous_label,
                Number(line.previous, unit, decimals),
                Number(line.change, change_unit, decimals),
                row.change_is,
                row.actual_period,
            ]
        )
    return rows


def _okr_rows(document: ExportDocument) -> list[list[Value]]:
    rows: list[list[Value]] = []
    for objective in document.objectives:
        summary = objective.summary
        rows.append(
            [
                objective.team,
                objective.title,
                "",
                "Objective",
                "",
                "",
                None,
                None,
                None,
                "",
                None,
                None,
                None,
                Number(summary.progress, "percent", 0),
                Number(summary.expected, "percent", 0),
                Status(objective.status, objective.status_key),
                "",
                None,
                None,
                "",
                None,
                objective.owner,
            ]
        )
        for kr in objective.key_results:
            model, unit, decimals = kr.key_result, kr.unit, kr.decimals
            guardrail = kr.guardrails[0] if kr.guardrails else None
            rows.append(
                [
                    objective.team,
                    objective.title,
                    kr.title,
                    kr.kind,
                    kr.kpi_name,
                    kr.segment,
                    Number(model.current_value, unit, decimals),
                    Number(model.target_value, unit, decimals),
                    Number(model.baseline_value, unit, decimals) if kr.baseline_from else None,
                    kr.baseline_from,
                    Number(model.forecast, unit, decimals),
                    Number(model.forecast_low if kr.forecast_range else None, unit, decimals),
                    Number(model.forecast_high if kr.forecast_range else None, unit, decimals),
                    Number(model.progress, "percent", 0),
                    Number(model.expected, "percent", 0),
                    Status(kr.status, kr.status_key),
                    kr.guardrail_text,
                    None if guardrail is None else Number(guardrail.value, guardrail.unit, guardrail.decimals),
                    kr.confidence,
                    kr.comment,
                    kr.check_in_day,
                    objective.owner,
                ]
            )
    return rows


def render(document: ExportDocument) -> bytes:
    workbook = Workbook()
    kpi_sheet = workbook.active
    assert kpi_sheet is not None
    kpi_sheet.title = "KPIs"
    _sheet(kpi_sheet, document, "KPIs", KPI_HEADERS, _kpi_rows(document))
    okr_sheet = workbook.create_sheet("OKRs")
    _sheet(okr_sheet, document, "Objectives and key results", OKR_HEADERS, _okr_rows(document))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
