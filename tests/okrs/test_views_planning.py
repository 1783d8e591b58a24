"""Quarter planning in the browser's terms: the planning page, objective and key-result forms, the preview."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from kpis.models import Dimension, Direction, Kpi, Unit
from okrs import kinds
from okrs.models import Guardrail, Initiative, KeyResult, Membership, Objective, Status, Team
from okrs.services.objectives import objective_state_set
from okrs.services.preview import key_result_preview
from tests.factories import DimensionFactory, KpiFactory
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

MaxQueries = Callable[[int], AbstractContextManager[Any]]


@pytest.fixture
def escalation() -> Kpi:
    """Escalations pooled to 12.5 % in 2026-Q1 and 11.0 % in Q2 overall; Tier 1 at 14.0 % then 12.0 %."""
    kpi = KpiFactory(key="escalation", name="Contact Escalation Rate", unit=Unit.PERCENT, direction=Direction.LOWER)
    team = DimensionFactory(key="team", name="Team")
    series(kpi, quarter("2026-Q1"), 12.5)
    series(kpi, quarter("2026-Q2"), 11.0)
    series(kpi, quarter("2026-Q1"), 14.0, dimension=team, member="Tier 1")
    series(kpi, quarter("2026-Q2"), 12.0, dimension=team, member="Tier 1")
    series(kpi, quarter("2026-Q2"), 9.0, dimension=team, member="Billing")
    return kpi


@pytest.fixture
def fcr() -> Kpi:
    kpi = KpiFactory(key="fcr", name="First Contact Resolution", unit=Unit.PERCENT, direction=Direction.HIGHER)
    series(kpi, quarter("2026-Q2"), 74.2)
    return kpi


@pytest.fixture
def objective(editor: User) -> Objective:
    return ObjectiveFactory(
        title="Reduce escalations",
        team=editor.okr_memberships.get().team,
        owner=editor,
        period=quarter("2026-Q2"),
        state=Objective.State.DRAFT,
    )


def _objective_post(editor: User, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Resolve more on first contact",
        "description": "",
        "team": str(editor.okr_memberships.get(team__name="Tier 1").team_id),
        "owner": str(editor.pk),
        "period": "2026-Q3",
        "parent_objective": "",
        "parent_key_result": "",
        "weight": "1",
    }
    return {**data, **overrides}


def _key_result_post(**overrides: Any) -> dict[str, Any]:
    data = {"title": "Cut escalations", "kind": "kpi_relative", "weight": "1", "guardrail_comparison": ">="}
    return {**data, **overrides}


# The planning page


def test_the_planning_page_lists_the_periods_objectives_of_the_users_teams_only(
    client: Client, objective: Objective
) -> None:
    # given an objective of another team in the same quarter
    ObjectiveFactory(title="Someone else's plan", period=objective.period)

    # when
    response = client.get(reverse("planning"), {"period": "2026-Q2"})

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Reduce escalations" in body
    assert "Draft" in body
    assert "Activate" in body
    assert "Someone else&#x27;s plan" not in body


def test_a_bad_period_label_says_so_and_shows_the_current_quarter(client: Client, editor: User) -> None:
    response = client.get(reverse("planning"), {"period": "2026-Q5"})

    assert response.status_code == 200
    assert "&#x27;2026-Q5&#x27; is not a period label" in response.content.decode()


def test_a_viewer_sees_the_plan_without_planning_actions(client: Client, objective: Objective) -> None:
    # given a viewer of the team
    viewer = UserFactory(username="vic")
    MembershipFactory(user=viewer, team=objective.team, role=Membership.Role.VIEWER)
    client.force_login(viewer)

    response = client.get(reverse("planning"), {"period": "2026-Q2"})

    body = response.content.decode()
    assert "Reduce escalations" in body
    assert "view only" in body
    assert "Activate" not in body


@pytest.mark.parametrize("count", [3, 30])
def test_the_planning_page_takes_the_same_queries_however_many_objectives(
    client: Client, editor: User, fcr: Kpi, count: int, django_assert_num_queries: MaxQueries
) -> None:
    # given `count` objectives with two key results each
    team = editor.okr_memberships.get().team
    for index in range(count):
        objective = ObjectiveFactory(team=team, owner=editor, period=quarter("2026-Q2"), title=f"Objective {index}")
        KeyResultFactory(objective=objective, kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)
        KeyResultFactory(objective=objective)

    # then the session, the user, the period (it exists: read only), the teams the user plans for, the objectives,
    # their key results, the KPIs those read (and their dimensions, which these have none of) and the teams the
    # user sees
    with django_assert_num_queries(8):
        response = client.get(reverse("planning"), {"period": "2026-Q2"})
    assert response.content.decode().count('class="plan-objective"') == count


def _plan(owner: User, kpis: tuple[Kpi, Kpi], first: int, count: int) -> None:
    """`count` objectives of the owner's team in 2026-Q2, draft and active in turn, with a key result of every kind
    (one on a segment) each."""
    fcr, escalation = kpis
    team = owner.okr_memberships.get().team
    tier = Dimension.objects.get_or_create(key="tier", defaults={"name": "Tier"})[0]
    for index in range(first, first + count):
        state = Objective.State.ACTIVE if index % 2 else Objective.State.DRAFT
        objective = ObjectiveFactory(team=team, owner=owner, period=quarter("2026-Q2"), title=f"Objective {index}")
        Objective.objects.filter(pk=objective.pk).update(state=state)
        KeyResultFactory(objective=objective, kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)
        KeyResultFactory(
            objective=objective,
            kind="kpi_threshold",
            kpi=escalation,
            threshold_mode="below",
            target_value=12,
            dimension=tier,
            member="Tier 1",
            current_value=12.5,
            progress=0,
            status=Status.OFF_TRACK,
        )
        KeyResultFactory(objective=objective, kind="kpi_relative", kpi=escalation, change_percent=-20)
        KeyResultFactory(objective=objective, current_value=42, progress=42, expected=50, status=Status.AT_RISK)
        KeyResultFactory(objective=objective, kind="milestone", baseline_value=None, target_value=None)


def test_the_planning_page_takes_as_many_queries_for_30_objectives_as_for_3(
    client: Client, editor: User, fcr: Kpi, escalation: Kpi
) -> None:
    # given 3 objectives with a key result of every kind each, the page seen once (the session and period exist)
    _plan(editor, (fcr, escalation), 0, 3)
    client.get(reverse("planning"), {"period": "2026-Q2"})
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("planning"), {"period": "2026-Q2"})

    # when there are 30
    _plan(editor, (fcr, escalation), 3, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("planning"), {"period": "2026-Q2"})

    # then
    body = response.content.decode()
    assert (body.count('class="plan-objective"'), body.count('class="plan-kr"')) == (30, 150)
    assert len(many) == len(few)


def test_the_planning_page_words_every_key_result_as_its_kind_does(
    client: Client, editor: User, fcr: Kpi, escalation: Kpi
) -> None:
    # given an active and a draft objective with a key result of every kind
    _plan(editor, (fcr, escalation), 0, 2)

    # when
    body = " ".join(client.get(reverse("planning"), {"period": "2026-Q2"}).content.decode().split())

    # then each line reads as the key result's kind words it, in its KPI's unit, with its segment and value
    for key_result in KeyResult.objects.select_related("kpi", "dimension"):
        asks = key_result.kind_rules.asks(key_result, kinds.formatter_of(key_result))
        assert " ".join(escape(asks).split()) in body
    assert "Contact Escalation Rate · tier=Tier 1 · Stay below 12.0 % · now 12.5 %" in body
    assert "First Contact Resolution · 70.0 % → 80.0 %" in body
    assert "0 → 100 · now 42" in body
    # the active objective's bars and badges, the draft's "Not started"
    assert body.count('data-width-percent="42.0"') == 1
    assert 'data-left-percent="50.0" title="Expected by now: 50%"' in body
    assert body.count("Off track</span>") == 1
    assert body.count("Not started") == 5
    # the active objective's progress is the mean of its key results' with data: 42 and 0
    assert '<span class="progress-figure">21 %</span>' in body


# Objectives


def test_it_creates_a_draft_objective_in_the_chosen_period(client: Client, editor: User) -> None:
    response = client.post(reverse("objective_create"), _objective_post(editor))

    objective = Objective.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("key_result_create", args=[objective.pk])
    assert (objective.period.label, objective.state, objective.owner) == ("2026-Q3", Objective.State.DRAFT, editor)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"period": "2026-Q5"}, "period", "is not a period label"),
        ({"period": "next quarter"}, "period", "is not a period label"),
        ({"weight": "-1"}, "weight", "A weight cannot be negative"),
        ({"title": ""}, "title", "This field is required."),
    ],
)
def test_it_rejects_a_bad_objective_inline_and_writes_nothing(
    client: Client, editor: User, overrides: dict[str, str], field: str, message: str
) -> None:
    response = client.post(reverse("objective_create"), _objective_post(editor, **overrides))

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not Objective.objects.exists()


def test_it_refuses_to_plan_for_a_team_the_user_only_views(client: Client, editor: User) -> None:
    # given a team where the editor is only a viewer
    other = TeamFactory(name="Billing")
    MembershipFactory(user=editor, team=other, role=Membership.Role.VIEWER)

    data = _objective_post(editor, team=str(other.pk))
    response = client.post(reverse("objective_create"), data)

    assert response.status_code == 403
    assert not Objective.objects.exists()


def test_it_rejects_two_parents_inline(client: Client, editor: User, objective: Objective) -> None:
    parent_kr = KeyResultFactory(objective=objective)
    data = _objective_post(editor, parent_objective=str(objective.pk), parent_key_result=str(parent_kr.pk))

    response = client.post(reverse("objective_create"), data)

    assert "not both" in response.context["form"].errors["parent_key_result"][0]
    assert Objective.objects.count() == 1


def test_it_rejects_an_alignment_loop_inline_and_keeps_the_objective(
    client: Client, editor: User, objective: Objective
) -> None:
    # given a child objective supporting `objective`
    child = ObjectiveFactory(team=objective.team, owner=editor, period=objective.period, parent_objective=objective)

    # when `objective` is made to support its own child
    data = _objective_post(editor, title=objective.title, period="2026-Q2", parent_objective=str(child.pk))
    response = client.post(reverse("objective_edit", args=[objective.pk]), data)

    # then
    assert "support itself" in response.context["form"].errors["parent_objective"][0]
    objective.refresh_from_db()
    assert objective.parent_objective is None


def test_editing_needs_an_editor_of_the_team(client: Client, objective: Objective) -> None:
    viewer = UserFactory(username="vic")
    MembershipFactory(user=viewer, team=objective.team, role=Membership.Role.VIEWER)
    client.force_login(viewer)

    assert client.get(reverse("objective_edit", args=[objective.pk])).status_code == 403
    assert client.post(reverse("objective_state", args=[objective.pk]), {"state": "active"}).status_code == 403
    assert client.get(reverse("key_result_create", args=[objective.pk])).status_code == 403
    objective.refresh_from_db()
    assert objective.state == Objective.State.DRAFT


def test_another_teams_objective_is_not_found(client: Client, editor: User) -> None:
    hidden = ObjectiveFactory(title="Hidden")

    assert client.get(reverse("objective_edit", args=[hidden.pk])).status_code == 404


def test_activating_an_objective_computes_its_key_results(client: Client, objective: Objective, fcr: Kpi) -> None:
    # given a draft objective whose key result has not been computed
    key_result = KeyResult.objects.create(
        objective=objective, title="FCR", kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80
    )

    # when
    response = client.post(reverse("objective_state", args=[objective.pk]), {"state": "active"})

    # then
    assert response.status_code == 302
    objective.refresh_from_db()
    key_result.refresh_from_db()
    assert objective.state == Objective.State.ACTIVE
    assert key_result.progress == pytest.approx(42.0)
    assert key_result.status != Status.NO_DATA


def test_closing_a_draft_is_refused_with_a_message(client: Client, objective: Objective) -> None:
    response = client.post(reverse("objective_state", args=[objective.pk]), {"state": "closed"}, follow=True)

    assert "A draft objective cannot become closed." in response.content.decode()
    objective.refresh_from_db()
    assert objective.state == Objective.State.DRAFT


def test_objective_state_set_moves_along_draft_active_closed_and_back(objective: Objective) -> None:
    objective_state_set(objective=objective, state=Objective.State.ACTIVE)
    objective_state_set(objective=objective, state=Objective.State.CLOSED)
    objective_state_set(objective=objective, state=Objective.State.ACTIVE)

    objective.refresh_from_db()
    assert objective.state == Objective.State.ACTIVE


def test_teams_editable_by_leaves_out_teams_the_user_only_views(editor: User) -> None:
    MembershipFactory(user=editor, team=TeamFactory(name="Billing"), role=Membership.Role.VIEWER)
    MembershipFactory(user=editor, team=TeamFactory(name="Tier 2"), role=Membership.Role.ADMIN)

    assert sorted(team.name for team in Team.objects.editable_by(editor)) == ["Tier 1", "Tier 2"]


# Key results


def test_it_creates_a_relative_key_result_reading_its_baseline_from_the_data(
    client: Client, objective: Objective, escalation: Kpi
) -> None:
    # given a CSAT KPI for the guardrail
    csat = KpiFactory(key="csat", name="CSAT", direction=Direction.HIGHER)
    data = _key_result_post(
        kpi=str(escalation.pk),
        dimension=str(escalation.series_values.exclude(dimension=None).first().dimension_id),  # type: ignore[union-attr]
        member="Tier 1",
        change_percent="-20",
        guardrail_kpi=str(csat.pk),
        guardrail_threshold="85",
        initiatives="Knowledge base\n\nAgent training\n",
    )

    # when
    response = client.post(reverse("key_result_create", args=[objective.pk]), data)

    # then the baseline is Tier 1's 2026-Q1, the target 20 % less
    key_result = KeyResult.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("key_result_detail", args=[key_result.pk])
    assert key_result.baseline_value == pytest.approx(14.0)
    assert key_result.target_value == pytest.approx(11.2)
    assert key_result.baseline_read_from == quarter("2026-Q1")
    assert Guardrail.objects.get().threshold == 85
    assert list(Initiative.objects.values_list("title", flat=True)) == ["Knowledge base", "Agent training"]


def test_it_creates_a_manual_key_result_without_any_kpi_fields(client: Client, objective: Objective) -> None:
    data = _key_result_post(
        title="Publish 40 articles", kind="manual", baseline_value="0", target_value="40", kpi="999", change_percent="5"
    )

    client.post(reverse("key_result_create", args=[objective.pk]), data)

    key_result = KeyResult.objects.get()
    assert (key_result.kpi, key_result.change_percent, key_result.target_value) == (None, None, 40)


def test_it_edits_a_key_result_and_recomputes_it(client: Client, objective: Objective, fcr: Kpi) -> None:
    key_result = KeyResultFactory(objective=objective, kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80)
    data = _key_result_post(
        title="FCR to 78",
        kind="kpi_from_to",
        kpi=str(fcr.pk),
        baseline_source="typed",
        baseline_value="70",
        target_value="78",
    )

    response = client.post(reverse("key_result_edit", args=[key_result.pk]), data)

    assert response.status_code == 302
    key_result.refresh_from_db()
    assert (key_result.title, key_result.target_value) == ("FCR to 78", 78)
    assert key_result.progress == pytest.approx(52.5)


FROM_TO = {"kind": "kpi_from_to", "baseline_source": "typed"}
RELATIVE = {"kind": "kpi_relative", "change_percent": "-20"}
BAND = {"kind": "kpi_threshold", "threshold_mode": "within"}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({**FROM_TO, "baseline_value": "12.5"}, "target_value", "Give the target value."),
        ({**FROM_TO, "target_value": "10"}, "baseline_value", "Give the baseline value"),
        ({**FROM_TO, "baseline_value": "10", "target_value": "12"}, "target_value", "must lie below"),
        ({**RELATIVE, "change_percent": ""}, "change_percent", "Give the change in percent"),
        ({**RELATIVE, "change_percent": "20"}, "change_percent", "calls for a decrease"),
        ({**BAND, "band_min": "9", "band_max": "5"}, "band_max", "upper end is below its lower end"),
        ({"kind": "kpi_threshold", "threshold_mode": "above"}, "target_value", "Give the threshold"),
        ({**RELATIVE, "weight": "-1"}, "weight", "A weight cannot be negative"),
        ({**RELATIVE, "kpi": ""}, "kpi", "Pick the KPI"),
        ({**RELATIVE, "baseline_period": "2026-Q9"}, "baseline_period", "is not a period label"),
        ({**RELATIVE, "baseline_period": "2025-Q4"}, "baseline_period", "has no data for overall in 2025-Q4"),
        ({**RELATIVE, "guardrail_threshold": "85"}, "guardrail_kpi", "Pick the KPI the guardrail"),
        ({"kind": "manual", "baseline_value": "0"}, "target_value", "Give the target value."),
    ],
)
def test_it_rejects_a_bad_key_result_inline_and_writes_nothing(
    client: Client, objective: Objective, escalation: Kpi, overrides: dict[str, str], field: str, message: str
) -> None:
    data = _key_result_post(**{"kpi": str(escalation.pk), **overrides})

    response = client.post(reverse("key_result_create", args=[objective.pk]), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    assert 'class="field-error"' in response.content.decode()
    assert not KeyResult.objects.exists()
    assert not Guardrail.objects.exists()


def test_a_segment_needs_its_member(client: Client, objective: Objective, escalation: Kpi) -> None:
    team = escalation.series_values.exclude(dimension=None).first().dimension  # type: ignore[union-attr]
    data = _key_result_post(kpi=str(escalation.pk), dimension=str(team.pk), change_percent="-20")  # type: ignore[union-attr]

    response = client.post(reverse("key_result_create", args=[objective.pk]), data)

    assert "Pick the member" in response.context["form"].errors["member"][0]
    assert not KeyResult.objects.exists()


# The htmx pieces: the form's fields by kind, the recent values, the preview


def test_the_form_shows_only_the_fields_of_the_chosen_kind(client: Client, objective: Objective) -> None:
    url = reverse("key_result_fields", args=[objective.pk])

    relative = client.post(url, {"kind": "kpi_relative"}).content.decode()
    milestone = client.post(url, {"kind": "milestone"}).content.decode()
    band = client.post(url, {"kind": "kpi_threshold", "threshold_mode": "within"}).content.decode()

    assert 'name="change_percent"' in relative
    assert 'name="target_value"' not in relative
    assert 'name="kpi"' not in milestone
    assert 'name="target_value"' not in milestone
    assert 'name="band_max"' in band
    assert 'name="target_value"' not in band
    assert "field-error" not in relative


def test_the_form_lists_the_segments_members_and_their_recent_values(
    client: Client, objective: Objective, escalation: Kpi
) -> None:
    team = escalation.series_values.exclude(dimension=None).first().dimension  # type: ignore[union-attr]
    url = reverse("key_result_fields", args=[objective.pk])
    data = {"kind": "kpi_relative", "kpi": escalation.pk, "dimension": team.pk, "member": "Tier 1"}  # type: ignore[union-attr]

    body = client.post(url, data).content.decode()

    assert '<option value="Billing">Billing</option>' in body
    assert "team=Tier 1" in body
    assert body.index("2026-Q1") < body.index("14.0 %") < body.index("2026-Q2") < body.index("12.0 %")


def test_the_preview_reads_a_relative_baseline_from_the_data(
    client: Client, objective: Objective, escalation: Kpi
) -> None:
    url = reverse("key_result_preview", args=[objective.pk])

    response = client.post(url, {"kind": "kpi_relative", "kpi": escalation.pk, "change_percent": "-20", "weight": "1"})

    body = response.content.decode()
    assert "\u221220\u00a0% vs 2026-Q1: 12.5 % \u2192 10.0 %" in body
    assert "Currently 11.0 %, 60 % of the way." in body
    assert not KeyResult.objects.exists()


def test_the_preview_shows_how_far_a_from_to_key_result_has_come(
    client: Client, objective: Objective, fcr: Kpi
) -> None:
    url = reverse("key_result_preview", args=[objective.pk])
    data = {
        "kind": "kpi_from_to",
        "kpi": fcr.pk,
        "baseline_source": "typed",
        "baseline_value": "70",
        "target_value": "80",
    }

    body = client.post(url, {**data, "weight": "1"}).content.decode()

    assert "70.0 % \u2192 80.0 %" in body
    assert "Currently 74.2 %, 42 % of the way." in body


def test_the_preview_says_when_the_baseline_period_has_no_data(
    client: Client, objective: Objective, escalation: Kpi
) -> None:
    url = reverse("key_result_preview", args=[objective.pk])
    data = {"kind": "kpi_relative", "kpi": escalation.pk, "change_percent": "-20", "baseline_period": "2025-Q1"}

    body = client.post(url, {**data, "weight": "1"}).content.decode()

    assert 'class="preview error"' in body
    assert "Contact Escalation Rate has no data for overall in 2025-Q1" in body


def test_the_preview_waits_for_what_it_needs(client: Client, objective: Objective) -> None:
    body = client.post(reverse("key_result_preview", args=[objective.pk]), {"kind": "kpi_relative"}).content.decode()

    assert "Pick the KPI and fill in the target" in body


def test_key_result_preview_evaluates_an_unsaved_key_result_like_the_recompute(objective: Objective, fcr: Kpi) -> None:
    unsaved = KeyResult(
        objective=objective, title="FCR", kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80
    )

    preview = key_result_preview(key_result=unsaved, today=date(2026, 5, 15))

    assert preview.reading.progress == pytest.approx(42.0)
    assert preview.baseline_period is None
    assert not KeyResult.objects.exists()


def test_a_half_typed_guardrail_does_not_hide_the_preview(client: Client, objective: Objective, fcr: Kpi) -> None:
    url = reverse("key_result_preview", args=[objective.pk])
    data = {"kind": "kpi_from_to", "kpi": fcr.pk, "baseline_source": "typed", "baseline_value": "70"}

    body = client.post(url, {**data, "target_value": "80", "weight": "1", "guardrail_kpi": fcr.pk}).content.decode()

    assert "70.0 % \u2192 80.0 %" in body


@pytest.mark.parametrize("count", [3, 30])
def test_the_objective_form_takes_the_same_queries_however_many_objectives_it_could_align_to(
    client: Client, editor: User, count: int, django_assert_max_num_queries: MaxQueries
) -> None:
    team = editor.okr_memberships.get().team
    for index in range(count):
        KeyResultFactory(objective=ObjectiveFactory(team=team, owner=editor, title=f"Objective {index}"))

    # The current quarter's period is new here: read, created, read again.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("objective_create"))

    assert len(response.context["form"].fields["parent_objective"].choices) == count + 1
