from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kpis.models import Dimension
from okrs.models import KeyResult, ProgressSnapshot, Status
from okrs.scorecard.selector import objective_summary
from okrs.services.demo import seeds_objective_upsert
from okrs.services.recompute import key_results_recompute_for_kpis, progress_snapshots_rebuild_for
from tests.okrs.factories import MembershipFactory, TeamFactory, quarter
from tests.okrs.helpers import day_row, measurements_import

pytestmark = pytest.mark.django_db

TODAY = date(2026, 2, 14)  # half of Q1 gone: 50 % expected


def _last_quarter_and_this_one(*, csat_now: tuple[int, int] = (200, 176)) -> list[dict[str, object]]:
    # Last quarter: escalations 12.5 %, FCR 70 %, AHT 400 s. This quarter so far: 11.25 %, 75 %, 380 s.
    return [
        day_row(date(2025, 12, 1), "Tier 1", total=1000, escalated=125, resolved=700, aht=400, csat=(100, 88)),
        day_row(date(2026, 2, 1), "Tier 1", total=1000, escalated=110, resolved=740, aht=390, csat=(100, 88)),
        day_row(date(2026, 2, 2), "Tier 1", total=1000, escalated=115, resolved=760, aht=370, csat=csat_now),
        # Another team's data must not leak into Tier 1's key results.
        day_row(date(2026, 2, 1), "Billing", total=500, escalated=100, resolved=300, aht=500, csat=(50, 30)),
    ]


def test_the_seeds_example_is_computed_from_an_imported_file(tmp_path: Path) -> None:
    # given the helpdesk export imported and the seeds' objective for Tier 1
    change = measurements_import(tmp_path, _last_quarter_and_this_one())
    team = TeamFactory(name="Tier 1")
    objective = seeds_objective_upsert(
        team=team,
        owner=MembershipFactory(team=team).user,
        period=quarter("2026-Q1"),
        dimension=Dimension.objects.get(key="team"),
    )

    # when the import's change reaches the OKR engine
    assert change.first_day is not None
    assert change.last_day is not None
    result = key_results_recompute_for_kpis(
        kpi_ids=change.kpi_ids, first_day=change.first_day, last_day=change.last_day, today=TODAY
    )

    # then every key result is computed from Tier 1's series
    assert len(result.recomputed) == 3
    kr1, kr2, kr3 = objective.key_results.order_by("id")
    assert (kr1.baseline_value, kr1.target_value) == (pytest.approx(12.5), pytest.approx(10.0))
    assert kr1.current_value == pytest.approx(11.25)
    assert kr1.progress == pytest.approx(50.0)
    assert kr2.current_value == pytest.approx(75.0)
    assert kr2.progress == pytest.approx(50.0)
    assert (kr3.baseline_value, kr3.target_value) == (pytest.approx(400.0), pytest.approx(360.0))
    assert kr3.current_value == pytest.approx(380.0)
    assert kr3.progress == pytest.approx(50.0)
    assert not kr3.guardrail_breached
    assert {kr.status for kr in (kr1, kr2, kr3)} == {Status.ON_TRACK}
    assert objective_summary(objective).progress == pytest.approx(50.0)
    # and the history from the first day with data is rebuilt
    assert result.history_from == date(2025, 12, 1)
    progress_snapshots_rebuild_for(key_result_ids=result.recomputed, first_day=result.history_from, last_day=TODAY)
    assert ProgressSnapshot.objects.filter(key_result=kr2, day=date(2026, 2, 1)).get().value == pytest.approx(74.0)


def test_quality_falling_under_the_guardrail_marks_the_call_duration_key_result(tmp_path: Path) -> None:
    # given the same quarter, but CSAT this quarter at 80 %
    change = measurements_import(tmp_path, _last_quarter_and_this_one(csat_now=(300, 220)))
    team = TeamFactory(name="Tier 1")
    objective = seeds_objective_upsert(
        team=team,
        owner=MembershipFactory(team=team).user,
        period=quarter("2026-Q1"),
        dimension=Dimension.objects.get(key="team"),
    )
    assert change.first_day is not None
    assert change.last_day is not None

    # when
    key_results_recompute_for_kpis(
        kpi_ids=change.kpi_ids, first_day=change.first_day, last_day=change.last_day, today=TODAY
    )

    # then
    kr3 = objective.key_results.get(kpi__key="average_handle_time")
    assert kr3.progress == pytest.approx(50.0)
    assert kr3.guardrail_breached
    assert kr3.status == Status.OFF_TRACK
    assert kr3.guardrails.get().current_value == pytest.approx(100 * 308 / 400)


def test_loading_the_seeds_example_twice_changes_nothing(tmp_path: Path) -> None:
    measurements_import(tmp_path, _last_quarter_and_this_one())
    team = TeamFactory(name="Tier 1")
    arguments = {
        "team": team,
        "owner": MembershipFactory(team=team).user,
        "period": quarter("2026-Q1"),
        "dimension": Dimension.objects.get(key="team"),
    }

    seeds_objective_upsert(**arguments)
    seeds_objective_upsert(**arguments)

    assert KeyResult.objects.count() == 3
    assert sum(kr.initiatives.count() for kr in KeyResult.objects.all()) == 3
    assert sum(kr.guardrails.count() for kr in KeyResult.objects.all()) == 1


def test_the_import_command_brings_the_key_results_up_to_date(tmp_path: Path) -> None:
    # given the seeds' objective for Tier 1 and last quarter's data, the key results computed on it
    measurements_import(tmp_path, _last_quarter_and_this_one()[:1], name="last-quarter.csv")
    team = TeamFactory(name="Tier 1")
    objective = seeds_objective_upsert(
        team=team,
        owner=MembershipFactory(team=team).user,
        period=quarter("2026-Q1"),
        dimension=Dimension.objects.get(key="team"),
    )
    path = tmp_path / "this-quarter.csv"
    path.write_text(
        "date,team,channel,total_contacts,escalated_contacts\n2026-02-01,Tier 1,phone,1000,110\n", encoding="utf-8"
    )

    # when this quarter's file is imported on the command line (tasks run in-process in tests)
    call_command("import_measurements", str(path), stdout=StringIO())

    # then the escalation key result reads it: 11 % against 12.5 % -> 10 %, 60 % of the way
    kr1 = objective.key_results.order_by("id").first()
    assert kr1 is not None
    kr1.refresh_from_db()
    assert kr1.current_value == pytest.approx(11.0)
    assert kr1.progress == pytest.approx(60.0)
