"""Example bodies for the OpenAPI description, taken from the built-in library and the demo data.

A list endpoint's example is one of its items: drf-spectacular wraps it in a page.

tests/api/test_schema.py checks that each of them is valid against the schema it illustrates.
"""

from __future__ import annotations

MEASURE = {
    "key": "escalated_contacts",
    "name": "Escalated contacts",
    "unit": "contacts",
    "aggregation": "sum",
    "allows_negative": False,
    "description": "Contacts handed to a higher support tier.",
}

DIMENSION = {
    "key": "team",
    "name": "Team",
    "description": "",
    "members": ["Billing", "Tier 1", "Tier 2"],
}

KPI = {
    "key": "contact_escalation_rate",
    "name": "Contact Escalation Rate",
    "category": "Issue resolution",
    "description": "Share of contacts escalated from the front line to a higher tier, supervisor or specialist.",
    "formula": "100 * escalated_contacts / total_contacts",
    "unit": "percent",
    "decimals": 1,
    "direction": "lower",
    "indicator": "lagging",
    "thresholds": {"green": {"min": None, "max": 10.0}, "amber": {"min": None, "max": 20.0}},
    "benchmarks": [
        {"label": "Worked example: 50 escalated of 500 tickets", "low": 10.0, "high": 10.0, "source": "…"},
    ],
    "measures": ["escalated_contacts", "total_contacts"],
    "related": ["csat", "first_contact_resolution_rate", "transfer_rate"],
    "is_builtin": True,
}

_MARCH = {"label": "2026-03", "grain": "month", "start": "2026-03-01", "end": "2026-04-01"}
_Q1 = {"label": "2026-Q1", "grain": "quarter", "start": "2026-01-01", "end": "2026-04-01"}

TARGET = {
    "id": 7,
    "period": _Q1,
    "dimension": "team",
    "member": "Tier 1",
    "value": 12.0,
    "band": {"min": None, "max": None},
    "tolerance": 1.0,
    "actual": 12.6,
    "status": "amber",
}

SERIES = {
    "kpi": "contact_escalation_rate",
    "formula": "100 * escalated_contacts / total_contacts",
    "grain": "month",
    "by": "team",
    "points": [
        {
            "period": _MARCH,
            "member": "Billing",
            "value": 21.4,
            "measures": {"escalated_contacts": 402.0, "total_contacts": 1878.0},
        },
        {
            "period": _MARCH,
            "member": "Tier 1",
            "value": 12.9,
            "measures": {"escalated_contacts": 1021.0, "total_contacts": 7915.0},
        },
    ],
}
