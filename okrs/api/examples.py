"""Example bodies for the OpenAPI description of the okrs endpoints; checked against the schema by the tests."""

from __future__ import annotations

TOKEN = {
    "id": 3,
    "name": "Helpdesk nightly push",
    "prefix": "pacer_x7Kq2A",
    "scopes": ["read", "push"],
    "state": "active",
    "created_at": "2026-12-01T09:30:00Z",
    "expires_at": "2027-03-01T09:30:00Z",
    "last_used_at": "2026-12-02T02:15:00Z",
    "revoked_at": None,
}

TOKEN_REQUEST = {"name": "Dashboard reader", "scopes": ["read"], "expires_in_days": 90}

CREATED_TOKEN = TOKEN | {
    "id": 4,
    "name": "Dashboard reader",
    "prefix": "pacer_Zr81cQ",
    "scopes": ["read"],
    "last_used_at": None,
    "token": "pacer_Zr81cQ0nH4xY7tVb2pLqWm5sE9kD3fGa6uJcR1oTiMz",
}

ME = {
    "username": "lena",
    "name": "Lena Lead",
    "email": "lena@example.com",
    "is_superuser": False,
    "authenticated_with": "token",
    "token": TOKEN,
}

TEAM = {
    "id": 1,
    "name": "Tier 1",
    "description": "Front-line support: phone, chat and email.",
    "members": [
        {"username": "lena", "name": "Lena Lead", "role": "admin"},
        {"username": "omar", "name": "Omar Agent", "role": "viewer"},
    ],
}

IMPORT_BATCH = {
    "id": 42,
    "url": "https://pacer.example.com/api/v1/imports/42/",
    "source": "api",
    "filename": "api-push.csv",
    "file_format": "wide",
    "dry_run": False,
    "status": "succeeded",
    "state": "recomputing",
    "progress": {"stage": "recomputing", "rows": 2, "percent": 85},
    "created_at": "2026-12-02T06:00:03Z",
    "created_by": "sam",
    "started_at": "2026-12-02T06:00:03Z",
    "finished_at": "2026-12-02T06:00:03Z",
    "series_recomputed_at": None,
    "rows_read": 2,
    "cells": {"inserted": 4, "updated": 0, "unchanged": 0},
    "errors": [],
}
