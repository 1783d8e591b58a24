"""Import of measurement files into observations: validate, stage, and upsert all-or-nothing.

The file is streamed once: each line is checked in Python (kpis.layouts) and written to a temporary staging table,
with COPY on PostgreSQL and batched inserts on SQLite. Everything that needs the whole file (repeated rows,
segments, which cells change) is then set-based SQL over the staging table, so memory stays flat however long the
file is. The uploaded file is always kept in the batch's FileField, also for the command line: a worker on another
machine reads it from the shared media storage, and every observation can be traced back to the very file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from config.audit import record_as
from config.celery import RETRIED_ERRORS
from kpis import fast_csv, faults, layouts, readers
from kpis.layouts import Layout, Plan, Problems, Staged
from kpis.models import Dimension, ImportBatch, Measure, Segment, SegmentMember
from kpis.services import recovery, series

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# One lock for the writing stage of every import (see _Stage.lock_writes); the series recompute has 7_420_001.
IMPORT_WRITE_LOCK = 7_420_003
_SQLITE_BATCH_ROWS = 5_000
_COPY_CHUNK_BYTES = 1024 * 1024
_IN_CHUNK = 500
# Often enough for a progress bar to move, rarely enough to cost nothing next to reading the rows.
_PROGRESS_ROWS = 10_000

# Told the stage (reading, checking, writing) and the rows read so far, for a progress display.
Progress = Callable[[str, int], None]


def _no_progress(stage: str, rows: int) -> None:
    pass


FINISHED = (ImportBatch.Status.SUCCEEDED, ImportBatch.Status.FAILED)
# Ends every refusal of cells at another set of dimensions; the import page offers the replacing import on it.
REPLACE_HINT = (
    "To replace the stored cells of the file's days with the file's, import it again with 'Replace cells stored "
    "at other dimensions' (import_measurements --replace)"
)
OUT_OF_MEMORY = (
    "the worker ran out of memory reading this file; nothing was written. Split it into smaller files, or ask "
    "the operator to give the workers more memory"
)


class _Rejected(Exception):
    pass


def read_limits() -> readers.Limits:
    return readers.Limits(
        line_bytes=settings.IMPORT_MAX_LINE_BYTES,
        columns=settings.IMPORT_MAX_COLUMNS,
        xlsx_inflated_bytes=settings.IMPORT_XLSX_MAX_INFLATED_BYTES,
        xlsx_shared_strings_bytes=settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES,
    )


def day_window() -> layouts.DayWindow:
    """IMPORT_DATE_MIN to today where the organisation is (TIME_ZONE), not where the server's clock is."""
    return layouts.DayWindow(first=settings.IMPORT_DATE_MIN, last=timezone.localdate())


@transaction.atomic
def import_batch_create(
    *,
    path_or_file: str | os.PathLike[str] | IO[bytes] | File,
    filename: str,
    source: ImportBatch.Source,
    created_by: User | None = None,
    dry_run: bool = False,
    sheet: str = "",
    replace: bool = False,
) -> ImportBatch:
    """A pending batch holding a copy of the file; `filename` is the name the user knows the file by.

    `sheet` names the sheet to read in a workbook with several data sheets. `replace` deletes the stored cells of
    the file's measures and days that are at another set of dimensions than the file's, instead of refusing them.
    """
    name = PurePath(filename).name or "measurements"
    batch = ImportBatch(
        filename=name[:255],
        source=source,
        created_by=created_by,
        dry_run=dry_run,
        sheet=sheet,
        replace=replace,
    )
    if isinstance(path_or_file, str | os.PathLike):
        with open(path_or_file, "rb") as handle:
            batch.file.save(name, File(handle), save=False)
    else:
        content = path_or_file if isinstance(path_or_file, File) else File(path_or_file)
        batch.file.save(name, content, save=False)
    batch.full_clean()
    batch.save()
    return batch


def import_batch_rerun(
    *, batch: ImportBatch, dry_run: bool, created_by: User | None, replace: bool | None = None
) -> ImportBatch:
    """A new pending batch of the same stored file (to validate it, or import a file validated before).

    The new batch points to the file the first one stored, rather than a copy of it: a file is stored once.
    `replace` None keeps the first batch's choice.
    """
    again = ImportBatch(
        filename=batch.filename,
        source=batch.source,
        created_by=created_by,
        dry_run=dry_run,
        sheet=batch.sheet,
        replace=batch.replace if replace is None else replace,
        file=batch.file.name,
    )
    again.full_clean()
    again.save()
    return again


def import_batch_process(*, batch: ImportBatch, progress: Progress | None = None) -> ImportBatch:
    """Read the batch's file and write its cells, or none of them; a finished batch is returned unchanged.

    Not one transaction as a whole: `running` is committed first so that others see it, and `failed` must
    survive the rollback of the import itself. The data and `succeeded` commit together, so a batch left `running`
    by a crash holds no data and is run again (at most IMPORT_MAX_ATTEMPTS starts in all). Its series are
    recomputed afterwards by import_batch_series_recompute. `progress`, when given, is told each stage and, while
    reading, the rows read so far.
    """
    if batch.status in FINISHED:
        return batch
    # The batch's history: the worker's writes are the uploader's import, not the system's.
    record_as(batch, batch.created_by)
    if batch.attempts >= settings.IMPORT_MAX_ATTEMPTS:
        recovery.import_batch_fail(batch_id=batch.pk, message=recovery.worker_lost_message(batch.attempts))
        batch.refresh_from_db()
        return batch
    batch.status = ImportBatch.Status.RUNNING
    batch.started_at = batch.heartbeat_at = timezone.now()
    batch.attempts += 1
    batch.errors = []
    batch.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "errors"])

    run = _Run(batch=batch, progress=progress or _no_progress)
    try:
        with transaction.atomic():
            with recovery.heartbeat(batch.pk):
                run.execute()
            if batch.dry_run:
                transaction.set_rollback(True)
            else:
                _finish(batch, run, ImportBatch.Status.SUCCEEDED)
    except _Rejected:
        batch.errors = run.problems.as_list()
        batch.cells_inserted = batch.cells_updated = batch.cells_unchanged = batch.cells_replaced = 0
        batch.changes = {}
        _finish(batch, run, ImportBatch.Status.FAILED)
    except MemoryError:
        recovery.import_batch_fail(batch_id=batch.pk, message=OUT_OF_MEMORY)
        batch.refresh_from_db()
    except RETRIED_ERRORS:
        # Known and retried (a deadlock broken, the database or broker gone a moment): not a start that counts
        # towards IMPORT_MAX_ATTEMPTS, if the database lets us say so.
        with suppress(DatabaseError):
            ImportBatch.objects.filter(pk=batch.pk).update(attempts=F("attempts") - 1)
        raise
    else:
        if batch.dry_run:
            _finish(batch, run, ImportBatch.Status.SUCCEEDED)
    return batch


def _finish(batch: ImportBatch, run: _Run, status: ImportBatch.Status) -> None:
    batch.status = status
    batch.rows_read = run.rows_read
    batch.file_format = run.layout
    batch.finished_at = timezone.now()
    batch.save()


def series_pending(batch: ImportBatch) -> bool:
    """Whether the batch's data is in and its KPI series are still to be recomputed."""
    return batch.status == ImportBatch.Status.SUCCEEDED and not batch.dry_run and batch.series_recomputed_at is None


def import_batch_series_recompute(
    *, batch_id: int, on_commit: Callable[[series.SeriesChange], None] | None = None
) -> series.SeriesChange:
    """Recompute the series a succeeded batch changed, and mark them done in the same transaction.

    The batch row is locked first, so a second recompute of the same batch (a redelivered message, the sweep)
    waits and then finds it done. `on_commit` is handed the change once it has committed.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or not series_pending(batch):
            return series.SeriesChange()
        change = series.series_recompute_for_batch(batch=batch)
        faults.pause_at("series", server=True)
        batch.series_recomputed_at = timezone.now()
        batch.save(update_fields=["series_recomputed_at"])
        if on_commit is not None:
            transaction.on_commit(partial(on_commit, change))
    return change


@dataclass
class _Run:
    batch: ImportBatch
    progress: Progress = _no_progress
    problems: Problems = field(default_factory=Problems)
    rows_read: int = 0
    layout: str = ""

    def execute(self) -> None:
        measures = {
            key: layouts.MeasureInfo(id=pk, key=key, allows_negative=allows_negative)
            for pk, key, allows_negative in Measure.objects.values_list("id", "key", "allows_negative")
        }
        dimensions = {
            key: layouts.DimensionInfo(id=pk, key=key) for pk, key in Dimension.objects.values_list("id", "key")
        }
        with self.batch.file.open("rb") as stored:
            # Django's File splits lines in Python; the file object it wraps does so several times faster.
            file: Any = stored
            while isinstance(file, File) and file.file is not None:
                file = file.file
            try:
                table = readers.open_table(file, self.batch.filename, sheet=self.batch.sheet, limits=read_limits())
            except readers.ReadError as error:
                self.problems.add(error.line, error.column, error.message)
                raise _Rejected from None
            plan = self._plan(table, measures, dimensions)
            stage = _Stage(plan=plan, batch=self.batch, measures=measures)
            stage.create()
            parser = layouts.RowParser(
                plan,
                measures=measures,
                decimal_comma=table.decimal_comma,
                problems=self.problems,
                days=day_window(),
                short_rows_allowed=table.short_rows_allowed,
            )
            self.progress("reading", 0)
            staged = None
            if table.kind == readers.CSV and connection.vendor == "postgresql":
                staged = self._read_fast(file, table, stage, measures)
                if staged is None:
                    # Not clean throughout: read again line by line, which names each problem.
                    stage.empty()
                    table = readers.open_table(file, self.batch.filename, limits=read_limits())
            if staged is None:
                with stage.writer() as write:
                    self._read(table, parser, write)
            else:
                self.rows_read = staged
                stage.analyze()
        if not self.rows_read and not self.problems:
            self.problems.add(2, None, "the file has a header but no data rows")
        self.progress("checking", self.rows_read)
        stage.report_repeats(self.problems)
        # Checks of the staged cells as a whole go here, after every line was read and before anything is written.
        if self.problems:
            raise _Rejected
        self.progress("writing", self.rows_read)
        stage.lock_writes()
        stage.map_segments()
        # One granularity per measure and day: refused, or the other set deleted when the file replaces it.
        replaced = stage.replace_other_granularity() if self.batch.replace else None
        if replaced is None:
            stage.report_other_granularity(self.problems)
            if self.problems:
                raise _Rejected
        stage.apply()
        if replaced is not None:
            stage.record_replaced(replaced)

    def _plan(
        self,
        table: readers.Table,
        measures: dict[str, layouts.MeasureInfo],
        dimensions: dict[str, layouts.DimensionInfo],
    ) -> Plan:
        if not table.header or not "".join(table.header).strip():
            self.problems.add(1, None, "the file is empty")
            raise _Rejected
        plan = layouts.plan_layout(table.header, measures, dimensions, self.problems)
        if plan is None:
            raise _Rejected
        self.layout = plan.layout.value
        return plan

    def _read_fast(
        self, file: IO[bytes], table: readers.Table, stage: _Stage, measures: dict[str, layouts.MeasureInfo]
    ) -> int | None:
        """Stage a clean CSV file in whole blocks (kpis.fast_csv); None when it must be read line by line."""
        file.seek(0)
        return fast_csv.stage(
            file,
            plan=stage.plan,
            delimiter=table.delimiter,
            decimal_comma=table.decimal_comma,
            days=day_window(),
            measures=measures,
            staging=fast_csv.Staging(copy_raw=stage.copy_raw, copy_csv=stage.copy_csv),
            progress=self._reading_progress,
        )

    def _reading_progress(self, rows: int) -> None:
        if rows >= _PROGRESS_ROWS:
            self.progress("reading", rows)

    def _read(self, table: readers.Table, parser: layouts.RowParser, write: Callable[[Staged], None]) -> None:
        parse = parser.parse
        rows_read = 0
        report_at = _PROGRESS_ROWS
        try:
            for line, cells in table.rows:
                if not "".join(cells).strip():
                    continue
                rows_read += 1
                if rows_read == report_at:
                    self.progress("reading", rows_read)
                    report_at += _PROGRESS_ROWS
                row = parse(line, cells)
                if row is not None:
                    write(row)
        except readers.ReadError as error:
            # Ends the read, not the COPY in progress, so that the problems found so far are reported too.
            self.problems.add(error.line, error.column, error.message)
        finally:
            self.rows_read = rows_read


@dataclass
class _Stage:
    """The temporary tables of one import and the SQL over them; the same statements serve PostgreSQL and SQLite."""

    plan: Plan
    batch: ImportBatch
    measures: dict[str, layouts.MeasureInfo]
    segment_id: int | None = None

    def __post_init__(self) -> None:
        self.table = f"import_stage_{self.batch.pk}"
        self.segments = f"import_segments_{self.batch.pk}"
        self.changed = f"import_changed_{self.batch.pk}"
        self.dimension_columns = [f"d{number}" for number in range(len(self.plan.dimensions))]
        self.dimensions = Segment.dimensions_of(dimension.key for _, dimension in self.plan.dimensions)

    def create(self) -> None:
        plan = self.plan
        types = {"line": "integer NOT NULL", "day": "date NOT NULL", "measure_id": "bigint", "record": "text"}
        types.update({name: "text" for name in self.dimension_columns})
        columns = ", ".join(f"{name} {types.get(name, 'double precision')}" for name in plan.staged_columns)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE {self.table} ({columns})")

    @contextmanager
    def writer(self) -> Iterator[Callable[[Staged], None]]:
        columns = ", ".join(self.plan.staged_columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    faults.pause_at("copy")
                    yield copy.write_row
            else:
                yield from self._sqlite_writer(cursor, columns)
            # Temporary tables get no statistics by themselves; without them the joins below are planned blind.
            cursor.execute(f"ANALYZE {self.table}")

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.table}")

    def copy_raw(self, columns: list[str | None], file: IO[bytes]) -> None:
        """COPY the file as it is (header skipped) into the staging table, numbering its lines from 2.

        Only for a file kpis.fast_csv has checked whole: every column already holds what the table does.
        """
        sequence = f"import_lines_{self.batch.pk}"
        named = [column or f"x{index}" for index, column in enumerate(columns)]
        numbers = [name for name in named if name.startswith("v")]
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP SEQUENCE {sequence} START 2")
            cursor.execute(f"ALTER TABLE {self.table} ALTER COLUMN line SET DEFAULT nextval('{sequence}')")
            for name in named:
                if name.startswith("x"):
                    cursor.execute(f"ALTER TABLE {self.table} ADD COLUMN {name} text")
            force_null = f", FORCE_NULL ({', '.join(numbers)})" if numbers else ""
            statement = f"COPY {self.table} ({', '.join(named)}) FROM STDIN (FORMAT csv, HEADER true{force_null})"
            with cursor.cursor.copy(statement) as copy:
                faults.pause_at("copy")
                while chunk := file.read(_COPY_CHUNK_BYTES):
                    copy.write(chunk)
            cursor.execute(f"ALTER TABLE {self.table} ALTER COLUMN line DROP DEFAULT")
            cursor.execute(f"DROP SEQUENCE {sequence}")

    @contextmanager
    def copy_csv(self, columns: list[str]) -> Iterator[Callable[[bytes], None]]:
        """A writer of CSV text of these staging columns, COPYed as it comes."""
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {self.table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy,
        ):
            yield copy.write

    def empty(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {self.table}")

    def _sqlite_writer(self, cursor: Any, columns: str) -> Iterator[Callable[[Staged], None]]:
        pending: list[Staged] = []
        placeholders = ", ".join(["%s"] * len(self.plan.staged_columns))
        insert = f"INSERT INTO {self.table} ({columns}) VALUES ({placeholders})"

        def write(row: Staged) -> None:
            pending.append(row)
            if len(pending) >= _SQLITE_BATCH_ROWS:
                cursor.executemany(insert, pending)
                pending.clear()

        yield write
        if pending:
            cursor.executemany(insert, pending)

    def report_repeats(self, problems: Problems) -> None:
        """Lines that repeat an earlier line's cell (or, in row-level files, its id), each naming both lines."""
        plan = self.plan
        if plan.layout == Layout.ROWS:
            keys = ["record"]
        elif plan.layout == Layout.LONG:
            keys = ["day", *self.dimension_columns, "measure_id"]
        else:
            keys = ["day", *self.dimension_columns]
        key_list = ", ".join(keys)
        repeats = (
            f"FROM {self.table} s JOIN (SELECT {key_list}, MIN(line) AS first_line FROM {self.table} "
            f"GROUP BY {key_list} HAVING COUNT(*) > 1) f ON {' AND '.join(f's.{key} = f.{key}' for key in keys)} "
            "WHERE s.line > f.first_line"
        )
        measure_keys = {measure.id: measure.key for measure in self.measures.values()}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.line, f.first_line, {', '.join(f's.{key}' for key in keys)} {repeats} "
                f"ORDER BY s.line LIMIT {layouts.MAX_PROBLEMS}"
            )
            found = cursor.fetchall()
            for line, first_line, *key in found:
                if plan.layout == Layout.ROWS:
                    problems.add(
                        line,
                        plan.record_column,
                        f"{plan.record_column} '{readers.shorten(key[0])}' repeats line {first_line}",
                    )
                    continue
                where = [str(key[0]), self._segment_label(key[1 : 1 + len(self.dimension_columns)])]
                if plan.layout == Layout.LONG:
                    where.append(measure_keys[key[-1]])
                    message = f"the same day, segment and measure as line {first_line}"
                else:
                    message = f"the same day and segment as line {first_line}"
                problems.add(line, None, f"{message} ({', '.join(where)})")
            if len(found) == layouts.MAX_PROBLEMS:
                cursor.execute(f"SELECT COUNT(*) {repeats}")
                problems.more += cursor.fetchone()[0] - len(found)

    def _segment_label(self, members: Sequence[str]) -> str:
        pairs = [(dimension.key, member) for (_, dimension), member in zip(self.plan.dimensions, members, strict=True)]
        return layouts.segment_key(pairs) or "no dimensions"

    def lock_writes(self) -> None:
        """Take the lock that lets one import write at a time, held until this one commits.

        Two imports writing the same cells (or creating the same segments) in different orders would each wait
        for a row the other holds: a deadlock, which PostgreSQL breaks by failing one of them. Serialising the
        writes avoids it; reading and checking, the long part, still run side by side. SQLite has one writer.
        """
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_WRITE_LOCK])

    def map_segments(self) -> None:
        """Find or create the segment of every dimension combination staged, in a table the upsert joins."""
        if not self.dimension_columns:
            self.segment_id = self._segment_ids([()])[()]
            return
        columns = ", ".join(self.dimension_columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT {columns} FROM {self.table}")
            combinations = [tuple(row) for row in cursor.fetchall()]
            ids = self._segment_ids(combinations)
            text_columns = ", ".join(f"{name} text NOT NULL" for name in self.dimension_columns)
            cursor.execute(f"CREATE TEMP TABLE {self.segments} ({text_columns}, segment_id bigint NOT NULL)")
            placeholders = ", ".join(["%s"] * (len(self.dimension_columns) + 1))
            cursor.executemany(
                f"INSERT INTO {self.segments} ({columns}, segment_id) VALUES ({placeholders})",
                [(*combination, segment_id) for combination, segment_id in ids.items()],
            )
            cursor.execute(f"ANALYZE {self.segments}")

    def _segment_ids(self, combinations: list[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
        dimensions = [dimension for _, dimension in self.plan.dimensions]
        keys = {
            combination: layouts.segment_key(
                [(dimension.key, member) for dimension, member in zip(dimensions, combination, strict=True)]
            )
            for combination in combinations
        }
        ids: dict[str, int] = {}
        for chunk in _chunks(list(keys.values())):
            ids.update(Segment.objects.filter(key__in=chunk).values_list("key", "id"))
        missing = [key for key in keys.values() if key not in ids]
        if missing:
            # Another import may create the same segment at the same moment: conflicts are expected, not errors.
            Segment.objects.bulk_create(
                [Segment(key=key, dimensions=self.dimensions) for key in missing], ignore_conflicts=True
            )
            for chunk in _chunks(missing):
                ids.update(Segment.objects.filter(key__in=chunk).values_list("key", "id"))
            members = [
                SegmentMember(segment_id=ids[keys[combination]], dimension_id=dimension.id, value=member)
                for combination in combinations
                if keys[combination] in missing
                for dimension, member in zip(dimensions, combination, strict=True)
            ]
            SegmentMember.objects.bulk_create(members, ignore_conflicts=True)
            if connection.vendor == "postgresql":
                # Small tables whose statistics lag after a burst of new segments: planned blind, the joins from
                # observations to segment members turn into nested loops (measured: 1.6 s instead of 43 ms).
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE kpis_segment, kpis_segmentmember")
        return {combination: ids[key] for combination, key in keys.items()}

    def _pairs_stored_elsewhere(self) -> str:
        """The file's (measure, day) pairs already stored at another set of dimensions, with that set.

        One stored cell per pair tells its set: the trigger of migration 0004 keeps a pair's cells at one.
        """
        one = "SELECT o.segment_id FROM kpis_observation o WHERE o.measure_id = p.measure_id AND o.day = p.day LIMIT 1"
        return (
            f"{self._cells()}, pairs AS (SELECT DISTINCT measure_id, day FROM cells), "
            f"stored AS (SELECT p.measure_id, p.day, ({one}) AS segment_id FROM pairs p) "
            "SELECT st.measure_id, st.day, s.dimensions FROM stored st JOIN kpis_segment s ON s.id = st.segment_id "
            "WHERE s.dimensions <> %s"
        )

    def report_other_granularity(self, problems: Problems) -> None:
        """Each measure and day the file brings at another set of dimensions than the one stored, with its line."""
        measure_keys = {measure.id: measure.key for measure in self.measures.values()}
        brings = Segment.dimensions_label(self.dimensions)
        with connection.cursor() as cursor:
            cursor.execute(
                f"{self._pairs_stored_elsewhere()} ORDER BY st.day, st.measure_id LIMIT {layouts.MAX_PROBLEMS + 1}",
                [self.dimensions],
            )
            found = cursor.fetchall()
            for measure_id, day, stored in found[: layouts.MAX_PROBLEMS]:
                line, column = self._first_line(cursor, measure_id, day)
                problems.add(
                    line,
                    column,
                    f"{measure_keys[measure_id]} on {day if isinstance(day, str) else day.isoformat()} is stored per "
                    f"{Segment.dimensions_label(stored)}; this file brings it per {brings}. Both would count the day "
                    f"twice in every total. {REPLACE_HINT}",
                )
            if len(found) > layouts.MAX_PROBLEMS:
                cursor.execute(f"SELECT COUNT(*) FROM ({self._pairs_stored_elsewhere()}) x", [self.dimensions])
                problems.more += cursor.fetchone()[0] - layouts.MAX_PROBLEMS

    def _first_line(self, cursor: Any, measure_id: int, day: Any) -> tuple[int, str | None]:
        """The first line of the file that brings the measure's cell for the day, and its column in a wide file."""
        plan = self.plan
        where, params, column = ["day = %s"], [day], None
        if plan.layout == Layout.LONG:
            where.append("measure_id = %s")
            params.append(measure_id)
        elif plan.layout == Layout.WIDE:
            number = next(n for n, (_, measure) in enumerate(plan.measures) if measure.id == measure_id)
            where.append(f"v{number} IS NOT NULL")
            column = plan.measures[number][1].key
        cursor.execute(f"SELECT MIN(line) FROM {self.table} WHERE {' AND '.join(where)}", params)
        return cursor.fetchone()[0], column

    def replace_other_granularity(self) -> tuple[int, list[int], list[Any], list[int]]:
        """Delete the stored cells of the file's measures and days at another set of dimensions: (how many, their
        measures, days and segments), for the recompute."""
        replaced = f"import_replaced_{self.batch.pk}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"""CREATE TEMP TABLE {replaced} AS {self._cells()},
                pairs AS (SELECT DISTINCT measure_id, day FROM cells)
                SELECT o.measure_id, o.day, o.segment_id FROM pairs p
                JOIN kpis_observation o ON o.measure_id = p.measure_id AND o.day = p.day
                JOIN kpis_segment s ON s.id = o.segment_id
                WHERE s.dimensions <> %s""",
                [self.dimensions],
            )
            cursor.execute(
                f"DELETE FROM kpis_observation WHERE (measure_id, day, segment_id) IN "
                f"(SELECT measure_id, day, segment_id FROM {replaced})"
            )
            deleted = cursor.rowcount
            distinct = {}
            for column in ("measure_id", "day", "segment_id"):
                cursor.execute(f"SELECT DISTINCT {column} FROM {replaced} ORDER BY {column}")
                distinct[column] = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"DROP TABLE {replaced}")
        return deleted, distinct["measure_id"], distinct["day"], distinct["segment_id"]

    def record_replaced(self, replaced: tuple[int, list[int], list[Any], list[int]]) -> None:
        """Count the deleted cells on the batch and add them to what its recompute covers."""
        deleted, measures, days, segments = replaced
        batch = self.batch
        batch.cells_replaced = deleted
        if batch.dry_run or not deleted:
            return
        iso = {day if isinstance(day, str) else day.isoformat() for day in days}
        batch.changes = {
            "measures": sorted({*batch.changes["measures"], *measures}),
            "days": sorted({*batch.changes["days"], *iso}),
            "segments": sorted({*batch.changes["segments"], *segments}),
        }

    def _cells(self) -> str:
        """A WITH clause whose last table, `cells`, holds (measure_id, day, segment_id, value) for every cell."""
        plan = self.plan
        if self.dimension_columns:
            segment = "m.segment_id"
            join = f"JOIN {self.segments} m ON " + " AND ".join(
                f"s.{name} = m.{name}" for name in self.dimension_columns
            )
        else:
            segment, join = str(self.segment_id), ""
        if plan.layout == Layout.LONG:
            select = f"SELECT s.measure_id, s.day, {segment} AS segment_id, s.value FROM {self.table} s {join}"
            return f"WITH cells AS ({select})"
        if plan.layout == Layout.WIDE:
            parts = [
                f"SELECT {measure.id} AS measure_id, s.day AS day, {segment} AS segment_id, s.v{number} AS value "
                f"FROM {self.table} s {join} WHERE s.v{number} IS NOT NULL"
                for number, (_, measure) in enumerate(plan.measures)
            ]
            return f"WITH cells AS ({' UNION ALL '.join(parts)})"
        group = "s.day" + (f", {segment}" if self.dimension_columns else "")
        sums = "".join(f", SUM(s.v{number}) AS v{number}" for number in range(len(plan.measures)))
        parts = [
            f"SELECT {measure.id} AS measure_id, day, segment_id, v{number} AS value FROM grouped "
            f"WHERE v{number} IS NOT NULL"
            for number, (_, measure) in enumerate(plan.measures)
        ]
        if plan.count_measure is not None:
            count_id = plan.count_measure.id
            parts.append(f"SELECT {count_id} AS measure_id, day, segment_id, rows_counted AS value FROM grouped")
        return (
            f"WITH grouped AS (SELECT s.day AS day, {segment} AS segment_id{sums}, COUNT(*) AS rows_counted "
            f"FROM {self.table} s {join} GROUP BY {group}), cells AS ({' UNION ALL '.join(parts)})"
        )

    def _cell_count(self) -> str:
        """A query for the number of cells in the file; without the join to segments where none is needed."""
        if self.plan.layout == Layout.WIDE:
            return f"SELECT {' + '.join(f'COUNT(v{n})' for n in range(len(self.plan.measures)))} FROM {self.table}"
        if self.plan.layout == Layout.LONG:
            return f"SELECT COUNT(value) FROM {self.table}"
        return f"{self._cells()} SELECT COUNT(*) FROM cells"

    def apply(self) -> None:
        """Write the cells whose value changed, and record on the batch what changed."""
        batch = self.batch
        with connection.cursor() as cursor:
            cursor.execute(self._cell_count())
            cells = cursor.fetchone()[0]
            if connection.vendor == "postgresql" and not batch.dry_run:
                inserted, updated, measures, days, segments = self._upsert_returning(cursor)
            else:
                inserted, updated, measures, days, segments = self._diff_then_upsert(cursor)
            faults.pause_at("upsert", server=True)
            cursor.execute(f"DROP TABLE {self.table}")
            if self.dimension_columns:
                cursor.execute(f"DROP TABLE {self.segments}")
        batch.cells_inserted = inserted
        batch.cells_updated = updated
        batch.cells_unchanged = cells - inserted - updated
        batch.changes = {
            "measures": measures if not batch.dry_run else [],
            "days": [day if isinstance(day, str) else day.isoformat() for day in days] if not batch.dry_run else [],
            "segments": segments if not batch.dry_run else [],
        }

    def _upsert_returning(self, cursor: Any) -> tuple[int, int, list[int], list[dt.date], list[int]]:
        # One pass: xmax is 0 only on a row this statement inserted, which tells inserts from updates.
        cursor.execute(
            f"""{self._cells()}, upserted AS (
                INSERT INTO kpis_observation (measure_id, day, segment_id, value, batch_id)
                SELECT measure_id, day, segment_id, value, %s FROM cells
                ON CONFLICT (measure_id, day, segment_id) DO UPDATE
                    SET value = EXCLUDED.value, batch_id = EXCLUDED.batch_id
                    WHERE kpis_observation.value <> EXCLUDED.value
                RETURNING measure_id, day, segment_id, value, (xmax = 0) AS inserted
            ), {self._cell_history_from_upserted()}
            SELECT
                (SELECT COUNT(*) FROM upserted WHERE inserted),
                (SELECT COUNT(*) FROM upserted WHERE NOT inserted),
                (SELECT array_agg(measure_id ORDER BY measure_id) FROM (SELECT DISTINCT measure_id FROM upserted) x),
                (SELECT array_agg(day ORDER BY day) FROM (SELECT DISTINCT day FROM upserted) x),
                (SELECT array_agg(segment_id ORDER BY segment_id) FROM (SELECT DISTINCT segment_id FROM upserted) x)
            """,
            [self.batch.pk, self.batch.pk],
        )
        inserted, updated, measures, days, segments = cursor.fetchone()
        return inserted, updated, measures or [], days or [], segments or []

    # Cell history (kpis.models.CellChange): the value and batch each replaced cell had, written by the upsert's own
    # statement, set-based. A cell the batch inserted needs no row: it is the observation carrying the batch.

    def _cell_history_from_upserted(self) -> str:
        """A data-modifying CTE after `upserted`. Every part of one statement reads the snapshot taken before it, so
        the join still finds each replaced cell's old value and batch, and no row the statement inserted."""
        return """replaced AS (
                INSERT INTO kpis_cellchange (measure_id, day, segment_id, batch_id, value, previous_value,
                    previous_batch_id)
                SELECT u.measure_id, u.day, u.segment_id, %s, u.value, o.value, o.batch_id
                FROM upserted u JOIN kpis_observation o
                    ON o.measure_id = u.measure_id AND o.day = u.day AND o.segment_id = u.segment_id
                WHERE NOT u.inserted
            )"""

    def _cell_history_from_changed(self) -> str:
        return f"""INSERT INTO kpis_cellchange (measure_id, day, segment_id, batch_id, value, previous_value,
                previous_batch_id)
            SELECT measure_id, day, segment_id, %s, value, previous_value, previous_batch_id FROM {self.changed}
            WHERE inserted = 0"""

    def _diff_then_upsert(self, cursor: Any) -> tuple[int, int, list[int], list[Any], list[int]]:
        cursor.execute(
            f"""CREATE TEMP TABLE {self.changed} AS {self._cells()}
            SELECT c.measure_id, c.day, c.segment_id, c.value, CASE WHEN o.value IS NULL THEN 1 ELSE 0 END AS inserted,
                o.value AS previous_value, o.batch_id AS previous_batch_id
            FROM cells c LEFT JOIN kpis_observation o
                ON o.measure_id = c.measure_id AND o.day = c.day AND o.segment_id = c.segment_id
            WHERE o.value IS NULL OR o.value <> c.value"""
        )
        cursor.execute(f"SELECT COALESCE(SUM(inserted), 0), COUNT(*) FROM {self.changed}")
        inserted, changed = cursor.fetchone()
        distinct = {}
        for column in ("measure_id", "day", "segment_id"):
            cursor.execute(f"SELECT DISTINCT {column} FROM {self.changed} ORDER BY {column}")
            distinct[column] = [row[0] for row in cursor.fetchall()]
        if not self.batch.dry_run:
            # `WHERE true` lets SQLite parse ON CONFLICT after a SELECT.
            cursor.execute(
                f"""INSERT INTO kpis_observation (measure_id, day, segment_id, value, batch_id)
                SELECT measure_id, day, segment_id, value, %s FROM {self.changed} WHERE true
                ON CONFLICT (measure_id, day, segment_id) DO UPDATE
                    SET value = excluded.value, batch_id = excluded.batch_id""",
                [self.batch.pk],
            )
            cursor.execute(self._cell_history_from_changed(), [self.batch.pk])
        cursor.execute(f"DROP TABLE {self.changed}")
        return (
            int(inserted),
            int(changed) - int(inserted),
            distinct["measure_id"],
            distinct["day"],
            distinct["segment_id"],
        )


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]
