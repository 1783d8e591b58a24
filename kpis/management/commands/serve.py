"""Run the whole app on one machine: the Quick start's first command.

Migrates, loads the KPI library and the demo data, makes sure an `admin` superuser exists, then runs the web
server, a Celery worker and Celery beat as child processes until Ctrl-C or until one of them dies, and stops all.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError

from config.env import env_int, env_str

ADMIN_USERNAME = "admin"
_STOP_GRACE_SECONDS = 15
# How long the web server may take to listen: Django's start-up on a loaded or slow machine can take a minute.
_WEB_START_SECONDS = 120


@dataclass(frozen=True)
class SignIn:
    username: str
    password: str | None  # None when the account's password was changed by hand and is not ours to show
    note: str


class _Stop(Exception):
    """Raised from the signal handlers, so that Ctrl-C and SIGTERM stop the children the same way.

    Own handlers rather than KeyboardInterrupt: a process started in the background inherits SIGINT ignored.
    """


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def _embedded_database() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def _embedded_broker() -> bool:
    return settings.CELERY_BROKER_URL == "filesystem://"


def _admin_password(data_dir: Path) -> tuple[str, str]:
    """The password to give `admin`, and where it comes from; a generated one is kept so that it stays the same."""
    chosen = os.environ.get("ADMIN_PASSWORD")
    if chosen:
        return chosen, "from ADMIN_PASSWORD"
    path = data_dir / "admin-password.txt"
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), f"kept in {path}"
    password = secrets.token_urlsafe(12)
    path.touch(mode=0o600)
    path.write_text(password + "\n", encoding="utf-8")
    return password, f"generated, kept in {path}"


def _admin_ensure(data_dir: Path) -> SignIn:
    password, note = _admin_password(data_dir)
    user_model = get_user_model()
    user = user_model.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user_model.objects.create_superuser(username=ADMIN_USERNAME, email="", password=password)
        return SignIn(ADMIN_USERNAME, password, note)
    if user.check_password(password):
        return SignIn(ADMIN_USERNAME, password, note)
    if os.environ.get("ADMIN_PASSWORD"):
        user.set_password(password)
        user.save(update_fields=["password"])
        return SignIn(ADMIN_USERNAME, password, note)
    # Someone changed the password in the app: theirs wins over the generated one.
    return SignIn(ADMIN_USERNAME, None, "the password set in the app (ADMIN_PASSWORD=… serve resets it)")


def _describe_database() -> str:
    database = settings.DATABASES["default"]
    if _embedded_database():
        return f"SQLite {database['NAME']} (embedded default; set DATABASE_URL for PostgreSQL)"
    return f"PostgreSQL {database['NAME']} on {database.get('HOST') or 'local socket'}"


def _describe_broker() -> str:
    if _embedded_broker():
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])).parent
        return f"file system {folder} (embedded default; set CELERY_BROKER_URL for Redis or RabbitMQ)"
    scheme, _, rest = settings.CELERY_BROKER_URL.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Command(BaseCommand):
    help = (
        "Run the app: migrate, load the KPI library and demo data, ensure the admin user, then run the web "
        "server, a Celery worker and Celery beat until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=env_str("HOST", "127.0.0.1"), help="Address to listen on ($HOST).")
        parser.add_argument(
            "--port", type=int, default=env_int("PORT", 8000, minimum=1, maximum=65535), help="Port ($PORT)."
        )
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.DATA_DIR)
        data_dir.mkdir(parents=True, exist_ok=True)
        if _embedded_broker():
            for key in ("data_folder_in", "data_folder_out", "processed_folder"):
                Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key])).mkdir(parents=True, exist_ok=True)

        self.stdout.write("Migrating the database …")
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except OperationalError as error:
            raise CommandError(f"Cannot use the database ({_describe_database()}): {error}") from None
        self.stdout.write("Loading the KPI library …")
        call_command("load_kpi_library", stdout=self.stdout)
        if not options["no_demo"]:
            self.stdout.write("Loading the demo data …")
            call_command("load_demo_data", stdout=self.stdout)
        sign_in = _admin_ensure(data_dir)
        self._run(host=options["host"], port=options["port"], sign_in=sign_in)

    def _commands(self, host: str, port: int) -> dict[str, list[str]]:
        # --quiet: no start-up banners, which would push the sign-in off the screen.
        celery = [sys.executable, "-m", "celery", "-A", "config", "--quiet"]
        # One process is enough on a laptop, and SQLite lets one writer in at a time anyway.
        pool = ["--pool=solo"] if _embedded_database() else ["--concurrency=2"]
        return {
            "web": [sys.executable, str(settings.BASE_DIR / "manage.py"), "runserver", f"{host}:{port}", "--noreload"]
            # Without DEBUG, runserver serves the admin's CSS only when told to; this is a single-machine server.
            + ([] if settings.DEBUG else ["--insecure"]),
            "worker": [*celery, "worker", "--loglevel=INFO", *pool],
            "beat": [*celery, "beat", "--loglevel=INFO"],
        }

    def _run(self, *, host: str, port: int, sign_in: SignIn) -> None:
        if _port_open(host, port):
            raise CommandError(f"Something already listens on {host}:{port}; stop it or set PORT.")
        children: dict[str, subprocess.Popen[bytes]] = {}
        previous = {number: signal.signal(number, _raise_stop) for number in (signal.SIGINT, signal.SIGTERM)}
        # Unbuffered, so that the children's log lines appear as they happen, in order.
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        died: tuple[str, int] | None = None
        try:
            for name, argv in self._commands(host, port).items():
                children[name] = subprocess.Popen(argv, cwd=settings.BASE_DIR, env=env)
            died = self._wait_for_web(host, port, children)
            if died is None:
                self._banner(host, port, sign_in)
                died = self._supervise(children)
        except _Stop:
            self.stdout.write("\nStopping …")
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            self._stop(children)
        if died is not None:
            name, code = died
            raise CommandError(f"The {name} process exited with code {code}; stopped the others.")

    def _wait_for_web(
        self, host: str, port: int, children: dict[str, subprocess.Popen[bytes]]
    ) -> tuple[str, int] | None:
        seconds = env_int("SERVE_WEB_START_SECONDS", _WEB_START_SECONDS, minimum=1)
        deadline = time.monotonic() + seconds
        while not _port_open(host, port):
            if (died := self._first_dead(children)) is not None:
                return died
            if time.monotonic() > deadline:
                raise CommandError(
                    f"The web server did not listen on {host}:{port} within {seconds} s; stopped the others. "
                    "On a slow machine set SERVE_WEB_START_SECONDS higher."
                )
            time.sleep(0.2)
        return None

    @staticmethod
    def _first_dead(children: dict[str, subprocess.Popen[bytes]]) -> tuple[str, int] | None:
        for name, child in children.items():
            code = child.poll()
            if code is not None:
                return name, code
        return None

    def _supervise(self, children: dict[str, subprocess.Popen[bytes]]) -> tuple[str, int]:
        while True:
            if (died := self._first_dead(children)) is not None:
                return died
            time.sleep(0.5)

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def _banner(self, host: str, port: int, sign_in: SignIn) -> None:
        shown_host = f"[{host}]" if ":" in host else host
        rule = "=" * 78
        lines = [
            rule,
            f"  OKR & KPI tracker is running at http://{shown_host}:{port}/",
            f"  Sign in as   {sign_in.username}",
            f"  Password     {sign_in.password or '(unchanged)'}   ({sign_in.note})",
            f"  Database     {_describe_database()}",
            f"  Broker       {_describe_broker()}",
            "  Web server, Celery worker and Celery beat are running. Press Ctrl-C to stop them all.",
            rule,
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
