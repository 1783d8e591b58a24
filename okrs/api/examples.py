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

OBJECTIVE_REQUEST = {
    "title": "Fewer escalations from Tier 1",
    "team": 3,
    "period": "2026-Q3",
    "description": "Solve more at the first line.",
}
OBJECTIVE = {
    "id": 12,
    "title": "Fewer escalations from Tier 1",
    "description": "Solve more at the first line.",
    "team": 3,
    "owner": "mia",
    "period": "2026-Q3",
    "parent_objective": None,
    "parent_key_result": None,
    "weight": 1.0,
    "state": "draft",
    "key_results": [31],
    "created_at": "2026-06-20T09:12:00Z",
    "updated_at": "2026-06-20T09:12:00Z",
}
KEY_RESULT_REQUEST = {
    "objective": 12,
    "title": "Escalation rate 20 % lower than last quarter",
    "kind": "kpi_relative",
    "kpi": "contact_escalation_rate",
    "dimension": "team",
    "member": "Tier 1",
    "change_percent": -20,
    "guardrail": {"kpi": "csat", "comparison": ">=", "threshold": 85},
}
KEY_RESULT = {
    "id": 31,
    "objective": 12,
    "title": "Escalation rate 20 % lower than last quarter",
    "kind": "kpi_relative",
    "kpi": "contact_escalation_rate",
    "dimension": "team",
    "member": "Tier 1",
    "direction": "",
    "baseline_value": 12.9,
    "baseline_source": "series",
    "baseline_period": None,
    "freeze_baseline": False,
    "baseline_frozen_at": None,
    "change_percent": -20.0,
    "target_value": 10.32,
    "target_source": "derived",
    "threshold_mode": "",
    "band_min": None,
    "band_max": None,
    "weight": 1.0,
    "current_value": 11.8,
    "progress": 42.6,
    "over_achievement": 0.0,
    "expected": 40.0,
    "status": "on_track",
    "forecast": 10.1,
    "forecast_low": 9.4,
    "forecast_high": 10.9,
    "guardrail_breached": False,
    "computed_at": "2026-08-01T06:00:00Z",
    "guardrails": [
        {
            "id": 4,
            "kpi": "csat",
            "dimension": "team",
            "member": "Tier 1",
            "comparison": ">=",
            "threshold": 85.0,
            "current_value": 88.0,
            "breached": False,
        }
    ],
}
CHECK_IN_REQUEST = {"confidence": 7, "comment": "New macros are live; escalations dropping."}
CHECK_IN = {
    "id": 90,
    "key_result": 31,
    "author": "mia",
    "day": "2026-08-03",
    "value": None,
    "confidence": 7,
    "comment": "New macros are live; escalations dropping.",
    "created_at": "2026-08-03T15:40:00Z",
}
INITIATIVE = {
    "id": 5,
    "key_result": 31,
    "title": "Macro for refund questions",
    "owner": "mia",
    "status": "planned",
    "due_date": None,
}

SCORECARD = {
    "period": {"label": "2026-Q1", "grain": "quarter", "start": "2026-01-01", "end": "2026-04-01"},
    "team": None,
    "kpis": [
        {
            "kpi": "contact_escalation_rate",
            "name": "Contact Escalation Rate",
            "unit": "percent",
            "dimension": "team",
            "member": "Tier 1",
            "actual": 10.0,
            "target": 12.0,
            "target_low": None,
            "target_high": None,
            "target_source": "kpi target",
            "status": "green",
            "previous_period": "2025-Q4",
            "previous": 12.4,
            "change": -2.4,
            "change_is": "better",
            "trend": [{"label": "2025-Q4", "value": 12.4}, {"label": "2026-Q1", "value": 10.0}],
        }
    ],
    "kpi_counts": {"green": 1, "amber": 0, "red": 0, "none": 0},
    "objectives": [
        {
            "id": 12,
            "title": "Fewer escalations from Tier 1",
            "team": "Tier 1",
            "state": "active",
            "progress": 42.6,
            "expected": 40.0,
            "status": "on_track",
            "guardrail_breached": False,
            "key_results": [
                {
                    "id": 31,
                    "title": "Escalation rate 20 % lower than last quarter",
                    "kind": "kpi_relative",
                    "current_value": 11.8,
                    "target_value": 10.32,
                    "progress": 42.6,
                    "expected": 40.0,
                    "status": "on_track",
                    "guardrail_breached": False,
                }
            ],
        }
    ],
    "rollup": {
        "objectives": 1,
        "key_results": 1,
        "on_track": 1,
        "at_risk": 0,
        "off_track": 0,
        "no_data": 0,
        "progress": 42.6,
        "expected": 40.0,
    },
}

WEBHOOK_REQUEST = {
    "url": "https://chat.example.com/hooks/pacer",
    "events": ["key_result.status_changed", "import.failed"],
    "description": "Team chat",
}

WEBHOOK = WEBHOOK_REQUEST | {
    "id": 3,
    "is_active": True,
    "secret": "whsec_4f1c9a0e8b7d6c5b4a3928170f6e5d4c",
    "created_by": "ada",
    "created_at": "2026-11-30T09:12:44Z",
}

WEBHOOK_DELIVERY = {
    "id": 41,
    "event": "import.failed",
    "state": "delivered",
    "attempts": 2,
    "response_code": 200,
    "error": "",
    "created_at": "2026-12-01T06:00:03Z",
    "last_attempt_at": "2026-12-01T06:00:09Z",
    "delivered_at": "2026-12-01T06:00:09Z",
    "payload": {"event": "import.failed", "occurred_at": "2026-12-01T06:00:03+00:00", "data": {"import": {"id": 12}}},
}
