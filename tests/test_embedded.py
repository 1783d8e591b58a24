"""The embedded default: with nothing configured the app runs on SQLite and a file-system broker.

Everything runs in subprocesses with DATABASE_URL and CELERY_BROKER_URL unset, as a fresh clone would.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import queue
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password

from kpis import library

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parent.parent
# The seeds' worked examples in January (50 of 500, 200 of 1,000) and the pooling example in February
# (10 of 100 and 40 of 1,000: 4.5 %, not the 7 % an average of the two rates would give).
MEASUREMENTS = (
    "date,team,channel,total_contacts,escalated_contacts\n"
    "2026-01-05,Tier 1,phone,500,50\n"
    "2026-01-06,Tier 2,email,1000,200\n"
    "2026-02-02,Tier 1,phone,100,10\n"
    "2026-02-03,Tier 2,chat,1000,40\n"
)
# How long `serve` may take to migrate, load the library and the demo data, and start its web server; a loaded
# machine (the suite runs in parallel) takes several times as long as an idle one.
START_SECONDS = 300
_CONFIGURATION = ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS", "CELERY_TASK_ALWAYS_EAGER")


def _embedded_env(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _CONFIGURATION}
    return env | {"DEBUG": "true", "DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings"}


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder migrated, with the KPI library loaded: migrating SQLite takes half a minute, once is enough.

    Session-wide, not module-wide: under xdist's groups this module's tests arrive between other modules' tests,
    and a module fixture would be torn down and migrated again each time."""
    data_dir = tmp_path_factory.mktemp("embedded") / "data"
    data_dir.mkdir()
    env = _embedded_env(data_dir)
    _manage(env, "migrate", "--verbosity=0")
    _manage(env, "load_kpi_library")
    return data_dir


@pytest.fixture
def embedded(_migrated: Path, tmp_path: Path) -> dict[str, str]:
    """A migrated embedded installation with the KPI library, in its own data folder (a copy of the migrated one)."""
    data_dir = tmp_path / "data"
    shutil.copytree(_migrated, data_dir)
    return _embedded_env(data_dir)


_PAGES = """
import io, json
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from okrs.models import KeyResult
key_result = KeyResult.objects.filter(kpi__isnull=False).select_related("objective", "kpi").first()
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(User.objects.create_superuser("pages", password="pages-password"))
urls = {
    "dashboard": reverse("dashboard"),
    "scorecard": reverse("scorecard"),
    "planning": reverse("planning"),
    "objective": reverse("objective_detail", args=[key_result.objective.pk]),
    "key_result": reverse("key_result_detail", args=[key_result.pk]),
    "kpi": reverse("kpi_detail", args=[key_result.kpi.key]),
    "csv": reverse("scorecard_download") + "?format=csv",
    "xlsx": reverse("scorecard_download") + "?format=xlsx",
}
pages = {}
for name, url in urls.items():
    response = client.get(url)
    if name == "xlsx" and response.status_code == 200:
        book = load_workbook(io.BytesIO(response.content))
        text = " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    else:
        text = response.content.decode()
    pages[name] = {"status": response.status_code, "text": text}
print(json.dumps({"objective": key_result.objective.title, "key_result": key_result.title,
                  "kpi": key_result.kpi.name, "pages": pages}))
"""


def test_the_pages_open_on_the_embedded_default_with_the_demo_data(embedded: dict[str, str]) -> None:
    # given the demo data, whose key results read KPIs (the scorecard once used DISTINCT ON, PostgreSQL only)
    _manage(embedded, "load_demo_data")

    # when a superuser opens every page that reads the key results' KPIs
    found = json.loads(_manage(embedded, "shell", "--no-imports", "-c", _PAGES).splitlines()[-1])

    # then each answers and shows the demo OKR
    expected = {
        "dashboard": found["objective"],
        "scorecard": found["objective"],
        "planning": found["objective"],
        "objective": found["key_result"],
        "key_result": found["kpi"],
        "kpi": found["kpi"],
        "csv": found["key_result"],
        "xlsx": found["key_result"],
    }
    for name, fragment in expected.items():
        page = found["pages"][name]
        assert page["status"] == 200, f"{name}: {page['status']}\n{page['text'][:2000]}"
        assert html.unescape(fragment) in html.unescape(page["text"]), name


_LISTS = """
import json
from django.contrib.auth.models import User
from django.test import Client
from kpis.api.serializers import KpiSerializer, MeasureSerializer
from kpis.api.views import _KPIS
from kpis.models import Measure
from okrs.api.services import access_token_create
_, secret = access_token_create(user=User.objects.create_user("lists"), name="lists", scopes=["read"],
                                expires_in_days=None)
client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
kpis = client.get("/api/v1/kpis/?page_size=200")
measures = client.get("/api/v1/measures/?page_size=200")
print(json.dumps({
    "status": [kpis.status_code, measures.status_code],
    "kpis": [kpis.json()["results"], [KpiSerializer(kpi).data for kpi in _KPIS.order_by("category", "name", "pk")]],
    "measures": [measures.json()["results"], [MeasureSerializer(m).data for m in Measure.objects.order_by("key")]],
}))
"""


def test_the_api_lists_answer_on_the_embedded_default_as_their_serializers(embedded: dict[str, str]) -> None:
    # the KPI list reads its relations in a statement of its own, which has a SQLite form
    found = json.loads(_manage(embedded, "shell", "--no-imports", "-c", _LISTS).splitlines()[-1])

    assert found["status"] == [200, 200]
    listed, expected = found["kpis"]
    assert any(item["benchmarks"] for item in listed)
    assert any(item["measures"] for item in listed)
    assert listed == expected
    assert found["measures"][0] == found["measures"][1]


def _escalation_csv(env: dict[str, str], *args: str) -> list[dict[str, str]]:
    output = _manage(env, "kpi_series", "contact_escalation_rate", "--format", "csv", *args)
    return list(csv.DictReader(io.StringIO(output)))


def test_the_embedded_default_imports_a_file_and_serves_its_series(embedded: dict[str, str], tmp_path: Path) -> None:
    # given
    path = tmp_path / "measurements.csv"
    path.write_text(MEASUREMENTS, encoding="utf-8")

    # when
    _manage(embedded, "import_measurements", str(path))
    monthly = _escalation_csv(embedded, "--grain", "month")
    by_team = _escalation_csv(embedded, "--grain", "quarter", "--by", "team")

    # then
    assert Path(embedded["DATA_DIR"], "db.sqlite3").exists()
    assert [row["period"] for row in monthly] == ["2026-01", "2026-02"]
    assert float(monthly[0]["value"]) == pytest.approx(100 * 250 / 1500)
    assert float(monthly[1]["value"]) == pytest.approx(100 * 50 / 1100)
    assert {row["team"]: float(row["value"]) for row in by_team} == {
        "Tier 1": pytest.approx(100 * 60 / 600),
        "Tier 2": pytest.approx(100 * 240 / 2000),
    }


def _series_value(database: Path, label: str) -> float | None:
    with sqlite3.connect(database, timeout=30) as connection:
        row = connection.execute(
            """
            SELECT sv.value FROM kpis_seriesvalue sv
            JOIN kpis_kpi k ON k.id = sv.kpi_id JOIN kpis_period p ON p.id = sv.period_id
            WHERE k.key = 'contact_escalation_rate' AND p.label = ? AND sv.dimension_id IS NULL
            """,
            [label],
        ).fetchone()
    return None if row is None else row[0]


_ENQUEUE = """
import django
django.setup()
from kpis.models import ImportBatch
from kpis.services.imports import import_batch_create
from kpis.tasks import import_batch_process_task
batch = import_batch_create(path_or_file={path!r}, filename="measurements.csv", source=ImportBatch.Source.UPLOAD)
import_batch_process_task.delay(batch.pk)
"""


def test_a_task_travels_over_the_file_system_broker_to_a_real_worker(embedded: dict[str, str], tmp_path: Path) -> None:
    # given a worker on the embedded broker
    data_dir = Path(embedded["DATA_DIR"])
    for folder in ("queue", "processed"):
        (data_dir / "broker" / folder).mkdir(parents=True, exist_ok=True)
    path = tmp_path / "measurements.csv"
    path.write_text(MEASUREMENTS, encoding="utf-8")
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"],
        cwd=ROOT,
        env=embedded,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # when the web side enqueues an import
        enqueue = subprocess.run(
            [sys.executable, "-c", _ENQUEUE.format(path=str(path))],
            cwd=ROOT,
            env=embedded,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert enqueue.returncode == 0, enqueue.stderr

        # then the worker imports it and, through the broker again, recomputes the series
        deadline = time.monotonic() + 120
        value = None
        while value is None and time.monotonic() < deadline:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
            value = _series_value(data_dir / "db.sqlite3", "2026-01")
        assert value == pytest.approx(100 * 250 / 1500), (tmp_path / "worker.log").read_text()
        assert _series_value(data_dir / "db.sqlite3", "2026-02") == pytest.approx(100 * 50 / 1100)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Serve:
    """`manage.py serve` in its own process group, its output read line by line in the background."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = START_SECONDS) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, "serve stopped:\n" + "\n".join(self.output)
                continue
            self.output.append(line)
            if text in line:
                return line
        raise AssertionError(f"serve never printed {text!r}:\n" + "\n".join(self.output))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)


def _get_status(url: str, timeout: float = 60) -> int:
    """The status of the first answer to GET `url`, asked again until the server answers or `timeout` passes.

    The port listening is not yet an answer: the first request loads the URLconf and the apps' views, which on a
    loaded machine takes seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return int(response.status)
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_runs_the_app_with_demo_data_prints_the_sign_in_and_stops_everything(tmp_path: Path) -> None:
    # given nothing but an empty data folder
    data_dir = tmp_path / "data"
    port = _free_port()
    # The machine may be busy with other tests: the same bound for the web server as for the whole start.
    env = _embedded_env(data_dir) | {"PORT": str(port), "SERVE_WEB_START_SECONDS": str(START_SECONDS)}

    # when
    serve = _Serve(env)
    try:
        serve.wait_for("Press Ctrl-C")
        password = next(line for line in serve.output if "Password" in line).split()[1]
        status = _get_status(f"http://127.0.0.1:{port}/admin/login/")
    finally:
        code = serve.stop()

    # then the web server answered, the sign-in works, the demo data has series, and no child is left
    assert status == 200
    assert code == 0
    assert not _group_alive(serve.process.pid)
    with sqlite3.connect(data_dir / "db.sqlite3") as connection:
        (hashed,) = connection.execute("SELECT password FROM auth_user WHERE username = 'admin'").fetchone()
        (quarters,) = connection.execute(
            """
            SELECT COUNT(*) FROM kpis_seriesvalue sv JOIN kpis_kpi k ON k.id = sv.kpi_id
            JOIN kpis_period p ON p.id = sv.period_id
            WHERE k.key = 'contact_escalation_rate' AND p.grain = 'quarter' AND sv.dimension_id IS NULL
            """
        ).fetchone()
    assert check_password(password, hashed)
    assert quarters == 5
    assert (data_dir / "admin-password.txt").read_text(encoding="utf-8").strip() == password

    # when it is started again
    again = _Serve(env)
    try:
        again.wait_for("Press Ctrl-C")
    finally:
        again.stop()

    # then nothing is loaded twice and the sign-in is the same
    assert f"KPIs: 0 created, 0 updated, {len(library.KPIS)} unchanged, 0 kept" in again.output
    assert any("0 cells inserted, 0 updated" in line for line in again.output)
    assert any(password in line for line in again.output if "Password" in line)
