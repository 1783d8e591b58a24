from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from pytest_django.fixtures import Settings

from config.celery import app as celery_app
from tests.mailserver import MailServer, running_mail_server


def pytest_configure() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError("The test suite runs on PostgreSQL: set DATABASE_URL (tests/check.sh does).")
    # Unit tests run Celery tasks in-process; tests marked `worker` start a real worker on the real broker.
    celery_app.conf.task_always_eager = True
    # Tasks called by name (kpis hands over to okrs that way) must be registered to run in-process.
    celery_app.loader.import_default_modules()


ROOT = Path(__file__).resolve().parent.parent


def _test_database_url() -> str:
    database = settings.DATABASES["default"]
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"


@dataclass
class Worker:
    """A Celery worker process started by a test: its log, and its parent and pool (child) processes."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def children(self) -> list[int]:
        """The pool processes of a prefork worker, read from /proc."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def wait_for_log(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log:
            assert self.process.poll() is None, f"the worker exited:\n{self.log}"
            assert time.monotonic() < deadline, f"the worker never logged {text!r}:\n{self.log}"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


StartWorker = Callable[..., Worker]


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[StartWorker]:
    """Starts workers on the test database and the real broker; each stops when the test ends.

    `start_worker(pool="prefork", env={...})`: prefork has a parent and one pool child, as in production, for tests
    that kill either; `env` adds to the worker's environment (a time limit, the test-only pause of kpis.faults).
    """
    if not settings.CELERY_BROKER_URL.startswith(("redis", "amqp", "pyamqp")):
        pytest.fail("The worker test needs a real broker: set CELERY_BROKER_URL (tests/check.sh does).")
    celery_app.control.purge()
    base_env = {key: value for key, value in os.environ.items() if key != "CELERY_TASK_ALWAYS_EAGER"}
    base_env |= {
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "true" if settings.DEBUG else "false",
        "ALLOWED_HOSTS": ",".join(settings.ALLOWED_HOSTS),
        # The worker reads the uploaded file from the same media storage the web side saved it to.
        "DATA_DIR": str(settings.DATA_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    started: list[Worker] = []
    # This process enqueues for real; the other tests run tasks in-process.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False

    def start(pool: str = "solo", env: dict[str, str] | None = None) -> Worker:
        log_path = tmp_path / f"worker-{len(started)}.log"
        pool_options = ["--pool=solo"] if pool == "solo" else [f"--pool={pool}", "--concurrency=1"]
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    *pool_options,
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    f"--hostname=test-worker-{os.getpid()}-{len(started)}@%h",
                ],
                cwd=ROOT,
                env=base_env | (env or {}),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(Worker(process=process, log_path=log_path))
        return started[-1]

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        celery_app.conf.task_always_eager = eager


@pytest.fixture
def worker(start_worker: StartWorker) -> Path:
    """A worker process on the test database and the real broker; yields its log file, then stops it."""
    return start_worker().log_path


@pytest.fixture
def smtp(settings: Settings) -> Iterator[MailServer]:
    """A real SMTP server on a free port of 127.0.0.1, which the app sends its e-mail to."""
    with running_mail_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.DEFAULT_FROM_EMAIL = "Pacer <okr@example.com>"
        yield server
