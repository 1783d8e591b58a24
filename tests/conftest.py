from __future__ import annotations

import pytest
from django.conf import settings

from config.celery import app as celery_app


def pytest_configure() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError("The test suite runs on PostgreSQL: set DATABASE_URL (tests/check.sh does).")
    # Unit tests run Celery tasks in-process; tests marked `worker` start a real worker on the real broker.
    celery_app.conf.task_always_eager = True
    # Tasks called by name (kpis hands over to okrs that way) must be registered to run in-process.
    celery_app.loader.import_default_modules()
