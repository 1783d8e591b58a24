"""Overlapping imports: no deadlock, whatever order their rows come in; the writes take turns."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from kpis import faults
from kpis.models import ImportBatch, Observation
from kpis.services import imports
from tests.factories import DimensionFactory, MeasureFactory

pytestmark = pytest.mark.django_db(transaction=True)

DAYS = [f"2026-03-{day:02d}" for day in range(1, 29)]
TEAMS = [f"Team {number:02d}" for number in range(40)]


@pytest.fixture(autouse=True)
def _library(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    MeasureFactory(key="total_contacts")
    MeasureFactory(key="escalated_contacts")
    DimensionFactory(key="team")


def _batch(tmp_path: Path, name: str, *, reverse: bool, add: int) -> ImportBatch:
    cells = [(day, team) for day in DAYS for team in TEAMS]
    if reverse:
        cells.reverse()
    lines = [f"{day},{team},{100 + add},{10 + add}" for day, team in cells]
    path = tmp_path / name
    path.write_text("date,team,total_contacts,escalated_contacts\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return imports.import_batch_create(path_or_file=path, filename=name, source=ImportBatch.Source.UPLOAD)


def _run_together(batches: list[ImportBatch]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(batches))

    def run(batch_id: int) -> None:
        try:
            start.wait()
            imports.import_batch_process(batch=ImportBatch.objects.get(pk=batch_id))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=[batch.pk]) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_overlapping_imports_in_opposite_row_order_both_succeed(tmp_path: Path) -> None:
    # given two files of the same 1,120 cells, one in the other's reverse order, with new segments in both
    forward = _batch(tmp_path, "forward.csv", reverse=False, add=0)
    backward = _batch(tmp_path, "backward.csv", reverse=True, add=1)

    # when they run at the same moment
    errors = _run_together([forward, backward])

    # then neither deadlocked, and every cell holds the values of the one that wrote last, whole
    assert errors == []
    statuses = set(ImportBatch.objects.values_list("status", flat=True))
    assert statuses == {ImportBatch.Status.SUCCEEDED}
    assert Observation.objects.count() == 2 * len(DAYS) * len(TEAMS)
    (last,) = set(Observation.objects.values_list("batch_id", flat=True))
    values = set(Observation.objects.filter(measure__key="total_contacts").values_list("value", flat=True))
    assert values == ({100.0} if last == forward.pk else {101.0})


def test_the_writing_stage_holds_the_one_write_lock_until_it_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an import held just after its upsert
    monkeypatch.setenv(faults.PAUSE_AT, "upsert")
    monkeypatch.setenv(faults.PAUSE_SECONDS, "3")
    monkeypatch.setenv(faults.PAUSE_FLAG, str(tmp_path / "paused"))
    batch = _batch(tmp_path, "forward.csv", reverse=False, add=0)
    thread = threading.Thread(target=lambda: _run_together([batch]))
    thread.start()
    database = settings.DATABASES["default"]
    seen: list[bool] = []
    with psycopg.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"] or None, port=database["PORT"] or None
    ) as other:
        # when another session tries the lock while the import writes
        while thread.is_alive() and len(seen) < 200:
            free = other.execute("SELECT pg_try_advisory_xact_lock(%s)", [imports.IMPORT_WRITE_LOCK]).fetchone()
            other.rollback()
            seen.append(bool(free and free[0]))
            time.sleep(0.02)
    thread.join()

    # then it was taken at some point, and free again once the import committed
    assert False in seen
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.SUCCEEDED
