"""Import: what a file does to the stored observations (re-import, correction, dry run, changes)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from kpis.models import ImportBatch, Measure, Observation, Segment, SegmentMember
from kpis.services.imports import import_batch_create, import_batch_process
from tests.factories import DimensionFactory, MeasureFactory

pytestmark = pytest.mark.django_db

MARCH_1 = dt.date(2026, 3, 1)
MARCH_2 = dt.date(2026, 3, 2)
FILE = "date,team,total_contacts,escalated_contacts\n2026-03-01,A,500,50\n2026-03-01,B,1000,200\n2026-03-02,A,400,40\n"


@pytest.fixture(autouse=True)
def _library(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    MeasureFactory(key="total_contacts")
    MeasureFactory(key="escalated_contacts")
    DimensionFactory(key="team")


def _import(content: str, *, dry_run: bool = False) -> ImportBatch:
    batch = import_batch_create(
        path_or_file=io.BytesIO(content.encode()),
        filename="measurements.csv",
        source=ImportBatch.Source.UPLOAD,
        dry_run=dry_run,
    )
    return import_batch_process(batch=batch)


def _cells() -> dict[tuple[str, dt.date, str], tuple[float, int]]:
    return {
        (o.measure.key, o.day, o.segment.key): (o.value, o.batch_id)
        for o in Observation.objects.select_related("measure", "segment")
    }


def _ids(model: type[Measure] | type[Segment], *keys: str) -> list[int]:
    return sorted(model.objects.filter(key__in=keys).values_list("id", flat=True))


def test_it_records_the_cells_it_changed_as_the_scope_of_a_recompute() -> None:
    # when
    batch = _import(FILE)

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert batch.changes == {
        "measures": _ids(Measure, "total_contacts", "escalated_contacts"),
        "days": ["2026-03-01", "2026-03-02"],
        "segments": _ids(Segment, "team=A", "team=B"),
    }
    assert batch.started_at is not None
    assert batch.finished_at is not None
    assert batch.finished_at >= batch.started_at


def test_it_changes_nothing_when_the_same_file_is_imported_again() -> None:
    # given
    first = _import(FILE)
    before = _cells()
    rows_before = {(o.measure_id, o.day, o.segment_id): o.batch_id for o in Observation.objects.all()}

    # when
    again = _import(FILE)

    # then
    assert again.status == ImportBatch.Status.SUCCEEDED, again.errors
    assert (again.cells_inserted, again.cells_updated, again.cells_unchanged) == (0, 0, 6)
    assert again.changes == {"measures": [], "days": [], "segments": []}
    assert _cells() == before
    assert {(o.measure_id, o.day, o.segment_id): o.batch_id for o in Observation.objects.all()} == rows_before
    assert set(rows_before.values()) == {first.pk}
    assert Segment.objects.count() == 2


def test_a_corrected_file_replaces_exactly_the_cells_it_contains() -> None:
    # given
    first = _import(FILE)

    # when: one value corrected, one cell unchanged, one cell new; the other cells are not in the file
    correction = _import("date,team,total_contacts\n2026-03-01,A,510\n2026-03-01,B,1000\n2026-03-03,A,300\n")

    # then
    assert correction.status == ImportBatch.Status.SUCCEEDED, correction.errors
    assert (correction.cells_inserted, correction.cells_updated, correction.cells_unchanged) == (1, 1, 1)
    assert _cells() == {
        ("total_contacts", MARCH_1, "team=A"): (510, correction.pk),
        ("escalated_contacts", MARCH_1, "team=A"): (50, first.pk),
        ("total_contacts", MARCH_1, "team=B"): (1000, first.pk),
        ("escalated_contacts", MARCH_1, "team=B"): (200, first.pk),
        ("total_contacts", MARCH_2, "team=A"): (400, first.pk),
        ("escalated_contacts", MARCH_2, "team=A"): (40, first.pk),
        ("total_contacts", dt.date(2026, 3, 3), "team=A"): (300, correction.pk),
    }
    assert correction.changes == {
        "measures": _ids(Measure, "total_contacts"),
        "days": ["2026-03-01", "2026-03-03"],
        "segments": _ids(Segment, "team=A"),
    }


def test_a_dry_run_validates_and_counts_but_writes_nothing() -> None:
    # given
    _import("date,team,total_contacts\n2026-03-01,A,400\n")
    before = _cells()

    # when
    batch = _import(FILE, dry_run=True)

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert (batch.rows_read, batch.cells_inserted, batch.cells_updated, batch.cells_unchanged) == (3, 5, 1, 0)
    assert batch.changes == {"measures": [], "days": [], "segments": []}
    assert _cells() == before
    assert list(Segment.objects.values_list("key", flat=True)) == ["team=A"]


def test_a_dry_run_reports_the_problems_of_a_bad_file() -> None:
    # when
    batch = _import("date,team,total_contacts\n2026-03-01,A,-1\n", dry_run=True)

    # then
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors == [
        {"line": 2, "column": "total_contacts", "message": "negative value -1: total_contacts cannot be negative"}
    ]


def test_a_failed_file_leaves_earlier_imports_untouched() -> None:
    # given
    _import(FILE)
    before = _cells()

    # when: a correction with one bad line among good ones
    batch = _import("date,team,total_contacts\n2026-03-01,A,1\n2026-03-01,C,oops\n")

    # then
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors == [{"line": 3, "column": "total_contacts", "message": "'oops' is not a number"}]
    assert (batch.cells_inserted, batch.cells_updated, batch.changes) == (0, 0, {})
    assert _cells() == before
    assert not Segment.objects.filter(key="team=C").exists()


@pytest.mark.parametrize(
    ("escalated", "total", "rate"),
    [(50, 500, 10.0), (200, 1000, 20.0)],
    ids=["seed 001: 50 of 500 = 10%", "seed 002: 200 of 1,000 = 20%"],
)
def test_the_seeds_worked_examples_land_as_observations(escalated: int, total: int, rate: float) -> None:
    # when
    batch = _import(f"date,total_contacts,escalated_contacts\n2026-03-31,{total},{escalated}\n")

    # then
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    cells = {key: value for key, (value, _) in _cells().items()}
    day = dt.date(2026, 3, 31)
    assert cells == {("total_contacts", day, ""): total, ("escalated_contacts", day, ""): escalated}
    assert 100 * cells[("escalated_contacts", day, "")] / cells[("total_contacts", day, "")] == rate


def test_it_keeps_the_uploaded_file_with_the_batch() -> None:
    # given
    upload = SimpleUploadedFile("march export.csv", FILE.encode(), content_type="text/csv")

    # when
    batch = import_batch_create(path_or_file=upload, filename="march export.csv", source=ImportBatch.Source.UPLOAD)

    # then
    assert batch.status == ImportBatch.Status.PENDING
    assert batch.filename == "march export.csv"
    with batch.file.open("rb") as stored:
        assert stored.read() == FILE.encode()


def test_it_does_not_process_a_finished_batch_again() -> None:
    # given
    batch = _import(FILE)
    Observation.objects.all().delete()

    # when
    again = import_batch_process(batch=batch)

    # then
    assert again.status == ImportBatch.Status.SUCCEEDED
    assert not Observation.objects.exists()


def test_it_gives_a_new_segment_one_member_per_dimension() -> None:
    # given
    DimensionFactory(key="channel")

    # when
    _import("date,channel,team,total_contacts\n2026-03-01,chat,A,5\n2026-03-01,phone,A,6\n")

    # then
    assert sorted(
        (m.segment.key, m.dimension.key, m.value) for m in SegmentMember.objects.select_related("segment", "dimension")
    ) == [
        ("channel=chat;team=A", "channel", "chat"),
        ("channel=chat;team=A", "team", "A"),
        ("channel=phone;team=A", "channel", "phone"),
        ("channel=phone;team=A", "team", "A"),
    ]


def test_it_reports_its_progress_through_the_stages() -> None:
    # given
    batch = import_batch_create(
        path_or_file=io.BytesIO(FILE.encode()), filename="measurements.csv", source=ImportBatch.Source.UPLOAD
    )
    reports: list[tuple[str, int]] = []

    # when
    import_batch_process(batch=batch, progress=lambda stage, rows: reports.append((stage, rows)))

    # then
    assert reports == [("reading", 0), ("checking", 3), ("writing", 3)]
