"""The Celery app, and the options every task of both apps shares.

`RELIABLE_TASK` is the one definition of what DESIGN.md's Celery rules ask of a task: acknowledged late, sent
again when its worker dies (at most `max_retries` times, so a file that kills its worker cannot loop forever),
retried with backoff on the operational errors below. Time limits are not per task: every task runs under
settings.CELERY_TASK_TIME_LIMIT, the one number the broker's visibility timeout is derived from.
"""

from __future__ import annotations

import os
from typing import Any

import kombu.exceptions
from celery import Celery
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("okr_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The database or broker went away, a lock wait timed out, or a deadlock was broken by PostgreSQL: all worth
# another try, since the same work usually succeeds a little later. A bad file is never one of these.
RETRIED_ERRORS = (OperationalError, InterfaceError, kombu.exceptions.OperationalError)

RELIABLE_TASK: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A worker process killed mid-task (out of memory, kill -9, a lost machine) sends the task again with a
    # delay, counting against max_retries, instead of requeueing it at once and forever.
    "retry_on_worker_lost": True,
    "default_retry_delay": 10,
    "autoretry_for": RETRIED_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}
