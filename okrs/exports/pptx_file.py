"""The scorecard as slides (python-pptx): a title slide, summary slides, then one slide per objective.

Each summary slide shows up to 14 teams' progress (as many slides as it takes) as a native bar chart beside a table
of counts on track, at risk and off track; each objective's slide holds its key results in a table and their
progress against the expected pace as a native chart (editable in PowerPoint, not a picture). The speaker notes
carry the latest check-in comments.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import OpcPackage
from pptx.opc.packuri import PackURI
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls
from pptx.parts.slide import NotesSlidePart
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.table import Table
from pptx.text.text import TextFrame
from pptx.util import Emu, Inches, Pt

from okrs.exports.document import ExportDocument, KeyResultRow, ObjectiveRow, TeamRow

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


def _table(
    slide: Slide,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    fills: Mapping[tuple[int, int], RGBColor] | None = None,
) -> Table:
    """A table of text in 10 pt, its header row bold on a grey fill; `fills` colours the cells at (row, column).

    The rows are written as one piece of XML and parsed once, as python-pptx itself would write them cell by cell
    (each cell's text, font and fill looked up and created through its API): on the quarter's 200 slides that was
    about half of the writer's time.
    """
    count = len(rows) + 1
    height = Inches(0.32) * count
    shape = slide.shapes.add_table(1, len(headers), Inches(0.5), Inches(1.6), Inches(sum(widths)), Emu(height))
    table = shape.table
    tbl = table._tbl
    # As `table.columns[n].width = ...` sets them, without adding the columns up again after each one.
    for grid_column, width in zip(tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid_column.w = Inches(width)
    shape.width = Emu(sum(grid_column.w for grid_column in tbl.tblGrid.gridCol_lst))
    tbl.remove(tbl.tr_lst[0])
    grid: list[list[_Cell]] = [[(_HEADER_RUN, header, HEADER) for header in headers]]
    grid += [
        [(_BODY_RUN, value, (fills or {}).get((index, column))) for column, value in enumerate(row)]
        for index, row in enumerate(rows, start=1)
    ]
    row_height = height // count
    last_height = height - (count - 1) * row_height
    xml = "".join(
        _row_xml(cells, last_height if index == count - 1 else row_height) for index, cells in enumerate(grid)
    )
    tbl.extend(parse_xml(f"<a:tbl {nsdecls('a')}>{xml}</a:tbl>"))
    for row_index, cells in enumerate(grid):
        for column, (run, value, _) in enumerate(cells):
            if _ESCAPED.search(value):
                # python-pptx's own rules for control characters and vertical tabs, too rare to write again.
                _text(table.cell(row_index, column), value, size=10, bold=run is _HEADER_RUN, color=_run_color(run))
    return table


_HEADER_COLOR = RGBColor(0x1B, 0x1F, 0x24)
_HEADER_RUN = f'<a:rPr sz="1000" b="1"><a:solidFill><a:srgbClr val="{_HEADER_COLOR}"/></a:solidFill></a:rPr>'
_BODY_RUN = '<a:rPr sz="1000" b="0"/>'
_ESCAPED = re.compile(r"[\x00-\x08\x0B-\x1F]")


_Cell = tuple[str, str, RGBColor | None]  # the run's properties, the text, the fill


def _run_color(run: str) -> RGBColor | None:
    return _HEADER_COLOR if run is _HEADER_RUN else None


def _row_xml(cells: Sequence[_Cell], height: int) -> str:
    return f'<a:tr h="{height}">' + "".join(_cell_xml(*cell) for cell in cells) + "</a:tr>"


def _cell_xml(run: str, text: str, fill: RGBColor | None) -> str:
    """A cell as python-pptx writes one whose `text_frame.text` is set and whose runs get the font in `run`: one
    paragraph per line, none of them with a run when it is empty."""
    paragraphs = "".join(
        f"<a:p><a:r>{run}<a:t>{escape(line)}</a:t></a:r></a:p>" if line and not _ESCAPED.search(line) else "<a:p/>"
        for line in text.split("\n")
    )
    properties = f'<a:tcPr><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill></a:tcPr>' if fill else "<a:tcPr/>"
    return f"<a:tc><a:txBody><a:bodyPr/><a:lstStyle/>{paragraphs}</a:txBody>{properties}</a:tc>"


def _status_fill(key: str) -> RGBColor:
    return FILLS.get(key, RGBColor(0xF0, 0xF2, 0xF5))


def _title_slide(deck: _Deck, document: ExportDocument) -> None:
    slide = deck.slide(0)
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


TEAMS_PER_SUMMARY = 14  # what fits one slide's table beside its chart, with the header and the "All" row


def _summary_slides(deck: _Deck, document: ExportDocument) -> None:
    """Every team's progress and counts, 14 teams a slide, each slide ending on the whole scorecard's row."""
    pages = [
        document.teams[start : start + TEAMS_PER_SUMMARY] for start in range(0, len(document.teams), TEAMS_PER_SUMMARY)
    ] or [[]]
    for number, teams in enumerate(pages, start=1):
        _summary_slide(deck, document, teams, f" ({number} of {len(pages)})" if len(pages) > 1 else "")


def _summary_slide(deck: _Deck, document: ExportDocument, teams: Sequence[TeamRow], page: str) -> None:
    slide = deck.slide(TITLE_ONLY)
    rollup = document.rollup
    _title(
        slide,
        f"Summary{page} · {document.progress} progress",
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
        for t in teams
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
    """The legend below, the value axis from 0 to 100 %, small labels and the two series' fills.

    Written into the chart's XML as python-pptx's chart API writes them (`chart.legend.position`,
    `value_axis.maximum_scale`, `tick_labels.font.size`, `series.format.fill`...), where each of those calls looked up
    and created its elements one by one: a fifth of the writer's time over the quarter's 200 charts.
    """
    space = chart._chartSpace
    bar_chart = space.find(".//c:barChart", _NS)
    for series, color in zip(bar_chart.findall("c:ser", _NS), (ACCENT, RGBColor(0xC5, 0xCB, 0xD3)), strict=True):
        series.find("c:tx", _NS).addnext(_chart_xml(_FILL.format(color=color)))
    bar_chart.find("c:axId", _NS).addprevious(_chart_xml('<c:gapWidth val="60"/>'))
    category_axis = space.find(".//c:catAx", _NS)
    category_axis.find("c:crossAx", _NS).addprevious(_chart_xml(_FONT.format(size=900)))
    value_axis = space.find(".//c:valAx", _NS)
    scaling = value_axis.find("c:scaling", _NS)
    scaling.extend([_chart_xml('<c:max val="100.0"/>'), _chart_xml('<c:min val="0.0"/>')])
    value_axis.find("c:majorTickMark", _NS).addprevious(_chart_xml(_PERCENT))
    value_axis.find("c:crossAx", _NS).addprevious(_chart_xml(_FONT.format(size=900)))
    space.find("c:chart/c:plotArea", _NS).addnext(
        _chart_xml(f'<c:legend><c:legendPos val="b"/><c:overlay val="0"/>{_FONT.format(size=1000)}</c:legend>')
    )


_NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
_FILL = '<c:spPr><a:solidFill><a:srgbClr val="{color}"/></a:solidFill></c:spPr>'
_FONT = '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}"/></a:pPr></a:p></c:txPr>'
_PERCENT = '<c:numFmt formatCode="0&quot;%&quot;" sourceLinked="0"/>'


def _chart_xml(xml: str) -> Any:
    return parse_xml(f"<c:wrap {nsdecls('c', 'a')}>{xml}</c:wrap>")[0]


def _objective_slide(deck: _Deck, document: ExportDocument, objective: ObjectiveRow) -> None:
    slide = deck.slide(TITLE_ONLY)
    _title(
        slide,
        objective.title,
        f"{objective.team} · owner {objective.owner} · {objective.progress} progress, expected {objective.expected} · "
        f"{objective.status} · {document.as_of_text}",
    )
    krs = objective.key_results[:12]
    # Numbered, so that the chart's bars can be named "KR 1", "KR 2" instead of by titles too long to fit.
    rows = [[str(n), kr.title, f"{kr.current} → {kr.target}", kr.progress, kr.status] for n, kr in enumerate(krs, 1)]
    _table(
        slide,
        ["#", "Key result", "Current → target", "Progress", "Status"],
        rows,
        [0.4, 3.7, 1.9, 0.9, 1.0],
        fills={(index, 4): _status_fill(kr.status_key) for index, kr in enumerate(krs, start=1)},
    )
    _progress_chart(slide, [(f"KR {n}", kr.key_result.progress, kr.key_result.expected) for n, kr in enumerate(krs, 1)])
    notes = deck.notes(slide)
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


class _Deck:
    """Adds slides and their notes as python-pptx does, but clones a layout's placeholders (and the notes master's)
    into the first slide only and copies those to the next ones: python-pptx looks them up in the layout again for
    every slide and every notes page, a sixth of the writer's time over 200 slides."""

    def __init__(self, presentation: Deck) -> None:
        self.presentation = presentation
        self._placeholders: dict[int, list[Any]] = {}
        self._notes: Any = None

    def slide(self, layout_index: int) -> Slide:
        layout = self.presentation.slide_layouts[layout_index]
        if layout_index not in self._placeholders:
            slide = self.presentation.slides.add_slide(layout)
            self._placeholders[layout_index] = [copy.deepcopy(e) for e in slide.shapes._spTree.iter_shape_elms()]
            return slide
        relationship, slide = self.presentation.part.add_slide(layout)
        slide.shapes._spTree.extend(copy.deepcopy(e) for e in self._placeholders[layout_index])
        self.presentation.slides._sldIdLst.add_sldId(relationship)
        return slide

    def notes(self, slide: Slide) -> TextFrame:
        if self._notes is None:
            self._notes = copy.deepcopy(slide.notes_slide._element)
        else:
            part, package = slide.part, slide.part.package
            notes_part = NotesSlidePart(
                package.next_partname("/ppt/notesSlides/notesSlide%d.xml"),
                CT.PML_NOTES_SLIDE,
                package,
                copy.deepcopy(self._notes),
            )
            notes_part.relate_to(package.presentation_part.notes_master_part, RT.NOTES_MASTER)
            notes_part.relate_to(part, RT.SLIDE)
            part.relate_to(notes_part, RT.NOTES_SLIDE)
        frame = slide.notes_slide.notes_text_frame
        assert frame is not None
        return frame


def render(document: ExportDocument) -> bytes:
    presentation = Presentation()
    package = presentation.part.package
    package.next_partname = _counted_partnames(package)  # type: ignore[method-assign,assignment]  # see there
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    deck = _Deck(presentation)
    _title_slide(deck, document)
    _summary_slides(deck, document)
    for objective in document.objectives:
        _objective_slide(deck, document, objective)
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()
