"""Streaming readers for measurement files: CSV (UTF-8, comma or semicolon) and XLSX.

Pure: no database. A reader yields the header and then `(line, cells)` one row at a time, every cell as text, so a
file of any size is read in constant memory and the layout code sees CSV and XLSX alike. Line numbers are the ones
a person sees: the header is line 1, in a spreadsheet the row number. Every bound (a line's length, the header's
width, what a workbook inflates to) is checked before the part it bounds is parsed, in time linear in the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from kpis import xlsx

_ZIP_MAGIC = b"PK\x03\x04"
_CSV_SUFFIXES = {"", ".csv", ".txt"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
DATE_COLUMN = "date"
CSV = "CSV"
XLSX = "XLSX"

Row = tuple[int, list[str]]


class ReadError(Exception):
    """The file cannot be read further; `line` is None when the problem is the file as a whole."""

    def __init__(self, line: int | None, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


class SheetChoiceError(ReadError):
    """A workbook whose sheet to read must be chosen by name, or whose chosen sheet is not there."""


@dataclass(frozen=True)
class Limits:
    """What a file may hold before it is refused unread; the defaults are the settings' defaults."""

    line_bytes: int = 64 * 1024
    columns: int = 500
    xlsx_inflated_bytes: int = 1024 * 1024 * 1024
    xlsx_shared_strings_bytes: int = 64 * 1024 * 1024


@dataclass
class Table:
    kind: str
    header: list[str]
    rows: Iterator[Row]
    # Only semicolon-separated CSV may write 12,5 for 12.5: with commas as separators the two cannot be told apart.
    decimal_comma: bool = False
    # A spreadsheet row simply ends after its last filled cell; a CSV line with fewer cells lost a separator.
    short_rows_allowed: bool = False
    delimiter: str = ","


def kind_of(file: IO[bytes]) -> str:
    start = file.read(4)
    file.seek(0)
    return XLSX if start == _ZIP_MAGIC else CSV


def open_table(file: IO[bytes], filename: str, *, sheet: str = "", limits: Limits | None = None) -> Table:
    """The file as a Table, whatever its kind; raises ReadError for a file that cannot be read as either.

    `sheet` names the sheet of a workbook to read; without it, the one sheet whose header has a date column.
    """
    limits = limits or Limits()
    suffix = PurePath(filename).suffix.lower()
    if kind_of(file) == XLSX:
        table = _open_xlsx(file, sheet, limits)
    elif suffix in _XLSX_SUFFIXES:
        raise ReadError(None, f"{filename} is named like an XLSX workbook but is not one")
    elif suffix in _CSV_SUFFIXES:
        table = _open_csv(file, limits)
    else:
        raise ReadError(None, f"{filename} is neither a CSV file nor an XLSX workbook (save it as .csv or .xlsx)")
    _check_width(table.header, limits)
    return table


def _check_width(header: list[str], limits: Limits) -> None:
    if len(header) > limits.columns:
        raise ReadError(
            1,
            f"the header has {len(header):,} columns; a measurement file has a date, a few dimensions and at most "
            f"{limits.columns:,} columns in all. Is this the right file?",
        )


def _lines(file: IO[bytes], limits: Limits) -> Iterator[tuple[int, str]]:
    """The file's lines as text, each checked for length (before it is read whole), UTF-8 and NUL bytes."""
    number = 0
    while True:
        raw = file.readline(limits.line_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limits.line_bytes and not raw.endswith(b"\n"):
            raise ReadError(
                number,
                f"line {number} is longer than {limits.line_bytes:,} bytes: a measurement file has short lines "
                "(is the file a CSV export, with one line per row?)",
            )
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
        yield number, text


def _nul_error(line: int, column: str | None) -> ReadError:
    return ReadError(
        line,
        f"line {line} holds a NUL byte (0x00){f' in column {column}' if column else ''}: the file is binary or "
        "UTF-16 text, not a CSV export. Save it as 'CSV UTF-8'",
        column=column,
    )


def _open_csv(file: IO[bytes], limits: Limits) -> Table:
    lines = _lines(file, limits)
    first = next(lines, None)
    if first is None:
        return Table(kind=CSV, header=[], rows=iter(()))
    if "\x00" in first[1]:
        raise _nul_error(1, None)
    delimiter = ";" if first[1].count(";") > first[1].count(",") else ","
    try:
        header = next(csv.reader(io.StringIO(first[1]), delimiter=delimiter, strict=True), [])
    except csv.Error as error:
        raise ReadError(1, f"the header cannot be read as CSV: {error}") from None
    _check_width(header, limits)
    return Table(
        kind=CSV,
        header=header,
        rows=_csv_rows(lines, header, delimiter),
        decimal_comma=delimiter == ";",
        delimiter=delimiter,
    )


def _csv_rows(lines: Iterator[tuple[int, str]], header: list[str], delimiter: str) -> Iterator[Row]:
    # A quoted cell may span lines; a record is named by the line it starts on.
    current = [0]

    def texts() -> Iterator[str]:
        for number, text in lines:
            current[0] = number
            yield text

    reader = csv.reader(texts(), delimiter=delimiter, strict=True)
    previous_end = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            message = str(error)
            if "NUL" in message or "\x00" in message:
                raise _nul_error(current[0], None) from None
            raise ReadError(previous_end + 1, f"the line cannot be read as CSV: {message}") from None
        line = previous_end + 1
        previous_end = current[0]
        for index, cell in enumerate(cells):
            if "\x00" in cell:
                raise _nul_error(line, header[index].strip().lower() if index < len(header) else None)
        yield line, cells


def _open_xlsx(file: IO[bytes], sheet: str, limits: Limits) -> Table:
    try:
        workbook = xlsx.open_workbook(
            file,
            xlsx.XlsxLimits(
                inflated_bytes=limits.xlsx_inflated_bytes, shared_strings_bytes=limits.xlsx_shared_strings_bytes
            ),
        )
        chosen = _data_sheet(workbook, sheet)
    except xlsx.SheetChoiceError as error:
        raise SheetChoiceError(error.line, error.message) from None
    except xlsx.XlsxError as error:
        raise ReadError(error.line, error.message) from None
    return Table(kind=XLSX, header=chosen.header, rows=_xlsx_rows(chosen.rows, chosen.header), short_rows_allowed=True)


def _data_sheet(workbook: xlsx.Workbook, name: str) -> xlsx.Sheet:
    names = ", ".join(workbook.sheets) or "none"
    if name:
        if name not in workbook.sheets:
            raise xlsx.SheetChoiceError(None, f"the workbook has no sheet named '{shorten(name)}' (sheets: {names})")
        chosen = workbook.sheet(name)
        if not _has_date_column(chosen.header):
            raise xlsx.XlsxError(1, f"sheet '{name}' has no '{DATE_COLUMN}' column in its first row")
        return chosen
    data = [sheet for sheet in map(workbook.sheet, workbook.sheets) if _has_date_column(sheet.header)]
    if not data:
        raise xlsx.XlsxError(
            1, f"no data sheet: no sheet has a '{DATE_COLUMN}' column in its first row (sheets: {names})"
        )
    if len(data) > 1:
        raise xlsx.SheetChoiceError(
            None,
            f"the workbook has {len(data)} data sheets ({', '.join(sheet.name for sheet in data)}): choose the one "
            "to import by its name (the Sheet field, or --sheet)",
        )
    return data[0]


def _has_date_column(header: list[str]) -> bool:
    return DATE_COLUMN in (name.strip().lower() for name in header)


def _xlsx_rows(rows: Iterator[Row], header: list[str]) -> Iterator[Row]:
    try:
        for line, cells in rows:
            for index, cell in enumerate(cells):
                if "\x00" in cell:
                    name = header[index].strip().lower() if index < len(header) else xlsx.column_letter(index)
                    raise _nul_error(line, name)
            yield line, cells
    except xlsx.XlsxError as error:
        column = error.column
        if column is not None:
            index = xlsx.column_index(column)
            column = header[index].strip().lower() if index < len(header) and header[index].strip() else column
        raise ReadError(error.line, error.message, column=column) from None


_SHOWN_CHARACTERS = 60


def shorten(text: str, limit: int = _SHOWN_CHARACTERS) -> str:
    """A value as a message quotes it: whole when short, else its start and how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"
