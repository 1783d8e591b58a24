"""The objective page: its key results, what it supports, what supports it across teams, its history; and the
links that reach it from every page that lists objectives."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from config.audit import acting_as
from okrs.models import Objective, Person, ProgressSnapshot, Status
from okrs.services.objectives import key_result_update, objective_update
from tests.okrs.factories import KeyResultFactory, MembershipFactory, ObjectiveFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(lead: User) -> dict[str, Any]:
    """A company objective, a Tier 1 objective supporting it, and a Tier 2 objective supporting a Tier 1 key
    result; the lead is in all three teams."""
    company, tier1, tier2 = (TeamFactory(name=name) for name in ("Company", "Tier 1", "Tier 2"))
    for team in (company, tier1, tier2):
        MembershipFactory(user=lead, team=team)
    top = ObjectiveFactory(team=company, title="Delight customers")
    KeyResultFactory(objective=top, title="CSAT at 90", progress=40.0, weight=1, status=Status.AT_RISK)
    middle = ObjectiveFactory(team=tier1, title="Resolve faster", parent_objective=top)
    speed = KeyResultFactory(objective=middle, title="Handle time under 5 min", progress=80.0, status=Status.ON_TRACK)
    KeyResultFactory(objective=middle, title="Backlog under 100", progress=20.0, weight=3, status=Status.OFF_TRACK)
    leaf = ObjectiveFactory(team=tier2, title="Better macros", parent_key_result=speed)
    KeyResultFactory(objective=leaf, title="Ten new macros", progress=50.0)
    return {"top": top, "middle": middle, "leaf": leaf, "speed": speed}


def test_it_shows_the_key_results_parent_children_across_teams(signed_in: Client, family: dict[str, Any]) -> None:
    page = signed_in.get(reverse("objective_detail", args=[family["middle"].pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Handle time under 5 min" in html
    assert "Backlog under 100" in html
    assert reverse("objective_detail", args=[family["top"].pk]) in html  # the parent, a link
    assert reverse("objective_detail", args=[family["leaf"].pk]) in html  # a child in another team
    assert "supports “Handle time under 5 min”" in html
    # the weighted mean of 80 % (weight 1) and 20 % (weight 3)
    assert page.context["summary"].progress == pytest.approx(35.0)


def test_a_key_result_parent_is_named_with_its_objective(signed_in: Client, family: dict[str, Any]) -> None:
    page = signed_in.get(reverse("objective_detail", args=[family["leaf"].pk]))

    assert page.context["page"].parent.objective == family["middle"]
    assert page.context["page"].parent_key_result == family["speed"]
    assert reverse("key_result_detail", args=[family["speed"].pk]) in page.content.decode()


def test_the_tree_below_reaches_grandchildren(signed_in: Client, family: dict[str, Any]) -> None:
    page = signed_in.get(reverse("objective_detail", args=[family["top"].pk])).context["page"]

    assert [node.summary.objective for node in page.children] == [family["middle"]]
    assert [node.summary.objective for node in page.children[0].children] == [family["leaf"]]


def test_history_is_the_weighted_mean_of_the_snapshots(signed_in: Client, family: dict[str, Any]) -> None:
    middle = family["middle"]
    first, second = middle.key_results.order_by("id")
    for day, a, b in ((date(2026, 1, 5), 10.0, 0.0), (date(2026, 1, 6), 50.0, 10.0)):
        ProgressSnapshot.objects.create(key_result=first, day=day, progress=a, expected=5.0)
        ProgressSnapshot.objects.create(key_result=second, day=day, progress=b, expected=5.0)

    page = signed_in.get(reverse("objective_detail", args=[middle.pk]))

    history = page.context["page"].history
    assert [(p.day, p.progress) for p in history] == [
        (date(2026, 1, 5), pytest.approx(2.5)),
        (date(2026, 1, 6), pytest.approx(20.0)),
    ]
    assert page.context["history_chart"] is not None


def test_the_objective_page_shows_who_changed_the_objective_and_its_key_results(
    signed_in: Client, lead: User, family: dict[str, Any]
) -> None:
    # given an edit of the objective and of one of its key results, by the lead
    middle: Objective = family["middle"]
    with acting_as(lead):
        objective_update(objective=middle, title="Resolve much faster")
        key_result_update(key_result=family["speed"], title="Handle time under 4 min")

    # when
    body = signed_in.get(reverse("objective_detail", args=[middle.pk])).content.decode()

    # then the same History section as the key-result page's, newest first
    assert 'id="objective-changes"' in body
    history = body[body.index('id="objective-changes"') :]
    retitled_kr = history.index("changed the title from “Handle time under 5 min” to “Handle time under 4 min”")
    retitled = history.index("changed the title from “Resolve faster” to “Resolve much faster”")
    assert retitled_kr < retitled
    assert "Lena Lead" in history


def test_the_audit_log_links_an_objective_to_its_page(client: Client, family: dict[str, Any]) -> None:
    admin = User.objects.create_user("olga")
    Person.objects.create(user=admin, org_role=Person.OrgRole.ADMIN)
    client.force_login(admin)
    with acting_as(admin):
        objective_update(objective=family["middle"], title="Resolve much faster")

    body = client.get(reverse("audit_log"), {"kind": "objective"}).content.decode()

    assert f'href="{reverse("objective_detail", args=[family["middle"].pk])}"' in body


def test_another_teams_objective_is_not_found_and_hidden_children_stay_hidden(
    client: Client, family: dict[str, Any]
) -> None:
    outsider = User.objects.create_user("outsider")
    MembershipFactory(user=outsider, team=family["middle"].team)
    client.force_login(outsider)

    assert client.get(reverse("objective_detail", args=[family["top"].pk])).status_code == 404
    page = client.get(reverse("objective_detail", args=[family["middle"].pk]))
    assert page.status_code == 200
    assert page.context["page"].parent is None
    assert page.context["page"].children == []
    assert "Better macros" not in page.content.decode()


def test_titles_link_to_the_objective_page_from_dashboard_scorecard_and_planning(
    signed_in: Client, family: dict
) -> None:
    link = reverse("objective_detail", args=[family["middle"].pk])
    period = family["middle"].period.label
    for name in ("dashboard", "scorecard", "planning"):
        html = signed_in.get(reverse(name), {"period": period}).content.decode()
        assert f'href="{link}"' in html, name


def test_the_dashboard_tree_nests_across_teams(signed_in: Client, family: dict[str, Any]) -> None:
    tree = signed_in.get(reverse("dashboard"), {"period": family["top"].period.label}).context["tree"]

    assert [node.summary.objective.title for node in tree] == ["Delight customers"]
    assert [node.summary.objective.title for node in tree[0].children] == ["Resolve faster"]
    assert [node.summary.objective.title for node in tree[0].children[0].children] == ["Better macros"]


@pytest.mark.parametrize("label", ["1999-Q4", "2100-Q1", "0001-Q1", "9999-Q4"])
def test_a_period_outside_2000_2099_shows_the_current_quarter_with_a_message(signed_in: Client, label: str) -> None:
    for name in ("dashboard", "scorecard", "planning"):
        page = signed_in.get(reverse(name), {"period": label})
        assert page.status_code == 200, name
        assert "outside 2000-2099" in page.content.decode(), name
