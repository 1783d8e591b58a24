"""The fast path for CSV files on PostgreSQL: read and check whole blocks of lines at once, then COPY them.

Pure but for the `write` callable it is given. pyarrow parses the file in blocks, every column to its type, and
every check kpis.layouts makes line by line (dates and their window, numbers, blanks, member length, NUL bytes,
unknown measures, stray values) is made on whole columns. pyarrow rather than polars, by measurement and by
strictness: polars was faster on the benchmark file but reads a line with too few cells as blanks, which is
exactly the silent loss an import must refuse.

It never reports a problem itself. At the first sign of one (a cell that fails a check, a line of the wrong
width, a quoted line break, bytes that are not UTF-8) it gives up and returns None, and the import reads the
file again line by line, which names every problem by line and column. So the fast path only ever decides that
a file is clean, and the messages have one source.

A clean file is written to the staging table one of two ways: when its cells are already what the table holds
(numbers with a decimal point, trimmed members, plain dates), PostgreSQL's COPY reads the file itself, as
`psql \\copy` would; otherwise the checked columns are written out again as CSV for COPY.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from kpis.layouts import MAX_MEMBER_LENGTH, DayWindow, Layout, MeasureInfo, Plan

_BLOCK_BYTES = 4 * 1024 * 1024
_BOOLEANS = pa.array(["true", "false", "yes", "no"])
_BOOLEAN_VALUES = pa.array([1.0, 0.0, 1.0, 0.0])


class _GiveUp(Exception):
    pass


@dataclass(frozen=True)
class Staging:
    """Where the checked cells go: `copy_raw(columns)` COPYs the file as it is into the staging table, file
    column by file column (None: a column to skip), numbering lines from 2; `copy_csv(columns)` takes CSV text of
    the named staging columns."""

    copy_raw: Callable[[list[str | None], IO[bytes]], None]
    copy_csv: Callable[[list[str]], AbstractContextManager[Callable[[bytes], None]]]


def stage(
    file: IO[bytes],
    *,
    plan: Plan,
    delimiter: str,
    decimal_comma: bool,
    days: DayWindow,
    measures: Mapping[str, MeasureInfo],
    staging: Staging,
    progress: Callable[[int], None],
) -> int | None:
    """Stage a clean CSV file and return the rows read, or None (nothing staged) for the line-by-line reader."""
    checker = Checker(plan=plan, decimal_comma=decimal_comma, days=days, measures=measures)
    try:
        rows = 0
        for batch in batches(file, plan, delimiter, decimal_comma):
            checker.check(batch)
            rows += checker.rows_in(batch)
            progress(rows)
        file.seek(0)
        if checker.raw_copyable:
            staging.copy_raw(_raw_columns(plan), file)
            return rows
        line = 2
        with staging.copy_csv(plan.staged_columns) as write:
            for batch in batches(file, plan, delimiter, decimal_comma):
                table = checker.staged(batch, first_line=line)
                line += batch.num_rows
                sink = pa.BufferOutputStream()
                pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
                write(sink.getvalue().to_pybytes())
        return rows
    except (_GiveUp, pa.ArrowInvalid, pa.ArrowTypeError):
        file.seek(0)
        return None


def _column_types(plan: Plan) -> dict[str, pa.DataType]:
    types: dict[str, pa.DataType] = {f"c{index}": pa.string() for index in range(plan.width)}
    if plan.layout != Layout.ROWS:
        types[f"c{plan.date_index}"] = pa.date32()
    if plan.layout == Layout.WIDE:
        for index, _ in plan.measures:
            types[f"c{index}"] = pa.float64()
    if plan.layout == Layout.LONG:
        types[f"c{plan.value_index}"] = pa.float64()
    return types


def batches(file: IO[bytes], plan: Plan, delimiter: str, decimal_comma: bool) -> Any:
    def refuse(row: Any) -> str:
        return "error"

    return pa_csv.open_csv(
        file,
        read_options=pa_csv.ReadOptions(
            column_names=[f"c{index}" for index in range(plan.width)], skip_rows=1, block_size=_BLOCK_BYTES
        ),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=refuse
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types=_column_types(plan),
            strings_can_be_null=False,
            quoted_strings_can_be_null=True,
            null_values=[""],
            true_values=[],
            false_values=[],
            decimal_point="," if decimal_comma else ".",
        ),
    )


def _raw_columns(plan: Plan) -> list[str | None]:
    """For each column of the file, the staging column COPY puts it in (None: skipped)."""
    columns: list[str | None] = [None] * plan.width
    columns[plan.date_index] = "day"
    for number, (index, _) in enumerate(plan.dimensions):
        columns[index] = f"d{number}"
    for number, (index, _) in enumerate(plan.measures):
        columns[index] = f"v{number}"
    if plan.layout == Layout.ROWS:
        columns[plan.record_index] = "record"
    return columns


class Checker:
    def __init__(
        self, *, plan: Plan, decimal_comma: bool, days: DayWindow, measures: Mapping[str, MeasureInfo]
    ) -> None:
        self.plan = plan
        self.days = days
        self.measures = measures
        # Whether PostgreSQL can COPY the file as it is: no cell needs trimming, mapping or another decimal mark.
        self.raw_copyable = plan.layout != Layout.LONG and not decimal_comma
        self._blank: pa.Array | None = None

    def blank_rows(self, batch: pa.RecordBatch) -> pa.Array:
        """The lines whose every cell is empty: skipped, as the line-by-line reader skips them."""
        first = _empty(batch.column(0))
        if not pc.any(first).as_py():
            # The common case, decided by one column: no line is blank.
            return first
        blank = first
        for column in batch.columns[1:]:
            blank = pc.and_(blank, _empty(column))
        return blank

    def rows_in(self, batch: pa.RecordBatch) -> int:
        return batch.num_rows - pc.sum(pc.cast(self.blank_rows(batch), pa.int64())).as_py() if batch.num_rows else 0

    def check(self, batch: pa.RecordBatch) -> None:
        plan = self.plan
        blank = self.blank_rows(batch)
        if pc.any(blank).as_py():
            # COPY would take a blank line as a row; written out again, blank lines are left out.
            self.raw_copyable = False
        filled = pc.invert(blank)
        if pc.any(pc.and_(pc.is_null(self._day(batch)), filled)).as_py():
            raise _GiveUp
        self._check_days(batch, filled)
        for column in batch.columns:
            if pa.types.is_string(column.type) and pc.any(pc.match_substring(column, "\x00")).as_py():
                raise _GiveUp
            if pa.types.is_string(column.type) and pc.any(pc.match_substring(column, "\n")).as_py():
                # A quoted line break: the line numbers would drift from the records.
                raise _GiveUp
        for index in plan.ignored:
            if pc.any(pc.not_equal(pc.utf8_trim_whitespace(batch.column(index)), "")).as_py():
                raise _GiveUp
        for index, _ in plan.dimensions:
            self._check_text(batch.column(index), filled, MAX_MEMBER_LENGTH)
        if plan.layout == Layout.ROWS:
            self._check_text(batch.column(plan.record_index), filled, None)
            if plan.date_index >= 0:
                dates = batch.column(plan.date_index)
                if pc.any(pc.greater(pc.utf8_length(dates), 10)).as_py():
                    self.raw_copyable = False
        if plan.layout == Layout.LONG:
            self._long_measures(batch, filled)
        else:
            for index, measure in plan.measures:
                self._number(batch.column(index), measure)

    def _day(self, batch: pa.RecordBatch) -> pa.Array:
        column = batch.column(self.plan.date_index)
        if pa.types.is_date32(column.type):
            return column
        return _row_days(column)

    def _check_days(self, batch: pa.RecordBatch, filled: pa.Array) -> None:
        days = pc.filter(self._day(batch), filled)
        if len(days) and (pc.min(days).as_py() < self.days.first or pc.max(days).as_py() > self.days.last):
            raise _GiveUp

    def _check_text(self, column: pa.Array, filled: pa.Array, longest: int | None) -> None:
        trimmed = pc.utf8_trim_whitespace(column)
        if pc.any(pc.and_(pc.equal(trimmed, ""), filled)).as_py():
            raise _GiveUp
        if longest is not None and pc.any(pc.greater(pc.utf8_length(trimmed), longest)).as_py():
            raise _GiveUp
        if self.raw_copyable and not pc.all(pc.equal(trimmed, column)).as_py():
            self.raw_copyable = False

    def _number(self, column: pa.Array, measure: MeasureInfo) -> pa.Array:
        values = column if pa.types.is_floating(column.type) else self._flags_or_numbers(column)
        if pc.any(pc.invert(pc.is_finite(values))).as_py():
            raise _GiveUp
        if not measure.allows_negative and pc.any(pc.less(values, 0)).as_py():
            raise _GiveUp
        return values

    def _flags_or_numbers(self, column: pa.Array) -> pa.Array:
        """A row-level measure column: numbers, or true/false/yes/no counted as 1 and 0 (not both)."""
        nullable = pc.if_else(_empty(column), pa.scalar(None, pa.string()), column)
        words = pc.utf8_lower(pc.utf8_trim_whitespace(nullable))
        found = pc.index_in(words, value_set=_BOOLEANS)
        if pc.all(pc.is_null(found)).as_py():
            # No flag at all: numbers (a failed cast is what gives up on anything else).
            return pc.cast(nullable, pa.float64())
        self.raw_copyable = False
        if pc.any(pc.and_(pc.is_null(found), pc.invert(pc.is_null(words)))).as_py():
            raise _GiveUp
        return pc.take(_BOOLEAN_VALUES, found)

    def _long_measures(self, batch: pa.RecordBatch, filled: pa.Array) -> None:
        keys = list(self.measures)
        names = pc.utf8_lower(pc.utf8_trim_whitespace(batch.column(self.plan.measure_index)))
        found = pc.index_in(names, value_set=pa.array(keys, pa.string()))
        if pc.any(pc.and_(pc.is_null(found), filled)).as_py():
            raise _GiveUp
        values = batch.column(self.plan.value_index)
        if pc.any(pc.invert(pc.is_finite(values))).as_py():
            raise _GiveUp
        negatives_allowed = pa.array([self.measures[key].allows_negative for key in keys])
        allowed = pc.take(negatives_allowed, found)
        if pc.any(pc.and_(pc.less(values, 0), pc.invert(pc.fill_null(allowed, True)))).as_py():
            raise _GiveUp

    def staged(self, batch: pa.RecordBatch, *, first_line: int) -> pa.Table:
        """The checked batch as Plan.staged_columns, blank lines (and, in long files, blank values) left out."""
        plan = self.plan
        keep = pc.invert(self.blank_rows(batch))
        columns: list[pa.Array] = [
            pa.array(range(first_line, first_line + batch.num_rows), pa.int32()),
            self._day(batch),
            *(pc.utf8_trim_whitespace(batch.column(index)) for index, _ in plan.dimensions),
        ]
        if plan.layout == Layout.LONG:
            keys = list(self.measures)
            found = pc.index_in(
                pc.utf8_lower(pc.utf8_trim_whitespace(batch.column(plan.measure_index))),
                value_set=pa.array(keys, pa.string()),
            )
            columns.append(pc.take(pa.array([self.measures[key].id for key in keys], pa.int64()), found))
            values = batch.column(plan.value_index)
            columns.append(values)
            keep = pc.and_(keep, pc.invert(pc.is_null(values)))
        else:
            if plan.layout == Layout.ROWS:
                columns.append(pc.utf8_trim_whitespace(batch.column(plan.record_index)))
            columns.extend(self._number(batch.column(index), measure) for index, measure in plan.measures)
        return pa.table(columns, names=plan.staged_columns).filter(keep)


def _empty(column: pa.Array) -> pa.Array:
    if pa.types.is_string(column.type):
        return pc.equal(pc.utf8_trim_whitespace(column), "")
    return pc.is_null(column)


def _row_days(column: pa.Array) -> pa.Array:
    """The day of a row-level file's date cells: YYYY-MM-DD, or a date and time (the day part counts)."""
    day_part = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(column), 0, 10)
    rest = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(column), 10, 64)
    times = pc.match_substring_regex(rest, r"^([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$")
    if not pc.all(times).as_py():
        raise _GiveUp
    plain = pc.match_substring_regex(day_part, r"^\d{4}-\d{2}-\d{2}$")
    if not pc.all(pc.or_(plain, pc.equal(day_part, ""))).as_py():
        raise _GiveUp
    return pc.cast(pc.if_else(pc.equal(day_part, ""), pa.scalar(None, pa.string()), day_part), pa.date32())
