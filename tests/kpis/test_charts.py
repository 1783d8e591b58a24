from __future__ import annotations

import itertools

from hypothesis import example, given
from hypothesis import strategies as st

from kpis.charts import COMPACT_WIDTH, COMPACT_X_LABELS, Line, line_chart, nice_ticks, sparkline

values = st.lists(st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6)), min_size=1, max_size=40)


@given(values=values)
def test_every_point_lies_inside_the_plot(values: list[float | None]) -> None:
    chart = line_chart([Line("KPI", list(enumerate(values)))], [str(i) for i in range(len(values))])

    for line in chart.lines:
        for x, y, _ in line.dots:
            assert chart.plot_left <= x <= chart.plot_right
            assert chart.plot_top - 0.1 <= y <= chart.plot_bottom + 0.1


@given(low=st.floats(min_value=-1e6, max_value=1e6), high=st.floats(min_value=-1e6, max_value=1e6))
@example(low=5.0, high=-5e-324)  # a value so close to zero that dividing it by the step gives zero
def test_ticks_cover_the_range(low: float, high: float) -> None:
    ticks = nice_ticks(low, high)

    assert ticks[0] <= min(low, high)
    assert ticks[-1] >= max(low, high)
    assert len(ticks) <= 12


def test_a_gap_lifts_the_pen() -> None:
    chart = line_chart([Line("KPI", [(0, 1.0), (1, None), (2, 3.0)])], ["a", "b", "c"])

    assert chart.lines[0].path.count("M") == 2


def test_no_data_gives_an_empty_chart_and_no_sparkline() -> None:
    assert line_chart([Line("KPI", [(0, None)])], ["a"]).empty
    assert sparkline([None, 4.0]) == ""


def test_the_last_label_is_kept_and_never_crowds_the_one_before() -> None:
    labels = [f"W{i}" for i in range(19)]

    ticks = line_chart([Line("KPI", [(i, float(i)) for i in range(19)])], labels).x_ticks

    assert ticks[0].label == "W0"
    assert ticks[0].anchor == "start"
    assert ticks[-1].label == "W18"
    assert ticks[-1].anchor == "end"
    gaps = [b.at - a.at for a, b in itertools.pairwise(ticks)]
    assert min(gaps) >= 0.6 * max(gaps)


def test_long_lines_have_no_dots_unless_asked() -> None:
    points = [(i, float(i)) for i in range(60)]

    chart = line_chart([Line("KPI", points), Line("Asked", points, dots=True)], [str(i) for i in range(60)])

    assert [len(line.dots) for line in chart.lines] == [0, 60]


def test_a_chart_also_comes_drawn_for_a_phone_and_for_a_wide_screen() -> None:
    weeks = [f"2026-W{i:02d}" for i in range(1, 31)]
    lines = [
        Line("Weekly value", [(i, 10.0 + i % 3) for i in range(30)]),
        Line("Target", [(0, 9.0), (29, 9.0)], "target"),
    ]

    chart = line_chart(lines, weeks)

    assert chart.compact is not None
    assert chart.large is not None
    assert (chart.compact.width, chart.width, chart.large.width) == (360, 640, 1040)
    # narrower in units, fewer period labels; the same lines and legend at every size
    assert len(chart.compact.x_ticks) < len(chart.x_ticks) < len(chart.large.x_ticks)
    for drawing in (chart.compact, chart.large):
        assert [line.label for line in drawing.lines] == [line.label for line in chart.lines]
        assert drawing.legend == chart.legend
        assert drawing.x_ticks[-1].label == "2026-W30"


def test_a_chart_drawn_as_narrow_as_a_phone_has_no_twins() -> None:
    chart = line_chart([Line("KPI", [(0, 1.0), (1, 2.0)])], ["a", "b"], width=360)

    assert chart.compact is None
    assert chart.large is None


def test_the_compact_drawing_alone_is_the_compact_twin() -> None:
    days = [f"{d} Oct" for d in range(1, 31)]
    lines = [Line("Progress", [(i, 2.0 * i) for i in range(30)], dots=False), Line("Expected", [(0, 0.0), (29, 70.0)])]

    alone = line_chart(lines, days, height=100, width=COMPACT_WIDTH, x_labels_at_most=COMPACT_X_LABELS)

    assert alone == line_chart(lines, days, height=100).compact
    assert len(alone.x_ticks) <= COMPACT_X_LABELS + 1


def test_the_last_label_never_touches_the_one_before_on_the_drawing() -> None:
    days = (
        [f"{day:02d} Oct" for day in range(1, 32)] + [f"{day:02d} Nov" for day in range(1, 31)] + ["01 Dec", "02 Dec"]
    )

    chart = line_chart([Line("Progress", [(i, float(i)) for i in range(len(days))])], days)

    assert chart.compact is not None
    assert chart.large is not None
    for drawing in (chart.compact, chart, chart.large):
        before, last = drawing.x_ticks[-2:]
        assert last.label == "02 Dec"
        # the last label is anchored at its end, the one before at its middle: about 7 units a character, and a gap
        assert last.at - before.at >= 7 * (len(before.label) / 2 + len(last.label)) + 6
