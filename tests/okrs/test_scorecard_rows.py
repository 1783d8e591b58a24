"""The pages' plain rows (okrs.scorecard.rows) give the numbers the instances the exports read give: the same
summaries, roll-ups, team groups, alignment tree, KPI lines and key-result wording, live and as of a past day."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User

from kpis.models import Direction, KpiTarget, Unit
from okrs.models import Guardrail, KeyResult, Objective, ProgressSnapshot, Status
from okrs.scorecard import AlignmentNode, Scorecard, alignment_tree, objectives_with_key_results, scorecard_for
from okrs.scorecard.rows import objective_row_for, objective_rows, scorecard_rows
from okrs.templatetags.okr_format import kind_short, kr_target, kr_value
from tests.factories import DimensionFactory, KpiFactory, MeasureFactory
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, TeamFactory, UserFactory, quarter, series

pytestmark = pytest.mark.django_db

Q1 = "2026-Q1"


@pytest.fixture
def boss() -> User:
    return User.objects.create_superuser("boss")


def _quarter_of_every_kind() -> Objective:
    """Two teams' objectives of 2026-Q1, with key results of every kind, weights, a draft, a breached guardrail,
    alignment to an objective and to a key result, a KPI target, series values and snapshots of mid-February."""
    period = quarter(Q1)
    escalation = KpiFactory(key="escalation", name="Escalation rate", unit=Unit.PERCENT, direction=Direction.LOWER)
    csat = KpiFactory(key="csat", name="CSAT", unit=Unit.PERCENT, direction=Direction.HIGHER, category="Quality")
    team_dimension = DimensionFactory(key="team", name="Team")
    measures = [MeasureFactory(key="escalated_contacts"), MeasureFactory(key="total_contacts")]
    for kpi in (escalation, csat):
        kpi.measures.add(*measures)
    for kpi, value in ((escalation, 11.0), (csat, 86.0)):
        series(kpi, quarter("2025-Q4"), value + 1)
        series(kpi, period, value)
        series(kpi, period, value - 0.5, dimension=team_dimension, member="Tier 1")
    KpiTarget.objects.create(kpi=csat, period=period, value=85.0)
    owner = UserFactory(first_name="Ada", last_name="Lovelace")
    department = ObjectiveFactory(
        title="Department", team=TeamFactory(name="Customer Service"), period=period, owner=owner, weight=2
    )
    escalations = KeyResultFactory(
        objective=department,
        title="Fewer escalations",
        kind=KeyResult.Kind.KPI_FROM_TO,
        kpi=escalation,
        baseline_value=12.5,
        target_value=10.0,
        current_value=11.0,
        progress=60.0,
        expected=50.0,
        status=Status.ON_TRACK,
        weight=3,
    )
    KeyResultFactory(
        objective=department,
        title="Relative escalations",
        kind=KeyResult.Kind.KPI_RELATIVE,
        kpi=escalation,
        dimension=team_dimension,
        member="Tier 1",
        change_percent=-20,
        baseline_source="series",
        target_source="derived",
        baseline_value=12.0,
        target_value=9.6,
        current_value=10.5,
        progress=62.5,
        expected=50.0,
        status=Status.AT_RISK,
    )
    tier1 = ObjectiveFactory(
        title="Tier 1", team=TeamFactory(name="Tier 1"), period=period, parent_key_result=escalations
    )
    held = KeyResultFactory(
        objective=tier1,
        title="Hold CSAT",
        kind=KeyResult.Kind.KPI_THRESHOLD,
        kpi=csat,
        threshold_mode="above",
        target_value=85.0,
        baseline_value=None,
        current_value=80.0,
        progress=0.0,
        status=Status.OFF_TRACK,
        guardrail_breached=True,
    )
    Guardrail.objects.create(key_result=held, kpi=escalation, threshold=12, comparison="<=", breached=True)
    KeyResultFactory(
        objective=tier1,
        title="CSAT band",
        kind=KeyResult.Kind.KPI_THRESHOLD,
        kpi=csat,
        dimension=team_dimension,
        member="Tier 1",
        threshold_mode="within",
        band_min=80.0,
        band_max=90.0,
        baseline_value=None,
        target_value=None,
        current_value=85.5,
        progress=100.0,
        expected=40.0,
        status=Status.ON_TRACK,
    )
    chat = ObjectiveFactory(title="Tier 1 chat", team=tier1.team, period=period, parent_objective=tier1)
    KeyResultFactory(objective=chat, title="Macros", baseline_value=0, target_value=1250, current_value=400)
    KeyResultFactory(
        objective=chat, title="Help centre", kind=KeyResult.Kind.MILESTONE, baseline_value=None, target_value=None
    )
    draft = ObjectiveFactory(title="Draft", team=tier1.team, period=period, state=Objective.State.DRAFT)
    KeyResultFactory(objective=draft, progress=100.0, expected=50.0, status=Status.ON_TRACK)
    ObjectiveFactory(title="Empty", team=tier1.team, period=period)
    for kr in KeyResult.objects.all():
        ProgressSnapshot.objects.create(
            key_result=kr, day=date(2026, 2, 14), value=1.0, progress=30.0, expected=45.0, status=Status.AT_RISK
        )
    return department


def _summaries(card: Scorecard) -> list[tuple[Any, ...]]:
    return [
        (
            s.objective.pk,
            s.objective.title,
            s.objective.team.name,
            s.objective.owner.get_full_name() or s.objective.owner.get_username(),
            s.objective.get_state_display(),
            s.progress,
            s.expected,
            s.status,
            s.guardrail_breached,
            [g.pk for g in s.breached_guardrails],
            [
                (kr.pk, kr.title, kr.status, kr.progress, kr.expected, kr.current_value, kr.forecast, kr.weight)
                for kr in s.key_results
            ],
        )
        for s in card.objectives
    ]


def _tree(nodes: list[AlignmentNode]) -> list[tuple[Any, ...]]:
    return [(n.summary.objective.pk, n.via and n.via.pk, _tree(n.children)) for n in nodes]


def _lines(card: Scorecard) -> list[tuple[Any, ...]]:
    lines = [
        (line.kpi.pk, line.dimension.pk if line.dimension else 0, line.member, line.actual, line.target,
         line.target_low, line.target_high, line.target_source, line.status, line.previous, line.trend)
        for line in card.kpi_lines
    ]  # fmt: skip
    return sorted(lines, key=lambda line: line[:3])


@pytest.mark.parametrize("as_of", [None, date(2026, 2, 20)], ids=["live", "as of a past day"])
def test_the_rows_give_the_numbers_the_instances_give(boss: User, as_of: date | None) -> None:
    # given a quarter with key results of every kind
    _quarter_of_every_kind()

    # when the page's rows and the exports' instances read it
    rows = scorecard_rows(user=boss, period=quarter(Q1), as_of=as_of)
    instances = scorecard_for(user=boss, period=quarter(Q1), as_of=as_of)

    # then every figure agrees
    assert _summaries(rows) == _summaries(instances)
    assert rows.rollup == instances.rollup
    assert [(g.team.pk, g.team.name, g.rollup) for g in rows.team_groups] == [
        (g.team.pk, g.team.name, g.rollup) for g in instances.team_groups
    ]
    assert _lines(rows) == _lines(instances)
    assert rows.kpi_counts == instances.kpi_counts
    assert rows.as_of == instances.as_of


def test_the_figures_are_the_ones_the_key_results_hold(boss: User) -> None:
    # given a quarter with key results of every kind
    department = _quarter_of_every_kind()

    # when
    card = scorecard_rows(user=boss, period=quarter(Q1))

    # then the department's progress is its key results' weighted mean (60 * 3 + 62.5 * 1) / 4
    by_title = {s.objective.title: s for s in card.objectives}
    assert by_title["Department"].progress == pytest.approx(60.625)
    assert by_title["Department"].status == Status.AT_RISK
    # the roll-up counts every key result, drafts' too, but weighs only active objectives' progress
    assert (card.rollup.objectives, card.rollup.key_results) == (5, 7)
    assert (card.rollup.on_track, card.rollup.at_risk, card.rollup.off_track, card.rollup.no_data) == (3, 1, 1, 2)
    # (Department 60.625 weighted 2, Tier 1's 0 and 100 at 50; the chat objective and the empty one have no data)
    assert by_title["Draft"].progress == 100.0
    assert card.rollup.progress == pytest.approx((60.625 * 2 + 50.0) / 3)
    assert by_title["Tier 1"].breached_guardrails[0].kpi.name == "Escalation rate"
    assert by_title["Empty"].key_results == []
    assert by_title["Department"].objective.owner.get_full_name() == "Ada Lovelace"
    assert department.pk == by_title["Department"].objective.pk


def test_the_alignment_tree_of_rows_is_the_tree_of_instances(boss: User) -> None:
    _quarter_of_every_kind()

    rows = alignment_tree(objective_rows(user=boss, period=quarter(Q1)))
    instances = alignment_tree(objectives_with_key_results(user=boss, period=quarter(Q1)))

    assert _tree(rows) == _tree(instances)
    [department] = [n for n in rows if n.summary.objective.title == "Department"]
    assert department.via is None
    assert [(n.summary.objective.title, n.via and n.via.title) for n in department.children] == [
        ("Tier 1", "Fewer escalations")
    ]


def test_a_row_reads_as_its_key_result_reads(boss: User) -> None:
    # given key results of every kind
    _quarter_of_every_kind()
    instances = {kr.pk: kr for kr in KeyResult.objects.select_related("kpi", "dimension")}

    rows = [kr for s in objective_rows(user=boss, period=quarter(Q1)) for kr in s.key_results]

    # then the kinds word a row's value and target as they word the key result's
    assert len(rows) == len(instances)
    for row in rows:
        instance = instances[row.pk]
        assert kr_value(row.current_value, row) == kr_value(instance.current_value, instance)
        assert kr_target(row) == kr_target(instance)
        assert kind_short(row) == kind_short(instance)
        assert row.effective_direction == instance.effective_direction


def test_one_objective_as_rows_is_found_only_in_the_users_teams(boss: User, lead: User) -> None:
    department = _quarter_of_every_kind()

    found = objective_row_for(user=boss, pk=department.pk)

    assert found is not None
    assert [kr.title for kr in found.key_results] == ["Fewer escalations", "Relative escalations"]
    assert objective_row_for(user=lead, pk=department.pk) is None
    assert objective_row_for(user=boss, pk=department.pk + 10_000) is None
