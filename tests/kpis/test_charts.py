from __future__ import annotations

import itertools

from hypothesis import example, given
from hypothesis import strategies as st

from kpis.charts import Line, line_chart, nice_ticks, sparkline

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
