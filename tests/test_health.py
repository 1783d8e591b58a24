"""No 500 when the database or the broker is down: /health/ says 503, pages a friendly 503, commands one line.

The outage cases run the app in a subprocess whose DATABASE_URL or CELERY_BROKER_URL points at a port where
nothing listens, as when the server is down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import _test_database_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
NOTHING_LISTENS = "127.0.0.1:9"  # the discard port; closed on these machines


def test_it_answers_without_sign_in_when_the_database_and_broker_answer(client: Client) -> None:
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_every_other_page_needs_a_signed_in_user(client: Client) -> None:
    response = client.get("/kpis/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


_REQUESTS = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "a-session-cookie-the-monitor-kept"
out = {}
for path in ("/health/", "/kpis/", "/accounts/login/"):
    response = client.get(path)
    out[path] = [response.status_code, response.content.decode()[:2000]]
print(json.dumps(out))
"""


def _outage(**overrides: str) -> dict[str, list[object]]:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": _test_database_url(), **overrides}
    done = subprocess.run(
        [sys.executable, "-c", _REQUESTS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list[object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_with_the_database_down_health_says_503_and_pages_a_friendly_503_even_with_a_session_cookie() -> None:
    # when
    seen = _outage(DATABASE_URL=f"postgres://postgres@{NOTHING_LISTENS}/okr")

    # then
    status, body = seen["/health/"]
    assert status == 503
    assert json.loads(str(body)) == {"status": "unavailable", "database": "unreachable", "broker": "ok"}
    for page in ("/kpis/", "/accounts/login/"):
        status, body = seen[page]
        assert status == 503, body
        assert "Pacer is temporarily unavailable" in str(body)
        assert "The database cannot be reached right now" in str(body)


def test_with_the_broker_down_health_says_503() -> None:
    seen = _outage(CELERY_BROKER_URL=f"redis://{NOTHING_LISTENS}/0")

    status, body = seen["/health/"]
    assert status == 503
    assert json.loads(str(body)) == {"status": "unavailable", "database": "ok", "broker": "unreachable"}


@pytest.mark.parametrize(
    "command",
    [
        ["kpi_series", "contact_escalation_rate"],
        ["import_measurements", "README.md"],
        ["okr_report", "--period", "2026-Q1"],
    ],
)
def test_a_command_with_the_database_down_prints_one_line_and_exits_non_zero(command: list[str]) -> None:
    env = os.environ | {"DATABASE_URL": f"postgres://postgres@{NOTHING_LISTENS}/okr"}

    done = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Error: the database (127.0.0.1:9) cannot be reached: ")
