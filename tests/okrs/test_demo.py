from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from kpis.services.demo import demo_data_load
from kpis.services.library import kpi_library_load
from okrs.models import Initiative, KeyResult, Objective, ProgressSnapshot, Status
from okrs.services.demo import DEMO_TEAMS, OBJECTIVE_TITLE, demo_okrs_load

pytestmark = pytest.mark.django_db

TODAY = date(2026, 2, 14)


@pytest.fixture
def demo_data() -> None:
    kpi_library_load()
    demo_data_load(today=TODAY)


@pytest.mark.usefixtures("demo_data")
def test_the_demo_has_the_seeds_example_for_each_team_with_mixed_statuses() -> None:
    # when
    objectives = demo_okrs_load(today=TODAY)

    # then each team has the seeds' objective in this quarter, its three key results computed from its data
    assert sorted(o.team.name for o in objectives) == sorted(DEMO_TEAMS)
    assert {o.title for o in objectives} == {OBJECTIVE_TITLE}
    assert {o.period.label for o in objectives} == {"2026-Q1"}
    key_results = KeyResult.objects.all()
    assert key_results.count() == 9
    assert all(kr.progress is not None for kr in key_results)
    statuses = {kr.status for kr in key_results}
    assert Status.ON_TRACK in statuses
    assert statuses & {Status.AT_RISK, Status.OFF_TRACK}
    assert Initiative.objects.count() == 9
    assert ProgressSnapshot.objects.filter(day=TODAY).count() == 9
    call_command("okr_report", "--period", "2026-Q1")


@pytest.mark.usefixtures("demo_data")
def test_loading_the_demo_twice_changes_nothing() -> None:
    demo_okrs_load(today=TODAY)
    before = list(KeyResult.objects.order_by("id").values_list("id", "progress", "status"))

    demo_okrs_load(today=TODAY)

    assert Objective.objects.count() == 3
    assert list(KeyResult.objects.order_by("id").values_list("id", "progress", "status")) == before
    assert Initiative.objects.count() == 9


def test_the_demo_asks_for_the_kpi_library_first() -> None:
    with pytest.raises(ValueError, match="load_kpi_library"):
        demo_okrs_load(today=TODAY)

    assert not Objective.objects.exists()
