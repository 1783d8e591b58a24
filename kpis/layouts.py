"""What the columns of a measurement file mean, and the checks on every cell.

Pure: no database. Three layouts, told apart by the header:
- long: `date`, `measure`, `value` and dimension columns, one value a line;
- rows: one line per contact or ticket, with an `id`, `contact_id` or `ticket_id` column; measure columns are summed
  per day and segment (booleans count as 1 and 0) and the lines are counted into `total_contacts`;
- wide: `date`, dimension columns and measure columns, one (day, segment) a line.
Every problem is collected with its line and column rather than stopping at the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kpis.readers import shorten

DATE_COLUMN = "date"
MEASURE_COLUMN = "measure"
VALUE_COLUMN = "value"
ID_COLUMNS = ("id", "contact_id", "ticket_id")
COUNT_MEASURE = "total_contacts"
MAX_PROBLEMS = 200
MAX_MEMBER_LENGTH = 200
_MAX_COLUMN_SHOWN = 80
_MAX_MESSAGE_SHOWN = 1000
_DATE_HELP = "expected a date as YYYY-MM-DD"
_BOOLEANS = {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}
# Dates repeat on every line of a daily export; a bounded cache keeps parsing them cheap without growing with the file.
_DATE_CACHE_SIZE = 10_000


class Layout(StrEnum):
    WIDE = "wide"
    LONG = "long"
    ROWS = "rows"


@dataclass(frozen=True)
class MeasureInfo:
    id: int
    key: str
    allows_negative: bool


@dataclass(frozen=True)
class DimensionInfo:
    id: int
    key: str


@dataclass
class Problems:
    """Problems found in a file, capped so that a wholly wrong file still gives a readable report."""

    cap: int = MAX_PROBLEMS
    items: list[dict[str, object]] = field(default_factory=list)
    more: int = 0

    def add(self, line: int | None, column: str | None, message: str) -> None:
        if len(self.items) < self.cap:
            # Bounded whatever the file holds: every value a message quotes is shortened, this is the backstop.
            shown = column if column is None else shorten(column, _MAX_COLUMN_SHOWN)
            self.items.append({"line": line, "column": shown, "message": shorten(message, _MAX_MESSAGE_SHOWN)})
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def as_list(self) -> list[dict[str, object]]:
        ordered = sorted(self.items, key=_line_order)
        if self.more:
            ordered.append({"line": None, "column": None, "message": f"… and {self.more} more problems not shown"})
        return ordered


def _line_order(item: dict[str, object]) -> int:
    line = item["line"]
    return line if isinstance(line, int) else 0


@dataclass(frozen=True)
class Plan:
    """How to read the lines of one file, decided from its header."""

    layout: Layout
    width: int
    date_index: int
    # Dimension columns in the order of their keys, the order of a segment's canonical key.
    dimensions: tuple[tuple[int, DimensionInfo], ...]
    # Measure columns of wide and row-level files.
    measures: tuple[tuple[int, MeasureInfo], ...] = ()
    measure_index: int = -1
    value_index: int = -1
    record_index: int = -1
    record_column: str = ""
    count_measure: MeasureInfo | None = None
    ignored: tuple[int, ...] = ()
    # The header's names as compared (trimmed, lower case): what a problem in a column is named by.
    names: tuple[str, ...] = ()

    @property
    def staged_columns(self) -> list[str]:
        """The columns of the tuples RowParser.parse returns: line, day, one per dimension, then the layout's own."""
        columns = ["line", "day", *(f"d{number}" for number in range(len(self.dimensions)))]
        if self.layout == Layout.LONG:
            return [*columns, "measure_id", "value"]
        values = [f"v{number}" for number in range(len(self.measures))]
        if self.layout == Layout.ROWS:
            return [*columns, "record", *values]
        return [*columns, *values]


def plan_layout(
    header: Sequence[str],
    measures: Mapping[str, MeasureInfo],
    dimensions: Mapping[str, DimensionInfo],
    problems: Problems,
) -> Plan | None:
    """The Plan for a header, or None with the header's problems added to `problems`."""
    names = [name.strip().lower() for name in header]
    before = len(problems.items) + problems.more
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name and name in seen:
            problems.add(
                1,
                name,
                f"column '{shorten(name)}' appears twice in the header (columns {seen[name] + 1} and {index + 1})",
            )
        seen.setdefault(name, index)
    if DATE_COLUMN not in seen:
        problems.add(1, None, f"missing date column: the header needs a '{DATE_COLUMN}' column")
    if MEASURE_COLUMN in seen and VALUE_COLUMN in seen:
        layout = Layout.LONG
    elif any(name in seen for name in ID_COLUMNS):
        layout = Layout.ROWS
    else:
        layout = Layout.WIDE
    record_columns = [name for name in ID_COLUMNS if name in seen] if layout == Layout.ROWS else []
    if len(record_columns) > 1:
        problems.add(1, record_columns[1], f"more than one id column ({', '.join(record_columns)}); keep one")
    special = {DATE_COLUMN} | ({MEASURE_COLUMN, VALUE_COLUMN} if layout == Layout.LONG else set(record_columns))

    dimension_columns: list[tuple[int, DimensionInfo]] = []
    measure_columns: list[tuple[int, MeasureInfo]] = []
    ignored: list[int] = []
    for index, name in enumerate(names):
        if not name:
            ignored.append(index)
        elif seen[name] != index or name in special:
            continue
        elif name in measures and layout != Layout.LONG:
            measure_columns.append((index, measures[name]))
        elif name in dimensions:
            dimension_columns.append((index, dimensions[name]))
        else:
            problems.add(1, name, _unknown_column(name, layout, measures, dimensions))
    counts_rows = layout == Layout.ROWS and COUNT_MEASURE in measures
    if layout != Layout.LONG and not measure_columns and not counts_rows and DATE_COLUMN in seen:
        problems.add(
            1,
            None,
            "no measure columns: name at least one column after a measure key, or use the long "
            f"layout with '{MEASURE_COLUMN}' and '{VALUE_COLUMN}' columns",
        )
    if len(problems.items) + problems.more > before:
        return None
    count_measure = measures.get(COUNT_MEASURE)
    if layout != Layout.ROWS or COUNT_MEASURE in seen:
        count_measure = None
    return Plan(
        layout=layout,
        width=len(names),
        date_index=seen[DATE_COLUMN],
        dimensions=tuple(sorted(dimension_columns, key=lambda column: column[1].key)),
        measures=tuple(measure_columns),
        measure_index=seen.get(MEASURE_COLUMN, -1) if layout == Layout.LONG else -1,
        value_index=seen.get(VALUE_COLUMN, -1) if layout == Layout.LONG else -1,
        record_index=seen[record_columns[0]] if record_columns else -1,
        record_column=record_columns[0] if record_columns else "",
        count_measure=count_measure,
        ignored=tuple(ignored),
        names=tuple(names),
    )


@dataclass(frozen=True)
class DayWindow:
    """The days a file may hold: from `first` (IMPORT_DATE_MIN) to `last` (today), both included."""

    first: dt.date
    last: dt.date

    def check(self, iso_day: str) -> tuple[str | None, str]:
        # ISO text compares as the days it names.
        if iso_day > self.last.isoformat():
            return None, (
                f"{iso_day} is after today ({self.last.isoformat()}): a file holds days that have happened "
                "(a typo in the year?)"
            )
        if iso_day < self.first.isoformat():
            return None, (
                f"{iso_day} is before {self.first.isoformat()}, the earliest day imports accept "
                "(IMPORT_DATE_MIN; a typo in the year?)"
            )
        return iso_day, ""


def _unknown_column(
    name: str, layout: Layout, measures: Mapping[str, MeasureInfo], dimensions: Mapping[str, DimensionInfo]
) -> str:
    if layout == Layout.LONG and name in measures:
        return f"'{name}' is a measure: in a long file measures are named in the '{MEASURE_COLUMN}' column"
    known_measures = ", ".join(sorted(measures)) or "none defined"
    known_dimensions = ", ".join(sorted(dimensions)) or "none defined"
    return (
        f"unknown column '{shorten(name)}': not a measure or dimension key "
        f"(measures: {known_measures}; dimensions: {known_dimensions})"
    )


def segment_key(members: Sequence[tuple[str, str]]) -> str:
    """Canonical segment key, `channel=phone;team=Tier 1`, from (dimension key, value) pairs in key order."""
    return ";".join(f"{key}={_escape(value)}" for key, value in members)


def _escape(value: str) -> str:
    # Keeps the key unambiguous for the rare value that holds a separator.
    return value.replace("\\", "\\\\").replace(";", "\\;").replace("=", "\\=")


Staged = tuple[int | float | str | None, ...]


class RowParser:
    """Checks one data line against a Plan: the row as Plan.staged_columns, or None with the line's problems added."""

    def __init__(
        self,
        plan: Plan,
        *,
        measures: Mapping[str, MeasureInfo],
        decimal_comma: bool,
        problems: Problems,
        days: DayWindow,
        short_rows_allowed: bool = False,
    ) -> None:
        self.plan = plan
        self.measures = measures
        self.decimal_comma = decimal_comma
        self.problems = problems
        self.days = days
        self.short_rows_allowed = short_rows_allowed
        self._dates: dict[str, str] = {}

    def parse(self, line: int, cells: list[str]) -> Staged | None:
        """The line as Plan.staged_columns, or None when its day or segment is unusable.

        A line with a bad value is still returned, that value blank, so that it takes part in the check for
        repeated lines; its problem alone fails the import.
        """
        plan = self.plan
        problems = self.problems
        if len(cells) < plan.width:
            if not self.short_rows_allowed:
                self._short(line, len(cells))
                return None
            cells = cells + [""] * (plan.width - len(cells))
        if plan.ignored or len(cells) > plan.width:
            for index in (*plan.ignored, *range(plan.width, len(cells))):
                if cells[index].strip():
                    stray = shorten(cells[index].strip())
                    problems.add(line, None, f"value '{stray}' in column {index + 1}, which has no header")
        day = self._day(line, cells[plan.date_index])
        placed = day is not None
        members: list[str] = []
        for index, dimension in plan.dimensions:
            member = cells[index].strip()
            if not member:
                problems.add(line, dimension.key, f"blank value for dimension '{dimension.key}'")
                placed = False
            elif len(member) > MAX_MEMBER_LENGTH:
                problems.add(line, dimension.key, f"value longer than {MAX_MEMBER_LENGTH} characters")
                placed = False
            members.append(member)
        if plan.layout == Layout.LONG:
            return self._long(line, cells, day, members, placed=placed)
        values: list[float | None] = []
        booleans = plan.layout == Layout.ROWS
        decimal_comma = self.decimal_comma
        for index, measure in plan.measures:
            text = cells[index]
            # The common case, a plain non-negative number, is taken here; _number sorts out everything else.
            try:
                value: float | None = float(text.replace(",", ".") if decimal_comma else text)
            except ValueError:
                value = None
            if value is not None and value >= 0 and value - value == 0.0 and "_" not in text:
                values.append(value)
            elif not text or text.isspace():
                values.append(None)
            else:
                values.append(self._number(line, measure, text, booleans=booleans))
        if plan.layout == Layout.WIDE:
            return (line, day, *members, *values) if placed else None
        record = cells[plan.record_index].strip()
        if not record:
            problems.add(line, plan.record_column, f"blank {plan.record_column}")
            placed = False
        return (line, day, *members, record, *values) if placed else None

    def _short(self, line: int, count: int) -> None:
        missing = self.plan.names[count:]
        self.problems.add(
            line,
            missing[0] or None,
            f"the line has {count} cell{'s' if count != 1 else ''} and the header {self.plan.width}: "
            f"{', '.join(name or '(blank)' for name in missing[:5])}{' …' if len(missing) > 5 else ''} "
            "missing. A separator too few, or a line cut short?",
        )

    def _long(self, line: int, cells: list[str], day: str | None, members: list[str], *, placed: bool) -> Staged | None:
        key = cells[self.plan.measure_index].strip().lower()
        measure = self.measures.get(key)
        if not key:
            self.problems.add(line, MEASURE_COLUMN, "blank measure")
        elif measure is None:
            known = ", ".join(sorted(self.measures)) or "none defined"
            self.problems.add(line, MEASURE_COLUMN, f"unknown measure '{shorten(key)}' (measures: {known})")
        if not placed or measure is None:
            return None
        text = cells[self.plan.value_index]
        if not text or text.isspace():
            return None
        return (line, day, *members, measure.id, self._number(line, measure, text, booleans=False, column=VALUE_COLUMN))

    def _day(self, line: int, text: str) -> str | None:
        cached = self._dates.get(text)
        if cached is not None:
            return cached
        day, message = _parse_day(text.strip(), datetimes=self.plan.layout == Layout.ROWS)
        if day is not None:
            day, message = self.days.check(day)
        if day is None:
            self.problems.add(line, DATE_COLUMN, message)
        elif len(text) == 10:
            if len(self._dates) >= _DATE_CACHE_SIZE:
                self._dates.clear()
            self._dates[text] = day
        return day

    def _number(
        self, line: int, measure: MeasureInfo, text: str, *, booleans: bool, column: str | None = None
    ) -> float | None:
        column = column or measure.key
        if booleans:
            flag = _BOOLEANS.get(text.strip().lower())
            if flag is not None:
                return flag
        number_text = text.replace(",", ".") if self.decimal_comma and "," in text else text
        try:
            value = float(number_text)
        except ValueError:
            value = None
        # float() also takes nan, inf and 1_000, none of which a count or duration should be.
        if value is None or value - value != 0.0 or "_" in text:
            expected = "a number or true/false/yes/no" if booleans else "a number"
            self.problems.add(line, column, f"'{shorten(text.strip())}' is not {expected}")
            return None
        if value < 0 and not measure.allows_negative:
            self.problems.add(line, column, f"negative value {shorten(text.strip())}: {measure.key} cannot be negative")
            return None
        return value


def _parse_day(text: str, *, datetimes: bool) -> tuple[str | None, str]:
    """The ISO day of a date cell, or None and the problem."""
    if not text:
        return None, f"missing date: {_DATE_HELP}"
    if len(text) > 10 and datetimes and text[10] in "T ":
        try:
            return dt.datetime.fromisoformat(text).date().isoformat(), ""
        except ValueError:
            return (
                None,
                f"bad date '{shorten(text)}': expected a date as YYYY-MM-DD or a date and time as YYYY-MM-DDTHH:MM:SS",
            )
    # Python also reads 20260301 and 2026-W09-1 as dates; a file should say which day it means the plain way.
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text).isoformat(), ""
        except ValueError:
            pass
    return None, f"bad date '{shorten(text)}': {_DATE_HELP}"
