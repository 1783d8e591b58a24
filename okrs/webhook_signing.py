"""How a webhook delivery is signed and checked. Pure: no database, no network.

The `Pacer-Signature` header is `t=<unix seconds>,v1=<hex HMAC-SHA256>`; the HMAC's key is the webhook's secret and
its message the timestamp, a dot and the raw body (`f"{t}.{body}"`). A receiver recomputes it over the body it got,
compares in constant time, and refuses a timestamp too far from its clock, which stops a recorded delivery being
replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Pacer-Signature"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(value: str, secret: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether `value` (the header) signs `body` with `secret`, at a time within `tolerance` seconds of `now`."""
    parts = dict(part.split("=", 1) for part in value.split(",") if "=" in part)
    timestamp, given = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(given, signature(secret, int(timestamp), body))
