"""Token scopes: `read` for safe methods, `write` for changes, `push` for the measurement push.

A session (the browser) is not limited by scopes: it can do what the person can. What the person may do at all is
decided by the visibility selectors the pages use, never here.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from okrs.models import AccessToken


class TokenScope(permissions.BasePermission):
    code = "scope_missing"

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, AccessToken):
            return True
        needed = required_scope(request, view)
        if needed in token.scopes:
            return True
        self.message = f"This token lacks the '{needed}' scope, which this request needs."
        return False


def required_scope(request: Request, view: Any) -> str:
    """A view may name its own scope (`required_scope = "push"`); else the method decides."""
    declared: str | None = getattr(view, "required_scope", None)
    if declared:
        return declared
    return AccessToken.Scope.READ if request.method in permissions.SAFE_METHODS else AccessToken.Scope.WRITE
