"""The import pages: upload, preview, start, progress, result, errors and history."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import kombu.exceptions
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from kpis import tasks
from kpis.models import ImportBatch, Observation, SeriesValue
from kpis.services.library import kpi_library_load
from tests.factories import ImportBatchFactory
from tests.okrs.factories import data_steward

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

GOOD = (
    "date,team,channel,total_contacts,escalated_contacts\n"
    "2026-01-05,Tier 1,phone,500,50\n"
    "2026-01-06,Tier 2,email,1000,200\n"
)


@pytest.fixture(autouse=True)
def _fresh_progress() -> Iterator[None]:
    # Progress lives in the shared cache; batch ids repeat across fresh test databases.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def signed_in(client: Client) -> Client:
    kpi_library_load()
    client.force_login(data_steward(first_name="Ana", last_name="Lyst"))
    return client


def _upload(client: Client, name: str, content: bytes) -> Any:
    return client.post(reverse("import_list"), {"file": SimpleUploadedFile(name, content)})


def _uploaded(client: Client, name: str = "contacts.csv", content: bytes = GOOD.encode()) -> ImportBatch:
    response = _upload(client, name, content)
    assert response.status_code == 302
    return ImportBatch.objects.get()


def test_an_upload_shows_a_preview_and_writes_no_observation(signed_in: Client) -> None:
    # when
    response = _upload(signed_in, "contacts.csv", GOOD.encode())

    # then
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("import_detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.PENDING
    assert batch.created_by is not None
    assert batch.created_by.username == "analyst"
    page = signed_in.get(response["Location"])
    preview = page.context["preview"]
    assert (preview.kind, preview.layout) == ("CSV", "wide")
    assert [(c.name, c.role) for c in preview.columns] == [
        ("date", "Date"),
        ("team", "Dimension"),
        ("channel", "Dimension"),
        ("total_contacts", "Measure"),
        ("escalated_contacts", "Measure"),
    ]
    assert [line for line, _ in preview.rows] == [2, 3]
    assert preview.blocking == []
    assert preview.row_problems == []
    html = page.content.decode()
    assert "Start import" in html
    assert "Validate only" in html
    assert "Not started" in html
    assert not Observation.objects.exists()


def test_the_preview_shows_only_the_first_ten_rows(signed_in: Client) -> None:
    # given
    lines = [f"2026-01-{day:02d},{day * 10}" for day in range(1, 26)]
    batch = _uploaded(signed_in, content=("date,total_contacts\n" + "\n".join(lines)).encode())

    # when
    page = signed_in.get(reverse("import_detail", args=[batch.pk]))

    # then
    assert [line for line, _ in page.context["preview"].rows] == list(range(2, 12))


def test_the_preview_reads_an_xlsx_workbook_in_the_long_layout(signed_in: Client) -> None:
    # given
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (("date", "team", "measure", "value"), ("2026-01-05", "Tier 1", "total_contacts", 500)):
        sheet.append(row)
    content = io.BytesIO()
    workbook.save(content)

    # when
    batch = _uploaded(signed_in, "contacts.xlsx", content.getvalue())
    preview = signed_in.get(reverse("import_detail", args=[batch.pk])).context["preview"]

    # then
    assert (preview.kind, preview.layout) == ("XLSX", "long")
    assert [c.role for c in preview.columns] == ["Date", "Dimension", "Measure names", "Values"]


def test_the_preview_flags_unknown_columns_and_offers_no_start(signed_in: Client) -> None:
    # given
    batch = _uploaded(signed_in, content=b"date,team,total_contacts,escalations\n2026-01-05,Tier 1,500,50\n")

    # when
    page = signed_in.get(reverse("import_detail", args=[batch.pk]))

    # then
    preview = page.context["preview"]
    assert [(c.name, c.known) for c in preview.columns if not c.known] == [("escalations", False)]
    assert "unknown column 'escalations'" in preview.blocking[0]["message"]
    html = page.content.decode()
    assert "This file will not import as it is" in html
    assert 'value="import" class="button primary" disabled' in html


def test_the_preview_names_bad_cells_in_the_first_rows_and_still_offers_a_full_check(signed_in: Client) -> None:
    # given
    batch = _uploaded(signed_in, content=b"date,total_contacts\n2026-01-05,lots\n")

    # when
    page = signed_in.get(reverse("import_detail", args=[batch.pk]))

    # then
    preview = page.context["preview"]
    assert preview.row_problems == [{"line": 2, "column": "total_contacts", "message": "'lots' is not a number"}]
    assert preview.blocking == []
    assert 'value="validate" class="button" >' in page.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("contacts.csv", b"", "The file is empty."),
        ("contacts.pdf", b"%PDF-1.4 not a table", "contacts.pdf is neither a CSV file nor an XLSX workbook"),
        ("contacts.xlsx", b"date,total_contacts\n", "contacts.xlsx is named like an XLSX workbook but is not one"),
        ("contacts.csv", b"\n\n", "contacts.csv is empty: it has no header line."),
        ("contacts.csv", b"date,total\xff\n", "the file is not UTF-8 text"),
    ],
)
def test_it_rejects_a_file_it_cannot_read_with_a_clear_message_and_writes_nothing(
    signed_in: Client, name: str, content: bytes, message: str
) -> None:
    # when
    response = _upload(signed_in, name, content)

    # then
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert 'class="field-error"' in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert not Observation.objects.exists()


def test_it_asks_for_a_file_when_none_is_given(signed_in: Client) -> None:
    # when
    response = signed_in.post(reverse("import_list"), {})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["Choose a CSV or XLSX file to import."]
    assert not ImportBatch.objects.exists()


def test_it_rejects_a_file_over_the_size_limit(signed_in: Client, settings: Any) -> None:
    # given
    settings.IMPORT_MAX_UPLOAD_BYTES = 20

    # when
    response = _upload(signed_in, "contacts.csv", GOOD.encode())

    # then
    assert response.status_code == 400
    [error] = response.context["form"].errors["file"]
    assert error.startswith("contacts.csv is ")
    assert "files up to 20\xa0bytes can be imported" in error
    assert not ImportBatch.objects.exists()


def test_starting_an_import_runs_it_and_shows_the_result(
    signed_in: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    batch = _uploaded(signed_in)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("import_start", args=[batch.pk]), {"action": "import"})

    # then
    assert response["Location"] == reverse("import_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert Observation.objects.count() == 4
    assert SeriesValue.objects.filter(kpi__key="contact_escalation_rate").exists()
    page = signed_in.get(response["Location"])
    assert page.context["state"] == "succeeded"
    assert "Contact Escalation Rate" in [kpi.name for kpi in page.context["kpis"]]
    html = page.content.decode()
    assert "Imported" in html
    assert "Rows read" in html
    assert "Cells inserted" in html
    assert "hx-trigger" not in html


def test_validate_only_writes_nothing_then_the_file_can_be_imported(
    signed_in: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    batch = _uploaded(signed_in)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("import_start", args=[batch.pk]), {"action": "validate"})

    # then a dry-run copy ran and nothing was written
    check = ImportBatch.objects.get(dry_run=True)
    assert response["Location"] == reverse("import_detail", args=[check.pk])
    assert (check.status, check.cells_inserted) == (ImportBatch.Status.SUCCEEDED, 4)
    assert not Observation.objects.exists()
    assert "The file is valid" in signed_in.get(response["Location"]).content.decode()

    # when the checked file is imported
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("import_start", args=[check.pk]), {"action": "import"})

    # then
    imported = ImportBatch.objects.get(dry_run=False, status=ImportBatch.Status.SUCCEEDED)
    assert response["Location"] == reverse("import_detail", args=[imported.pk])
    assert Observation.objects.count() == 4


def test_a_file_with_line_errors_shows_them_numbered_and_writes_nothing(
    signed_in: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    batch = _uploaded(
        signed_in, content=(GOOD + "2026-01-07,Tier 1,phone,-3,1\n2026-02-30,Tier 1,phone,1,1\n").encode()
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("import_start", args=[batch.pk]), {"action": "import"})
    page = signed_in.get(response["Location"])

    # then
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["column"]) for e in batch.errors] == [(4, "total_contacts"), (5, "date")]
    html = page.content.decode()
    assert "The file was not imported" in html
    assert "Nothing was written" in html
    assert '<td class="num">4</td>' in html
    assert "<code>total_contacts</code>" in html
    assert "Bad date &#x27;2026-02-30&#x27;" in html
    assert not Observation.objects.exists()


def test_the_progress_block_polls_while_the_import_runs(signed_in: Client) -> None:
    # given a batch a worker is reading
    batch = ImportBatchFactory(status=ImportBatch.Status.RUNNING, source=ImportBatch.Source.UPLOAD)
    tasks.import_progress_report(batch.pk, tasks.ImportStage.READING, 20_000)

    # when
    response = signed_in.get(reverse("import_progress", args=[batch.pk]), HTTP_HX_REQUEST="true")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in html
    assert "20,000 rows read so far" in html
    assert '<li class="step current">Reading</li>' in html
    assert "HX-Refresh" not in response


def test_the_progress_block_shows_the_series_recompute_after_the_import(signed_in: Client) -> None:
    # given data in, series pending (and no progress report: the worker that would send one has died)
    batch = ImportBatchFactory(
        status=ImportBatch.Status.SUCCEEDED, source=ImportBatch.Source.UPLOAD, series_recomputed_at=None
    )

    # when
    page = signed_in.get(reverse("import_detail", args=[batch.pk]))

    # then
    assert page.context["state"] == "recomputing"
    assert '<li class="step done">Writing</li>' in page.content.decode()


def test_the_progress_block_reloads_the_page_once_the_import_is_over(signed_in: Client) -> None:
    # given
    batch = ImportBatchFactory(status=ImportBatch.Status.FAILED, source=ImportBatch.Source.UPLOAD)

    # when
    response = signed_in.get(reverse("import_progress", args=[batch.pk]), HTTP_HX_REQUEST="true")

    # then
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode()


def test_the_history_tells_started_imports_from_those_never_started(signed_in: Client) -> None:
    # given
    ImportBatchFactory(filename="never.csv", status=ImportBatch.Status.PENDING)
    queued = ImportBatchFactory(filename="queued.csv", status=ImportBatch.Status.PENDING)
    tasks.import_progress_report(queued.pk, tasks.ImportStage.QUEUED)
    ImportBatchFactory(filename="done.csv", status=ImportBatch.Status.SUCCEEDED, rows_read=1234, cells_inserted=99)

    # when
    response = signed_in.get(reverse("import_list"))

    # then
    states = {batch.filename: state for batch, state in response.context["history"]}
    assert states == {"never.csv": "not_started", "queued.csv": "queued", "done.csv": "succeeded"}
    html = response.content.decode()
    assert "Not started" in html
    assert "Queued" in html
    assert "1,234" in html


def test_the_history_is_paginated(signed_in: Client) -> None:
    # given
    ImportBatchFactory.create_batch(25)

    # when
    first = signed_in.get(reverse("import_list"))
    second = signed_in.get(reverse("import_list"), {"page": 2})

    # then
    assert len(first.context["history"]) == 20
    assert len(second.context["history"]) == 5
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("batches", [3, 30])
def test_the_history_reads_a_bounded_number_of_queries(
    signed_in: Client, batches: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    # given
    user = User.objects.get()
    ImportBatchFactory.create_batch(batches, created_by=user, status=ImportBatch.Status.SUCCEEDED)

    # when / then: session, user, the count of batches, one page of them with their users
    with django_assert_max_num_queries(4):
        response = signed_in.get(reverse("import_list"))
    assert response.status_code == 200


def test_an_unknown_import_is_not_found(signed_in: Client) -> None:
    assert signed_in.get(reverse("import_detail", args=[999_999])).status_code == 404
    assert signed_in.post(reverse("import_start", args=[999_999])).status_code == 404


@pytest.mark.parametrize(("seconds", "text"), [(0.42, "0.4 s"), (12.4, "12 s"), (185, "3 min 05 s")])
def test_the_result_says_how_long_the_import_took(signed_in: Client, seconds: float, text: str) -> None:
    # given
    started = timezone.now()
    batch = ImportBatchFactory(
        status=ImportBatch.Status.SUCCEEDED,
        started_at=started,
        finished_at=started + dt.timedelta(seconds=seconds),
    )

    # when
    page = signed_in.get(reverse("import_detail", args=[batch.pk]))

    # then
    assert page.context["duration"] == text
    assert f"in {text}" in page.content.decode()


def test_a_preview_whose_stored_file_is_gone_says_so(signed_in: Client) -> None:
    # given
    batch = _uploaded(signed_in)
    batch.file.storage.delete(batch.file.name)

    # when
    page = signed_in.get(reverse("import_detail", args=[batch.pk]))

    # then
    assert page.status_code == 200
    assert page.context["preview"].blocking[0]["message"] == "the stored file cannot be read; upload it again"
    assert not Observation.objects.exists()


def test_an_upload_of_a_zip_bomb_is_refused_in_the_form_before_it_is_parsed(signed_in: Client, settings: Any) -> None:
    # given a workbook part that inflates to 20 MB from a few kB
    settings.IMPORT_XLSX_MAX_INFLATED_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b" " * (20 * 1024 * 1024))

    # when
    response = _upload(signed_in, "bomb.xlsx", buffer.getvalue())

    # then
    assert response.status_code == 400
    assert "the workbook inflates to 21 MB, more than the 1 MB" in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists()


def _two_sheets() -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "March"
    first.append(["date", "team", "total_contacts"])
    first.append(["2026-03-01", "Tier 1", 5])
    second = workbook.create_sheet("April")
    second.append(["date", "team", "total_contacts"])
    second.append(["2026-04-01", "Tier 1", 7])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_workbook_with_two_data_sheets_asks_for_the_sheet_on_the_form(signed_in: Client) -> None:
    # when
    response = _upload(signed_in, "export.xlsx", _two_sheets())

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["sheet"] == [
        "the workbook has 2 data sheets (March, April): choose the one to import by its name "
        "(the Sheet field, or --sheet)"
    ]
    assert not ImportBatch.objects.exists()


def test_the_sheet_named_on_the_form_is_previewed_and_kept_on_the_batch(signed_in: Client) -> None:
    # when
    response = signed_in.post(
        reverse("import_list"), {"file": SimpleUploadedFile("export.xlsx", _two_sheets()), "sheet": "April"}
    )

    # then
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.sheet == "April"
    preview = signed_in.get(reverse("import_detail", args=[batch.pk])).context["preview"]
    assert preview.rows == [(2, ["2026-04-01", "Tier 1", "7"])]


def test_start_with_the_broker_down_says_so_and_leaves_the_batch_startable(
    signed_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a broker that refuses connections, as kombu reports it
    batch = _uploaded(signed_in)

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.import_batch_process_task, "delay", unreachable)

    # when
    response = signed_in.post(reverse("import_start", args=[batch.pk]), {"action": "import"}, follow=True)

    # then
    assert response.status_code == 200
    assert "the import was not started" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PENDING
    assert response.context["state"] == "not_started"
    assert 'value="import"' in response.content.decode()
