"""Where a key result's figure ends its period: a point and a range. Pure: no database, no Django.

A KPI's value over a period is a ratio of sums: its formula applied to its measures pooled over the period's days
(docs/kpi-math.md). Its forecast is the same formula applied to what those sums will be at the period's end: the
sums so far plus the rest of the period at the recent pace, each flow (a numerator, a denominator, a count of
cells) projected at its own per-day rate. A week holds as many days as it holds, so a two-day week weighs two days,
and no weekly ratio is ever averaged or extended by a line: a team at 12 % whose last two days ran at 2 % is
forecast near 12 %, not at the half of that a line through its weekly values reaches.

The range is the spread of the rest's pace. Each recent day is a scenario: the rest of the period runs at the
recent pace moved by that day's deviation from it, scaled to what the deviation means for a sum over the days left
(the day-to-day noise over `days_left` days plus the uncertainty of a pace read from `recent` days). The range runs
from the 10th to the 90th percentile of the scenarios' results, and always holds the point. Constant daily rates
make every scenario the point; a period whose days are all known has its actual value as point and range.

A number a person checks in (a manual key result) has no days to pool: it is forecast along the least-squares line
through the check-ins, with the line's 80 % prediction interval as range.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

# The pace the rest of a period is forecast at: the per-day rates of this many latest days with data known.
RECENT_DAYS = 28
# The range's ends, as quantiles of the scenarios; together an 80 % range.
LOW_QUANTILE, HIGH_QUANTILE = 0.1, 0.9
# The normal distribution's 90th percentile: an 80 % prediction interval is the line ± this many standard errors.
Z_80 = 1.2815515655446004

Flows = Mapping[str, float]
Value = Callable[[Mapping[str, float]], "float | None"]


@dataclass(frozen=True)
class Forecast:
    """The figure at the period's end and the range it will likely fall in; no range without spread to read."""

    value: float
    low: float | None = None
    high: float | None = None


def ratio_of_sums(days: Sequence[Flows], days_left: int, value: Value, *, recent: int = RECENT_DAYS) -> Forecast | None:
    """The period's end value of a KPI whose figure is `value(totals)` over additive flows.

    `days` holds each day of the period known so far, in order, as its flows (a day without data is empty: it
    adds nothing, as on a weekend without contacts); `days_left` counts the period's days still to come. None when
    no day is known or the projected totals give no value (a zero denominator). Needs two recent days for a range.
    """
    if not days or days_left < 0:
        return None
    keys = sorted({key for day in days for key in day})
    totals = {key: math.fsum(day.get(key, 0.0) for day in days) for key in keys}
    window = days[-recent:]
    pace = {key: math.fsum(day.get(key, 0.0) for day in window) / len(window) for key in keys}
    point = value({key: totals[key] + days_left * pace[key] for key in keys})
    if point is None:
        return None
    if days_left == 0:
        return Forecast(point, point, point)
    if len(window) < 2:
        return Forecast(point)
    # The rest's sum of a flow deviates from days_left x pace by about sqrt(days_left) day-deviations (noise) plus
    # days_left / sqrt(len(window)) of them (the pace itself read from few days).
    scale = math.sqrt(days_left + days_left**2 / len(window))
    never_negative = {key for key in keys if all(day.get(key, 0.0) >= 0 for day in window)}
    outcomes = []
    for day in window:
        rest = {key: days_left * pace[key] + scale * (day.get(key, 0.0) - pace[key]) for key in keys}
        for key in never_negative:
            rest[key] = max(rest[key], 0.0)
        outcome = value({key: totals[key] + rest[key] for key in keys})
        if outcome is not None:
            outcomes.append(outcome)
    if not outcomes:
        return Forecast(point)
    return _ranged(point, outcomes)


def trend(points: Sequence[tuple[float, float]], at: float) -> Forecast | None:
    """The least-squares line through (x, y) points, read at x = `at`, with its 80 % prediction interval as range.

    None with fewer than two distinct x; no range with fewer than three points (a line through two has no residue
    to read a spread from). A series that has never gone below zero (a count, a duration) is not forecast below
    it: the line and its range stop at zero rather than promise -1 articles.
    """
    n = len(points)
    if n < 2:
        return None
    mean_x = math.fsum(x for x, _ in points) / n
    mean_y = math.fsum(y for _, y in points) / n
    spread = math.fsum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    slope = math.fsum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    floor = 0.0 if all(y >= 0 for _, y in points) else -math.inf

    def line(x: float) -> float:
        return mean_y + slope * (x - mean_x)

    point = max(line(at), floor)
    if n < 3:
        return Forecast(point)
    residue = math.fsum((y - line(x)) ** 2 for x, y in points) / (n - 2)
    half = Z_80 * math.sqrt(residue * (1 + 1 / n + (at - mean_x) ** 2 / spread))
    return Forecast(point, max(min(point, line(at) - half), floor), max(point, line(at) + half))


def _ranged(point: float, outcomes: Sequence[float]) -> Forecast:
    ordered = sorted(outcomes)
    return Forecast(point, min(point, _quantile(ordered, LOW_QUANTILE)), max(point, _quantile(ordered, HIGH_QUANTILE)))


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating between the two nearest (numpy's default)."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
