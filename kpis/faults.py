"""Test-only: hold an import at a named stage so that a fault test can kill its worker there.

Off unless the environment variable PACER_TEST_PAUSE_AT names the stage ("copy", "upsert", "series"), which only
tests/kpis/test_faults.py sets, for the worker process it starts. It pauses once: the first time it creates the
file PACER_TEST_PAUSE_FLAG, and a rerun of the import after the kill finds it and goes on. The pause logs a line the
test waits for, then sleeps PACER_TEST_PAUSE_SECONDS; with `server=True` the sleep runs inside the database session
(pg_sleep), so that the session stays busy in its open transaction as it would during a long statement.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from django.db import connection

logger = logging.getLogger(__name__)

PAUSE_AT = "PACER_TEST_PAUSE_AT"
PAUSE_SECONDS = "PACER_TEST_PAUSE_SECONDS"
PAUSE_FLAG = "PACER_TEST_PAUSE_FLAG"
MARKER = "test pause at"


def pause_at(stage: str, *, server: bool = False) -> None:
    if os.environ.get(PAUSE_AT) != stage:
        return
    flag = Path(os.environ[PAUSE_FLAG])
    if flag.exists():
        return
    flag.touch()
    seconds = float(os.environ.get(PAUSE_SECONDS, "30"))
    logger.warning("%s %s (pid %s)", MARKER, stage, os.getpid())
    if server and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [seconds])
    else:
        time.sleep(seconds)
