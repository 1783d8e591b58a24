"""Signals the kpis app sends for apps built on it, which kpis itself does not import."""

from __future__ import annotations

from django.dispatch import Signal

# An import batch has ended, succeeded or failed: `batch_id`. Sent in the worker, after the batch's end is saved.
import_ended = Signal()
