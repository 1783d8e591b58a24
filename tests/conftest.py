from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from pytest_django.fixtures import Settings

from config.celery import app as celery_app
from tests.mailserver import MailServer, running_mail_server


def pytest_configure() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError("The test suite runs on PostgreSQL: set DATABASE_URL (tests/check.sh does).")
    if XDIST_WORKER:
        _own_worker_resources(XDIST_WORKER)
    # Unit tests run Celery tasks in-process; tests marked `worker` start a real worker on the real broker.
    celery_app.conf.task_always_eager = True
    # Tasks called by name (kpis hands over to okrs that way) must be registered to run in-process.
    celery_app.loader.import_default_modules()


ROOT = Path(__file__).resolve().parent.parent
# "gw0", "gw1", …: set by pytest-xdist in each of its worker processes (tests/check.sh runs the suite with -n).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_REDIS_DATABASES = 16


def _own_worker_resources(worker: str) -> None:
    """Give this xdist worker what it must not share: a data folder, and a Redis database for its real workers.

    pytest-django already gives each worker its own test database (a `_gw0` suffix). The rest is moved here:
    every setting under DATA_DIR (the file cache, whose clear() another worker's test would otherwise feel; the
    uploads; beat's schedule) and the broker, whose queue a real worker started by the other process would
    otherwise empty into the wrong database. The environment follows, for the subprocesses tests start.
    """
    index = int(worker.removeprefix("gw"))
    broker = urlsplit(settings.CELERY_BROKER_URL)
    if broker.scheme not in ("redis", "rediss"):
        raise pytest.UsageError("A parallel run (-n) needs a Redis broker: set TEST_CELERY_BROKER_URL.")
    database = int(broker.path.strip("/") or 0) + index
    if database >= _REDIS_DATABASES:
        raise pytest.UsageError(
            f"Worker {worker} would use Redis database {database}: choose a lower one in TEST_CELERY_BROKER_URL."
        )
    broker_url = urlunsplit(broker._replace(path=f"/{database}"))
    settings.CELERY_BROKER_URL = celery_app.conf.broker_url = os.environ["CELERY_BROKER_URL"] = broker_url

    shared = Path(settings.DATA_DIR)
    own = shared / f"xdist-{worker}"
    media = Path(settings.MEDIA_ROOT)
    for name in [name for name in dir(settings) if name.isupper()]:
        value = getattr(settings, name)
        moved = _moved(value, shared, own)
        if moved != value:
            setattr(settings, name, moved)
    if not media.is_relative_to(shared):
        settings.MEDIA_ROOT = media / f"xdist-{worker}"
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # as the settings do for theirs
    os.environ["DATA_DIR"] = str(settings.DATA_DIR)
    if "MEDIA_ROOT" in os.environ:
        os.environ["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)


def _moved(value: object, shared: Path, own: Path) -> object:
    """`value` with every path under `shared` (a Path, a string, inside dicts and lists) moved under `own`."""
    # Exact types: lazy objects (translations, drf-spectacular's) pose as strings but are no paths.
    if type(value) in (str, type(shared)):
        path = Path(str(value))
        if not (path.is_absolute() and path.is_relative_to(shared)):
            return value
        moved = own / path.relative_to(shared)
        return moved if isinstance(value, Path) else str(moved)
    if type(value) is dict:
        return {key: _moved(item, shared, own) for key, item in value.items()}
    if type(value) is list:
        return [_moved(item, shared, own) for item in value]
    if type(value) is tuple:
        return tuple(_moved(item, shared, own) for item in value)
    return value


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup`, tests that start real processes run one after another on one xdist worker.

    Each starts a Celery worker (or the whole embedded app) and waits for it under a deadline; two of them at once
    on two cores would compete for the CPU they are timed on. The other worker meanwhile runs everything else.
    """
    for item in items:
        for marker in ("worker", "smoke"):
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.xdist_group("real-processes"))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Counters kept in the cache (password-reset limits, API throttles) outlive a test's database transaction and
    the file cache outlives the run: each test starts from none."""
    cache.clear()


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


def _broker_empty() -> None:
    """Nothing left on the broker by an earlier test: queued messages, nor (Redis) ones a killed worker had taken,
    which the broker would otherwise hand to this test's worker once their visibility timeout passed."""
    with celery_app.connection_for_write() as connection:
        if connection.transport.driver_type == "redis":
            connection.default_channel.client.flushdb()
        else:
            celery_app.control.purge(connection=connection)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[StartWorker]:
    """Starts workers on the test database and the real broker; each stops when the test ends.

    `start_worker(pool="prefork", env={...})`: prefork has a parent and one pool child, as in production, for tests
    that kill either; `env` adds to the worker's environment (a time limit, the test-only pause of kpis.faults).
    """
    if not settings.CELERY_BROKER_URL.startswith(("redis", "amqp", "pyamqp")):
        pytest.fail("The worker test needs a real broker: set CELERY_BROKER_URL (tests/check.sh does).")
    _broker_empty()
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
