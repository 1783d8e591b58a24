"""Streaming readers for measurement files: CSV (UTF-8, comma or semicolon) and XLSX.

Pure: no database. A reader yields the header and then `(line, cells)` one row at a time, every cell as text, so a
file of any size is read in constant memory and the layout code sees CSV and XLSX alike. Line numbers are the ones
a person sees: the header is line 1, in a spreadsheet the row number.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

_ZIP_MAGIC = b"PK\x03\x04"
_CSV_SUFFIXES = {"", ".csv", ".txt"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
DATE_COLUMN = "date"

Row = tuple[int, list[str]]


class ReadError(Exception):
    """The file cannot be read further; `line` is None when the problem is the file as a whole."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Table:
    header: list[str]
    rows: Iterator[Row]
    # Only semicolon-separated CSV may write 12,5 for 12.5: with commas as separators the two cannot be told apart.
    decimal_comma: bool


@contextmanager
def open_table(file: IO[bytes], filename: str) -> Iterator[Table]:
    """The file as a Table, whatever its kind; raises ReadError for a file that is neither CSV nor XLSX."""
    start = file.read(4)
    file.seek(0)
    suffix = PurePath(filename).suffix.lower()
    if start == _ZIP_MAGIC:
        with _open_xlsx(file) as table:
            yield table
    elif suffix in _XLSX_SUFFIXES:
        raise ReadError(None, f"{filename} is named like an XLSX workbook but is not one")
    elif suffix in _CSV_SUFFIXES:
        yield _open_csv(file)
    else:
        raise ReadError(None, f"{filename} is neither a CSV file nor an XLSX workbook (save it as .csv or .xlsx)")


def _text_lines(file: IO[bytes]) -> Iterator[str]:
    # Decoding line by line (rather than through a text wrapper) is what lets an encoding error name its line.
    for number, raw in enumerate(file, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ReadError(
                number,
                f"the file is not UTF-8 text: line {number} has the byte 0x{raw[error.start]:02X}, "
                "which is not UTF-8 (save the file as 'CSV UTF-8')",
            ) from None
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield text


def _open_csv(file: IO[bytes]) -> Table:
    lines = _text_lines(file)
    first = next(lines, None)
    if first is None:
        return Table(header=[], rows=iter(()), decimal_comma=False)
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
    try:
        header = next(reader, [])
    except csv.Error as error:
        raise ReadError(1, f"the header cannot be read as CSV: {error}") from None
    return Table(header=header, rows=_csv_rows(reader), decimal_comma=delimiter == ";")


def _csv_rows(reader: Any) -> Iterator[Row]:
    # A quoted cell may span lines; a record is named by the line it starts on.
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ReadError(previous_end + 1, f"the line cannot be read as CSV: {error}") from None
        line = previous_end + 1
        previous_end = reader.line_num
        yield line, cells


@contextmanager
def _open_xlsx(file: IO[bytes]) -> Iterator[Table]:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ReadError(None, "the file is neither a CSV file nor a readable XLSX workbook") from None
    try:
        for sheet in workbook.worksheets:
            # Some writers record a wrong sheet size; recomputing it keeps read-only mode from cutting columns off.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            first = next(rows, None)
            header = [_cell_text(value) for value in first or ()]
            if DATE_COLUMN in (name.strip().lower() for name in header):
                yield Table(header=header, rows=_xlsx_rows(rows), decimal_comma=False)
                return
        names = ", ".join(sheet.title for sheet in workbook.worksheets)
        raise ReadError(1, f"no data sheet: no sheet has a '{DATE_COLUMN}' column in its first row (sheets: {names})")
    finally:
        workbook.close()


def _xlsx_rows(rows: Iterator[tuple[Any, ...]]) -> Iterator[Row]:
    for line, values in enumerate(rows, start=2):
        yield line, [_cell_text(value) for value in values]


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
