"""Bounded input, refused before it costs: each case names its line and column, says what to do, writes nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook
from pytest_django.fixtures import Settings

from kpis import previews, readers
from kpis.models import CalendarDay, ImportBatch, Observation, Period, Segment
from kpis.services.imports import import_batch_create, import_batch_process, import_batch_rerun
from tests.factories import DimensionFactory, MeasureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _library(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    for key in ("total_contacts", "escalated_contacts"):
        MeasureFactory(key=key)
    DimensionFactory(key="team")
    cache.clear()


def _import(tmp_path: Path, content: str | bytes, name: str = "measurements.csv", sheet: str = "") -> ImportBatch:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    batch = import_batch_create(path_or_file=path, filename=name, source=ImportBatch.Source.COMMAND, sheet=sheet)
    return import_batch_process(batch=batch)


def _failed(batch: ImportBatch) -> list[dict[str, object]]:
    assert batch.status == ImportBatch.Status.FAILED, batch.errors
    assert not Observation.objects.exists()
    assert not Segment.objects.exists()
    return batch.errors


def _xlsx(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet(workbook: Workbook, title: str, rows: list[list[object]]) -> None:
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(row)


# Dates: from IMPORT_DATE_MIN to today in TIME_ZONE


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("9999-12-31", "9999-12-31 is after today"),
        ("0001-01-01", "0001-01-01 is before 2000-01-01, the earliest day imports accept (IMPORT_DATE_MIN"),
        ("1999-12-31", "1999-12-31 is before 2000-01-01"),
    ],
)
def test_a_day_outside_the_window_is_refused_with_its_line_and_no_calendar_is_built(
    tmp_path: Path, day: str, message: str
) -> None:
    # when
    batch = _import(tmp_path, f"date,team,total_contacts\n2026-03-01,A,5\n{day},A,5\n")

    # then
    [error] = _failed(batch)
    assert (error["line"], error["column"]) == (3, "date")
    assert str(error["message"]).startswith(message)
    assert not CalendarDay.objects.exists()
    assert not Period.objects.exists()


def test_tomorrow_where_the_organisation_is_is_refused_and_today_is_taken(tmp_path: Path, settings: Settings) -> None:
    # given a zone far ahead of UTC, so that its today may be the server's tomorrow
    settings.TIME_ZONE = "Pacific/Kiritimati"
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)

    # when
    refused = _import(tmp_path, f"date,team,total_contacts\n{today},A,5\n{tomorrow},A,5\n")
    taken = _import(tmp_path, f"date,team,total_contacts\n{today},A,5\n")

    # then
    assert refused.status == ImportBatch.Status.FAILED
    assert refused.errors[0]["message"] == (
        f"{tomorrow} is after today ({today}): a file holds days that have happened (a typo in the year?)"
    )
    assert taken.status == ImportBatch.Status.SUCCEEDED


def test_the_earliest_day_is_configurable(tmp_path: Path, settings: Settings) -> None:
    settings.IMPORT_DATE_MIN = dt.date(2026, 1, 1)

    batch = _import(tmp_path, "date,team,total_contacts\n2025-12-31,A,5\n")

    assert "2025-12-31 is before 2026-01-01" in str(_failed(batch)[0]["message"])


# Bytes and shapes a reader would otherwise take in silence


def test_a_nul_byte_is_refused_with_its_line_column_and_a_hint(tmp_path: Path) -> None:
    batch = _import(tmp_path, b"date,team,total_contacts\n2026-03-01,A,5\n2026-03-02,B\x00,5\n")

    [error] = _failed(batch)
    assert (error["line"], error["column"]) == (3, "team")
    assert "holds a NUL byte (0x00) in column team" in str(error["message"])
    assert "Save it as 'CSV UTF-8'" in str(error["message"])


def test_a_utf16_file_is_refused_as_such(tmp_path: Path) -> None:
    batch = _import(tmp_path, "date,team,total_contacts\n2026-03-01,A,5\n".encode("utf-16-le"))

    assert "UTF-16" in str(_failed(batch)[0]["message"]) or "not UTF-8" in str(_failed(batch)[0]["message"])


def test_a_line_with_too_few_cells_is_refused_not_read_as_blanks(tmp_path: Path) -> None:
    batch = _import(tmp_path, "date,team,total_contacts,escalated_contacts\n2026-03-01,A,5,1\n2026-03-02,A,5\n")

    [error] = _failed(batch)
    assert (error["line"], error["column"]) == (3, "escalated_contacts")
    assert error["message"] == (
        "the line has 3 cells and the header 4: escalated_contacts missing. A separator too few, or a line cut short?"
    )


def test_a_line_longer_than_the_limit_is_refused_without_reading_it_whole(tmp_path: Path, settings: Settings) -> None:
    settings.IMPORT_MAX_LINE_BYTES = 1024

    batch = _import(tmp_path, "date,team,total_contacts\n2026-03-01,A,5\n2026-03-02,A," + "9" * 50_000 + "\n")

    [error] = _failed(batch)
    assert error["line"] == 3
    assert str(error["message"]).startswith("line 3 is longer than 1,024 bytes")


def test_a_header_of_a_million_columns_is_refused_at_once(tmp_path: Path, settings: Settings) -> None:
    settings.IMPORT_MAX_LINE_BYTES = 16 * 1024 * 1024
    header = "date," + ",".join(f"c{n}" for n in range(1_000_000))

    batch = _import(tmp_path, header + "\n2026-03-01\n")

    [error] = _failed(batch)
    assert error["line"] == 1
    assert str(error["message"]).startswith("the header has 1,000,001 columns")


def test_a_long_value_is_shortened_in_the_stored_message(tmp_path: Path) -> None:
    batch = _import(tmp_path, "date,team,total_contacts\n2026-03-01,A," + "x" * 60_000 + "\n")

    [error] = _failed(batch)
    assert len(str(error["message"])) < 200
    assert "(60,000 characters)" in str(error["message"])


# XLSX: what a workbook hides


def test_a_formula_without_a_saved_value_is_refused_not_dropped(tmp_path: Path) -> None:
    # given a workbook written by a program that does not calculate (openpyxl stores formulas without values)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["date", "team", "total_contacts"])
    sheet.append(["2026-03-01", "A", 5])
    sheet.append(["2026-03-02", "A", "=B2*2"])

    # when
    batch = _import(tmp_path, _xlsx(workbook), name="export.xlsx")

    # then
    [error] = _failed(batch)
    assert (error["line"], error["column"]) == (3, "total_contacts")
    assert str(error["message"]).startswith("cell C3 holds a formula whose value was never saved")


def test_merged_cells_are_refused_with_a_hint(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (["date", "team", "total_contacts"], ["2026-03-01", "A", 5], ["2026-03-02", None, 6]):
        sheet.append(row)
    sheet.merge_cells("B2:B3")

    batch = _import(tmp_path, _xlsx(workbook), name="export.xlsx")

    # then the blank the merge made is reported, and why
    errors = _failed(batch)
    merged = next(error for error in errors if "merged" in str(error["message"]))
    assert (merged["line"], merged["column"]) == (2, "team")
    assert str(merged["message"]).startswith("cells B2:B3 are merged")
    assert "Unmerge them and fill in every cell" in str(merged["message"])


def _two_data_sheets() -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    _sheet(workbook, "Notes", [["Exported from the helpdesk"]])
    _sheet(workbook, "March", [["date", "team", "total_contacts"], ["2026-03-01", "A", 5]])
    _sheet(workbook, "April", [["date", "team", "total_contacts"], ["2026-04-01", "A", 7]])
    return _xlsx(workbook)


def test_a_workbook_with_two_data_sheets_asks_which_one(tmp_path: Path) -> None:
    batch = _import(tmp_path, _two_data_sheets(), name="export.xlsx")

    [error] = _failed(batch)
    assert error["message"] == (
        "the workbook has 2 data sheets (March, April): choose the one to import by its name "
        "(the Sheet field, or --sheet)"
    )


def test_the_sheet_chosen_by_name_is_the_one_imported(tmp_path: Path) -> None:
    batch = _import(tmp_path, _two_data_sheets(), name="export.xlsx", sheet="April")

    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert list(Observation.objects.values_list("day", "value")) == [(dt.date(2026, 4, 1), 7.0)]


def test_a_sheet_name_that_is_not_there_is_refused_naming_the_sheets(tmp_path: Path) -> None:
    batch = _import(tmp_path, _two_data_sheets(), name="export.xlsx", sheet="May")

    assert _failed(batch)[0]["message"] == "the workbook has no sheet named 'May' (sheets: Notes, March, April)"


def test_the_command_takes_the_sheet_by_name(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(_two_data_sheets())

    with pytest.raises(CommandError):
        call_command("import_measurements", str(path))
    call_command("import_measurements", str(path), "--sheet", "March")

    assert list(Observation.objects.values_list("day", flat=True)) == [dt.date(2026, 3, 1)]


def _zip_bomb(part: str, size: int) -> bytes:
    """A valid workbook but for one part that inflates to `size` bytes of one repeated character."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["date", "total_contacts"])
    buffer = io.BytesIO(_xlsx(workbook))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(part, b"<" + b" " * size + b">")
    return buffer.getvalue()


def test_a_workbook_that_inflates_past_the_limit_is_refused_before_it_is_parsed(
    tmp_path: Path, settings: Settings
) -> None:
    settings.IMPORT_XLSX_MAX_INFLATED_BYTES = 1024 * 1024
    bomb = _zip_bomb("xl/media/padding.bin", 20 * 1024 * 1024)
    assert len(bomb) < 100_000

    batch = _import(tmp_path, bomb, name="export.xlsx")

    assert str(_failed(batch)[0]["message"]).startswith("the workbook inflates to 21 MB, more than the 1 MB")


def _with_shared_strings(content: bytes, strings: list[str]) -> bytes:
    """The workbook with a shared-strings table (openpyxl writes its strings inline)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    table = "".join(f"<si><t>{text}</t></si>" for text in strings)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/_rels/workbook.xml.rels":
                relation = (
                    '<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org'
                    '/officeDocument/2006/relationships/sharedStrings"/></Relationships>'
                )
                data = data.replace(b"</Relationships>", relation.encode())
            archive.writestr(info.filename, data)
        archive.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + table + "</sst>",
        )
    return buffer.getvalue()


def test_shared_strings_past_the_limit_are_refused_before_they_are_parsed(tmp_path: Path, settings: Settings) -> None:
    # given 170 MB of shared strings in a file of a few hundred kB, as in the zip bomb that took a worker down
    settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = 64 * 1024
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["date", "total_contacts"])
    bomb = _with_shared_strings(_xlsx(workbook), ["x" * 1000] * 200)

    # when
    batch = _import(tmp_path, bomb, name="export.xlsx")

    # then
    assert str(_failed(batch)[0]["message"]).startswith(
        "the workbook's shared strings inflate to 203 kB, more than the 66 kB"
    )


def test_shared_strings_are_read_in_xlsx_cells(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["date", "team", "total_contacts"])
    sheet.append(["2026-03-01", "A", 5])
    content = _with_shared_strings(_xlsx(workbook), ["Tier 1"])
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="B2" t="inlineStr"><is><t>A</t></is></c>', b'<c r="B2" t="s"><v>0</v></c>')
            archive.writestr(info.filename, data)

    batch = _import(tmp_path, buffer.getvalue(), name="export.xlsx")

    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert list(Segment.objects.values_list("key", flat=True)) == ["team=Tier 1"]


# The preview: bounded, read once, and the stored file reused


def test_the_preview_shows_the_first_columns_and_shortened_cells(tmp_path: Path) -> None:
    header = ["date", "team", *(f"extra_{n}" for n in range(70))]
    line = ["2026-03-01", "t" * 1000, *("1" for _ in range(70))]
    content = io.BytesIO(f"{','.join(header)}\n{','.join(line)}\n".encode())

    preview = previews.preview_read(content, "wide.csv")

    assert preview.width == 72
    assert len(preview.columns) == previews.PREVIEW_COLUMNS
    assert preview.hidden_columns == 72 - previews.PREVIEW_COLUMNS
    [(number, cells)] = preview.rows
    assert number == 2
    assert len(cells) == previews.PREVIEW_COLUMNS
    assert cells[1] == "t" * previews.PREVIEW_CHARACTERS + "… (1,000 characters)"


def test_the_preview_is_read_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "march.csv"
    path.write_text("date,team,total_contacts\n2026-03-01,A,5\n", encoding="utf-8")
    batch = import_batch_create(path_or_file=path, filename=path.name, source=ImportBatch.Source.UPLOAD)
    first = previews.preview_for(batch=batch)

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was read again")

    monkeypatch.setattr(readers, "open_table", unread)
    again = previews.preview_for(batch=batch)

    assert again == first
    assert [line for line, _ in again.rows] == [2]


def test_validating_again_reuses_the_stored_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "march.csv"
    path.write_text("date,team,total_contacts\n2026-03-01,A,5\n", encoding="utf-8")
    batch = import_batch_create(path_or_file=path, filename=path.name, source=ImportBatch.Source.UPLOAD)

    again = import_batch_rerun(batch=batch, dry_run=True, created_by=None)
    import_batch_process(batch=again)

    assert again.file.name == batch.file.name
    assert len(list(Path(settings.MEDIA_ROOT).rglob("*.csv"))) == 1
    assert again.status == ImportBatch.Status.SUCCEEDED
    assert not Observation.objects.exists()
