"""How a measure's daily cells pool into one value: the one rule behind the series and the running to-date values.

Each aggregation (sum, average, minimum, maximum, last) is written as a few partial aggregates whose operators are
associative (SUM, MIN, MAX), combined at the end. Partials pool again at any level (days into a segment's period,
segments into a team, days into a running window) without changing meaning, so the SQL that builds a period's
series value (kpis/services/series.py) and the SQL that rebuilds the value "so far" on each day (kpis/selectors.py)
are both generated here, from the same parts, and cannot drift apart.

`last` (a stock such as open tickets or headcount) is the level of each segment at its latest day with data, summed
over the segments of a group (docs/kpi-math.md). It is expressed as a sum of level changes: on each day with data a
segment contributes the change since its previous day with data in the same period (the first day: its whole
value). Summing the changes of a segment over any prefix of the period gives its latest level so far; summing over
segments gives the group's level. A segment that reported on 1 March and not on 2 March still counts its 1 March
level on 2 March; a level from an earlier period does not carry into the next one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from kpis import formula
from kpis.models import Aggregation


@dataclass(frozen=True)
class Part:
    """A partial aggregate: `op` over `source`, a column of the observations read (see `observations_columns`).

    A `flow` accrues day by day (a total, a count of cells), so the rest of a period adds to it at a daily rate; the
    others (a minimum, a maximum, a level) stand where the days so far left them.
    """

    name: str
    op: str
    source: str
    flow: bool = False


TOTAL = Part("total", "SUM", "value", flow=True)
COUNT = Part("n", "SUM", "1", flow=True)
LOW = Part("low", "MIN", "value")
HIGH = Part("high", "MAX", "value")
LEVEL = Part("level", "SUM", "level_change")
PARTS = (TOTAL, COUNT, LOW, HIGH, LEVEL)


@dataclass(frozen=True)
class Rule:
    """An aggregation as its parts and how they combine into the value (`{name}` stands for a pooled part)."""

    parts: tuple[Part, ...]
    combine: str

    @property
    def reads_level_changes(self) -> bool:
        return LEVEL in self.parts

    def value_sql(self, pooled: dict[str, str]) -> str:
        return self.combine.format(**{part.name: pooled[part.name] for part in self.parts})

    @cached_property
    def _combined(self) -> formula.Formula:
        return formula.parse(self.combine.format(**{part.name: part.name for part in self.parts}))

    def value(self, pooled: Mapping[str, float | None]) -> float | None:
        """The measure's value from its pooled parts, in Python, as `value_sql` computes it in SQL."""
        return self._combined.evaluate(pooled)


RULES: dict[Aggregation, Rule] = {
    Aggregation.SUM: Rule((TOTAL,), "{total}"),
    Aggregation.AVERAGE: Rule((TOTAL, COUNT), "{total} / {n}"),
    Aggregation.MINIMUM: Rule((LOW,), "{low}"),
    Aggregation.MAXIMUM: Rule((HIGH,), "{high}"),
    Aggregation.LAST: Rule((LEVEL,), "{level}"),
}


def rule(aggregation: Aggregation | str) -> Rule:
    return RULES[Aggregation(aggregation)]


def pooled(groups: Iterable[Mapping[str, float | None]]) -> dict[str, float | None]:
    """Parts of several groups (days, segments) pooled into the parts of their union, each by its operator."""
    groups = list(groups)
    found: dict[str, float | None] = {}
    for part in PARTS:
        known = [value for group in groups if (value := group.get(part.name)) is not None]
        found[part.name] = _POOL[part.op](known) if known else None
    return found


_POOL: dict[str, Callable[[list[float]], float]] = {"SUM": math.fsum, "MIN": min, "MAX": max}


def observations_columns(*, alias: str, partition: str, level_changes: bool) -> str:
    """The columns `value` and `level_change` of observations `alias`, for a SELECT over them.

    `partition` (SQL) is what delimits a segment's run of days besides measure and segment: the period for the
    series; nothing for a running window, whose rows already lie within one period. Without `level_changes` the
    column is NULL, which spares the window sort where no `last` measure is read.
    """
    if not level_changes:
        return f"{alias}.value AS value, CAST(NULL AS DOUBLE PRECISION) AS level_change"
    window = ", ".join([f"{alias}.measure_id", f"{alias}.segment_id", *([partition] if partition else [])])
    previous = f"LAG({alias}.value) OVER (PARTITION BY {window} ORDER BY {alias}.day)"
    return f"{alias}.value AS value, {alias}.value - COALESCE({previous}, 0) AS level_change"


def rollup_columns(alias: str) -> str:
    """Every part over the observations `alias`, one column each, named for the part."""
    return ", ".join(f"{part.op}({_source(alias, part)}) AS {part.name}" for part in PARTS)


def pooled_sql(*, aggregation_column: str, rollup: str) -> str:
    """The value of rollup rows `rollup` pooled into one group, for the aggregation named in `aggregation_column`."""
    cases = " ".join(
        f"WHEN '{aggregation.value}' THEN {each.value_sql({p.name: f'{p.op}({rollup}.{p.name})' for p in each.parts})}"
        for aggregation, each in RULES.items()
    )
    return f"CASE {aggregation_column} {cases} END"


def running_sql(*, aggregation: Aggregation | str, measure_id: int, alias: str, window: str) -> str:
    """The measure's value over the days so far: its parts per day, pooled again over `window` (a WINDOW name).

    For a query grouped by day whose rows are observations `alias` of several measures; ids are integers from the
    database and are inlined.
    """

    def so_far(part: Part) -> str:
        only = f"CASE WHEN {alias}.measure_id = {int(measure_id)} THEN {_source(alias, part)} END"
        return f"{part.op}({part.op}({only})) OVER {window}"

    each = rule(aggregation)
    return each.value_sql({part.name: so_far(part) for part in each.parts})


def _source(alias: str, part: Part) -> str:
    return part.source if part.source == "1" else f"{alias}.{part.source}"
