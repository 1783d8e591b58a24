"""The curl and Python examples in docs/api.md, run as a reader would run them, against a live server."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kpis.models import Kpi
from tests.api.conftest import MakeToken

pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def _blocks(language: str) -> list[str]:
    return [code for lang, code in _BLOCK.findall(DOC.read_text()) if lang == language]


def _run(command: list[str], url: str, secret: str) -> str:
    env = os.environ | {"PACER_URL": url, "PACER_TOKEN": secret}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def reader(kpi_data: Kpi, make_token: MakeToken) -> str:
    return make_token(scopes=["read"])


def test_the_documented_examples_are_all_found() -> None:
    text = DOC.read_text()
    assert "<!-- tested: series-curl -->\n```bash" in text
    assert "<!-- tested: series-python -->\n```python" in text
    assert len(_blocks("bash")) == 2
    assert len(_blocks("python")) == 2


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_examples_answer_what_the_doc_says(live_server: object, reader: str) -> None:
    check_token, series = _blocks("bash")

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
    walk, series = _blocks("python")

    kpis = _run([sys.executable, "-c", walk], str(live_server), reader).splitlines()
    lines = _run([sys.executable, "-c", series], str(live_server), reader).splitlines()

    assert len(kpis) == Kpi.objects.count() == 17
    assert "contact_escalation_rate percent lower" in kpis
    assert "2026-03 Tier 1 10.0 10.0 100.0" in lines
    assert "2026-04 Billing None 0.0 0.0" in lines
    assert len(lines) == 6


def test_the_python_example_says_what_went_wrong(live_server: object, make_token: MakeToken) -> None:
    _, series = _blocks("python")
    env = os.environ | {"PACER_URL": str(live_server), "PACER_TOKEN": "pacer_not-a-token"}

    done = subprocess.run([sys.executable, "-c", series], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 1
    assert done.stderr.strip() == "401: This token is not valid: check that it was copied whole."


def test_the_json_examples_are_json() -> None:
    for block in _blocks("json"):
        if "…" not in block:
            json.loads(block)
