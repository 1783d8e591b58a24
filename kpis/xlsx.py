"""A streaming reader for XLSX workbooks: the header and the rows of one sheet, every cell as text.

Pure: no database. A workbook is a zip archive of XML parts; this reads the parts it needs straight from the
archive, one row at a time, so memory stays flat however long the sheet is. Before it parses anything it checks
what the archive says it inflates to, and the size of the shared-strings table (the one part that must be held in
memory), so that a zip bomb is refused in milliseconds. It also refuses what a generic reader passes over in
silence: a formula whose value was never saved, merged cells, and a workbook with several data sheets when none
was chosen.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO
from xml.etree import ElementTree

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_EPOCH_1900 = dt.datetime(1899, 12, 30)  # noqa: DTZ001 - spreadsheet days have no zone
_EPOCH_1904 = dt.datetime(1904, 1, 1)  # noqa: DTZ001


class XlsxError(Exception):
    """The workbook cannot be read further; `line` and `column` (a column letter) are None for the whole file."""

    def __init__(self, line: int | None, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


class SheetChoiceError(XlsxError):
    """The sheet to read must be chosen, or the one chosen does not exist."""


@dataclass(frozen=True)
class XlsxLimits:
    inflated_bytes: int
    shared_strings_bytes: int


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} kB"


@dataclass
class Sheet:
    """One sheet's rows as (spreadsheet row number, cells as text), row 1 being the header."""

    name: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]


@dataclass
class Workbook:
    archive: zipfile.ZipFile
    sheets: dict[str, str]  # name -> part path, in the workbook's order
    shared_strings_part: str | None
    date_styles: frozenset[int]
    epoch: dt.datetime
    _strings: list[str] = field(default_factory=list)
    _strings_read: Iterator[str] | None = None

    def string(self, index: int) -> str:
        """A shared string, read from the table only as far as needed (a preview needs the first few)."""
        if self._strings_read is None:
            self._strings_read = self._iter_strings()
        while index >= len(self._strings):
            following = next(self._strings_read, None)
            if following is None:
                raise XlsxError(None, f"the workbook refers to shared string {index}, which it does not have")
            self._strings.append(following)
        return self._strings[index]

    def _iter_strings(self) -> Iterator[str]:
        if self.shared_strings_part is None:
            return
        with self.archive.open(self.shared_strings_part) as part:
            for _, element in ElementTree.iterparse(part):
                if element.tag == f"{_MAIN}si":
                    yield _string_item(element)
                    element.clear()

    def sheet(self, name: str) -> Sheet:
        rows = self._rows(self.sheets[name])
        first = next(rows, None)
        header: list[str] = []
        if first is not None and first[0] == 1:
            header = first[1]
        elif first is not None:
            rows = _prepend(first, rows)
        return Sheet(name=name, header=header, rows=rows)

    def _rows(self, part_name: str) -> Iterator[tuple[int, list[str]]]:
        merged: list[str] = []
        with self.archive.open(part_name) as part:
            parent = None
            for event, element in ElementTree.iterparse(part, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == f"{_MAIN}sheetData":
                        parent = element
                    continue
                if tag == f"{_MAIN}row":
                    line = int(element.get("r") or 0)
                    yield line, self._cells(element, line)
                    if parent is not None:
                        # Drop the row read, so that the tree being built stays one row deep.
                        parent.clear()
                elif tag == f"{_MAIN}mergeCell":
                    merged.append(element.get("ref") or "")
        if merged:
            raise _merged_error(merged[0])

    def _cells(self, row: ElementTree.Element, line: int) -> list[str]:
        cells: list[str] = []
        for position, cell in enumerate(row.iter(f"{_MAIN}c")):
            reference = cell.get("r")
            match = _CELL_REF.fullmatch(reference) if reference else None
            index = column_index(match.group(1)) if match else position
            if index >= len(cells):
                cells.extend([""] * (index + 1 - len(cells)))
            cells[index] = self._value(cell, line, index)
        return cells

    def _value(self, cell: ElementTree.Element, line: int, index: int) -> str:
        kind = cell.get("t", "n")
        value = cell.find(f"{_MAIN}v")
        text = value.text if value is not None else None
        if kind == "inlineStr":
            inline = cell.find(f"{_MAIN}is")
            return "" if inline is None else "".join(t.text or "" for t in inline.iter(f"{_MAIN}t"))
        if text is None:
            if cell.find(f"{_MAIN}f") is not None:
                raise XlsxError(
                    line,
                    f"cell {column_letter(index)}{line} holds a formula whose value was never saved (the file was "
                    "written by a program that does not calculate): open it in a spreadsheet and save it again, "
                    "or paste the values",
                    column=column_letter(index),
                )
            return ""
        if kind == "s":
            return self.string(int(text))
        if kind == "b":
            return "true" if text.strip() == "1" else "false"
        if kind == "d":
            return text[:10] if text.endswith(("T00:00:00", "T00:00:00Z")) else text
        if kind == "n" and int(cell.get("s") or 0) in self.date_styles:
            return self._date(text)
        return text

    def _date(self, text: str) -> str:
        try:
            moment = self.epoch + dt.timedelta(days=float(text))
        except (ValueError, OverflowError):
            return text
        moment = moment.replace(microsecond=0) if moment.microsecond < 500_000 else moment
        return moment.date().isoformat() if moment.time() == dt.time(0) else moment.isoformat()


def _prepend(first: tuple[int, list[str]], rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    yield first
    yield from rows


def _string_item(item: ElementTree.Element) -> str:
    # Plain text, or rich text split into runs; phonetic hints (rPh) are not part of the value.
    parts = []
    for child in item:
        if child.tag == f"{_MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{_MAIN}r":
            parts.extend(t.text or "" for t in child.iter(f"{_MAIN}t"))
    return "".join(parts)


def _merged_error(reference: str) -> XlsxError:
    start = _CELL_REF.fullmatch(reference.split(":")[0])
    line = int(start.group(2)) if start else None
    return XlsxError(
        line,
        f"cells {reference} are merged: a merged cell keeps its value in its first cell only, so the others would "
        "read as blank. Unmerge them and fill in every cell",
        column=start.group(1) if start else None,
    )


def open_workbook(file: IO[bytes], limits: XlsxLimits) -> Workbook:
    """The workbook's directory, checked against `limits` before any of its parts is inflated."""
    try:
        archive = zipfile.ZipFile(file)
        infos = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        raise XlsxError(None, "the file is neither a CSV file nor a readable XLSX workbook") from None
    inflated = sum(info.file_size for info in infos.values())
    if inflated > limits.inflated_bytes:
        raise XlsxError(
            None,
            f"the workbook inflates to {_megabytes(inflated)}, more than the {_megabytes(limits.inflated_bytes)} "
            "an import reads: split it, or save the data as CSV",
        )
    try:
        workbook_part = _office_document(archive)
        relations = _relations(archive, workbook_part)
        root = ElementTree.fromstring(archive.read(workbook_part))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile):
        raise XlsxError(None, "the file is neither a CSV file nor a readable XLSX workbook") from None
    properties = root.find(f"{_MAIN}workbookPr")
    date1904 = properties is not None and properties.get("date1904") in ("1", "true")
    sheets = {}
    for sheet in root.iter(f"{_MAIN}sheet"):
        target = relations.get(sheet.get(_DOC_REL) or "")
        if target and target[1] in infos:
            sheets[sheet.get("name") or "?"] = target[1]
    by_kind = {kind.rsplit("/", 1)[-1]: path for kind, path in relations.values()}
    strings = by_kind.get("sharedStrings")
    if strings in infos and infos[strings].file_size > limits.shared_strings_bytes:
        raise XlsxError(
            None,
            f"the workbook's shared strings inflate to {_megabytes(infos[strings].file_size)}, more than the "
            f"{_megabytes(limits.shared_strings_bytes)} an import reads: save the data as CSV instead",
        )
    styles = by_kind.get("styles")
    return Workbook(
        archive=archive,
        sheets=sheets,
        shared_strings_part=strings if strings in infos else None,
        date_styles=_date_styles(archive, styles) if styles in infos else frozenset(),
        epoch=_EPOCH_1904 if date1904 else _EPOCH_1900,
    )


def _office_document(archive: zipfile.ZipFile) -> str:
    for kind, path in _relations(archive, "").values():
        if kind.endswith("/officeDocument"):
            return path
    return "xl/workbook.xml"


def _relations(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, path of the target in the archive)."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", f"{name}.rels")
    try:
        root = ElementTree.fromstring(archive.read(rels_path))
    except KeyError:
        return {}
    found = {}
    for relation in root.iter(f"{_RELS}Relationship"):
        target = relation.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[relation.get("Id") or ""] = (relation.get("Type") or "", path)
    return found


def _date_styles(archive: zipfile.ZipFile, part: str) -> frozenset[int]:
    """The cell styles whose number format shows a date: their numbers are spreadsheet day counts."""
    root = ElementTree.fromstring(archive.read(part))
    custom = {
        int(number_format.get("numFmtId") or -1): number_format.get("formatCode") or ""
        for number_format in root.iter(f"{_MAIN}numFmt")
    }
    cell_formats = root.find(f"{_MAIN}cellXfs")
    if cell_formats is None:
        return frozenset()
    dates = set()
    for position, style in enumerate(cell_formats.iter(f"{_MAIN}xf")):
        format_id = int(style.get("numFmtId") or 0)
        code = custom.get(format_id) or BUILTIN_FORMATS.get(format_id) or ""
        if code and is_date_format(code):
            dates.add(position)
    return frozenset(dates)
