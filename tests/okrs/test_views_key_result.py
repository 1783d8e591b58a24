"""The key-result page: figures, chart, segments, guardrails, check-ins, initiatives and the progress history."""

from __future__ import annotations

import html
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.audit import acting_as
from kpis.models import Direction, Kpi, Unit
from okrs.models import CheckIn, Guardrail, Initiative, KeyResult, Membership, Objective, ProgressSnapshot, Status
from okrs.services.activity import check_in_create
from okrs.services.objectives import guardrail_create, key_result_create, key_result_update
from tests.factories import DimensionFactory, KpiFactory
from tests.okrs.factories import MembershipFactory, ObjectiveFactory, UserFactory, quarter, series, week_of

pytestmark = pytest.mark.django_db

MaxQueries = Callable[[int], AbstractContextManager[Any]]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def objective(editor: User) -> Objective:
    return ObjectiveFactory(
        title="Reduce escalations", team=editor.okr_memberships.get().team, owner=editor, period=quarter("2026-Q2")
    )


@pytest.fixture
def escalation() -> Kpi:
    """12.5 % in 2026-Q1, 11.0 % in Q2 so far, weekly values falling; Tier 1 and Billing by team."""
    kpi = KpiFactory(key="escalation", name="Contact Escalation Rate", unit=Unit.PERCENT, direction=Direction.LOWER)
    team = DimensionFactory(key="team", name="Team")
    series(kpi, quarter("2026-Q1"), 12.5)
    series(kpi, quarter("2026-Q2"), 11.0)
    for member, before, now in (("Tier 1", 14.0, 12.0), ("Billing", 9.0, 9.9)):
        series(kpi, quarter("2026-Q1"), before, dimension=team, member=member)
        series(kpi, quarter("2026-Q2"), now, dimension=team, member=member)
    for index, value in enumerate([12.0, 11.6, 11.2, 10.9]):
        series(kpi, week_of(date(2026, 4, 6) + timedelta(weeks=index)), value)
    return kpi


@pytest.fixture
def relative(objective: Objective, escalation: Kpi) -> KeyResult:
    key_result = key_result_create(
        objective=objective, title="Cut escalations 20 %", kind="kpi_relative", kpi=escalation, change_percent=-20
    )
    csat = KpiFactory(key="csat", name="CSAT", direction=Direction.HIGHER)
    series(csat, objective.period, 82.0)
    guardrail_create(key_result=key_result, kpi=csat, comparison=">=", threshold=85)
    key_result.refresh_from_db()
    return key_result


@pytest.fixture
def manual(objective: Objective) -> KeyResult:
    return key_result_create(
        objective=objective, title="Publish 40 articles", kind="manual", baseline_value=0, target_value=40
    )


def test_the_page_shows_the_key_results_figures_chart_segments_and_guardrail(
    client: Client, relative: KeyResult
) -> None:
    # the forecast as the recompute stores it from the days (tests/okrs/test_key_result_forecast.py)
    KeyResult.objects.filter(pk=relative.pk).update(forecast=10.6, forecast_low=10.2, forecast_high=11.04)

    response = client.get(reverse("key_result_detail", args=[relative.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    # the baseline and where it came from, the derived target, the current value
    assert "12.5 %" in body
    assert "read from 2026-Q1" in body
    assert "10.0 %" in body
    assert "11.0 %" in body
    assert "100 * escalated_contacts / total_contacts" in body
    # the chart: weekly values, baseline, target, pace and forecast
    for style in ("actual", "baseline", "target", "expected", "forecast", "forecast-range"):
        assert f'class="series {style}"' in body
    # the forecast, its range and how it was made
    assert "likely 10.2 % \u2013 11.0 %; at 30 Jun, if the pace of the last 28 days holds" in html.unescape(body)
    # the segment breakdown, against the baseline period
    assert "Tier 1" in body
    assert "Billing" in body
    assert "\u221214\u00a0%" in body
    # the guardrail, breached
    assert "Breached" in body
    assert "A guardrail is breached" in body


def test_someone_outside_the_team_does_not_find_the_key_result(client: Client, relative: KeyResult) -> None:
    client.force_login(UserFactory(username="outsider"))

    assert client.get(reverse("key_result_detail", args=[relative.pk])).status_code == 404


def test_a_check_in_with_a_comment_appears_in_the_history(client: Client, relative: KeyResult, editor: User) -> None:
    url = reverse("check_in_add", args=[relative.pk])
    data = {"day": "2026-05-04", "confidence": "7", "comment": "Training started in week 18."}

    response = client.post(url, data, **HTMX)  # type: ignore[arg-type]

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="check-ins"' in body
    assert "Training started in week 18." in body
    assert "confidence 7/10" in body
    check_in = CheckIn.objects.get()
    assert (check_in.author, check_in.day, check_in.value) == (editor, date(2026, 5, 4), None)


def test_a_manual_check_in_moves_the_key_result_and_refreshes_the_summary(client: Client, manual: KeyResult) -> None:
    url = reverse("check_in_add", args=[manual.pk])

    response = client.post(url, {"day": "2026-05-04", "value": "10", "comment": ""}, **HTMX)  # type: ignore[arg-type]

    body = response.content.decode()
    assert 'id="krd-summary"' in body
    assert 'hx-swap-oob="true"' in body
    manual.refresh_from_db()
    assert manual.current_value == 10
    assert manual.progress == pytest.approx(25.0)


def test_a_check_in_without_htmx_returns_to_the_page(client: Client, relative: KeyResult) -> None:
    url = reverse("check_in_add", args=[relative.pk])

    response = client.post(url, {"day": "2026-05-04", "comment": "On its way."})

    assert response.status_code == 302
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize(
    ("fixture", "data", "field", "message"),
    [
        ("manual", {"day": "2026-05-04", "comment": "no number"}, "value", "Give the new number."),
        ("relative", {"day": "2026-05-04", "confidence": "11"}, "confidence", "Select a valid choice"),
        ("relative", {"day": "2026-05-04"}, "comment", "Say how it is going"),
        ("relative", {"day": "yesterday", "comment": "x"}, "day", "Enter a valid date."),
    ],
)
def test_it_rejects_a_bad_check_in_inline_and_writes_nothing(
    client: Client, request: pytest.FixtureRequest, fixture: str, data: dict[str, str], field: str, message: str
) -> None:
    key_result: KeyResult = request.getfixturevalue(fixture)

    response = client.post(reverse("check_in_add", args=[key_result.pk]), data, **HTMX)  # type: ignore[arg-type]

    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert message in " ".join(response.context["check_in_form"].errors[field])
    assert not CheckIn.objects.exists()


def test_a_viewer_cannot_check_in(client: Client, relative: KeyResult) -> None:
    viewer = UserFactory(username="vic")
    MembershipFactory(user=viewer, team=relative.objective.team, role=Membership.Role.VIEWER)
    client.force_login(viewer)

    page = client.get(reverse("key_result_detail", args=[relative.pk])).content.decode()
    response = client.post(reverse("check_in_add", args=[relative.pk]), {"day": "2026-05-04", "comment": "x"})

    assert "check-in-form" not in page
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_initiatives_are_added_and_their_status_changed(client: Client, relative: KeyResult, editor: User) -> None:
    # when an initiative is added
    added = client.post(
        reverse("initiative_add", args=[relative.pk]),
        {"title": "Agent training", "owner": str(editor.pk), "due_date": "2026-06-15"},
        **HTMX,  # type: ignore[arg-type]
    )
    initiative = Initiative.objects.get()

    # and set in progress
    changed = client.post(reverse("initiative_status", args=[initiative.pk]), {"status": "in_progress"}, **HTMX)  # type: ignore[arg-type]

    # then
    assert "Agent training" in added.content.decode()
    assert f'id="initiative-{initiative.pk}"' in changed.content.decode()
    initiative.refresh_from_db()
    assert (initiative.owner, initiative.status) == (editor, Initiative.State.IN_PROGRESS)


def test_it_rejects_an_initiative_without_a_title(client: Client, relative: KeyResult) -> None:
    response = client.post(reverse("initiative_add", args=[relative.pk]), {"title": ""}, **HTMX)  # type: ignore[arg-type]

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Initiative.objects.exists()


def test_it_rejects_an_unknown_initiative_status(client: Client, relative: KeyResult) -> None:
    initiative = Initiative.objects.create(key_result=relative, title="Agent training")

    response = client.post(reverse("initiative_status", args=[initiative.pk]), {"status": "paused"}, **HTMX)  # type: ignore[arg-type]

    assert response.status_code == 400
    assert "Choose one of the listed states." in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.status == Initiative.State.PLANNED


def test_the_progress_history_lists_the_snapshots(client: Client, relative: KeyResult) -> None:
    for offset, value in enumerate([30.0, 40.0, 60.0]):
        ProgressSnapshot.objects.create(
            key_result=relative, day=date(2026, 4, 10) + timedelta(days=offset), progress=value, expected=10.0 + offset
        )

    body = client.get(reverse("key_result_detail", args=[relative.pk])).content.decode()

    assert "All 3 snapshots" in body
    assert "60 %" in body


@pytest.mark.parametrize("count", [2, 40])
def test_the_page_takes_the_same_queries_however_many_check_ins_and_snapshots(
    client: Client, relative: KeyResult, editor: User, count: int, django_assert_max_num_queries: MaxQueries
) -> None:
    # given `count` check-ins, initiatives, snapshots and guardrails
    today = timezone.localdate()
    csat = Kpi.objects.get(key="csat")
    for index in range(count):
        CheckIn.objects.create(key_result=relative, author=editor, day=today, comment=f"Note {index}", confidence=5)
        Initiative.objects.create(key_result=relative, title=f"Initiative {index}", owner=editor)
        ProgressSnapshot.objects.create(key_result=relative, day=today - timedelta(days=index), progress=index)
        Guardrail.objects.create(key_result=relative, kpi=csat, comparison=">=", threshold=80 + index % 5)

    # when / then
    # 13, 6 for the History section (four history tables and, per model, the objects they name) and 2 for the
    # lineage (the moves of the baseline and target, the latest of the current value).
    with django_assert_max_num_queries(21):
        response = client.get(reverse("key_result_detail", args=[relative.pk]))
    assert response.content.decode().count('class="check-in"') == count


def _history(key_result: KeyResult, author: User, *, snapshots: int, check_ins: int, edits: int) -> None:
    """Daily snapshots up to today, check-ins on the period's last day (each a history row) and edits of the title,
    in addition to any there are already."""
    today = timezone.localdate()
    last_day = key_result.objective.period.end - timedelta(days=1)
    ProgressSnapshot.objects.bulk_create(
        [
            ProgressSnapshot(key_result=key_result, day=today - timedelta(days=back), progress=back % 100, value=back)
            for back in range(snapshots)
        ],
        ignore_conflicts=True,
    )
    with acting_as(author):
        for index in range(check_ins):
            check_in_create(key_result=key_result, author=author, day=last_day, confidence=5, comment=f"Note {index}")
        for index in range(edits):
            key_result_update(key_result=key_result, recompute=False, title=f"Cut escalations, take {index}")


def test_the_page_takes_as_many_queries_for_a_year_of_history_as_for_ten_days(
    client: Client, relative: KeyResult, editor: User
) -> None:
    # given ten snapshots, two check-ins and an edit, the page seen once (the session exists)
    url = reverse("key_result_detail", args=[relative.pk])
    _history(relative, editor, snapshots=10, check_ins=2, edits=1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        body = client.get(url).content.decode()
    assert ("All 10 snapshots" in body, body.count('class="check-in"')) == (True, 2)

    # when there are a year of snapshots, 60 check-ins and more edits (more history than the section shows)
    _history(relative, editor, snapshots=365, check_ins=58, edits=4)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()

    # then
    assert ("All 365 snapshots" in body, body.count('class="check-in"')) == (True, 60)
    assert "the 50 newest changes" in body
    assert len(many) == len(few)


def test_the_snapshot_table_reads_as_the_templates_wrote_it(client: Client, relative: KeyResult) -> None:
    # given snapshots whose numbers round half away from zero, and one without data
    day = date(2026, 4, 10)
    ProgressSnapshot.objects.create(
        key_result=relative, day=day, value=2.675, progress=12.5, expected=-0.3, status=Status.AT_RISK
    )
    ProgressSnapshot.objects.create(key_result=relative, day=day + timedelta(days=1))

    # when
    body = " ".join(client.get(reverse("key_result_detail", args=[relative.pk])).content.decode().split())

    # then newest first, numbers as floatformat writes them, the status as its badge
    newest = '<tr><td>Sat 11 Apr</td><td class="num">—</td><td class="num">—</td><td class="num">—</td>'
    older = '<tr><td>Fri 10 Apr</td><td class="num">2.68</td><td class="num">13 %</td><td class="num">0 %</td>'
    assert body.index(newest) < body.index(older)
    badge = " ".join(render_to_string("partials/status.html", {"status": "at_risk"}).split())
    assert f"{older}<td> {badge} </td></tr>" in body


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "milestone"},
        {"kind": "manual", "baseline_value": 0, "target_value": 40},
        {"kind": "kpi_threshold", "threshold_mode": "within", "band_min": 9, "band_max": 12},
        {"kind": "kpi_threshold", "threshold_mode": "below", "target_value": 12},
        {"kind": "kpi_from_to", "baseline_source": "series", "target_value": 10},
    ],
)
def test_every_kind_has_a_page_and_an_edit_form(
    client: Client, objective: Objective, escalation: Kpi, fields: dict[str, Any]
) -> None:
    kpi = escalation if fields["kind"].startswith("kpi") else None
    key_result = key_result_create(objective=objective, title="Any kind", kpi=kpi, **fields)

    page = client.get(reverse("key_result_detail", args=[key_result.pk]))
    form = client.get(reverse("key_result_edit", args=[key_result.pk]))

    assert page.status_code == 200
    assert form.status_code == 200
    assert "None" not in page.content.decode().replace("No data", "")
    assert form.context["form"]["kind"].value() == fields["kind"]
