"""Geometry for server-side SVG charts: scales, ticks and paths. Pure: no database, no markup.

The templates in templates/partials/charts/ draw what this computes, so pages and PDF exports share one chart.
Points are (position, value) with positions 0..n-1 along the x axis (periods or days); a None value leaves a gap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 52, 16, 14, 30
# A chart scales to the width it is given, and its 11-unit labels with it: on a phone (about 340 px) the 640-unit
# drawing's labels would shrink to 6 px, on a wide screen (about 1100 px) grow to 19. So each chart also comes drawn
# narrower in units, with fewer period labels, for a phone, and wider and a little taller for a wide screen; the
# page shows whichever fits its box (container queries in app.css), a PDF the regular one.
COMPACT_WIDTH, LARGE_WIDTH = 360, 1040
LARGE_HEIGHT_RATIO = 1.25
X_LABELS, COMPACT_X_LABELS, LARGE_X_LABELS = 8, 4, 12
# About how wide an axis label is per character, in units at the 11-unit font, to keep two labels from touching.
LABEL_UNITS_PER_CHARACTER = 7


@dataclass(frozen=True)
class Line:
    """A polyline of (position, value) points; `style` names a CSS class (actual, target, baseline, …)."""

    label: str
    points: Sequence[tuple[float, float | None]]
    style: str = "actual"
    # Markers with the value as a tooltip; None marks the actual line's points unless it is long.
    dots: bool | None = None


@dataclass(frozen=True)
class Tick:
    at: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: the edge labels lean inwards so they are never clipped


# A line as the pen draws it: runs of (x, y) points, the pen lifted between runs (over the gaps in the data).
Runs = list[list[tuple[float, float]]]


@dataclass(frozen=True)
class DrawnLine:
    label: str
    style: str
    runs: Runs
    dots: list[tuple[float, float, str]]  # x, y and the value's label, for markers and tooltips

    @property
    def path(self) -> str:
        return path_of(self.runs)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[DrawnLine]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    plot_left: float = PAD_LEFT
    plot_right: float = WIDTH - PAD_RIGHT
    plot_top: float = PAD_TOP
    plot_bottom: float = HEIGHT - PAD_BOTTOM
    empty: bool = False
    legend: list[tuple[str, str]] = field(default_factory=list)
    compact: Chart | None = None  # the same lines drawn for a phone
    large: Chart | None = None  # and for a wide screen

    @property
    def y_label_x(self) -> float:
        return self.plot_left - 8

    @property
    def x_label_y(self) -> float:
        return self.plot_bottom + 18


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [low, high]."""
    if high < low:
        low, high = high, low
    if high - low < 1e-9 * max(1.0, abs(low), abs(high)):
        # A flat line: give it room above and below instead of a zero-height scale.
        spread = max(abs(low) * 0.1, 1.0)
        low, high = low - spread, high + spread
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step)
    last = math.ceil(high / step)
    # Dividing a value near zero can round it to zero itself: step out until both ends are really covered.
    while first * step > low:
        first -= 1
    while last * step < high:
        last += 1
    return [round(i * step, 10) for i in range(first, last + 1)]


def line_chart(
    lines: Sequence[Line],
    x_labels: Sequence[str],
    *,
    value_format: str = "{:,.1f}",
    width: int = WIDTH,
    height: int = HEIGHT,
    x_labels_at_most: int = X_LABELS,
) -> Chart:
    """The chart at `width` units, with its compact and large twins when `width` lies between theirs.

    A drawing of one width alone (a PDF's: print has no container queries to choose) is asked for by its width and
    its number of x labels: `width=COMPACT_WIDTH, x_labels_at_most=COMPACT_X_LABELS` is the compact twin.
    """
    chart = _draw(
        lines, x_labels, value_format=value_format, width=width, height=height, x_labels_at_most=x_labels_at_most
    )
    if chart.empty or not COMPACT_WIDTH < width < LARGE_WIDTH:
        return chart
    compact = _draw(
        lines,
        x_labels,
        value_format=value_format,
        width=COMPACT_WIDTH,
        height=height,
        x_labels_at_most=COMPACT_X_LABELS,
    )
    large = _draw(
        lines,
        x_labels,
        value_format=value_format,
        width=LARGE_WIDTH,
        height=round(height * LARGE_HEIGHT_RATIO),
        x_labels_at_most=LARGE_X_LABELS,
    )
    return replace(chart, compact=compact, large=large)


def _draw(
    lines: Sequence[Line],
    x_labels: Sequence[str],
    *,
    value_format: str,
    width: int,
    height: int,
    x_labels_at_most: int,
) -> Chart:
    values = [v for line in lines for _, v in line.points if v is not None]
    plot = (PAD_LEFT, width - PAD_RIGHT, PAD_TOP, height - PAD_BOTTOM)
    if not values or not x_labels:
        return Chart(width, height, [], [], [], *plot, empty=True)
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    span = max(len(x_labels) - 1, 1)

    def x(position: float) -> float:
        return round(plot[0] + (plot[1] - plot[0]) * position / span, 1)

    def y(value: float) -> float:
        return round(plot[3] - (plot[3] - plot[2]) * (value - low) / (high - low), 1)

    drawn = [
        DrawnLine(
            label=line.label,
            style=line.style,
            runs=pen_runs([(x(p), None if v is None else y(v)) for p, v in line.points]),
            dots=[(x(p), y(v), value_format.format(v)) for p, v in line.points if v is not None]
            if _wants_dots(line)
            else [],
        )
        for line in lines
    ]
    x_ticks = _x_ticks(x_labels, x, at_most=x_labels_at_most)
    y_ticks = [Tick(y(t), value_format.format(t)) for t in ticks]
    legend = [(line.label, line.style) for line in lines if line.label]
    return Chart(width, height, drawn, y_ticks, x_ticks, *plot, legend=legend)


def _wants_dots(line: Line) -> bool:
    if line.dots is not None:
        return line.dots
    return line.style == "actual" and len(line.points) <= 40


def _x_ticks(labels: Sequence[str], x: Callable[[float], float], *, at_most: int) -> list[Tick]:
    """About `at_most` labels, always the first and the last, never two crowding each other."""
    every = max(1, math.ceil(len(labels) / at_most))
    last = len(labels) - 1
    chosen = [i for i in range(0, last + 1, every)]
    if chosen[-1] != last:
        # The last label matters most (where we are now): it replaces a regular one too close to it, in positions
        # or on the drawing (the last label is anchored at its end, the one before at its middle).
        room = x(last) - x(chosen[-1])
        needed = LABEL_UNITS_PER_CHARACTER * (len(labels[chosen[-1]]) / 2 + len(labels[last])) + 6
        if (last - chosen[-1] < every * 0.6 or room < needed) and len(chosen) > 1:
            chosen.pop()
        chosen.append(last)
    anchors = {0: "start", last: "end"} if last > 0 else {}
    return [Tick(x(i), labels[i], anchors.get(i, "middle")) for i in chosen]


def pen_runs(points: Sequence[tuple[float, float | None]]) -> Runs:
    """The points as the pen draws them, lifted over gaps (a point without a value)."""
    runs: Runs = []
    pen_down = False
    for px, py in points:
        if py is None:
            pen_down = False
            continue
        if not pen_down:
            runs.append([])
        runs[-1].append((px, py))
        pen_down = True
    return runs


def path_of(runs: Runs) -> str:
    """An SVG path drawing the runs."""
    return " ".join(f"{'L' if i else 'M'}{px},{py}" for run in runs for i, (px, py) in enumerate(run))


def sparkline(values: Sequence[float | None], width: int = 96, height: int = 24) -> str:
    """A bare path for a small trend line; empty when fewer than two values exist."""
    return path_of(sparkline_runs(values, width, height))


def sparkline_runs(values: Sequence[float | None], width: int = 96, height: int = 24) -> Runs:
    """The small trend line as the pen draws it; none when fewer than two values exist."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return []
    low, high = min(known), max(known)
    spread = (high - low) or 1.0
    step = (width - 2) / max(len(values) - 1, 1)
    points = [
        (round(1 + i * step, 1), None if v is None else round(height - 2 - (height - 4) * (v - low) / spread, 1))
        for i, v in enumerate(values)
    ]
    return pen_runs(points)
