"""The scorecard as a PDF drawn with ReportLab's canvas: A4 landscape, the KPI and OKR tables, a page per objective.

Everything comes from the `ExportDocument` the other exports read, in the page's words: the same figures, status
words and badge colours, progress bars with the pace marker, sparklines, and each key result's progress against the
expected pace from the progress snapshots, drawn from the geometry kpis.charts computes for the page's SVG charts.
Text is set in DejaVu Sans (any character a title may hold), wraps within its column, and tables repeat their
header row on each page they run onto. Every page after the first carries the period, team and "as of" (the first
has them in its title block) and all of them "Page N of M".
"""

from __future__ import annotations

import io
import itertools
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.text import Truncator
from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

from kpis import charts
from okrs.exports.document import ExportDocument, KeyResultRow, KpiRow, ObjectiveRow
from okrs.models import ProgressSnapshot
from okrs.scorecard.presentation import percent

PRINT_CHART_HEIGHT = 100

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
_FONT_FILES = {
    REGULAR: ("DejaVuSans.ttf", "DejaVu Sans:style=Book"),
    BOLD: ("DejaVuSans-Bold.ttf", "DejaVu Sans:style=Bold"),
}
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# DejaVu Sans's ascent and its ascent plus descent, in ems: where a line's baseline sits in its line box.
_ASCENT, _EXTENT = 0.928, 1.164

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 14 * mm, 16 * mm, 14 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
# The running title sits in the top margin, "Pacer" and the page number in the bottom one.
RUNNING_BASELINE, FOOTER_BASELINE = MARGIN_TOP - 5 * mm, PAGE_HEIGHT - MARGIN_BOTTOM + 7 * mm

INK, SUBTLE, MUTED = HexColor("#1b1f24"), HexColor("#4a525d"), HexColor("#6b7480")
RULE, HEAD, BRAND = HexColor("#e2e5ea"), HexColor("#f0f2f5"), HexColor("#3b5bdb")
TEAM_BAND, TEAM_INK, OBJECTIVE_BAND, WHITE = (
    HexColor("#e8edff"),
    HexColor("#2f4ac0"),
    HexColor("#fafbfc"),
    HexColor("#ffffff"),
)
# The page's badges: a word, an icon shape and a colour (templates/partials/status.html, app.css).
_BADGE_OF = {"on_track": "good", "green": "good", "at_risk": "warn", "amber": "warn", "off_track": "bad", "red": "bad"}
_BADGE_COLOURS = {
    "good": (HexColor("#1f8a4c"), HexColor("#e3f4ea")),
    "warn": (HexColor("#b26b00"), HexColor("#fdf1dc")),
    "bad": (HexColor("#c23b3b"), HexColor("#fbe5e5")),
    "none": (HexColor("#6b7480"), HexColor("#f0f2f5")),
}
_BAR_FILLS = {"on_track": HexColor("#1f8a4c"), "at_risk": HexColor("#d38b17"), "off_track": HexColor("#c23b3b")}
_CHANGE_COLOURS = {"better": HexColor("#1f8a4c"), "worse": HexColor("#c23b3b")}
# A chart line's stroke by its style, as the page's stylesheet draws it: colour, width and dashes in chart units.
_SERIES = {
    "actual": (BRAND, 3.0, ()),
    "expected": (HexColor("#9aa3ae"), 2.5, (6, 3, 1, 3)),
}
# Streams only deflated: ReportLab also wraps them in ASCII85 by default (for 7-bit channels), a quarter bigger.
rl_config.useA85 = 0


class FontMissingError(RuntimeError):
    """DejaVu Sans is not installed: the PDF cannot set its text."""


def progress_charts(document: ExportDocument) -> dict[int, charts.Chart]:
    """Each key result's progress and expected pace over the days up to "as of", in one query for all of them."""
    ids = [kr.key_result.pk for o in document.objectives for kr in o.key_results]
    days: dict[int, list[tuple[date, float | None, float | None]]] = defaultdict(list)
    rows = ProgressSnapshot.objects.filter(
        key_result_id__in=ids, day__gte=document.period.start, day__lte=document.as_of
    ).order_by("key_result_id", "day")
    for kr_id, day, value, expected in rows.values_list("key_result_id", "day", "progress", "expected"):
        days[kr_id].append((day, value, expected))
    found: dict[int, charts.Chart] = {}
    for kr_id, points in days.items():
        if len(points) < 2:
            continue
        lines = [
            charts.Line("Progress", [(i, p) for i, (_, p, _) in enumerate(points)], "actual", dots=False),
            charts.Line("Expected", [(i, e) for i, (_, _, e) in enumerate(points)], "expected"),
        ]
        labels = [day.strftime("%-d %b") for day, _, _ in points]
        # A page shows one of a chart's three drawings (its container queries choose); print draws the compact one
        # alone: four day labels and 360 units keep the text legible in a third of a page.
        found[kr_id] = charts.line_chart(
            lines,
            labels,
            value_format="{:.0f} %",
            width=charts.COMPACT_WIDTH,
            height=PRINT_CHART_HEIGHT,
            x_labels_at_most=charts.COMPACT_X_LABELS,
        )
    return found


def font_file(name: str) -> Path:
    filename, pattern = _FONT_FILES[name]
    if (_FONT_DIR / filename).is_file():
        return _FONT_DIR / filename
    if shutil.which("fc-match"):
        matched = subprocess.run(
            ["fc-match", "--format=%{file}", pattern], capture_output=True, text=True, check=False
        ).stdout.strip()
        # fc-match answers with some other font when DejaVu is missing: only DejaVu's own file will do.
        if Path(matched).name == filename and Path(matched).is_file():
            return Path(matched)
    raise FontMissingError(
        f"The scorecard PDF needs the DejaVu Sans font ({filename}), found neither in {_FONT_DIR} nor by fc-match: "
        "install it (Debian and Ubuntu: apt-get install fonts-dejavu-core)."
    )


@cache
def register_fonts() -> None:
    """DejaVu Sans and its bold, registered with ReportLab once a process."""
    for name in (REGULAR, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(font_file(name))))


def _width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def _one_line(text: str) -> str:
    """Line breaks, tabs and other control characters as spaces: a title or comment is set as running text."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """The lines `text` takes at `width`, broken between words, and inside a word longer than a line."""
    lines: list[str] = []
    line = ""
    for word in _one_line(text).split(" "):
        candidate = f"{line} {word}" if line else word
        if _width(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while _width(line, font, size) > width and len(line) > 1:
            cut = next(n for n in range(len(line) - 1, 0, -1) if _width(line[:n], font, size) <= width or n == 1)
            lines.append(line[:cut])
            line = line[cut:]
    if line or not lines:
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Span:
    """A run of text in a cell, wrapped to the cell's width (a figure keeps to one line where the column allows)."""

    text: str
    size: float = 8.5
    font: str = REGULAR
    colour: Color = INK

    @property
    def leading(self) -> float:
        return self.size * 1.4


@dataclass(frozen=True)
class Widget:
    """Something drawn in a cell other than text (a badge, a progress bar, a sparkline), `height` points high."""

    height: float
    draw: Callable[[Writer, float, float, float], None]  # writer, x, top, width


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "left"


@dataclass
class Row:
    cells: Sequence[Sequence[Span] | Widget]
    background: Color | None = None
    indent: float = 0.0  # of the first cell
    band: bool = False  # one cell across the table (a team's name)
    keep_with_next: float = 0.0  # points of the next row that must fit beside it on the page


# A cell laid out: its spans with the lines each wraps to, or its widget.
Laid = list[tuple[Span, list[str]]] | Widget


CELL_PAD_X, CELL_PAD_Y = 5.0, 3.5


class _NumberedCanvas(Canvas):
    """A canvas that keeps each finished page until the last, then writes "Page N of M" on all of them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # ReportLab's own step, missing from its stubs

    def save(self) -> None:
        total = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self.setFont(REGULAR, 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(PAGE_WIDTH - MARGIN_X, PAGE_HEIGHT - FOOTER_BASELINE, f"Page {number} of {total}")
            super().showPage()
        super().save()


class Writer:
    """Lays the scorecard out top-down: `y` is how far below the page's top edge the next thing goes.

    Shapes go onto the canvas as they come; a page's text is gathered in one text object drawn over them when the
    page ends (one text block a page: small, and text readers keep a row's cells on one line).
    """

    def __init__(self, document: ExportDocument) -> None:
        register_fonts()
        self.document = document
        self.out = io.BytesIO()
        self.canvas = _NumberedCanvas(self.out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
        self.canvas.setTitle(f"Scorecard {document.period.label} · {document.team_label}")
        self.canvas.setAuthor("Pacer")
        self.running_title = f"Scorecard {document.period.label} · {document.team_label} · {document.as_of_text}"
        self.pages = 0
        self.y = MARGIN_TOP
        self.text_object: PDFTextObject = self.canvas.beginText()
        self._start_page(first=True)

    @property
    def bottom(self) -> float:
        return PAGE_HEIGHT - MARGIN_BOTTOM

    def room(self) -> float:
        return self.bottom - self.y

    # Drawing, in top-down points.

    def text(
        self,
        x: float,
        baseline: float,
        text: str,
        *,
        size: float = 8.5,
        font: str = REGULAR,
        colour: Color = INK,
        align: str = "left",
    ) -> float:
        """Sets one line; returns its width."""
        width = _width(text, font, size)
        left = x - width if align == "right" else x - width / 2 if align == "center" else x
        t = self.text_object
        t.setFont(font, size)
        t.setFillColor(colour)
        t.setTextOrigin(left, PAGE_HEIGHT - baseline)
        t.textOut(text)
        return width

    def rect(
        self,
        x: float,
        top: float,
        width: float,
        height: float,
        fill: Color,
        *,
        radius: float = 0,
        stroke: Color | None = None,
    ) -> None:
        c = self.canvas
        c.setFillColor(fill)
        if stroke is not None:
            c.setStrokeColor(stroke)
            c.setLineWidth(0.75)
        bottom = PAGE_HEIGHT - top - height
        if radius:
            c.roundRect(
                x, bottom, width, height, min(radius, height / 2, width / 2), stroke=int(stroke is not None), fill=1
            )
        else:
            c.rect(x, bottom, width, height, stroke=int(stroke is not None), fill=1)

    def hline(self, x1: float, x2: float, y: float, colour: Color, width: float = 0.75) -> None:
        c = self.canvas
        c.setStrokeColor(colour)
        c.setLineWidth(width)
        c.setDash()
        c.line(x1, PAGE_HEIGHT - y, x2, PAGE_HEIGHT - y)

    # Pages.

    def _start_page(self, *, first: bool = False) -> None:
        self.pages += 1
        self.y = MARGIN_TOP
        self.text_object = self.canvas.beginText()
        if not first:
            self.text(MARGIN_X, RUNNING_BASELINE, self.running_title, size=7.5, colour=MUTED)
        self.text(MARGIN_X, FOOTER_BASELINE, "Pacer", size=7.5, colour=MUTED)

    def new_page(self) -> None:
        self.canvas.drawText(self.text_object)
        self.canvas.showPage()
        self._start_page()

    def finish(self) -> bytes:
        self.canvas.drawText(self.text_object)
        self.canvas.showPage()
        self.canvas.save()
        return self.out.getvalue()

    # Blocks.

    def heading(self, text: str, *, size: float = 12, space_before: float = 14, keep: float = 60) -> None:
        lines = wrap(text, BOLD, size, CONTENT_WIDTH)
        if self.y > MARGIN_TOP:
            self.y += space_before
        if self.room() < len(lines) * size * 1.25 + keep:
            self.new_page()
        self.y = self.lines(MARGIN_X, self.y, lines, size=size, font=BOLD, leading=size * 1.25) + 6

    def lines(
        self,
        x: float,
        top: float,
        lines: Iterable[str],
        *,
        size: float,
        font: str = REGULAR,
        colour: Color = INK,
        leading: float | None = None,
        align: str = "left",
    ) -> float:
        """Sets lines one under the other from `top`; returns where the last line box ends."""
        leading = leading or size * 1.4
        for line in lines:
            self.text(x, _baseline(top, size, leading), line, size=size, font=font, colour=colour, align=align)
            top += leading
        return top

    def paragraph(self, text: str, *, size: float = 7, colour: Color = MUTED, space_before: float = 4) -> None:
        self.y += space_before
        for line in wrap(text, REGULAR, size, CONTENT_WIDTH):
            if self.room() < size * 1.4:
                self.new_page()
            self.y = self.lines(MARGIN_X, self.y, [line], size=size, colour=colour)

    def empty_note(self, text: str) -> None:
        lines = wrap(text, REGULAR, 8.5, CONTENT_WIDTH - 16)
        height = len(lines) * 8.5 * 1.4 + 16
        if self.room() < height:
            self.new_page()
        self.rect(MARGIN_X, self.y, CONTENT_WIDTH, height, HEAD, radius=6)
        self.lines(MARGIN_X + 8, self.y + 8, lines, size=8.5, colour=MUTED)
        self.y += height

    # Tables.

    def table(self, columns: Sequence[Column], rows: Iterable[Row]) -> None:
        """The rows under the header row, on as many pages as they take, the header row again atop each."""
        self._table_header(columns)
        for row in rows:
            cells = self._lay_out(columns, row)
            height = max((_height(cell) for cell in cells), default=0) + 2 * CELL_PAD_Y
            if self.room() < height + row.keep_with_next:
                self.new_page()
                self._table_header(columns)
            self._draw_row(columns, row, cells, height)

    def _table_header(self, columns: Sequence[Column]) -> None:
        size, height = 7.0, 7.0 * 1.4 + 8
        self.rect(MARGIN_X, self.y, CONTENT_WIDTH, height, HEAD)
        x = MARGIN_X
        for column in columns:
            label = column.title.upper()
            inner = column.width - 2 * CELL_PAD_X
            while _width(label, BOLD, size) > inner and size > 5:
                size -= 0.5
            at = x + column.width - CELL_PAD_X if column.align == "right" else x + CELL_PAD_X
            self.text(
                at,
                _baseline(self.y + 4, 7.0, 7.0 * 1.4),
                label,
                size=size,
                font=BOLD,
                colour=SUBTLE,
                align=column.align,
            )
            size = 7.0
            x += column.width
        self.y += height

    def _lay_out(self, columns: Sequence[Column], row: Row) -> list[Laid]:
        """Each cell's spans wrapped to its column (a band's one cell to the table's width)."""
        laid: list[Laid] = []
        widths = [CONTENT_WIDTH] if row.band else [c.width for c in columns]
        for i, (cell, width) in enumerate(zip(row.cells, widths, strict=False)):
            inner = width - 2 * CELL_PAD_X - (row.indent if i == 0 else 0)
            if isinstance(cell, Widget):
                laid.append(cell)
            else:
                laid.append([(s, wrap(s.text, s.font, s.size, inner)) for s in cell if s.text])
        return laid

    def _draw_row(self, columns: Sequence[Column], row: Row, cells: list[Laid], height: float) -> None:
        top = self.y
        if row.background is not None:
            self.rect(MARGIN_X, top, CONTENT_WIDTH, height, row.background)
        x = MARGIN_X
        for i, (cell, column) in enumerate(zip(cells, columns, strict=False)):
            width = CONTENT_WIDTH if row.band else column.width
            indent = row.indent if i == 0 else 0
            if isinstance(cell, Widget):
                cell.draw(self, x + CELL_PAD_X, top + (height - cell.height) / 2, width - 2 * CELL_PAD_X)
            else:
                inner_top = top + (height - sum(s.leading * len(lines) for s, lines in cell)) / 2
                right = column.align == "right" and not row.band
                at = x + width - CELL_PAD_X if right else x + CELL_PAD_X + indent
                for span, lines in cell:
                    inner_top = self.lines(
                        at,
                        inner_top,
                        lines,
                        size=span.size,
                        font=span.font,
                        colour=span.colour,
                        leading=span.leading,
                        align="right" if right else "left",
                    )
            x += width
        self.y = top + height
        if not row.band:
            self.hline(MARGIN_X, MARGIN_X + CONTENT_WIDTH, self.y, RULE)


def _height(cell: Laid) -> float:
    return cell.height if isinstance(cell, Widget) else sum(s.leading * len(lines) for s, lines in cell)


def _baseline(top: float, size: float, leading: float) -> float:
    return top + (leading - _EXTENT * size) / 2 + _ASCENT * size


# Widgets: the page's badges, progress bars and sparklines.

BADGE_SIZE = 7.0
BADGE_HEIGHT = BADGE_SIZE * 1.4 + 2


def badge_width(word: str) -> float:
    return _width(word, BOLD, BADGE_SIZE) + 11 + 8


def draw_badge(w: Writer, x: float, top: float, status_key: str, word: str, *, align: str = "left") -> None:
    """A pill in the status's colours, its icon (circle, triangle, square; none without a status) and its word."""
    tone = _BADGE_OF.get(status_key, "none")
    ink, background = _BADGE_COLOURS[tone]
    icon = 8.0 if tone != "none" else 0.0
    width = _width(word, BOLD, BADGE_SIZE) + 11 + icon
    left = x - width if align == "right" else x
    w.rect(left, top, width, BADGE_HEIGHT, background, radius=BADGE_HEIGHT / 2)
    c = w.canvas
    c.setFillColor(ink)
    cx, cy, r = left + 5 + 3, PAGE_HEIGHT - top - BADGE_HEIGHT / 2, 2.6
    if tone == "good":
        c.circle(cx, cy, r, stroke=0, fill=1)
    elif tone == "warn":
        p = c.beginPath()
        p.moveTo(cx, cy + r)
        p.lineTo(cx + r, cy - r)
        p.lineTo(cx - r, cy - r)
        p.close()
        c.drawPath(p, stroke=0, fill=1)
    elif tone == "bad":
        c.rect(cx - r * 0.9, cy - r * 0.9, r * 1.8, r * 1.8, stroke=0, fill=1)
    w.text(
        left + 5 + icon, _baseline(top + 1, BADGE_SIZE, BADGE_SIZE * 1.4), word, size=BADGE_SIZE, font=BOLD, colour=ink
    )


def badge(status_key: str, word: str) -> Widget:
    return Widget(BADGE_HEIGHT, lambda w, x, top, _: draw_badge(w, x, top, status_key, word))


BAR_HEIGHT = 6.0


def draw_bar(
    w: Writer, x: float, top: float, width: float, progress: float | None, expected: float | None, status: str
) -> None:
    """Track, fill to the progress (0 to 100, coloured by status) and a marker where the pace says it should be."""
    w.rect(x, top, width, BAR_HEIGHT, RULE, radius=BAR_HEIGHT / 2)
    filled = width * min(max(progress or 0, 0), 100) / 100
    if filled > 0:
        w.rect(x, top, max(filled, BAR_HEIGHT), BAR_HEIGHT, _BAR_FILLS.get(status, BRAND), radius=BAR_HEIGHT / 2)
    if expected is not None:
        w.rect(x + width * min(max(expected, 0), 100) / 100 - 0.6, top - 2, 1.2, BAR_HEIGHT + 4, INK)


def progress_cell(progress: float | None, expected: float | None, status: str, figure: str) -> Widget:
    def draw(w: Writer, x: float, top: float, width: float) -> None:
        draw_bar(w, x, top + 2, width - 42, progress, expected, status)
        w.text(x + width, _baseline(top, 8.5, 10), figure, font=BOLD, align="right")

    return Widget(10, draw)


def _stroke(w: Writer, runs: charts.Runs, to_page: Callable[[float, float], tuple[float, float]]) -> None:
    c = w.canvas
    p = c.beginPath()
    for run in runs:
        p.moveTo(*to_page(*run[0]))
        for point in run[1:]:
            p.lineTo(*to_page(*point))
    c.drawPath(p, stroke=1, fill=0)


SPARK_WIDTH, SPARK_HEIGHT = 66.0, 17.0


def sparkline(runs: charts.Runs) -> Sequence[Span] | Widget:
    """The KPI's trend (kpis.charts.sparkline's 96 by 24 drawing) at the page's print size, or a dash without one."""
    if not runs:
        return [Span("—", colour=MUTED)]

    def draw(w: Writer, x: float, top: float, _: float) -> None:
        scale = min(SPARK_WIDTH / 96, SPARK_HEIGHT / 24)
        c = w.canvas
        c.setStrokeColor(BRAND)
        c.setLineWidth(1.6 * scale)
        c.setLineJoin(1)
        c.setLineCap(1)
        c.setDash()
        _stroke(w, runs, lambda ux, uy: (x + ux * scale, PAGE_HEIGHT - top - uy * scale))

    return Widget(SPARK_HEIGHT, draw)


def draw_chart(w: Writer, chart: charts.Chart, x: float, top: float, width: float, height: float) -> None:
    """A kpis.charts.Chart as templates/partials/charts/line.jinja draws it, scaled to fit the box and centred."""
    scale = min(width / chart.width, height / chart.height)
    left = x + (width - chart.width * scale) / 2
    upper = top + (height - chart.height * scale) / 2

    def to_page(ux: float, uy: float) -> tuple[float, float]:
        return left + ux * scale, PAGE_HEIGHT - (upper + uy * scale)

    c = w.canvas
    label_size = 12 * scale
    for tick in chart.y_ticks:
        w.hline(left + chart.plot_left * scale, left + chart.plot_right * scale, upper + tick.at * scale, RULE, scale)
        w.text(
            left + chart.y_label_x * scale,
            upper + tick.at * scale + label_size * 0.35,
            tick.label,
            size=label_size,
            colour=MUTED,
            align="right",
        )
    for tick in chart.x_ticks:
        anchor = {"start": "left", "end": "right"}.get(tick.anchor, "center")
        w.text(
            left + tick.at * scale,
            upper + chart.x_label_y * scale,
            tick.label,
            size=label_size,
            colour=MUTED,
            align=anchor,
        )
    c.setLineJoin(1)
    c.setLineCap(1)
    for line in chart.lines:
        colour, stroke, dashes = _SERIES.get(line.style, _SERIES["actual"])
        c.setStrokeColor(colour)
        c.setLineWidth(stroke * scale)
        c.setDash([d * scale for d in dashes] if dashes else [])
        _stroke(w, line.runs, to_page)
        c.setDash()
        for dx, dy, _ in line.dots:
            c.setFillColor(WHITE)
            c.setLineWidth(2 * scale)
            c.circle(*to_page(dx, dy), 3 * scale, stroke=1, fill=1)


# The document's pages.


def _summary(w: Writer) -> None:
    doc = w.document
    # Title block: the scorecard's period and team on the left, its day on the right.
    size = 20.0
    baseline = _baseline(w.y, size, size * 1.2)
    advance = w.text(MARGIN_X, baseline, "Scorecard ", size=size, font=BOLD)
    w.text(MARGIN_X + advance, baseline, doc.period.label, size=size, font=BOLD, colour=BRAND)
    subtitle = f"{doc.team_label} · {doc.period.start:%-d %b %Y} \u2013 {doc.period_last_day:%-d %b %Y}"
    end = w.lines(
        MARGIN_X, w.y + size * 1.2, wrap(subtitle, REGULAR, 8.5, CONTENT_WIDTH - 180), size=8.5, colour=SUBTLE
    )
    right = MARGIN_X + CONTENT_WIDTH
    w.text(right, _baseline(w.y, 6.5, 9), "AS OF", size=6.5, colour=MUTED, align="right")
    w.text(right, _baseline(w.y + 9, 13, 16), f"{doc.as_of:%-d %b %Y}", size=13, font=BOLD, align="right")
    w.text(
        right,
        _baseline(w.y + 25, 7, 10),
        f"made {doc.generated_at:%-d %b %Y, %H:%M}",
        size=7,
        colour=MUTED,
        align="right",
    )
    w.y = max(end, w.y + 35) + 8
    w.hline(MARGIN_X, right, w.y, BRAND, 1.5)
    w.y += 10
    _stats(w)
    w.heading("KPIs")
    if doc.kpis:
        previous = doc.kpis[0].previous_label
        columns = _columns(
            [
                ("KPI", 0, "left"),
                ("Actual", 95, "right"),
                ("Target", 85, "right"),
                ("Status", 90, "left"),
                (f"vs {previous}", 85, "right"),
                ("Trend", 76, "left"),
            ]
        )
        w.table(columns, (_kpi_row(row, doc.period.label) for row in doc.kpis))
        w.paragraph(doc.status_legend)
    else:
        w.empty_note(
            f"No KPIs for {doc.period.label}: they appear once a key result reads one or a KPI has a target for "
            "the period."
        )
    w.new_page()
    w.heading("Objectives and key results")
    if not doc.objectives:
        w.empty_note(f"No objectives for {doc.period.label}.")
        return
    columns = _columns(
        [
            ("Objective / key result", 0, "left"),
            ("Current → target", 150, "right"),
            ("Progress", 140, "left"),
            ("Status", 86, "left"),
        ]
    )
    w.table(columns, _okr_rows(doc.objectives))


def _columns(spec: Sequence[tuple[str, float, str]]) -> list[Column]:
    """Columns of fixed widths, the one of width 0 taking what the others leave."""
    rest = CONTENT_WIDTH - sum(width for _, width, _ in spec)
    return [Column(title, width or rest, align) for title, width, align in spec]


def _stats(w: Writer) -> None:
    doc, rollup = w.document, w.document.rollup
    counts = doc.kpi_counts
    expected = f" · expected {percent(rollup.expected)}" if rollup.expected is not None else ""
    no_data = f" · {rollup.no_data} without data" if rollup.no_data else ""
    boxes = [
        (
            "Objective progress",
            doc.progress,
            INK,
            f"{rollup.objectives} objective{'s' if rollup.objectives != 1 else ''}, {rollup.key_results} key "
            f"result{'s' if rollup.key_results != 1 else ''}{expected}",
            2,
        ),
        ("On track", str(rollup.on_track), _BADGE_COLOURS["good"][0], "key results", 1),
        ("At risk", str(rollup.at_risk), _BADGE_COLOURS["warn"][0], "key results", 1),
        ("Off track", str(rollup.off_track), _BADGE_COLOURS["bad"][0], f"key results{no_data}", 1),
        (
            "KPIs",
            str(len(doc.kpis)),
            INK,
            f"{counts.get('green', 0)} green · {counts.get('amber', 0)} amber · {counts.get('red', 0)} red",
            1,
        ),
    ]
    gap, height = 8.0, 58.0
    unit = (CONTENT_WIDTH - gap * (len(boxes) - 1)) / sum(b[4] for b in boxes)
    x = MARGIN_X
    for label, value, colour, detail, share in boxes:
        width = unit * share
        w.rect(x, w.y, width, height, WHITE, radius=6, stroke=RULE)
        inner = width - 16
        w.text(x + 8, _baseline(w.y + 6, 6.5, 9), label.upper(), size=6.5, colour=MUTED)
        w.text(x + 8, _baseline(w.y + 15, 16, 20), value, size=16, font=BOLD, colour=colour)
        detail_top = w.y + 36
        if share > 1:
            draw_bar(w, x + 8, w.y + 37, inner, rollup.progress, rollup.expected, "none")
            detail_top += 9
        w.lines(x + 8, detail_top, wrap(detail, REGULAR, 7, inner)[:2], size=7, colour=MUTED, leading=9)
        x += width + gap
    w.y += height + 4


def _sub(text: str) -> Span:
    """A cell's second line: what the figure above it is, or where it came from. Empty spans take no line."""
    return Span(text, size=7, colour=MUTED)


def _kpi_row(row: KpiRow, period_label: str) -> Row:
    target = "against thresholds" if row.target_source == "thresholds" else f"target from {row.target_source}"
    actual_period = row.actual_period if row.actual_period != period_label else ""
    change = [Span(row.change, colour=_CHANGE_COLOURS.get(row.change_is, INK)), _sub(row.change_is)]
    return Row(
        [
            [Span(row.name), _sub(f"{row.segment} · {target}")],
            [Span(row.actual, font=BOLD), _sub(actual_period)],
            [Span(row.target)],
            badge(row.status_key, row.status),
            change,
            sparkline(charts.sparkline_runs(row.line.trend)),
        ]
    )


def _okr_rows(objectives: Sequence[ObjectiveRow]) -> Iterable[Row]:
    for team, group in itertools.groupby(objectives, key=lambda o: o.team):
        yield Row(
            [[Span(team, size=8, font=BOLD, colour=TEAM_INK)]], background=TEAM_BAND, band=True, keep_with_next=30
        )
        for o in group:
            state = f" · {o.state}" if o.summary.objective.state != "active" else ""
            yield Row(
                [
                    [Span(o.title, font=BOLD), Span(f"{o.owner}{state}", size=7, colour=MUTED)],
                    [],
                    progress_cell(o.summary.progress, o.summary.expected, o.status_key, o.progress),
                    badge(o.status_key, o.status),
                ],
                background=OBJECTIVE_BAND,
                keep_with_next=20,
            )
            for kr in o.key_results:
                title = [Span(kr.title)]
                if kr.key_result.guardrail_breached:
                    title.append(Span("Guardrail breached", size=7, font=BOLD, colour=_BADGE_COLOURS["bad"][0]))
                yield Row(
                    [
                        title,
                        [Span(f"{kr.current} → {kr.target}")],
                        progress_cell(kr.key_result.progress, kr.key_result.expected, kr.status_key, kr.progress),
                        badge(kr.status_key, kr.status),
                    ],
                    indent=16,
                )


KR_COLUMNS = _columns(
    [
        ("Key result", 0, "left"),
        ("Baseline", 82, "right"),
        ("Current", 54, "right"),
        ("Target", 54, "right"),
        ("Forecast", 108, "right"),
        ("Progress", 74, "right"),
        ("Status", 72, "left"),
        ("Last check-in", 160, "left"),
    ]
)
CHARTS_PER_ROW, CHART_GAP, CHART_HEIGHT = 3, 8.0, 64.0


def _objective_page(w: Writer, o: ObjectiveRow, found: dict[int, charts.Chart]) -> None:
    w.new_page()
    period = w.document.period.label
    status_width = 150.0
    left_width = CONTENT_WIDTH - status_width - 16
    right = MARGIN_X + CONTENT_WIDTH
    top = w.y
    y = w.lines(MARGIN_X, top, [f"{o.team} · {period}".upper()], size=6.5, colour=MUTED)
    y = w.lines(MARGIN_X, y + 2, wrap(o.title, BOLD, 15, left_width), size=15, font=BOLD, leading=18)
    count = len(o.key_results)
    subtitle = f"Owner {o.owner} · {o.state} · {count} key result{'s' if count != 1 else ''}"
    y = w.lines(MARGIN_X, y + 2, wrap(subtitle, REGULAR, 8.5, left_width), size=8.5, colour=SUBTLE)
    draw_badge(w, right, top, o.status_key, o.status, align="right")
    w.text(right, _baseline(top + BADGE_HEIGHT + 2, 18, 22), o.progress, size=18, font=BOLD, align="right")
    draw_bar(
        w,
        right - status_width,
        top + BADGE_HEIGHT + 28,
        status_width,
        o.summary.progress,
        o.summary.expected,
        o.status_key,
    )
    w.text(
        right, _baseline(top + BADGE_HEIGHT + 37, 7, 10), f"expected {o.expected}", size=7, colour=MUTED, align="right"
    )
    w.y = max(y, top + BADGE_HEIGHT + 47) + 6
    w.hline(MARGIN_X, right, w.y, BRAND, 1.5)
    w.y += 8
    w.table(KR_COLUMNS, (_kr_row(kr) for kr in o.key_results))
    _charts(w, o, found)


def _kr_row(kr: KeyResultRow) -> Row:
    about = kr.kind
    if kr.kpi_name:
        about += f" · {kr.kpi_name} · {kr.segment}"
    if kr.guardrails:
        breached = "".join(f" (breached: {g.value_text})" for g in kr.guardrails if g.breached)
        about += f" · guardrail {kr.guardrail_text}{breached}"
    baseline = [Span(kr.baseline), _sub(kr.baseline_from)]
    forecast = [Span(kr.forecast), _sub(f"likely {kr.forecast_range}" if kr.forecast_range else "")]
    if kr.check_in_day:
        confidence = f" · confidence {kr.confidence}/10" if kr.confidence is not None else ""
        check_in = [_sub(f"{kr.check_in_day:%-d %b}{confidence}"), Span(Truncator(kr.comment).chars(180), size=7.5)]
    else:
        check_in = [Span("No check-in yet", size=7.5, colour=MUTED)]
    return Row(
        [
            [Span(kr.title), Span(about, size=7, colour=MUTED)],
            baseline,
            [Span(kr.current, font=BOLD)],
            [Span(kr.target)],
            forecast,
            [Span(kr.progress), _sub(f"expected {kr.expected}")],
            badge(kr.status_key, kr.status),
            check_in,
        ]
    )


def _charts(w: Writer, o: ObjectiveRow, found: dict[int, charts.Chart]) -> None:
    """Each key result's chart in a box, three a row, under the legend they share."""
    drawn = [(kr, found.get(kr.key_result.pk)) for kr in o.key_results]
    if not drawn:
        return
    w.y += 10
    legend = next((chart.legend for _, chart in drawn if chart), [])
    if legend:
        x = MARGIN_X
        for label, style in legend:
            colour, stroke, dashes = _SERIES.get(style, _SERIES["actual"])
            c = w.canvas
            c.setStrokeColor(colour)
            c.setLineWidth(stroke * 0.6)
            c.setDash([d * 0.6 for d in dashes] if dashes else [])
            c.line(x, PAGE_HEIGHT - w.y - 4, x + 14, PAGE_HEIGHT - w.y - 4)
            c.setDash()
            x += 17 + w.text(x + 17, _baseline(w.y, 6.5, 8), label, size=6.5, colour=SUBTLE) + 10
        w.y += 12
    box_width = (CONTENT_WIDTH - CHART_GAP * (CHARTS_PER_ROW - 1)) / CHARTS_PER_ROW
    inner = box_width - 12
    for start in range(0, len(drawn), CHARTS_PER_ROW):
        row = drawn[start : start + CHARTS_PER_ROW]
        titles = [wrap(kr.title, BOLD, 8.5, inner)[:2] for kr, _ in row]
        height = 10 + max(len(t) for t in titles) * 11 + 3 + CHART_HEIGHT
        if w.room() < height:
            w.new_page()
        for i, ((_, chart), title) in enumerate(zip(row, titles, strict=True)):
            x = MARGIN_X + i * (box_width + CHART_GAP)
            w.rect(x, w.y, box_width, height, WHITE, radius=6, stroke=RULE)
            w.lines(x + 6, w.y + 5, title, size=8.5, font=BOLD, leading=11)
            chart_top = w.y + height - 5 - CHART_HEIGHT
            if chart is None or chart.empty:
                w.rect(x + 6, chart_top, inner, CHART_HEIGHT, HEAD, radius=4)
                w.text(
                    x + 6 + inner / 2,
                    chart_top + CHART_HEIGHT / 2 + 2.5,
                    "Not enough daily snapshots yet to chart.",
                    size=7,
                    colour=MUTED,
                    align="center",
                )
            else:
                draw_chart(w, chart, x + 6, chart_top, inner, CHART_HEIGHT)
        w.y += height + CHART_GAP


def render(document: ExportDocument) -> bytes:
    """The summary (title block, figures, the KPI table, the OKR table), then a page per objective."""
    writer = Writer(document)
    _summary(writer)
    found = progress_charts(document)
    for objective in document.objectives:
        _objective_page(writer, objective, found)
    return writer.finish()
