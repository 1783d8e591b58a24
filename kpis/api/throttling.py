"""Throttles that read their rates from the settings each time, so a deployment (or a test) can change them."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class ScopedThrottle(ScopedRateThrottle):
    """Per user (or address, signed out) and per scope, which a view or a page names: `throttle_scope = "tokens"`."""

    def get_rate(self) -> str | None:
        # DRF copies the rates when the module is imported; settings changed later would be ignored.
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(str(self.scope))
