"""What an import will make of a file, read from its first rows without writing anything.

Bounded whatever the file holds: the reader stops after PREVIEW_ROWS rows, the page shows the first
PREVIEW_COLUMNS columns and PREVIEW_CHARACTERS of a cell, and the readers' own limits refuse a zip bomb or an
endless line before parsing it. A preview is read once, when the file is uploaded, and kept in the cache for the
batch: the import page shows it again without opening the file.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.cache import cache

from kpis import layouts, readers
from kpis.models import Dimension, ImportBatch, Measure
from kpis.services.imports import day_window, read_limits

PREVIEW_ROWS = 10
PREVIEW_COLUMNS = 30
PREVIEW_CHARACTERS = 60
_CACHE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Column:
    name: str
    role: str
    known: bool = True


@dataclass
class Preview:
    kind: str = ""
    layout: str = ""
    columns: list[Column] = field(default_factory=list)
    # How many columns the file has, of which `columns` holds the first PREVIEW_COLUMNS.
    width: int = 0
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    # Problems with the file as a whole or its header: the import cannot start.
    blocking: list[dict[str, object]] = field(default_factory=list)
    # Problems in the first rows: the import will fail, and a run (or validation) lists every such line.
    row_problems: list[dict[str, object]] = field(default_factory=list)
    # Why the file cannot be opened as a table at all (not CSV or XLSX, a zip bomb, an empty file …), if so;
    # `sheet_unclear` when it is a workbook whose sheet must be chosen by name.
    unreadable: str = ""
    sheet_unclear: bool = False

    @property
    def hidden_columns(self) -> int:
        return max(0, self.width - len(self.columns))


def _definitions() -> tuple[dict[str, layouts.MeasureInfo], dict[str, layouts.DimensionInfo]]:
    measures = {
        key: layouts.MeasureInfo(id=pk, key=key, allows_negative=allows_negative)
        for pk, key, allows_negative in Measure.objects.values_list("id", "key", "allows_negative")
    }
    dimensions = {key: layouts.DimensionInfo(id=pk, key=key) for pk, key in Dimension.objects.values_list("id", "key")}
    return measures, dimensions


def _columns(header: list[str], measures: dict[str, Any], dimensions: dict[str, Any]) -> tuple[str, list[Column]]:
    """The layout the header implies and the role of each column, told apart as kpis.layouts.plan_layout does."""
    names = [name.strip().lower() for name in header]
    if layouts.MEASURE_COLUMN in names and layouts.VALUE_COLUMN in names:
        layout = layouts.Layout.LONG
    elif any(name in names for name in layouts.ID_COLUMNS):
        layout = layouts.Layout.ROWS
    else:
        layout = layouts.Layout.WIDE
    columns = []
    for original, name in zip(header, names, strict=True):
        shown = readers.shorten(original, PREVIEW_CHARACTERS)
        if name == layouts.DATE_COLUMN:
            columns.append(Column(shown, "Date"))
        elif layout == layouts.Layout.LONG and name == layouts.MEASURE_COLUMN:
            columns.append(Column(shown, "Measure names"))
        elif layout == layouts.Layout.LONG and name == layouts.VALUE_COLUMN:
            columns.append(Column(shown, "Values"))
        elif layout == layouts.Layout.ROWS and name in layouts.ID_COLUMNS:
            columns.append(Column(shown, "Record id"))
        elif name in measures and layout != layouts.Layout.LONG:
            columns.append(Column(shown, "Measure"))
        elif name in dimensions:
            columns.append(Column(shown, "Dimension"))
        elif not name:
            columns.append(Column(shown, "No header: ignored"))
        else:
            columns.append(Column(shown, "Unknown", known=False))
    return layout.value, columns


def preview_read(file: IO[bytes], filename: str, *, sheet: str = "") -> Preview:
    """Read the head of a file as the import would, keeping what a page shows of it."""
    measures, dimensions = _definitions()
    preview = Preview(kind=readers.kind_of(file))
    blocking = layouts.Problems()
    row_problems = layouts.Problems()
    try:
        table = readers.open_table(file, filename, sheet=sheet, limits=read_limits())
    except readers.ReadError as error:
        file.seek(0)
        preview.unreadable = error.message
        preview.sheet_unclear = isinstance(error, readers.SheetChoiceError)
        preview.blocking = [{"line": error.line, "column": error.column, "message": error.message}]
        return preview
    try:
        if not "".join(table.header).strip():
            preview.unreadable = "is empty: it has no header line"
            blocking.add(1, None, preview.unreadable)
        else:
            preview.width = len(table.header)
            layout, columns = _columns(table.header, measures, dimensions)
            preview.layout, preview.columns = layout, columns[:PREVIEW_COLUMNS]
            rows = list(itertools.islice((row for row in table.rows if "".join(row[1]).strip()), PREVIEW_ROWS))
            plan = layouts.plan_layout(table.header, measures, dimensions, blocking)
            if plan is not None:
                parser = layouts.RowParser(
                    plan,
                    measures=measures,
                    decimal_comma=table.decimal_comma,
                    problems=row_problems,
                    days=day_window(),
                    short_rows_allowed=table.short_rows_allowed,
                )
                for line, cells in rows:
                    parser.parse(line, cells)
            preview.rows = [
                (line, [readers.shorten(cell, PREVIEW_CHARACTERS) for cell in cells[:PREVIEW_COLUMNS]])
                for line, cells in rows
            ]
            if not rows and not blocking:
                blocking.add(2, None, "the file has a header but no data rows")
    except readers.ReadError as error:
        (row_problems if error.line and error.line > 1 else blocking).add(error.line, error.column, error.message)
    finally:
        file.seek(0)
    preview.blocking = blocking.as_list()
    preview.row_problems = row_problems.as_list()
    return preview


def _key(batch: ImportBatch) -> str:
    # Also keyed by how many measures and dimensions exist: defining one changes which columns are known.
    return f"kpis:import-preview:{batch.pk}:{Measure.objects.count()}:{Dimension.objects.count()}"


def preview_remember(*, batch: ImportBatch, preview: Preview) -> None:
    cache.set(_key(batch), preview, _CACHE_SECONDS)


def preview_for(*, batch: ImportBatch) -> Preview:
    """The batch's preview: the one read at upload while it is cached, else read now (and kept)."""
    gone = Preview(
        blocking=[{"line": None, "column": None, "message": "the stored file cannot be read; upload it again"}]
    )
    if not batch.file.name or not batch.file.storage.exists(batch.file.name):
        return gone
    key = _key(batch)
    found = cache.get(key)
    if isinstance(found, Preview):
        return found
    try:
        stored = batch.file.open("rb")
    except OSError:
        return gone
    with stored:
        preview = preview_read(stored, batch.filename, sheet=batch.sheet)
    cache.set(key, preview, _CACHE_SECONDS)
    return preview
