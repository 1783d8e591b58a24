"""Impossible key results and check-ins are refused with their field named, by the planning page, the OKR file
(`import_okrs`) and the API alike, and nothing is written.

Every case of issue 9 on the OKR side: a relative change at or below -100 %, baselines, targets, thresholds, bands
and guardrails the KPI cannot take (an FCR target of 120 %), a target equal to its baseline (typed or read from the
series), a relative change whose derived target the KPI cannot take, and check-ins dated outside their key result's
period or in the future.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from kpis import periods
from kpis.models import Direction, Kpi, Unit
from kpis.services.calendar import period_for
from okrs.api.services import access_token_create
from okrs.models import CheckIn, Guardrail, Initiative, KeyResult, Objective
from tests.factories import KpiFactory
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, quarter, series

pytestmark = pytest.mark.django_db

MINUS = "\u2212"


@pytest.fixture
def kpis() -> dict[str, Kpi]:
    """FCR (a percent, higher is better) at 80.0 % and escalations (lower is better) at 4.0 % in 2026-Q1."""
    fcr = KpiFactory(key="fcr", name="First Contact Resolution", unit=Unit.PERCENT, direction=Direction.HIGHER)
    escalation = KpiFactory(
        key="escalation", name="Contact Escalation Rate", unit=Unit.PERCENT, direction=Direction.LOWER
    )
    series(fcr, quarter("2026-Q1"), 80.0)
    series(escalation, quarter("2026-Q1"), 4.0)
    return {"fcr": fcr, "escalation": escalation}


@pytest.fixture
def objective(editor: User, kpis: dict[str, Kpi]) -> Objective:
    """Ella's 2026-Q2 objective for Tier 1: its series baselines are 2026-Q1's."""
    return ObjectiveFactory(
        title="Resolve more, escalate less",
        team=editor.okr_memberships.get().team,
        owner=editor,
        period=quarter("2026-Q2"),
        state=Objective.State.DRAFT,
    )


@pytest.fixture
def api(editor: User) -> APIClient:
    _, secret = access_token_create(user=editor, name="planning", scopes=["read", "write"], expires_in_days=30)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@dataclass(frozen=True)
class Case:
    """A key result the KPI cannot have, in the API's words (a KPI by its key), and the error it must get."""

    id: str
    fields: dict[str, Any]
    field: str  # as the planning form names it
    message: str
    guardrail: dict[str, Any] = field(default_factory=dict)


FCR_TYPED = {"kind": "kpi_from_to", "kpi": "fcr", "baseline_source": "typed"}
ABOVE_100 = "First Contact Resolution cannot be above 100 %."
CASES = [
    Case(
        "relative -150 %",
        {"kind": "kpi_relative", "kpi": "escalation", "change_percent": -150},
        "change_percent",
        f"A change must stay above {MINUS}100\u00a0%: {MINUS}150\u00a0% would take the KPI below zero.",
    ),
    Case(
        "relative -100 %",
        {"kind": "kpi_relative", "kpi": "escalation", "change_percent": -100},
        "change_percent",
        f"{MINUS}100\u00a0% would take the KPI to zero.",
    ),
    Case("FCR target 120 %", {**FCR_TYPED, "baseline_value": 80, "target_value": 120}, "target_value", ABOVE_100),
    Case(
        "FCR baseline -5 %",
        {**FCR_TYPED, "baseline_value": -5, "target_value": 80},
        "baseline_value",
        "First Contact Resolution cannot be below 0 %.",
    ),
    Case(
        "FCR stays above 120 %",
        {"kind": "kpi_threshold", "kpi": "fcr", "threshold_mode": "above", "target_value": 120},
        "target_value",
        ABOVE_100,
    ),
    Case(
        "FCR within 60-120 %",
        {"kind": "kpi_threshold", "kpi": "fcr", "threshold_mode": "within", "band_min": 60, "band_max": 120},
        "band_max",
        ABOVE_100,
    ),
    Case(
        "baseline = target",
        {**FCR_TYPED, "baseline_value": 80, "target_value": 80},
        "target_value",
        "The target equals the baseline (80.0 %), so there is nothing to move: give another target.",
    ),
    Case(
        "series baseline = target",
        {"kind": "kpi_from_to", "kpi": "fcr", "baseline_source": "series", "target_value": 80},
        "target_value",
        "The target equals the baseline (80.0 %)",
    ),
    Case(
        "relative +50 % of 80 %",
        {"kind": "kpi_relative", "kpi": "fcr", "change_percent": 50},
        "change_percent",
        f"+50\u00a0% on the baseline 80.0 % gives a target of 120.0 %: {ABOVE_100}",
    ),
    Case(
        "guardrail FCR >= 120 %",
        {"kind": "kpi_relative", "kpi": "escalation", "change_percent": -20},
        "guardrail_threshold",
        ABOVE_100,
        guardrail={"kpi": "fcr", "comparison": ">=", "threshold": 120},
    ),
    Case(
        "manual baseline = target",
        {"kind": "manual", "baseline_value": 40, "target_value": 40},
        "target_value",
        "The target equals the baseline (40), so there is nothing to move",
    ),
]
CASE_IDS = [case.id for case in CASES]
# The OKR file's and the API's names for the form's fields.
FILE_NAMES = {
    "baseline_value": "baseline",
    "target_value": "target",
    "threshold_mode": "threshold",
    "guardrail_threshold": "guardrails",
}
API_NAMES = {"guardrail_threshold": "guardrail.threshold"}


def _written() -> tuple[Any, ...]:
    """What a refused key result must leave as it was."""
    objectives = tuple(Objective.objects.values_list("pk", "owner_id", "state", "weight", "updated_at"))
    counts = tuple(model.objects.count() for model in (KeyResult, Guardrail, Initiative, KeyResult.history.model))
    return objectives, counts


def _form_data(fields: dict[str, Any], guardrail: dict[str, Any]) -> dict[str, str]:
    data = {"title": "Impossible", "weight": "1", "guardrail_comparison": ">="}
    for name, value in fields.items():
        data[name] = str(Kpi.objects.get(key=value).pk) if name == "kpi" else str(value)
    if guardrail:
        data["guardrail_kpi"] = str(Kpi.objects.get(key=guardrail["kpi"]).pk)
        data["guardrail_comparison"] = guardrail["comparison"]
        data["guardrail_threshold"] = str(guardrail["threshold"])
    return data


def _okr_file(objective: Objective, fields: dict[str, Any], guardrail: dict[str, Any]) -> tuple[str, dict[str, int]]:
    """The objective with one key result as an OKR file, and the line of each of the key result's fields."""
    lines = [
        "objectives:",
        f"  - title: {objective.title}",
        f"    team: {objective.team.name}",
        f"    owner: {objective.owner.username}",
        f"    period: {objective.period.label}",
        "    key_results:",
        "      - title: Impossible",
    ]
    where: dict[str, int] = {}
    for name, value in fields.items():
        if name == "baseline_source":
            continue
        file_name = FILE_NAMES.get(name, name)
        lines.append(f"        {file_name}: {value}")
        where[file_name] = len(lines)
    if fields.get("baseline_source") == "series":
        lines.append("        baseline: series")
        where["baseline"] = len(lines)
    if guardrail:
        lines.append("        guardrails:")
        where["guardrails"] = len(lines)
        lines.append(f"          - {guardrail['kpi']} {guardrail['comparison']} {guardrail['threshold']}")
    return "\n".join(lines) + "\n", where


def _import(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "okrs.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_okrs", str(path))
    return capsys.readouterr().err


def _post(client: APIClient, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _api_errors(response: Any) -> dict[str, str]:
    assert response.status_code == 400, response.json()
    return {error["field"]: error["message"] for error in response.json()["errors"]}


# Creating a key result


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_the_planning_page_refuses_it_on_its_field_and_writes_nothing(
    client: Client, objective: Objective, case: Case
) -> None:
    before = _written()

    response = client.post(reverse("key_result_create", args=[objective.pk]), _form_data(case.fields, case.guardrail))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert case.field in errors, errors
    assert case.message in errors[case.field][0]
    assert 'class="field-error"' in response.content.decode()
    assert _written() == before


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_the_okr_file_refuses_it_on_its_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], objective: Objective, case: Case
) -> None:
    text, where = _okr_file(objective, case.fields, case.guardrail)
    file_name = FILE_NAMES.get(case.field, case.field)
    label = "guardrail" if case.guardrail else file_name
    before = _written()

    err = _import(tmp_path, text, capsys)

    said = [line for line in err.splitlines() if line.startswith(f"okrs.yaml, line {where[file_name]}: {label}: ")]
    assert len(said) == 1, err
    assert case.message in said[0]
    assert _written() == before


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_the_api_refuses_it_on_its_field_and_writes_nothing(api: APIClient, objective: Objective, case: Case) -> None:
    body: dict[str, Any] = {"objective": objective.pk, "title": "Impossible", **case.fields}
    if case.guardrail:
        body["guardrail"] = case.guardrail
    before = _written()

    errors = _api_errors(_post(api, "/api/v1/key-results/", body))

    assert case.message in errors[API_NAMES.get(case.field, case.field)], errors
    assert _written() == before


def test_the_bounds_themselves_are_possible(client: Client, objective: Objective) -> None:
    """0 and 100 % are values an FCR can take: the range is closed, only beyond it is refused."""
    data = _form_data({**FCR_TYPED, "baseline_value": 0, "target_value": 100}, {})

    response = client.post(reverse("key_result_create", args=[objective.pk]), data)

    assert response.status_code == 302, response.context["form"].errors
    assert KeyResult.objects.get().target_value == 100


def test_the_database_refuses_a_relative_change_at_or_below_minus_100(
    objective: Objective, kpis: dict[str, Kpi]
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyResult.objects.create(
            objective=objective, title="Below nothing", kind="kpi_relative", kpi=kpis["escalation"], change_percent=-150
        )


# Changing a key result


@pytest.fixture
def fcr_80(objective: Objective, kpis: dict[str, Kpi]) -> KeyResult:
    return KeyResultFactory(
        objective=objective,
        title="FCR 70 to 80",
        kind="kpi_from_to",
        kpi=kpis["fcr"],
        baseline_value=70,
        target_value=80,
    )


def test_the_planning_page_keeps_a_key_result_whose_target_is_moved_to_120(client: Client, fcr_80: KeyResult) -> None:
    data = _form_data({**FCR_TYPED, "baseline_value": 70, "target_value": 120}, {})
    before = _written()

    response = client.post(reverse("key_result_edit", args=[fcr_80.pk]), {**data, "title": fcr_80.title})

    assert response.context["form"].errors == {"target_value": [ABOVE_100]}
    assert _written() == before
    fcr_80.refresh_from_db()
    assert fcr_80.target_value == 80


def test_the_okr_file_keeps_a_key_result_whose_target_is_moved_to_120(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fcr_80: KeyResult
) -> None:
    text, where = _okr_file(fcr_80.objective, {**FCR_TYPED, "baseline_value": 70, "target_value": 120}, {})
    before = _written()

    err = _import(tmp_path, text.replace("title: Impossible", f"title: {fcr_80.title}"), capsys)

    assert f"line {where['target']}: target: {ABOVE_100}" in err
    assert _written() == before
    fcr_80.refresh_from_db()
    assert fcr_80.target_value == 80


def test_the_api_keeps_a_key_result_whose_target_is_moved_to_120(api: APIClient, fcr_80: KeyResult) -> None:
    before = _written()

    response = api.patch(
        f"/api/v1/key-results/{fcr_80.pk}/", json.dumps({"target_value": 120}), content_type="application/json"
    )

    assert _api_errors(response) == {"target_value": ABOVE_100}
    assert _written() == before
    fcr_80.refresh_from_db()
    assert fcr_80.target_value == 80


# Check-ins


@pytest.fixture
def manual_q4(editor: User) -> KeyResult:
    """A manual key result of 2026-Q4 at 10, as its last check-in said."""
    objective = ObjectiveFactory(team=editor.okr_memberships.get().team, owner=editor, period=quarter("2026-Q4"))
    key_result = KeyResultFactory(objective=objective, title="Articles published", baseline_value=0, target_value=40)
    KeyResult.objects.filter(pk=key_result.pk).update(current_value=10)
    return key_result


@pytest.fixture
def manual_now(editor: User) -> KeyResult:
    """A manual key result of the quarter holding tomorrow, which is then a day of its period still to come."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    period = period_for(span=periods.containing(tomorrow, periods.Grain.QUARTER))
    objective = ObjectiveFactory(team=editor.okr_memberships.get().team, owner=editor, period=period)
    return KeyResultFactory(objective=objective, title="Articles published", baseline_value=0, target_value=40)


OUTSIDE_Q4 = "Choose a day within 2026-Q4, the key result's period (1 Oct 2026 \u2013 31 Dec 2026)."
UP_TO_TODAY = "Choose a day up to today"


def _check_ins_written() -> tuple[Any, ...]:
    return CheckIn.objects.count(), tuple(KeyResult.objects.values_list("pk", "current_value", "computed_at"))


@pytest.mark.parametrize("day", ["2027-02-01", "2026-09-30"])
def test_the_key_result_page_refuses_a_check_in_outside_its_period(
    client: Client, manual_q4: KeyResult, day: str
) -> None:
    before = _check_ins_written()

    response = client.post(reverse("check_in_add", args=[manual_q4.pk]), {"day": day, "value": "12"})

    assert response.status_code == 400
    assert response.context["check_in_form"].errors == {"day": [OUTSIDE_Q4]}
    assert escape(OUTSIDE_Q4) in response.content.decode()
    assert _check_ins_written() == before


def test_the_key_result_page_refuses_a_check_in_dated_tomorrow(client: Client, manual_now: KeyResult) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    before = _check_ins_written()

    response = client.post(reverse("check_in_add", args=[manual_now.pk]), {"day": tomorrow, "value": "12"})

    assert response.status_code == 400
    assert UP_TO_TODAY in response.context["check_in_form"].errors["day"][0]
    assert _check_ins_written() == before


@pytest.mark.parametrize("day", ["2027-02-01", "2026-09-30"])
def test_the_api_refuses_a_check_in_outside_its_period(api: APIClient, manual_q4: KeyResult, day: str) -> None:
    before = _check_ins_written()

    response = _post(api, f"/api/v1/key-results/{manual_q4.pk}/check-ins/", {"day": day, "value": 12})

    assert _api_errors(response) == {"day": OUTSIDE_Q4}
    assert _check_ins_written() == before


def test_the_api_refuses_a_check_in_dated_tomorrow(api: APIClient, manual_now: KeyResult) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    before = _check_ins_written()

    response = _post(api, f"/api/v1/key-results/{manual_now.pk}/check-ins/", {"day": str(tomorrow), "value": 12})

    assert UP_TO_TODAY in _api_errors(response)["day"]
    assert _check_ins_written() == before


def test_the_check_in_form_offers_only_the_days_of_the_period_up_to_today(client: Client, editor: User) -> None:
    # given a key result of a quarter that has ended
    objective = ObjectiveFactory(team=editor.okr_memberships.get().team, owner=editor, period=quarter("2026-Q1"))
    key_result = KeyResultFactory(objective=objective)

    page = client.get(reverse("key_result_detail", args=[key_result.pk])).content.decode()

    # then the day starts at the quarter's last day, and the browser offers no day outside it
    assert 'name="day" value="2026-03-31"' in page
    assert 'min="2026-01-01"' in page
    assert 'max="2026-03-31"' in page
