"""One granularity per measure and day: a file at another set of dimensions than the stored cells is refused, or
replaces them when asked; no total can count a day twice."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from pytest_django.fixtures import Settings

from kpis.models import Dimension, ImportBatch, Kpi, Measure, Observation, Segment, SeriesValue
from kpis.selectors import series_value
from kpis.services.calendar import period_for_label
from kpis.services.definitions import kpi_upsert
from kpis.services.imports import REPLACE_HINT, import_batch_create, import_batch_process, import_batch_series_recompute
from okrs.models import KeyResult
from okrs.services.recompute import key_result_recompute
from tests.factories import DimensionFactory, ImportBatchFactory, MeasureFactory
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db

# Per team and channel: team A has 100 + 50 contacts on 1 March, team B 200.
PER_CHANNEL = "date,team,channel,total_contacts\n2026-03-01,A,phone,100\n2026-03-01,A,chat,50\n2026-03-01,B,phone,200\n"
# The same day per team only, with corrected figures: team A 160, team B 210.
PER_TEAM = "date,team,total_contacts\n2026-03-01,A,160\n2026-03-01,B,210\n"


@pytest.fixture(autouse=True)
def _library(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    MeasureFactory(key="total_contacts")
    DimensionFactory(key="team")
    DimensionFactory(key="channel")


def _import(content: str, *, replace: bool = False, dry_run: bool = False) -> ImportBatch:
    batch = import_batch_create(
        path_or_file=io.BytesIO(content.encode()),
        filename="measurements.csv",
        source=ImportBatch.Source.UPLOAD,
        replace=replace,
        dry_run=dry_run,
    )
    batch = import_batch_process(batch=batch)
    import_batch_series_recompute(batch_id=batch.pk)
    return batch


def _stored() -> dict[tuple[str, str], float]:
    return {(str(o.day), o.segment.key): o.value for o in Observation.objects.select_related("segment")}


@pytest.fixture
def contacts() -> Kpi:
    return kpi_upsert(key="contacts", name="Contacts", formula="total_contacts")


def _team(kpi: Kpi, member: str) -> float | None:
    team = Dimension.objects.get(key="team")
    return series_value(kpi=kpi, period=period_for_label(label="2026-03"), dimension=team, member=member)


def test_a_file_at_another_set_of_dimensions_is_refused_naming_line_and_both_sets(contacts: Kpi) -> None:
    # given cells stored per team and channel
    assert _import(PER_CHANNEL).status == ImportBatch.Status.SUCCEEDED
    stored, segments, values = _stored(), Segment.objects.count(), SeriesValue.objects.count()

    # when a per-team file brings the same day
    batch = _import(PER_TEAM)

    # then it is refused, naming the line, the set it brings, the set stored and how to replace them
    assert batch.status == ImportBatch.Status.FAILED
    assert [(error["line"], error["column"]) for error in batch.errors] == [(2, "total_contacts")]
    message = str(batch.errors[0]["message"])
    assert "total_contacts on 2026-03-01 is stored per channel and team; this file brings it per team" in message
    assert REPLACE_HINT in message
    # and nothing was written
    assert _stored() == stored
    assert Segment.objects.count() == segments
    assert SeriesValue.objects.count() == values
    assert _team(contacts, "A") == 150


def test_replace_deletes_the_other_set_for_those_days_in_the_same_import(contacts: Kpi) -> None:
    _import(PER_CHANNEL)
    _import("date,team,channel,total_contacts\n2026-03-02,A,phone,7\n")

    batch = _import(PER_TEAM, replace=True)

    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert batch.cells_replaced == 3
    assert _stored() == {
        ("2026-03-01", "team=A"): 160,
        ("2026-03-01", "team=B"): 210,
        # another day keeps its own set
        ("2026-03-02", "channel=phone;team=A"): 7,
    }
    # team A's March: 160 on the 1st plus 7 on the 2nd, never 160 + 150
    assert _team(contacts, "A") == 167
    channel = Dimension.objects.get(key="channel")
    march = period_for_label(label="2026-03")
    assert series_value(kpi=contacts, period=march, dimension=channel, member="chat") is None
    assert series_value(kpi=contacts, period=march, dimension=channel, member="phone") == 7


def test_a_replacing_dry_run_counts_what_it_would_delete_and_writes_nothing() -> None:
    _import(PER_CHANNEL)
    stored = _stored()

    batch = _import(PER_TEAM, replace=True, dry_run=True)

    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert batch.cells_replaced == 3
    assert _stored() == stored


def test_other_days_may_have_another_set() -> None:
    _import(PER_CHANNEL)

    batch = _import("date,team,total_contacts\n2026-03-02,A,160\n")

    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors


def test_the_database_refuses_a_second_set_for_a_measure_and_day_whatever_writes_it() -> None:
    _import(PER_CHANNEL)
    stored = _stored()
    per_team = Segment.objects.create(key="team=A", dimensions="team")

    with pytest.raises(IntegrityError), transaction.atomic():
        Observation.objects.create(
            measure=Measure.objects.get(key="total_contacts"),
            day=dt.date(2026, 3, 1),
            segment=per_team,
            value=1,
            batch=ImportBatchFactory(),
        )

    assert _stored() == stored


@pytest.mark.parametrize("replace_second", [False, True])
@pytest.mark.parametrize("order", [(PER_CHANNEL, PER_TEAM), (PER_TEAM, PER_CHANNEL)])
def test_no_key_result_can_double_count_a_day(contacts: Kpi, order: tuple[str, str], replace_second: bool) -> None:
    # given a key result on team A's contacts in 2026-Q1
    team = Dimension.objects.get(key="team")
    key_result = KeyResultFactory(
        objective=ObjectiveFactory(),
        kind=KeyResult.Kind.KPI_FROM_TO,
        kpi=contacts,
        dimension=team,
        member="A",
        baseline_value=0,
        target_value=1000,
    )

    # when both granularities are imported for the same day, in either order, replacing or not
    first, second = order
    _import(first)
    _import(second, replace=replace_second)
    key_result = key_result_recompute(key_result=key_result)

    # then team A counts one file's cells for the day, never both
    one_file = {PER_CHANNEL: 150, PER_TEAM: 160}
    assert key_result.current_value == (one_file[second] if replace_second else one_file[first])


def test_the_command_replaces_with_replace(tmp_path: Path) -> None:
    _import(PER_CHANNEL)
    path = tmp_path / "per_team.csv"
    path.write_text(PER_TEAM, encoding="utf-8")

    with pytest.raises(CommandError):
        call_command("import_measurements", str(path))
    call_command("import_measurements", str(path), "--replace")

    assert _stored() == {("2026-03-01", "team=A"): 160, ("2026-03-01", "team=B"): 210}
