"""The one way a service sets the fields a caller gives it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.db import models


def fields_set(instance: models.Model, fields: Mapping[str, Any], *, allowed: Collection[str], service: str) -> None:
    """Set `fields` on `instance`; a name outside `allowed` is a programming error, refused before anything is set."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{service}() cannot set {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(instance, name, value)
