"""Import: the file kinds and layouts that are read, and every bad input, each named by line and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from pytest_django.fixtures import Settings

from kpis.models import ImportBatch, Observation, Segment, SegmentMember
from kpis.services.imports import import_batch_create, import_batch_process
from tests.factories import DimensionFactory, MeasureFactory

pytestmark = pytest.mark.django_db

MARCH_1 = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _library(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    for key in ("total_contacts", "escalated_contacts", "handle_time_seconds", "first_contact_resolved"):
        MeasureFactory(key=key)
    MeasureFactory(key="net_change", allows_negative=True)
    DimensionFactory(key="team")
    DimensionFactory(key="channel")


def _import(tmp_path: Path, content: str | bytes, name: str = "measurements.csv") -> ImportBatch:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    batch = import_batch_create(path_or_file=path, filename=name, source=ImportBatch.Source.COMMAND)
    return import_batch_process(batch=batch)


def _cells() -> dict[tuple[str, dt.date, str], float]:
    return {
        (o.measure.key, o.day, o.segment.key): o.value for o in Observation.objects.select_related("measure", "segment")
    }


def _assert_failed_without_writing(batch: ImportBatch) -> None:
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.finished_at is not None
    assert not Observation.objects.exists()
    assert not Segment.objects.exists()
    assert not SegmentMember.objects.exists()


def _error(batch: ImportBatch, line: int | None, column: str | None) -> str:
    messages = [e["message"] for e in batch.errors if e["line"] == line and e["column"] == column]
    assert messages, f"no error at line {line}, column {column}: {batch.errors}"
    return messages[0]


# Layouts and file kinds


def test_it_imports_a_wide_csv_into_one_observation_per_cell(tmp_path: Path) -> None:
    # given
    content = "date,team,channel,total_contacts,escalated_contacts\n2026-03-01,Tier 1,phone,500,50\n"

    # when
    batch = _import(tmp_path, content)

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert batch.file_format == "wide"
    assert (batch.rows_read, batch.cells_inserted, batch.cells_updated, batch.cells_unchanged) == (1, 2, 0, 0)
    assert _cells() == {
        ("total_contacts", MARCH_1, "channel=phone;team=Tier 1"): 500,
        ("escalated_contacts", MARCH_1, "channel=phone;team=Tier 1"): 50,
    }
    segment = Segment.objects.get()
    assert sorted((m.dimension.key, m.value) for m in segment.members.all()) == [
        ("channel", "phone"),
        ("team", "Tier 1"),
    ]
    assert set(Observation.objects.values_list("batch_id", flat=True)) == {batch.pk}


def test_it_stores_a_file_without_dimensions_in_the_unsegmented_segment(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "date,total_contacts\n2026-03-01,500\n2026-03-02,400\n")

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert _cells() == {
        ("total_contacts", MARCH_1, ""): 500,
        ("total_contacts", dt.date(2026, 3, 2), ""): 400,
    }
    assert not SegmentMember.objects.exists()


def test_it_skips_blank_measure_cells_in_a_wide_file(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "date,team,total_contacts,escalated_contacts\n2026-03-01,A,500,\n\n")

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert _cells() == {("total_contacts", MARCH_1, "team=A"): 500}
    assert batch.rows_read == 1


def test_it_reads_a_utf8_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    # given: Excel's "CSV UTF-8" starts with a BOM, which must not end up in the first column's name
    content = "\ufeffdate,team,total_contacts\n2026-03-01,Équipe Nord,500\n".encode()

    # when
    batch = _import(tmp_path, content)

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert _cells() == {("total_contacts", MARCH_1, "team=Équipe Nord"): 500}


def test_it_reads_semicolons_with_a_decimal_comma(tmp_path: Path) -> None:
    # given
    content = "date;team;total_contacts;handle_time_seconds\n2026-03-01;A;500;1234,5\n"

    # when
    batch = _import(tmp_path, content)

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert _cells() == {
        ("total_contacts", MARCH_1, "team=A"): 500,
        ("handle_time_seconds", MARCH_1, "team=A"): 1234.5,
    }


def test_it_imports_a_long_file(tmp_path: Path) -> None:
    # given
    content = (
        "date,team,measure,value\n"
        "2026-03-01,A,total_contacts,500\n"
        "2026-03-01,A,escalated_contacts,50\n"
        "2026-03-01,B,total_contacts,1000\n"
        "2026-03-01,B,escalated_contacts,\n"
    )

    # when
    batch = _import(tmp_path, content)

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert batch.file_format == "long"
    assert _cells() == {
        ("total_contacts", MARCH_1, "team=A"): 500,
        ("escalated_contacts", MARCH_1, "team=A"): 50,
        ("total_contacts", MARCH_1, "team=B"): 1000,
    }


def test_it_sums_a_row_level_file_per_day_and_segment_and_counts_its_rows(tmp_path: Path) -> None:
    # given: one line per ticket; the date may carry a time of day
    content = (
        "ticket_id,date,team,escalated_contacts,handle_time_seconds\n"
        "T-1,2026-03-01T09:15:00,A,yes,300\n"
        "T-2,2026-03-01 17:40:00+02:00,A,no,200\n"
        "T-3,2026-03-01,A,TRUE,100\n"
        "T-4,2026-03-01,B,0,\n"
        "T-5,2026-03-02,A,1,60\n"
    )

    # when
    batch = _import(tmp_path, content)

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert batch.file_format == "rows"
    assert batch.rows_read == 5
    march_2 = dt.date(2026, 3, 2)
    assert _cells() == {
        ("total_contacts", MARCH_1, "team=A"): 3,
        ("escalated_contacts", MARCH_1, "team=A"): 2,
        ("handle_time_seconds", MARCH_1, "team=A"): 600,
        ("total_contacts", MARCH_1, "team=B"): 1,
        ("escalated_contacts", MARCH_1, "team=B"): 0,
        ("total_contacts", march_2, "team=A"): 1,
        ("escalated_contacts", march_2, "team=A"): 1,
        ("handle_time_seconds", march_2, "team=A"): 60,
    }


def test_it_does_not_count_rows_when_the_count_measure_is_a_column(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "id,date,total_contacts,escalated_contacts\n1,2026-03-01,1,1\n2,2026-03-01,0,0\n")

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert _cells() == {("total_contacts", MARCH_1, ""): 1, ("escalated_contacts", MARCH_1, ""): 1}


def test_it_imports_the_first_xlsx_sheet_that_has_a_date_column(tmp_path: Path) -> None:
    # given: a notes sheet first, then the data with real spreadsheet dates and numbers
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["Exported from the helpdesk"])
    data = workbook.create_sheet("Data")
    data.append(["date", "team", "total_contacts", "handle_time_seconds"])
    data.append([dt.datetime(2026, 3, 1), "A", 500, 1234.5])  # noqa: DTZ001 - a spreadsheet date has no zone
    data.append([dt.date(2026, 3, 2), "A", 400, None])
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    # when
    batch = _import(tmp_path, path.read_bytes(), name="export.xlsx")

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert _cells() == {
        ("total_contacts", MARCH_1, "team=A"): 500,
        ("handle_time_seconds", MARCH_1, "team=A"): 1234.5,
        ("total_contacts", dt.date(2026, 3, 2), "team=A"): 400,
    }


def test_it_names_the_spreadsheet_line_of_a_bad_xlsx_cell(tmp_path: Path) -> None:
    # given
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["date", "total_contacts"])
    sheet.append(["2026-03-01", 5])
    sheet.append(["2026-03-02", "many"])
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    # when
    batch = _import(tmp_path, path.read_bytes(), name="export.xlsx")

    # then
    assert _error(batch, 3, "total_contacts") == "'many' is not a number"
    _assert_failed_without_writing(batch)


# Bad input: the whole file


def test_it_rejects_an_xlsx_without_a_data_sheet(tmp_path: Path) -> None:
    # given
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Summary"
    sheet.append(["day", "total_contacts"])
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    # when
    batch = _import(tmp_path, path.read_bytes(), name="export.xlsx")

    # then
    assert _error(batch, 1, None).startswith("no data sheet: no sheet has a 'date' column in its first row")
    assert "Summary" in _error(batch, 1, None)
    _assert_failed_without_writing(batch)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"%PDF-1.7 ...", "report.pdf is neither a CSV file nor an XLSX workbook"),
        ("export.xlsx", b"date,total_contacts\n", "export.xlsx is named like an XLSX workbook but is not one"),
        ("export.csv", b"PK\x03\x04 not really a zip", "the file is neither a CSV file nor a readable XLSX workbook"),
    ],
)
def test_it_rejects_a_file_that_is_neither_csv_nor_xlsx(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    # when
    batch = _import(tmp_path, content, name=name)

    # then
    assert message in _error(batch, None, None)
    _assert_failed_without_writing(batch)


@pytest.mark.parametrize("content", ["", "\n\n", " , \n"])
def test_it_rejects_an_empty_file(tmp_path: Path, content: str) -> None:
    # when
    batch = _import(tmp_path, content)

    # then
    assert _error(batch, 1, None) == "the file is empty"
    _assert_failed_without_writing(batch)


def test_it_rejects_a_file_with_only_a_header(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "date,team,total_contacts\n\n")

    # then
    assert _error(batch, 2, None) == "the file has a header but no data rows"
    _assert_failed_without_writing(batch)


def test_it_rejects_a_file_that_is_not_utf8_and_names_the_line(tmp_path: Path) -> None:
    # given: a Latin-1 export, whose é is not UTF-8
    content = "date,team,total_contacts\n2026-03-01,A,5\n2026-03-01,Équipe,7\n".encode("latin-1")

    # when
    batch = _import(tmp_path, content)

    # then
    message = _error(batch, 3, None)
    assert "not UTF-8" in message
    assert "line 3" in message
    _assert_failed_without_writing(batch)


# Bad input: the header


def test_it_rejects_an_unknown_column(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "date,team,total_contacts,region\n2026-03-01,A,5,EMEA\n")

    # then
    message = _error(batch, 1, "region")
    assert message.startswith("unknown column 'region': not a measure or dimension key")
    assert "dimensions: channel, team" in message
    _assert_failed_without_writing(batch)


def test_it_rejects_a_header_without_a_date_column(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "day,total_contacts\n2026-03-01,5\n")

    # then
    assert _error(batch, 1, None) == "missing date column: the header needs a 'date' column"
    assert _error(batch, 1, "day").startswith("unknown column 'day'")
    _assert_failed_without_writing(batch)


def test_it_rejects_a_column_named_twice(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "date,total_contacts,total_contacts\n2026-03-01,5,6\n")

    # then
    assert "appears twice in the header (columns 2 and 3)" in _error(batch, 1, "total_contacts")
    _assert_failed_without_writing(batch)


# Bad input: the cells


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("", "missing date: expected a date as YYYY-MM-DD"),
        ("01/03/2026", "bad date '01/03/2026': expected a date as YYYY-MM-DD"),
        ("2026-02-30", "bad date '2026-02-30': expected a date as YYYY-MM-DD"),
        ("20260301", "bad date '20260301': expected a date as YYYY-MM-DD"),
        ("2026-03-01T10:00:00", "bad date '2026-03-01T10:00:00': expected a date as YYYY-MM-DD"),
    ],
)
def test_it_rejects_a_bad_or_missing_date(tmp_path: Path, cell: str, message: str) -> None:
    # when
    batch = _import(tmp_path, f"date,team,total_contacts\n2026-03-01,A,5\n{cell},B,6\n")

    # then
    assert _error(batch, 3, "date") == message
    _assert_failed_without_writing(batch)


@pytest.mark.parametrize("cell", ["abc", "12,5", "nan", "inf", "1_000"])
def test_it_rejects_a_value_that_is_not_a_number(tmp_path: Path, cell: str) -> None:
    # when: with commas as separators, "12,5" is quoted and cannot be a decimal comma
    batch = _import(tmp_path, f'date,team,total_contacts\n2026-03-01,A,"{cell}"\n')

    # then
    assert _error(batch, 2, "total_contacts") == f"'{cell}' is not a number"
    _assert_failed_without_writing(batch)


def test_it_rejects_a_negative_count_but_takes_a_measure_that_may_be_negative(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "date,team,total_contacts,net_change\n2026-03-01,A,-5,-3\n")

    # then
    assert _error(batch, 2, "total_contacts") == "negative value -5: total_contacts cannot be negative"
    assert [e["column"] for e in batch.errors] == ["total_contacts"]
    _assert_failed_without_writing(batch)


def test_it_rejects_a_blank_dimension_value(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "date,team,channel,total_contacts\n2026-03-01,A,,5\n")

    # then
    assert _error(batch, 2, "channel") == "blank value for dimension 'channel'"
    _assert_failed_without_writing(batch)


def test_it_rejects_the_same_day_and_segment_twice_naming_both_lines(tmp_path: Path) -> None:
    # given: the same cells again on line 4, with the dimension columns in another order of values
    content = "date,team,channel,total_contacts\n2026-03-01,A,phone,5\n2026-03-01,B,phone,6\n2026-03-01,A,phone,7\n"

    # when
    batch = _import(tmp_path, content)

    # then
    assert _error(batch, 4, None) == "the same day and segment as line 2 (2026-03-01, channel=phone;team=A)"
    assert len(batch.errors) == 1
    _assert_failed_without_writing(batch)


def test_it_rejects_the_same_cell_twice_in_a_long_file(tmp_path: Path) -> None:
    # given
    content = (
        "date,team,measure,value\n"
        "2026-03-01,A,total_contacts,5\n"
        "2026-03-01,A,escalated_contacts,1\n"
        "2026-03-01,A,total_contacts,7\n"
    )

    # when
    batch = _import(tmp_path, content)

    # then
    assert _error(batch, 4, None) == (
        "the same day, segment and measure as line 2 (2026-03-01, team=A, total_contacts)"
    )
    _assert_failed_without_writing(batch)


def test_it_rejects_an_unknown_measure_in_a_long_file(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "date,measure,value\n2026-03-01,total_contacts,5\n2026-03-01,calls,6\n")

    # then
    assert _error(batch, 3, "measure").startswith("unknown measure 'calls'")
    _assert_failed_without_writing(batch)


def test_it_rejects_a_repeated_id_in_a_row_level_file_naming_both_lines(tmp_path: Path) -> None:
    # when
    batch = _import(
        tmp_path, "contact_id,date,escalated_contacts\nC-1,2026-03-01,yes\nC-2,2026-03-01,no\nC-1,2026-03-02,no\n"
    )

    # then
    assert _error(batch, 4, "contact_id") == "contact_id 'C-1' repeats line 2"
    _assert_failed_without_writing(batch)


def test_it_rejects_a_value_that_is_not_a_boolean_in_a_row_level_file(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "id,date,escalated_contacts\n1,2026-03-01,maybe\n")

    # then
    assert _error(batch, 2, "escalated_contacts") == "'maybe' is not a number or true/false/yes/no"
    _assert_failed_without_writing(batch)


def test_it_rejects_a_value_in_a_column_without_a_header(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "date,total_contacts\n2026-03-01,5,oops\n")

    # then
    assert _error(batch, 2, None) == "value 'oops' in column 3, which has no header"
    _assert_failed_without_writing(batch)


def test_it_reports_every_problem_with_its_line_and_column_in_line_order(tmp_path: Path) -> None:
    # given
    content = "date,team,total_contacts\n2026-13-01,A,5\n2026-03-01,,x\n2026-03-02,B,-1\n"

    # when
    batch = _import(tmp_path, content)

    # then
    assert [(e["line"], e["column"]) for e in batch.errors] == [
        (2, "date"),
        (3, "team"),
        (3, "total_contacts"),
        (4, "total_contacts"),
    ]
    _assert_failed_without_writing(batch)


def test_it_caps_the_problems_reported_and_says_how_many_more_there_were(tmp_path: Path) -> None:
    # given
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=n) for n in range(250)]
    content = "date,total_contacts\n" + "".join(f"{day},bad\n" for day in days)

    # when
    batch = _import(tmp_path, content)

    # then
    assert len(batch.errors) == 201
    assert batch.errors[-1] == {"line": None, "column": None, "message": "… and 50 more problems not shown"}
    assert batch.rows_read == 250
    _assert_failed_without_writing(batch)


def test_it_escapes_separators_inside_a_dimension_value_in_the_segment_key(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, 'date,team,total_contacts\n2026-03-01,"EMEA; a=b",5\n')

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert _cells() == {("total_contacts", MARCH_1, "team=EMEA\\; a\\=b"): 5}
    assert SegmentMember.objects.get().value == "EMEA; a=b"


def test_it_names_the_line_a_record_starts_on_after_a_cell_that_spans_lines(tmp_path: Path) -> None:
    # given: line 2's quoted team name runs over lines 2 and 3, so the next record starts on line 4
    content = 'date,team,total_contacts\n2026-03-01,"Tier\n1",5\n2026-03-01,B,x\n'

    # when
    batch = _import(tmp_path, content)

    # then
    assert _error(batch, 4, "total_contacts") == "'x' is not a number"
    _assert_failed_without_writing(batch)


def test_it_allows_columns_without_a_header_while_they_stay_empty(tmp_path: Path) -> None:
    # given: spreadsheets often export trailing columns with no name
    content = "date,,team,total_contacts,\n2026-03-01,,A,5,\n2026-03-02,,A,6,late\n"

    # when
    batch = _import(tmp_path, content)

    # then
    assert _error(batch, 3, None) == "value 'late' in column 5, which has no header"
    assert len(batch.errors) == 1
    _assert_failed_without_writing(batch)


def test_it_counts_the_contacts_of_a_row_level_file_that_has_no_measure_column(tmp_path: Path) -> None:
    # when
    batch = _import(tmp_path, "id,date,team\n1,2026-03-01,A\n2,2026-03-01,A\n3,2026-03-01,B\n")

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert _cells() == {("total_contacts", MARCH_1, "team=A"): 2, ("total_contacts", MARCH_1, "team=B"): 1}
