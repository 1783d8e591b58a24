"""`manage.py import_measurements`, and the import on the embedded SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from kpis.models import ImportBatch, Observation, Period, SeriesValue
from kpis.services.definitions import kpi_upsert
from tests.factories import DimensionFactory, MeasureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _library(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    MeasureFactory(key="total_contacts")
    MeasureFactory(key="escalated_contacts")
    DimensionFactory(key="team")


def _write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "march.csv"
    path.write_text(content, encoding="utf-8")
    return path


def test_the_command_imports_prints_a_summary_and_recomputes_the_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    kpi = kpi_upsert(
        key="contact_escalation_rate", name="Escalation rate", formula="100 * escalated_contacts / total_contacts"
    )
    path = _write(tmp_path, "date,team,total_contacts,escalated_contacts\n2026-03-01,A,100,10\n2026-03-02,B,1000,40\n")

    # when
    call_command("import_measurements", str(path))

    # then
    out = capsys.readouterr().out
    assert "march.csv (wide): 2 rows read, 4 cells inserted, 0 updated, 0 unchanged" in out
    assert Observation.objects.count() == 4
    # Ratio of sums over the quarter: 50 of 1,100, not the average of 10% and 4%.
    quarter = Period.objects.get(grain="quarter", label="2026-Q1")
    overall = SeriesValue.objects.get(kpi=kpi, period=quarter, dimension__isnull=True)
    assert overall.value == pytest.approx(100 * 50 / 1100)


def test_the_command_fails_naming_line_and_column_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    path = _write(tmp_path, "date,team,total_contacts\n2026-03-01,A,5\n2026-03-32,A,x\n")

    # when
    with pytest.raises(CommandError, match="import failed with 2 problem"):
        call_command("import_measurements", str(path))

    # then
    err = capsys.readouterr().err
    assert "line 3, column date: bad date '2026-03-32': expected a date as YYYY-MM-DD" in err
    assert "line 3, column total_contacts: 'x' is not a number" in err
    assert not Observation.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED


def test_the_command_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # given
    path = _write(tmp_path, "date,team,total_contacts\n2026-03-01,A,5\n")

    # when
    call_command("import_measurements", str(path), "--dry-run")

    # then
    assert "Dry run, nothing written. march.csv (wide): 1 rows read, 1 cells inserted" in capsys.readouterr().out
    assert not Observation.objects.exists()


def test_the_command_refuses_a_path_that_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_measurements", str(tmp_path / "missing.csv"))


_SQLITE_SCRIPT = """
import json, sys
from kpis.models import ImportBatch, Observation
from kpis.services.definitions import dimension_upsert, measure_upsert
from kpis.services.imports import import_batch_create, import_batch_process

measure_upsert(key="total_contacts", name="Total contacts")
measure_upsert(key="escalated_contacts", name="Escalated contacts")
dimension_upsert(key="team", name="Team")
results = []
for name in sys.argv[1:]:
    batch = import_batch_create(path_or_file=name, filename=name, source=ImportBatch.Source.COMMAND)
    batch = import_batch_process(batch=batch)
    results.append([batch.status, batch.cells_inserted, batch.cells_updated, batch.cells_unchanged, batch.errors])
cells = sorted([o.measure.key, str(o.day), o.segment.key, o.value] for o in Observation.objects.all())
print(json.dumps({"results": results, "cells": cells}))
"""


@pytest.mark.smoke
def test_the_embedded_sqlite_database_imports_corrects_and_rejects_like_postgresql(tmp_path: Path) -> None:
    # given: a process on the embedded default, with no DATABASE_URL
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment["DATA_DIR"] = str(tmp_path / "data")
    (tmp_path / "data").mkdir()
    first = tmp_path / "first.csv"
    first.write_text("date,team,total_contacts,escalated_contacts\n2026-03-01,A,500,50\n2026-03-01,B,1000,200\n")
    correction = tmp_path / "correction.csv"
    correction.write_text(
        "date,team,measure,value\n2026-03-01,A,total_contacts,510\n2026-03-01,B,total_contacts,1000\n"
    )
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("id,date,team,escalated_contacts\n1,2026-03-03T10:00:00,A,yes\n2,2026-03-03,A,no\n")
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("date,team,total_contacts\n2026-03-02,A,1\n2026-03-02,A,2\n")
    manage = [sys.executable, str(Path(django_settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=environment, check=True, cwd=tmp_path)

    # when
    done = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            f"import sys; sys.argv = ['', *{[str(first), str(correction), str(tickets), str(repeated)]!r}]\n"
            + _SQLITE_SCRIPT,
        ],
        env=environment,
        check=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )

    # then
    output = json.loads(done.stdout.strip().splitlines()[-1])
    assert output["results"] == [
        ["succeeded", 4, 0, 0, []],
        ["succeeded", 0, 1, 1, []],
        ["succeeded", 2, 0, 0, []],
        [
            "failed",
            0,
            0,
            0,
            [{"line": 3, "column": None, "message": "the same day and segment as line 2 (2026-03-02, team=A)"}],
        ],
    ]
    assert output["cells"] == [
        ["escalated_contacts", "2026-03-01", "team=A", 50.0],
        ["escalated_contacts", "2026-03-01", "team=B", 200.0],
        ["escalated_contacts", "2026-03-03", "team=A", 1.0],
        ["total_contacts", "2026-03-01", "team=A", 510.0],
        ["total_contacts", "2026-03-01", "team=B", 1000.0],
        ["total_contacts", "2026-03-03", "team=A", 2.0],
    ]
