from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from kpis.models import Direction
from okrs.models import CheckIn, Guardrail, KeyResult, Objective, Status
from okrs.scorecard.selector import objective_summary, rollup
from okrs.selectors import check_ins_for_key_result, objectives_for_user
from okrs.services.activity import check_in_create, initiative_create, initiative_update
from okrs.services.objectives import (
    guardrail_create,
    key_result_create,
    key_result_update,
    objective_create,
    objective_update,
)
from okrs.services.recompute import key_result_recompute
from tests.factories import KpiFactory
from tests.okrs.factories import (
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    TeamFactory,
    UserFactory,
    quarter,
    series,
)

pytestmark = pytest.mark.django_db

MID_Q1 = date(2026, 2, 14)


def test_a_breached_guardrail_marks_the_key_result_whatever_its_progress() -> None:
    # given AHT cut beyond its target while CSAT fell below 85
    aht = KpiFactory(key="aht", direction=Direction.LOWER)
    csat = KpiFactory(key="csat", direction=Direction.HIGHER)
    series(aht, quarter("2026-Q1"), 300.0)
    series(csat, quarter("2026-Q1"), 82.0)
    key_result = KeyResultFactory(kind="kpi_from_to", kpi=aht, baseline_value=400, target_value=360)
    Guardrail.objects.create(key_result=key_result, kpi=csat, comparison=">=", threshold=85)

    # when
    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)

    # then
    assert key_result.progress == 100.0
    assert key_result.guardrail_breached
    assert key_result.status == Status.OFF_TRACK
    guardrail = key_result.guardrails.get()
    assert (guardrail.current_value, guardrail.breached) == (82.0, True)


def test_a_guardrail_that_holds_leaves_the_status_to_progress() -> None:
    aht = KpiFactory(key="aht", direction=Direction.LOWER)
    csat = KpiFactory(key="csat", direction=Direction.HIGHER)
    series(aht, quarter("2026-Q1"), 300.0)
    series(csat, quarter("2026-Q1"), 88.0)
    key_result = KeyResultFactory(kind="kpi_from_to", kpi=aht, baseline_value=400, target_value=360)

    guardrail = guardrail_create(key_result=key_result, kpi=csat, comparison=">=", threshold=85)

    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)
    guardrail.refresh_from_db()
    assert not guardrail.breached
    assert not key_result.guardrail_breached
    assert key_result.status == Status.ON_TRACK


def test_a_manual_key_result_follows_its_check_ins_and_keeps_their_history() -> None:
    # given "Close the backlog from 500 to 100 tickets"
    author = UserFactory()
    key_result = KeyResultFactory(kind="manual", baseline_value=500, target_value=100)

    # when two check-ins arrive, the later one dated earlier than it was typed
    check_in_create(key_result=key_result, author=author, day=date(2026, 2, 1), value=300, confidence=7, comment="ok")
    check_in_create(key_result=key_result, author=author, day=date(2026, 1, 15), value=420, confidence=5)

    # then the latest-dated value counts, and the history lists both, newest first
    key_result.refresh_from_db()
    assert key_result.current_value == 300
    assert key_result.progress == pytest.approx(50.0)
    history = list(check_ins_for_key_result(key_result=key_result))
    assert [c.value for c in history] == [300, 420]
    assert history[0].comment == "ok"


def test_a_milestone_is_done_or_not() -> None:
    author = UserFactory()
    key_result = KeyResultFactory(kind="milestone", baseline_value=None, target_value=None)

    key_result = key_result_recompute(key_result=key_result, today=MID_Q1)
    assert (key_result.progress, key_result.status) == (0.0, Status.ON_TRACK)

    check_in_create(key_result=key_result, author=author, day=MID_Q1, value=1)
    key_result.refresh_from_db()
    assert key_result.progress == 100.0

    late = key_result_recompute(key_result=KeyResultFactory(kind="milestone"), today=date(2026, 3, 31))
    assert (late.progress, late.status) == (0.0, Status.OFF_TRACK)


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [("manual", None, "value"), ("milestone", 0.5, "value"), ("kpi_from_to", 75.0, "value")],
)
def test_it_rejects_a_check_in_value_that_does_not_fit_the_kind(kind: str, value: float | None, field: str) -> None:
    fcr = KpiFactory(key="fcr", direction=Direction.HIGHER)
    key_result = KeyResultFactory(
        kind=kind, kpi=fcr if kind.startswith("kpi") else None, baseline_value=70, target_value=80
    )

    with pytest.raises(ValidationError) as error:
        check_in_create(key_result=key_result, author=UserFactory(), day=MID_Q1, value=value)

    assert field in error.value.message_dict
    assert not CheckIn.objects.exists()


def test_it_rejects_a_confidence_above_ten() -> None:
    key_result = KeyResultFactory(kind="manual")

    with pytest.raises(ValidationError, match="10"):
        check_in_create(key_result=key_result, author=UserFactory(), day=MID_Q1, value=3, confidence=11)

    assert not CheckIn.objects.exists()


def test_it_creates_a_key_result_and_computes_it_at_once() -> None:
    fcr = KpiFactory(key="fcr", direction=Direction.HIGHER)
    objective = ObjectiveFactory(period=quarter("2026-Q1"))
    series(fcr, objective.period, 75.0)

    key_result = key_result_create(
        objective=objective, title="FCR 70 -> 80", kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80
    )

    assert key_result.progress == pytest.approx(50.0)
    assert key_result.computed_at is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "kpi_relative", "change_percent": 20}, "change_percent"),
        ({"kind": "kpi_relative", "change_percent": 0}, "change_percent"),
        ({"kind": "kpi_from_to", "baseline_value": 12.5}, "target_value"),
        ({"kind": "kpi_from_to", "baseline_value": 10, "target_value": 12.5}, "target_value"),
        ({"kind": "kpi_threshold", "threshold_mode": "within", "band_min": 5}, "band_min"),
        ({"kind": "kpi_threshold", "threshold_mode": "within", "band_min": 5, "band_max": 1}, "band_max"),
        ({"kind": "kpi_threshold", "target_value": 5}, "threshold_mode"),
        ({"kind": "kpi_from_to", "baseline_value": 12.5, "target_value": 10, "member": "Tier 1"}, "member"),
        ({"kind": "kpi_from_to", "baseline_value": 12.5, "target_value": 10, "weight": -1}, "weight"),
    ],
)
def test_it_rejects_a_key_result_missing_what_its_kind_needs(fields: dict[str, object], field: str) -> None:
    # given a lower-is-better KPI
    escalation = KpiFactory(key="escalation", direction=Direction.LOWER)
    objective = ObjectiveFactory()

    # when / then
    with pytest.raises(ValidationError) as error:
        key_result_create(objective=objective, title="Escalations", kpi=escalation, **fields)  # type: ignore[arg-type]

    assert field in error.value.message_dict
    assert not KeyResult.objects.exists()


def test_it_rejects_a_kpi_on_a_manual_key_result() -> None:
    with pytest.raises(ValidationError, match="do not read a KPI"):
        key_result_create(
            objective=ObjectiveFactory(), title="x", kind="manual", kpi=KpiFactory(), baseline_value=0, target_value=1
        )

    assert not KeyResult.objects.exists()


def test_the_database_refuses_an_objective_with_two_parents() -> None:
    parent = ObjectiveFactory()
    key_result = KeyResultFactory(objective=parent)

    with pytest.raises(IntegrityError):
        ObjectiveFactory(parent_objective=parent, parent_key_result=key_result)


def test_an_objective_aligns_to_another_teams_key_result() -> None:
    # given the head of service's key result
    lead_kr = KeyResultFactory(objective=ObjectiveFactory(team=TeamFactory(name="Leadership")))

    # when a team's objective supports it
    tier1 = TeamFactory(name="Tier 1")
    objective = objective_create(
        title="Cut escalations in Tier 1",
        team=tier1,
        owner=MembershipFactory(team=tier1).user,
        period=quarter("2026-Q1"),
        parent_key_result=lead_kr,
    )

    # then
    assert lead_kr.child_objectives.get() == objective


def test_it_rejects_an_objective_with_two_parents() -> None:
    parent = ObjectiveFactory()
    key_result = KeyResultFactory(objective=parent)

    team = TeamFactory()
    with pytest.raises(ValidationError, match="not both"):
        objective_create(
            title="x",
            team=team,
            owner=MembershipFactory(team=team).user,
            period=quarter(),
            parent_objective=parent,
            parent_key_result=key_result,
        )

    assert Objective.objects.count() == 1


def test_it_rejects_an_alignment_loop() -> None:
    # given A <- B (B supports a key result of A)
    a = ObjectiveFactory(title="A")
    b = ObjectiveFactory(title="B", parent_key_result=KeyResultFactory(objective=a))

    # when A is made to support B
    with pytest.raises(ValidationError, match="support itself"):
        objective_update(objective=a, parent_objective=b)

    # then
    a.refresh_from_db()
    assert a.parent_objective is None


def test_activating_an_objective_recomputes_its_key_results() -> None:
    fcr = KpiFactory(key="fcr", direction=Direction.HIGHER)
    objective = ObjectiveFactory(state="draft")
    key_result = KeyResultFactory(objective=objective, kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)
    series(fcr, objective.period, 80.0)

    objective_update(objective=objective, state="active")

    key_result.refresh_from_db()
    assert key_result.progress == 100.0


def test_updating_a_key_results_target_recomputes_it() -> None:
    fcr = KpiFactory(key="fcr", direction=Direction.HIGHER)
    key_result = KeyResultFactory(kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)
    series(fcr, key_result.objective.period, 75.0)

    key_result = key_result_update(key_result=key_result, target_value=90)

    assert key_result.progress == pytest.approx(25.0)


def test_initiatives_are_created_and_updated() -> None:
    key_result = KeyResultFactory()

    initiative = initiative_create(key_result=key_result, title="Agent training", due_date=date(2026, 3, 1))
    initiative_update(initiative=initiative, status="in_progress")

    initiative.refresh_from_db()
    assert initiative.status == "in_progress"
    with pytest.raises(ValidationError):
        initiative_update(initiative=initiative, status="someday")


def test_objective_progress_is_the_weighted_mean_of_its_key_results() -> None:
    objective = ObjectiveFactory()
    KeyResultFactory(objective=objective, progress=50.0, weight=1)
    KeyResultFactory(objective=objective, progress=100.0, weight=3)
    KeyResultFactory(objective=objective, progress=None, weight=5)

    assert objective_summary(objective).progress == pytest.approx(87.5)
    team_objectives = Objective.objects.for_team(objective.team).for_period(objective.period)
    assert rollup([objective_summary(o) for o in team_objectives]).progress == pytest.approx(87.5)


def test_a_user_sees_the_objectives_of_their_teams_only() -> None:
    # given two teams' objectives and a member of one
    mine, theirs = ObjectiveFactory(), ObjectiveFactory()
    member = MembershipFactory(team=mine.team).user
    admin = UserFactory(username="root", is_superuser=True)

    # then
    assert list(objectives_for_user(user=member)) == [mine]
    assert set(objectives_for_user(user=admin)) == {mine, theirs}
    assert list(objectives_for_user(user=member, team=theirs.team)) == []
