"""The scorecard and dashboard reads: KPI lines against targets, change and trend, objectives, roll-ups, alignment."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from kpis import periods
from kpis.models import Direction, KpiTarget, Period, Unit
from kpis.services.calendar import period_for
from okrs.models import Guardrail, KeyResult, Objective, Status
from okrs.scorecard import (
    TREND_PERIODS,
    Change,
    alignment_tree,
    objective_status,
    objective_summary,
    objectives_with_key_results,
    rollup,
    scorecard_for,
)
from okrs.scorecard.presentation import line_status_label
from okrs.templatetags.okr_format import kpi_change, kr_target, kr_value
from tests.factories import DimensionFactory, KpiFactory
from tests.okrs.factories import (
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    TeamFactory,
    quarter,
    series,
)

pytestmark = pytest.mark.django_db


def month(label: str) -> Period:
    return period_for(span=periods.parse_label(label))


def _escalation_key_result(lead: User, team_name: str = "Tier 1", **fields: object) -> KeyResult:
    """A lower-is-better KPI key result on the team's segment: 12.5 % to 10 % in 2026-Q1."""
    team = TeamFactory(name=team_name)
    MembershipFactory(user=lead, team=team)
    kpi = KpiFactory(key="escalation", name="Escalation rate", unit=Unit.PERCENT, direction=Direction.LOWER)
    return KeyResultFactory(
        objective=ObjectiveFactory(team=team, period=quarter("2026-Q1")),
        kpi=kpi,
        dimension=DimensionFactory(key="team"),
        member=team_name,
        **{"kind": KeyResult.Kind.KPI_FROM_TO, "baseline_value": 12.5, "target_value": 10.0, **fields},
    )


def test_it_reads_each_kpi_a_key_result_uses_with_actual_target_status_and_change(lead: User) -> None:
    # given 12.0 % last quarter and 11.0 % now, against a key result aiming from 12.5 % to 10 %, at risk
    kr = _escalation_key_result(lead, status=Status.AT_RISK)
    segment = {"dimension": kr.dimension, "member": "Tier 1"}
    series(kr.kpi, quarter("2025-Q4"), 12.0, **segment)
    series(kr.kpi, quarter("2026-Q1"), 11.0, **segment)
    series(kr.kpi, quarter("2026-Q1"), 99.0)  # overall: not the line's segment

    # when
    card = scorecard_for(user=lead, period=quarter("2026-Q1"))

    # then one line, amber as its key result is at risk, better than last quarter by a point
    [line] = card.kpi_lines
    assert (line.kpi, line.segment_label) == (kr.kpi, "team=Tier 1")
    assert (line.actual, line.target, line.target_high, line.target_source) == (11.0, 10.0, 10.0, "key result")
    assert line.status == "amber"
    assert (line.previous_label, line.previous) == ("2025-Q4", 12.0)
    assert line.change == pytest.approx(-1.0)
    assert line.change_is == Change.BETTER
    assert [o.objective for o in card.objectives] == [kr.objective]


@pytest.mark.parametrize(
    ("status", "rag", "word"),
    [
        (Status.OFF_TRACK, "red", "Off track"),
        (Status.AT_RISK, "amber", "At risk"),
        (Status.ON_TRACK, "green", "On track"),
        (Status.NO_DATA, None, "No data"),
    ],
)
def test_a_kpi_line_whose_target_comes_from_a_key_result_says_what_the_key_result_says(
    lead: User, status: Status, rag: str | None, word: str
) -> None:
    # given the KPI at 11 %, between the key result's baseline (12.5 %) and target (10 %), whatever its status
    kr = _escalation_key_result(lead, status=status)
    q1 = quarter("2026-Q1")
    series(kr.kpi, q1, 11.0, dimension=kr.dimension, member="Tier 1")

    [line] = scorecard_for(user=lead, period=q1).kpi_lines

    assert (line.target_source, line.status, line_status_label(line)) == ("key result", rag, word)


def test_a_kpi_target_for_the_period_outranks_the_key_results_target(lead: User) -> None:
    # given a KPI target of 11.5 % for the team's segment in 2026-Q1
    kr = _escalation_key_result(lead)
    q1 = quarter("2026-Q1")
    series(kr.kpi, q1, 11.0, dimension=kr.dimension, member="Tier 1")
    KpiTarget.objects.create(kpi=kr.kpi, period=q1, dimension=kr.dimension, member="Tier 1", value=11.5)

    # when
    [line] = scorecard_for(user=lead, period=q1).kpi_lines

    # then
    assert (line.target, line.target_source, line.status) == (11.5, "kpi target", "green")


def test_kpis_with_targets_in_the_period_are_listed_but_not_another_teams_segment(lead: User) -> None:
    # given the lead's team reads no KPI, and targets exist overall, for the lead's team and for another team
    team = TeamFactory(name="Tier 1")
    MembershipFactory(user=lead, team=team)
    ObjectiveFactory(team=team, period=quarter("2026-Q1"))
    csat = KpiFactory(key="csat", name="CSAT", direction=Direction.HIGHER)
    dimension = DimensionFactory(key="team")
    q1 = quarter("2026-Q1")
    KpiTarget.objects.create(kpi=csat, period=q1, value=85)
    KpiTarget.objects.create(kpi=csat, period=q1, dimension=dimension, member="Tier 1", value=86)
    KpiTarget.objects.create(kpi=csat, period=q1, dimension=dimension, member="Billing", value=80)
    KpiTarget.objects.create(kpi=csat, period=quarter("2026-Q2"), value=90)
    series(csat, q1, 84.0)

    # when
    lines = scorecard_for(user=lead, period=q1).kpi_lines

    # then overall and Tier 1 only, red below a target with no tolerance
    assert [(line.segment_label, line.target) for line in lines] == [("overall", 85), ("team=Tier 1", 86)]
    assert lines[0].status == "red"
    assert lines[1].status is None  # no value for the segment: no status, not red


def test_without_a_target_the_status_comes_from_the_kpis_thresholds(lead: User) -> None:
    # given a relative key result whose baseline quarter has no data, so no target yet, and thresholds on the KPI
    kr = _escalation_key_result(
        lead, kind=KeyResult.Kind.KPI_RELATIVE, change_percent=-20, baseline_value=None, target_value=None
    )
    kr.kpi.green_max, kr.kpi.amber_max = 8.0, 12.0
    kr.kpi.save()
    series(kr.kpi, quarter("2026-Q1"), 11.0, dimension=kr.dimension, member="Tier 1")

    # when
    [line] = scorecard_for(user=lead, period=quarter("2026-Q1")).kpi_lines

    # then
    assert (line.target, line.target_source, line.status) == (None, "", "amber")
    assert line.previous is None
    assert line.change is None
    assert line.change_is is None


@pytest.mark.parametrize(
    ("direction", "previous", "actual", "expected"),
    [
        (Direction.HIGHER, 80.0, 82.0, Change.BETTER),
        (Direction.HIGHER, 80.0, 78.0, Change.WORSE),
        (Direction.LOWER, 80.0, 78.0, Change.BETTER),
        (Direction.LOWER, 80.0, 80.0, Change.SAME),
        (Direction.BAND, 70.0, 76.0, Change.BETTER),  # green band 75-85: from 5 below to inside it
        (Direction.BAND, 84.0, 90.0, Change.WORSE),
    ],
)
def test_the_change_reads_better_or_worse_in_the_kpis_direction(
    lead: User, direction: str, previous: float, actual: float, expected: Change
) -> None:
    team = TeamFactory(name="Tier 1")
    MembershipFactory(user=lead, team=team)
    kpi = KpiFactory(key="fcr", direction=direction, green_min=75.0, green_max=85.0)
    KeyResultFactory(
        objective=ObjectiveFactory(team=team, period=quarter("2026-Q1")),
        kind=KeyResult.Kind.KPI_THRESHOLD,
        kpi=kpi,
        threshold_mode="within",
        band_min=75.0,
        band_max=85.0,
        target_value=None,
        baseline_value=None,
    )
    series(kpi, quarter("2025-Q4"), previous)
    series(kpi, quarter("2026-Q1"), actual)

    [line] = scorecard_for(user=lead, period=quarter("2026-Q1")).kpi_lines

    assert line.change_is == expected


def test_the_trend_covers_the_last_periods_of_the_grain_with_gaps_left_empty(lead: User) -> None:
    kr = _escalation_key_result(lead)
    segment = {"dimension": kr.dimension, "member": "Tier 1"}
    for label, value in [("2024-Q2", 15.0), ("2024-Q3", 14.0), ("2025-Q3", 12.5), ("2026-Q1", 11.0)]:
        series(kr.kpi, quarter(label), value, **segment)

    [line] = scorecard_for(user=lead, period=quarter("2026-Q1")).kpi_lines

    assert len(line.trend) == TREND_PERIODS
    assert line.trend_labels == [
        "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"
    ]  # fmt: skip
    assert line.trend == [15.0, 14.0, None, None, None, 12.5, None, 11.0]
    assert line.sparkline.startswith("M")


def test_a_user_reads_only_their_teams_and_a_superuser_every_team(lead: User) -> None:
    # given objectives in the lead's team and in another
    own = _escalation_key_result(lead)
    other = ObjectiveFactory(team=TeamFactory(name="Billing"), period=own.objective.period)
    boss = User.objects.create_superuser("boss")

    # then
    mine = scorecard_for(user=lead, period=own.objective.period)
    assert [s.objective for s in mine.objectives] == [own.objective]
    everyone = scorecard_for(user=boss, period=own.objective.period)
    assert {s.objective for s in everyone.objectives} == {own.objective, other}
    only_billing = scorecard_for(user=boss, period=own.objective.period, team=other.team)
    assert [s.objective for s in only_billing.objectives] == [other]
    assert only_billing.kpi_lines == []


def test_an_objective_rolls_up_its_key_results_progress_by_weight(lead: User) -> None:
    # given two key results, 80 % and 40 % done, weighted 1 and 3, against a pace of 50 %
    objective = ObjectiveFactory()
    KeyResultFactory(objective=objective, progress=80.0, expected=50.0, status=Status.ON_TRACK, weight=1)
    KeyResultFactory(objective=objective, progress=40.0, expected=50.0, status=Status.ON_TRACK, weight=3)
    KeyResultFactory(objective=objective)  # no data yet: left out of the means and of the status

    # when
    summary = objective_summary(objective)

    # then
    assert summary.progress == pytest.approx(50.0)
    assert summary.expected == pytest.approx(50.0)
    assert summary.status == Status.ON_TRACK


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([(Status.ON_TRACK, 1), (Status.ON_TRACK, 1), (Status.NO_DATA, 1)], Status.ON_TRACK),
        ([(Status.ON_TRACK, 1), (Status.ON_TRACK, 1), (Status.OFF_TRACK, 1)], Status.AT_RISK),
        ([(Status.ON_TRACK, 1), (Status.AT_RISK, 1)], Status.AT_RISK),
        ([(Status.ON_TRACK, 1), (Status.OFF_TRACK, 1)], Status.AT_RISK),  # half is not more than half
        ([(Status.ON_TRACK, 1), (Status.OFF_TRACK, 3)], Status.OFF_TRACK),
        ([(Status.ON_TRACK, 0), (Status.OFF_TRACK, 0), (Status.OFF_TRACK, 0)], Status.OFF_TRACK),  # weights 0: count
        ([(Status.NO_DATA, 1)], Status.NO_DATA),
        ([], Status.NO_DATA),
    ],
)
def test_an_objectives_status_follows_its_key_results(statuses: list[tuple[Status, float]], expected: Status) -> None:
    assert objective_status(statuses) == expected


def test_an_objective_without_measured_key_results_has_no_data() -> None:
    objective = ObjectiveFactory()
    KeyResultFactory(objective=objective)

    summary = objective_summary(objective)

    assert (summary.progress, summary.expected, summary.status) == (None, None, Status.NO_DATA)


def test_the_rollup_counts_key_results_by_status_and_leaves_drafts_out_of_progress(lead: User) -> None:
    active = ObjectiveFactory(title="Active")
    KeyResultFactory(objective=active, progress=60.0, expected=50.0, status=Status.ON_TRACK)
    KeyResultFactory(objective=active, progress=20.0, expected=50.0, status=Status.OFF_TRACK)
    draft = ObjectiveFactory(title="Draft", state=Objective.State.DRAFT)
    KeyResultFactory(objective=draft, progress=100.0, expected=50.0, status=Status.ON_TRACK)
    boss = User.objects.create_superuser("boss")

    totals = rollup(objectives_with_key_results(user=boss, period=active.period))

    assert (totals.objectives, totals.key_results) == (2, 3)
    assert (totals.on_track, totals.at_risk, totals.off_track, totals.no_data) == (2, 0, 1, 0)
    assert totals.progress == pytest.approx(40.0)


def test_the_alignment_tree_nests_objectives_across_teams_and_survives_a_loop() -> None:
    # given a department objective, a team objective supporting one of its key results, and one supporting it
    boss = User.objects.create_superuser("boss")
    department = ObjectiveFactory(title="Department", team=TeamFactory(name="Customer Service"))
    escalations = KeyResultFactory(objective=department, title="Fewer escalations")
    tier1 = ObjectiveFactory(title="Tier 1", team=TeamFactory(name="Tier 1"), parent_key_result=escalations)
    ObjectiveFactory(title="Tier 1 chat", team=tier1.team, parent_objective=tier1)
    # and two objectives that support each other, which no form allows but old data may hold
    first = ObjectiveFactory(title="Loop A")
    second = ObjectiveFactory(title="Loop B", parent_objective=first)
    Objective.objects.filter(pk=first.pk).update(parent_objective=second)

    # when
    tree = alignment_tree(objectives_with_key_results(user=boss, period=department.period))

    # then
    titles = {node.summary.objective.title: node for node in tree}
    assert set(titles) == {"Department", "Loop A"}
    [tier1_node] = titles["Department"].children
    assert tier1_node.via == escalations
    assert [n.summary.objective.title for n in tier1_node.children] == ["Tier 1 chat"]
    assert [n.summary.objective.title for n in titles["Loop A"].children] == ["Loop B"]


def test_breached_guardrails_come_with_their_objective_and_the_others_are_left_out(
    lead: User, django_assert_max_num_queries: object
) -> None:
    # given one breached guardrail and one that holds
    kr = _escalation_key_result(lead)
    KeyResult.objects.filter(pk=kr.pk).update(guardrail_breached=True)
    breached = Guardrail.objects.create(key_result=kr, kpi=kr.kpi, threshold=5, breached=True)
    Guardrail.objects.create(key_result=kr, kpi=kr.kpi, threshold=50, comparison="<=", breached=False)

    # when
    [summary] = objectives_with_key_results(user=lead, period=kr.objective.period)

    # then, with the KPI at hand
    assert summary.breached_guardrails == [breached]
    with django_assert_max_num_queries(0):  # type: ignore[operator]
        assert summary.breached_guardrails[0].kpi.name == "Escalation rate"


def test_a_month_scorecard_compares_with_the_month_before_and_trends_by_month(lead: User) -> None:
    # given a KPI target for February and the KPI's monthly values
    kpi = KpiFactory(key="escalation", direction=Direction.LOWER)
    KpiTarget.objects.create(kpi=kpi, period=month("2026-02"), value=11.0)
    series(kpi, month("2026-01"), 12.0)
    series(kpi, month("2026-02"), 11.5)

    # when
    card = scorecard_for(user=lead, period=month("2026-02"))

    # then, with no objectives set for a month, the KPI reads month by month
    [line] = card.kpi_lines
    assert card.objectives == []
    assert (line.previous_label, line.previous, line.actual, line.status) == ("2026-01", 12.0, 11.5, "red")
    assert line.trend_labels[0] == "2025-07"


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"kind": KeyResult.Kind.KPI_FROM_TO, "target_value": 10.0}, "10.0 %"),
        ({"kind": KeyResult.Kind.KPI_THRESHOLD, "threshold_mode": "above", "target_value": 85.0}, "≥ 85.0 %"),
        ({"kind": KeyResult.Kind.KPI_THRESHOLD, "threshold_mode": "below", "target_value": 5.0}, "≤ 5.0 %"),
        ({"kind": KeyResult.Kind.KPI_THRESHOLD, "threshold_mode": "within", "band_min": 1.0, "band_max": 2.0},
         "1.0 % \u2013 2.0 %"),
        ({"kind": KeyResult.Kind.MILESTONE, "kpi": None}, "Done"),
        ({"kind": KeyResult.Kind.MANUAL, "kpi": None, "target_value": 1250.0}, "1,250"),
    ],
)  # fmt: skip
def test_a_key_results_target_reads_as_a_person_writes_it(fields: dict[str, object], text: str) -> None:
    kpi = KpiFactory(key="escalation", unit=Unit.PERCENT)
    key_result = KeyResult(**{"title": "x", "kpi": kpi, **fields})

    assert kr_target(key_result) == text


def test_values_and_changes_are_written_in_the_kpis_unit() -> None:
    percent = KpiFactory(key="escalation", unit=Unit.PERCENT, decimals=1)
    seconds = KpiFactory(key="aht", unit=Unit.SECONDS, decimals=0)
    milestone = KeyResult(kind=KeyResult.Kind.MILESTONE)

    assert kpi_change(-1.04, percent) == "\u22121.0 pts"
    assert kpi_change(12.0, seconds) == "+12 s"
    assert kpi_change(0.0, seconds) == "±0 s"
    assert kpi_change(None, seconds) == "—"
    assert kr_value(1.0, milestone) == "Done"
    assert kr_value(None, KeyResult(kind=KeyResult.Kind.KPI_FROM_TO, kpi=seconds)) == "—"
