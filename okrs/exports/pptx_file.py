"""The scorecard as slides (python-pptx): a title slide, a summary slide, then one slide per objective.

The summary shows each team's progress as a native bar chart beside a table of counts on track, at risk and off
track; each objective's slide holds its key results in a table and their progress against the expected pace as a
native chart (editable in PowerPoint, not a picture). The speaker notes carry the latest check-in comments.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.opc.package import OpcPackage
from pptx.opc.packuri import PackURI
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.table import Table
from pptx.util import Emu, Inches, Pt

from okrs.exports.document import ExportDocument, KeyResultRow, ObjectiveRow

ACCENT = RGBColor(0x3B, 0x5B, 0xDB)
MUTED = RGBColor(0x6B, 0x74, 0x80)
HEADER = RGBColor(0xE8, 0xEC, 0xF1)
FILLS = {
    "on_track": RGBColor(0xD8, 0xF0, 0xE0),
    "at_risk": RGBColor(0xFC, 0xEB, 0xC7),
    "off_track": RGBColor(0xF8, 0xD7, 0xD4),
}
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
TITLE_ONLY = 5


def _text(frame_owner: Any, text: str, *, size: int, bold: bool = False, color: RGBColor | None = None) -> None:
    frame = frame_owner.text_frame
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            if color is not None:
                run.font.color.rgb = color


def _title(slide: Slide, text: str, subtitle: str) -> None:
    assert slide.shapes.title is not None
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = Inches(0.5), Inches(0.3), Emu(WIDTH - Inches(1)), Inches(0.8)
    _text(title, text, size=26, bold=True)
    box = slide.shapes.add_textbox(Inches(0.5), Inches(1.05), Emu(WIDTH - Inches(1)), Inches(0.4))
    _text(box, subtitle, size=12, color=MUTED)


def _table(slide: Slide, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    height = Emu(Inches(0.32) * (len(rows) + 1))
    shape = slide.shapes.add_table(len(rows) + 1, len(headers), Inches(0.5), Inches(1.6), Inches(sum(widths)), height)
    table = shape.table
    for column, width in enumerate(widths):
        table.columns[column].width = Inches(width)
    for column, header in enumerate(headers):
        cell = table.cell(0, column)
        cell.fill.solid()
        cell.fill.fore_color.rgb = HEADER
        _text(cell, header, size=10, bold=True, color=RGBColor(0x1B, 0x1F, 0x24))
    for row_index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            _text(table.cell(row_index, column), value, size=10)
    return table


def _status_fill(table: Table, row: int, column: int, key: str) -> None:
    cell = table.cell(row, column)
    cell.fill.solid()
    cell.fill.fore_color.rgb = FILLS.get(key, RGBColor(0xF0, 0xF2, 0xF5))


def _title_slide(presentation: Deck, document: ExportDocument) -> None:
    slide = presentation.slides.add_slide(presentation.slide_layouts[0])
    assert slide.shapes.title is not None
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    # The layout's placeholders sit where a 4:3 slide has its middle: centred again on the wide slide.
    for shape, top, height in ((title, Inches(2.2), Inches(1.4)), (subtitle, Inches(3.8), Inches(1.2))):
        shape.left, shape.top, shape.width, shape.height = Inches(0.8), top, Emu(WIDTH - Inches(1.6)), height
    _text(title, f"Scorecard {document.period.label}", size=40, bold=True, color=ACCENT)
    _text(
        subtitle,
        f"{document.team_label} · {document.period.start:%-d %b %Y} \u2013 {document.period_last_day:%-d %b %Y}\n"
        f"As of {document.as_of:%-d %b %Y}",
        size=18,
        color=MUTED,
    )


def _summary_slide(presentation: Deck, document: ExportDocument) -> None:
    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_ONLY])
    rollup = document.rollup
    _title(
        slide,
        f"Summary · {document.progress} progress",
        f"{rollup.key_results} key results: {rollup.on_track} on track, {rollup.at_risk} at risk, "
        f"{rollup.off_track} off track, {rollup.no_data} without data · {document.as_of_text}",
    )
    rows = [
        [
            t.team,
            str(t.rollup.objectives),
            t.progress,
            str(t.rollup.on_track),
            str(t.rollup.at_risk),
            str(t.rollup.off_track),
        ]
        for t in document.teams[:14]
    ]
    rows.append(
        [
            "All",
            str(rollup.objectives),
            document.progress,
            str(rollup.on_track),
            str(rollup.at_risk),
            str(rollup.off_track),
        ]
    )
    _table(
        slide,
        ["Team", "Objectives", "Progress", "On track", "At risk", "Off track"],
        rows,
        [2.6, 1.2, 1.1, 1.0, 1.0, 1.0],
    )
    teams = document.teams[:14]
    _progress_chart(slide, [(t.team, t.rollup.progress, t.rollup.expected) for t in teams])


def _progress_chart(slide: Slide, bars: Sequence[tuple[str, float | None, float | None]]) -> None:
    """A native bar chart of progress against the expected pace, one pair of bars per (label, progress, expected)."""
    if not bars:
        return
    # A bar chart draws its first category at the bottom: reversed, the chart reads top-down like the table.
    shown = list(bars)[::-1]
    data = CategoryChartData(number_format='0"%"')
    data.categories = [label for label, _, _ in shown]
    data.add_series("Progress", [round(progress or 0, 1) for _, progress, _ in shown])
    data.add_series("Expected", [round(expected or 0, 1) for _, _, expected in shown])
    shapes: Any = slide.shapes  # python-pptx's own hints say add_chart returns the chart, not its frame
    _style_chart(
        shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Inches(8.6), Inches(1.6), Inches(4.3), Inches(5.4), data).chart
    )


def _style_chart(chart: Any) -> None:
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    value_axis = chart.value_axis
    value_axis.minimum_scale, value_axis.maximum_scale = 0, 100
    value_axis.tick_labels.font.size = Pt(9)
    value_axis.tick_labels.number_format = '0"%"'
    value_axis.tick_labels.number_format_is_linked = False
    chart.legend.font.size = Pt(10)
    chart.category_axis.tick_labels.font.size = Pt(9)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.series[0].format.fill.solid()
    plot.series[0].format.fill.fore_color.rgb = ACCENT
    plot.series[1].format.fill.solid()
    plot.series[1].format.fill.fore_color.rgb = RGBColor(0xC5, 0xCB, 0xD3)


def _objective_slide(presentation: Deck, document: ExportDocument, objective: ObjectiveRow) -> None:
    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_ONLY])
    _title(
        slide,
        objective.title,
        f"{objective.team} · owner {objective.owner} · {objective.progress} progress, expected {objective.expected} · "
        f"{objective.status} · {document.as_of_text}",
    )
    krs = objective.key_results[:12]
    # Numbered, so that the chart's bars can be named "KR 1", "KR 2" instead of by titles too long to fit.
    rows = [[str(n), kr.title, f"{kr.current} → {kr.target}", kr.progress, kr.status] for n, kr in enumerate(krs, 1)]
    table = _table(
        slide, ["#", "Key result", "Current → target", "Progress", "Status"], rows, [0.4, 3.7, 1.9, 0.9, 1.0]
    )
    for index, kr in enumerate(krs, start=1):
        _status_fill(table, index, 4, kr.status_key)
    _progress_chart(slide, [(f"KR {n}", kr.key_result.progress, kr.key_result.expected) for n, kr in enumerate(krs, 1)])
    notes = slide.notes_slide.notes_text_frame
    assert notes is not None
    notes.text = "\n".join(_note(kr) for kr in objective.key_results) or "No key results."


def _note(kr: KeyResultRow) -> str:
    if kr.check_in_day is None:
        return f"{kr.title}: no check-in yet."
    said = f", confidence {kr.confidence}/10" if kr.confidence is not None else ""
    return f"{kr.title} ({kr.check_in_day:%-d %b}{said}): {kr.comment or 'no comment'}"


def _counted_partnames(package: OpcPackage) -> Callable[[str], PackURI]:
    """The next free name for a new part of the deck (a chart, its workbook, a slide's notes), by count.

    python-pptx finds one by walking every part of the deck each time: over 200 slides, three new parts each, that
    walk was half the writer's time. A deck built here never loses a part, so each kind's names are counted on.
    """
    taken = {str(part.partname) for part in package.iter_parts()}
    following: dict[str, int] = {}

    def next_partname(template: str) -> PackURI:
        number = following.get(template, 1)
        while template % number in taken:
            number += 1
        taken.add(template % number)
        following[template] = number + 1
        return PackURI(template % number)

    return next_partname


def render(document: ExportDocument) -> bytes:
    presentation = Presentation()
    package = presentation.part.package
    package.next_partname = _counted_partnames(package)  # type: ignore[method-assign,assignment]  # see there
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    _title_slide(presentation, document)
    _summary_slide(presentation, document)
    for objective in document.objectives:
        _objective_slide(presentation, document, objective)
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()
