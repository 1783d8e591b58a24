"""The settings refuse unsafe or malformed configuration at start-up, naming the variable to fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": GOOD_SECRET,
    "ALLOWED_HOSTS": "okr.example.com",
    "DATABASE_URL": "postgres://okr@127.0.0.1:5432/okr",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}
_CONFIGURATION = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "TIME_ZONE",
    "FISCAL_YEAR_START_MONTH",
    "CELERY_TASK_ALWAYS_EAGER",
)


def _start(tmp_path: Path, **overrides: str | None) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh process with PRODUCTION changed by `overrides` (None removes a variable)."""
    env = {key: value for key, value in os.environ.items() if key not in _CONFIGURATION}
    env |= PRODUCTION | {"DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_starts_in_production_mode_when_configured_properly(tmp_path: Path) -> None:
    # when
    started = _start(tmp_path)

    # then
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "started"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must list"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS must not contain '*'"),
        ({"ALLOWED_HOSTS": "okr.example.com,*"}, "ALLOWED_HOSTS must not contain '*'"),
    ],
)
def test_it_refuses_to_start_in_production_mode_with_an_unsafe_setting(
    tmp_path: Path, overrides: dict[str, str | None], message: str
) -> None:
    # when
    started = _start(tmp_path, **overrides)

    # then
    assert started.returncode != 0
    assert "Refusing to start in production mode" in started.stderr
    assert message in started.stderr
    assert "started" not in started.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("FISCAL_YEAR_START_MONTH", "13"),
        ("FISCAL_YEAR_START_MONTH", "april"),
        ("TIME_ZONE", "Mars/Base"),
        ("DATABASE_URL", "nonsense"),
        ("DATABASE_URL", "mysql://okr@127.0.0.1/okr"),
        ("CELERY_BROKER_URL", "nonsense"),
        ("ALLOWED_HOSTS", "okr.example.com,,www.example.com"),
        ("CELERY_TASK_ALWAYS_EAGER", "sometimes"),
        # Not above the hard time limit (1800 s): a task still running would be handed out a second time.
        ("CELERY_BROKER_VISIBILITY_TIMEOUT", "1800"),
    ],
)
def test_it_refuses_a_malformed_value_naming_the_variable(tmp_path: Path, name: str, value: str) -> None:
    # when
    started = _start(tmp_path, **{name: value})

    # then
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    last_line = started.stderr.strip().splitlines()[-1]
    assert name in last_line
    assert "started" not in started.stdout


def test_development_mode_needs_no_configuration_at_all(tmp_path: Path) -> None:
    # when
    started = _start(
        tmp_path, DEBUG="true", SECRET_KEY=None, ALLOWED_HOSTS=None, DATABASE_URL=None, CELERY_BROKER_URL=None
    )

    # then
    assert started.returncode == 0, started.stderr
