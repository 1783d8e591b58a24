"""The curl and Python examples in docs/api.md, run as a reader would run them, against a live server."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from kpis.models import ImportBatch, Kpi, Observation, Period
from okrs import webhook_signing
from okrs.calendar import current_quarter
from okrs.models import CheckIn, KeyResult, Membership, Person, Team, Webhook
from tests.api.conftest import MakeToken
from tests.okrs.factories import KeyResultFactory, MembershipFactory, ObjectiveFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)
_TESTED = re.compile(r"<!-- tested: ([\w-]+) -->\n```\w+\n(.*?)```", re.DOTALL)
NAMES = {
    "me-curl",
    "walk-python",
    "series-curl",
    "series-python",
    "push-curl",
    "push-python",
    "objective-curl",
    "objective-python",
    "check-in-curl",
    "check-in-python",
    "verify-python",
    "webhook-curl",
    "export-curl",
    "export-python",
}


def _blocks(language: str) -> list[str]:
    return [code for lang, code in _BLOCK.findall(DOC.read_text()) if lang == language]


def _tested(name: str) -> str:
    return dict(_TESTED.findall(DOC.read_text()))[name]


def _run(command: list[str], url: str, secret: str, cwd: Path | None = None, **env_vars: str) -> str:
    env = os.environ | {"PACER_URL": url, "PACER_TOKEN": secret} | env_vars
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False, cwd=cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def reader(kpi_data: Kpi, make_token: MakeToken) -> str:
    return make_token(scopes=["read"])


def test_every_example_is_tested() -> None:
    assert set(dict(_TESTED.findall(DOC.read_text()))) == NAMES
    assert len(_blocks("bash")) + len(_blocks("python")) == len(NAMES)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_examples_answer_what_the_doc_says(live_server: object, reader: str) -> None:
    check_token, series = _tested("me-curl"), _tested("series-curl")

    me = json.loads(_run(["bash", "-c", check_token], str(live_server), reader))
    body = json.loads(_run(["bash", "-c", series], str(live_server), reader))

    assert me["authenticated_with"] == "token"
    assert (body["kpi"], body["grain"], body["by"]) == ("contact_escalation_rate", "month", "team")
    tier_1 = next(p for p in body["points"] if p["member"] == "Tier 1" and p["period"]["label"] == "2026-03")
    assert tier_1 == {
        "period": {"label": "2026-03", "grain": "month", "start": "2026-03-01", "end": "2026-04-01"},
        "member": "Tier 1",
        "value": 10.0,
        "measures": {"escalated_contacts": 10.0, "total_contacts": 100.0},
    }


def test_the_python_examples_print_what_they_read(live_server: object, reader: str) -> None:
    walk, series = _tested("walk-python"), _tested("series-python")

    kpis = _run([sys.executable, "-c", walk], str(live_server), reader).splitlines()
    lines = _run([sys.executable, "-c", series], str(live_server), reader).splitlines()

    assert len(kpis) == Kpi.objects.count() == 17
    assert "contact_escalation_rate percent lower" in kpis
    assert "2026-03 Tier 1 10.0 10.0 100.0" in lines
    assert "2026-04 Billing None 0.0 0.0" in lines
    assert len(lines) == 6


def test_the_python_example_says_what_went_wrong(live_server: object, make_token: MakeToken) -> None:
    series = _tested("series-python")
    env = os.environ | {"PACER_URL": str(live_server), "PACER_TOKEN": "pacer_not-a-token"}

    done = subprocess.run([sys.executable, "-c", series], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 1
    assert done.stderr.strip() == "401: This token is not valid: check that it was copied whole."


def test_the_json_examples_are_json() -> None:
    for block in _blocks("json"):
        if "…" not in block:
            json.loads(block)


@pytest.fixture
def pusher(kpi_data: Kpi, make_token: MakeToken) -> str:
    user = UserFactory(username="sam")
    Person.objects.create(user=user, org_role=Person.OrgRole.STEWARD)
    return make_token(scopes=["push"], user=user)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("example", ["push-curl", "push-python"])
def test_pushing_yesterdays_numbers_once_however_often_it_is_sent(
    live_server: object, pusher: str, example: str
) -> None:
    command = ["bash", "-c", _tested(example)] if example.endswith("curl") else [sys.executable, "-c", _tested(example)]
    before = Observation.objects.count()

    first = _run(command, str(live_server), pusher)
    _run(command, str(live_server), pusher)

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert Observation.objects.filter(day=yesterday).count() == 4
    assert Observation.objects.count() == before + 4
    assert ImportBatch.objects.filter(source="api").count() == 1
    if example.endswith("python"):
        assert first.split()[:2] == ["recomputing", "4"]


@pytest.fixture
def editor_token(kpi_data: Kpi, member: User, make_token: MakeToken) -> str:
    user = UserFactory(username="eddie")
    MembershipFactory(user=user, team=Team.objects.get(name="Tier 1"), role=Membership.Role.EDITOR)
    return make_token(scopes=["read", "write"], user=user)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("example", ["objective-curl", "objective-python"])
def test_creating_an_objective_with_a_relative_key_result(live_server: object, editor_token: str, example: str) -> None:
    code = _tested(example)
    command = ["bash", "-c", code] if example.endswith("curl") else [sys.executable, "-c", code]

    _run(command, str(live_server), editor_token, PACER_TEAM=str(Team.objects.get(name="Tier 1").pk))

    key_result = KeyResult.objects.select_related("objective__period").get()
    assert (key_result.objective.period.label, key_result.kind) == ("2026-Q2", "kpi_relative")
    assert key_result.baseline_value == pytest.approx(10.0)  # Tier 1 in 2026-Q1: 10 of 100
    assert key_result.target_value == pytest.approx(8.0)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("example", ["check-in-curl", "check-in-python"])
def test_adding_a_check_in(live_server: object, editor_token: str, example: str) -> None:
    code = _tested(example)
    command = ["bash", "-c", code] if example.endswith("curl") else [sys.executable, "-c", code]
    eddie = User.objects.get(username="eddie")
    key_result = KeyResultFactory(
        # The example checks in today: on a key result of the current quarter.
        objective=ObjectiveFactory(team=Team.objects.get(name="Tier 1"), owner=eddie, period=current_quarter()),
        kind="milestone",
        baseline_value=None,
        target_value=None,
    )

    _run(command, str(live_server), editor_token, PACER_KEY_RESULT=str(key_result.pk))

    check_in = CheckIn.objects.get()
    assert (check_in.key_result_id, check_in.author, check_in.confidence) == (key_result.pk, eddie, 7)


def test_the_verification_example_accepts_pacers_signature_only() -> None:
    namespace: dict[str, object] = {}
    exec(_tested("verify-python"), namespace)
    verify = namespace["verify"]
    body, now = b'{"event":"check_in.added"}', int(time.time())
    header = webhook_signing.header("whsec_s3cret", now, body)

    assert verify(header, body, "whsec_s3cret")  # type: ignore[operator]
    assert not verify(header, body + b" ", "whsec_s3cret")  # type: ignore[operator]
    assert not verify(webhook_signing.header("whsec_s3cret", now - 3600, body), body, "whsec_s3cret")  # type: ignore[operator]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_webhook_example_registers_a_webhook_then_pauses_it(
    live_server: object, admin: User, make_token: MakeToken
) -> None:
    answer = json.loads(
        _run(
            ["bash", "-c", _tested("webhook-curl")], str(live_server), make_token(scopes=["read", "write"], user=admin)
        )
    )

    webhook = Webhook.objects.get()
    assert (webhook.url, webhook.events, webhook.description) == (
        "https://chat.example.com/hooks/pacer",
        [Webhook.Event.KEY_RESULT_STATUS_CHANGED],
        "Team chat",
    )
    assert not webhook.is_active
    assert (answer["id"], answer["is_active"]) == (webhook.pk, False)


@pytest.fixture
def tier_1_objective(kpi_data: Kpi, member: User) -> Team:
    """Tier 1's objective in 2026-Q1 with a key result on its escalation rate, computed to its numbers."""
    team = Team.objects.get(name="Tier 1")
    objective = ObjectiveFactory(team=team, owner=member, period=Period.objects.get(label="2026-Q1"), title="Calmer Q1")
    KeyResultFactory(objective=objective, title="Escalations to 8 %", current_value=10.0, target_value=8.0)
    return team


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_export_saves_the_pdf_under_its_name(
    live_server: object, reader: str, tier_1_objective: Team, tmp_path: Path
) -> None:
    _run(
        ["bash", "-c", _tested("export-curl")], str(live_server), reader, tmp_path, PACER_TEAM=str(tier_1_objective.pk)
    )

    saved = tmp_path / "scorecard-2026-Q1-tier-1-as-of-2026-02-15.pdf"
    assert [p.name for p in tmp_path.iterdir()] == [saved.name]
    text = " ".join(page.extract_text() for page in PdfReader(saved).pages)
    assert "Scorecard 2026-Q1" in text
    assert "Tier 1 · as of 15 Feb 2026" in text
    assert "Escalations to 8 %" in text


def test_the_python_export_prints_the_csvs_rows_as_the_download_has_them(
    live_server: object, reader: str, tier_1_objective: Team, member: User
) -> None:
    lines = _run([sys.executable, "-c", _tested("export-python")], str(live_server), reader).splitlines()

    client = Client()
    client.force_login(member)
    download = csv.DictReader(
        io.StringIO(client.get("/scorecard.csv", {"period": "2026-Q1"}).content.decode("utf-8-sig"))
    )
    assert lines == [" | ".join((r["section"], r["name"], r["actual"], r["status"])) for r in download]
    assert lines == [
        "kpi | Contact Escalation Rate | 10.0 % | Green",
        "objective | Calmer Q1 |  | No data",
        "key_result | Escalations to 8 % | 10 | No data",
    ]
