"""The WSGI module keeps what the process holds for good out of later garbage collections."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SCRIPT = """
import gc, json
from config import wsgi
from django.test import Client
client = Client()
client.get("/accounts/login/")
found = {"import": gc.get_freeze_count()}
gc.collect()  # as if a full collection had run during the request below
client.get("/accounts/login/")
found["after a full collection"] = gc.get_freeze_count()
kept = [[n] for n in range(5_000)]  # loaded for good, like a template cache, in a request without one
client.get("/accounts/login/")
found["after none"] = gc.get_freeze_count()
gc.collect()
client.get("/accounts/login/")
found["after the next"] = gc.get_freeze_count()
print(json.dumps(found))
"""


def test_what_survives_a_full_collection_is_frozen_after_the_request() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen = json.loads(done.stdout.splitlines()[-1])

    assert frozen["import"] > 10_000
    # a request without a full collection in it freezes nothing: the 5,000 objects wait for the next one
    assert frozen["after none"] <= frozen["after a full collection"]
    assert frozen["after the next"] >= frozen["after none"] + 5_000
