"""Token scopes, and who may see and change what.

Token scopes: `read` for safe methods, `write` for changes, `push` for the measurement push.

A session (the browser) is not limited by scopes: it can do what the person can. What the person may do at all is
decided below, from okrs.roles and the `visible_to`/`editable_by` QuerySet methods the pages use.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from okrs import roles
from okrs.models import AccessToken, Team


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


# Who may see and change what: reads ask the models' `visible_to`, writes `editable_by` (okrs/querysets.py), as the
# pages do. Objectives (and everything under them) are visible to members of the objective's team, of any role, and
# to org admins; written by the team's editors and admins (and org admins).


def team_write_required(user: User | AnonymousUser, team_id: object) -> None:
    """403 unless the person may write the team's OKRs, as on the planning pages: for a change of an objective
    (or of what is under it) they may see, and for a new objective in a team (teams are listed to everyone). An id
    that names no team is left to the form, whose 400 says so on the field."""
    if not isinstance(team_id, int) or isinstance(team_id, bool):
        return
    if not Team.objects.editable_by(user).filter(pk=team_id).exists() and Team.objects.filter(pk=team_id).exists():
        raise PermissionDenied("Only the team's editors and admins can change its objectives and key results.")


class IsDataSteward(permissions.BasePermission):
    """Imports and pushed data: data stewards and org admins only, as on the import pages."""

    message = "Only data stewards and org admins work with imports and pushed data."

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_data_steward(request.user)


class DataStewardWrites(permissions.BasePermission):
    """Everyone reads; data stewards and org admins change (KPI targets), as on the KPI pages."""

    message = "Only data stewards and org admins change KPI targets."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or roles.is_data_steward(request.user)


class IsOrgAdmin(permissions.BasePermission):
    message = "Only org admins manage webhooks."

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_org_admin(request.user)
