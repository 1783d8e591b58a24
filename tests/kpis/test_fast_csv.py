"""The fast CSV path stores exactly what the line-by-line reader stores, and leaves every problem to it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from kpis import fast_csv, layouts
from kpis.models import ImportBatch, Observation
from kpis.services.imports import import_batch_create, import_batch_process
from tests.factories import DimensionFactory, MeasureFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date.today().isoformat()  # noqa: DTZ011 - only needs to be a day inside the window

FILES = {
    "wide, as exports write it": "date,team,channel,total_contacts,escalated_contacts\n"
    "2026-03-01,Tier 1,phone,500,50\n2026-03-01,Tier 2,email,1000,200\n2026-03-02,Tier 1,phone,,7\n",
    "wide, quoted, CRLF, BOM": '\ufeffdate,team,total_contacts\r\n"2026-03-01","Tier 1","12.5"\r\n'
    '2026-03-02,"Tier, 2",3\r\n',
    "wide, members to trim": "date,team,total_contacts\n2026-03-01,  Tier 1 ,5\n2026-03-02,Tier 1,6\n",
    "wide, a blank line and a blank row": "date,team,total_contacts\n2026-03-01,A,5\n\n,,\n2026-03-02,A,6\n",
    "wide, semicolons and decimal commas": "date;team;total_contacts\n2026-03-01;A;12,5\n2026-03-02;A;3\n",
    "wide, negative where allowed": "date,team,net_change\n2026-03-01,A,-4\n2026-03-02,A,3\n",
    "long": "date,team,measure,value\n2026-03-01,A,total_contacts,5\n2026-03-01,A, Escalated_Contacts ,1\n"
    "2026-03-02,A,total_contacts,\n",
    "rows with flags and times": "ticket_id,date,team,escalated_contacts,handle_time_seconds\n"
    "T1,2026-03-01T10:00:00,A,true,300\nT2,2026-03-01 11:00,A,no,200\nT3,2026-03-02,B,yes,100\n",
    "rows with numbers": "ticket_id,date,team,escalated_contacts\nT1,2026-03-01,A,1\nT2,2026-03-01,A,0\n",
    "a quoted line break": 'date,team,total_contacts\n2026-03-01,"Tier\n1",5\n',
    "a bad number": "date,team,total_contacts\n2026-03-01,A,lots\n2026-03-02,A,5\n",
    "a negative count": "date,team,total_contacts\n2026-03-01,A,-5\n",
    "a day in the future": "date,team,total_contacts\n9999-12-31,A,5\n",
    "a short line": "date,team,total_contacts,escalated_contacts\n2026-03-01,A,5\n",
    "a stray value": "date,team,total_contacts\n2026-03-01,A,5,9\n",
    "a blank member": "date,team,total_contacts\n2026-03-01, ,5\n",
    "an unknown measure": "date,team,measure,value\n2026-03-01,A,calls,5\n",
    "a repeated ticket": "ticket_id,date,team,escalated_contacts\nT1,2026-03-01,A,1\nT1,2026-03-02,A,0\n",
    "not a number in a row file": "ticket_id,date,team,escalated_contacts\nT1,2026-03-01,A,maybe\n",
    "infinity": "date,team,total_contacts\n2026-03-01,A,inf\n",
    "a NUL byte": "date,team,total_contacts\n2026-03-01,A\x00,5\n",
    "a blank header column with a value": "date,team,,total_contacts\n2026-03-01,A,x,5\n",
}


@pytest.fixture(autouse=True)
def _library(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    for key in ("total_contacts", "escalated_contacts", "handle_time_seconds"):
        MeasureFactory(key=key)
    MeasureFactory(key="net_change", allows_negative=True)
    DimensionFactory(key="team")
    DimensionFactory(key="channel")


def _outcome(tmp_path: Path, text: str) -> tuple[Any, ...]:
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    batch = import_batch_process(
        batch=import_batch_create(path_or_file=path, filename=path.name, source=ImportBatch.Source.UPLOAD)
    )
    cells = sorted(
        (o.measure.key, o.day.isoformat(), o.segment.key, o.value)
        for o in Observation.objects.select_related("measure", "segment")
    )
    Observation.objects.all().delete()
    return batch.status, batch.rows_read, batch.errors, cells, batch.file_format


@pytest.mark.parametrize("name", list(FILES))
def test_the_fast_path_and_the_line_by_line_reader_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # given what the fast path makes of the file
    fast = _outcome(tmp_path, FILES[name])

    # when the file is read line by line only
    monkeypatch.setattr(fast_csv, "stage", lambda *args, **kwargs: None)
    slow = _outcome(tmp_path, FILES[name])

    # then the same cells, rows and problems
    assert fast == slow


def test_a_clean_file_never_reaches_the_line_by_line_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    def parse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("read line by line")

    monkeypatch.setattr(layouts.RowParser, "parse", parse)

    # when
    status, rows, errors, cells, _ = _outcome(tmp_path, FILES["wide, as exports write it"])

    # then
    assert (status, rows, errors) == (ImportBatch.Status.SUCCEEDED, 3, [])
    assert len(cells) == 5
