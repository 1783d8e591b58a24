"""Who a person is in the organisation and in a team: the one place pages, services and the API ask.

Org roles: an org admin manages people, teams and everything else (a Django superuser is one); a data steward
owns the KPI library, KPI targets and imports; everyone else is a member. Team roles: viewer, editor, admin.
docs/permissions.md says what each may do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from okrs.models import Membership, Person, Team
from okrs.querysets import TeamScoped

AnyUser = User | AnonymousUser | AbstractBaseUser
P = ParamSpec("P")
M = TypeVar("M", bound=Model)


class PersonBackend(ModelBackend):
    """Django's sign-in by username and password, loading the person's org role with their account: every page
    asks for it (the navigation does), so it costs no query of its own."""

    def get_user(self, user_id: int) -> User | None:
        user = User.objects.select_related("person").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def org_role(user: AnyUser) -> Person.OrgRole | None:
    """The user's org role; None for an anonymous visitor or a deactivated account, who have none."""
    if not user.is_authenticated or not user.is_active or not isinstance(user, User):
        return None
    if user.is_superuser:
        return Person.OrgRole.ADMIN
    try:
        return Person.OrgRole(user.person.org_role)
    except ObjectDoesNotExist:
        return Person.OrgRole.MEMBER


def is_org_admin(user: AnyUser) -> bool:
    return org_role(user) == Person.OrgRole.ADMIN


def is_data_steward(user: AnyUser) -> bool:
    """May change the KPI library, KPI targets and data: a data steward, or an org admin, who may do anything."""
    return org_role(user) in (Person.OrgRole.STEWARD, Person.OrgRole.ADMIN)


def team_role(user: AnyUser, team: Team) -> Membership.Role | None:
    """The user's role in `team`, None when they do not belong to it."""
    if not isinstance(user, User) or org_role(user) is None:
        return None
    role = Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()
    return Membership.Role(role) if role else None


def can_manage_team(user: AnyUser, team: Team) -> bool:
    """May add and remove the team's members and change their roles: an org admin, or an admin of that team."""
    return is_org_admin(user) or team_role(user, team) == Membership.Role.ADMIN


def org_admins() -> QuerySet[User]:
    """The active accounts that are org admins, by their role or as superusers."""
    return User.objects.filter(Q(is_superuser=True) | Q(person__org_role=Person.OrgRole.ADMIN), is_active=True)


def actor_of(request: HttpRequest) -> User:
    """The signed-in user a page acts for (every page but sign-in and invitations needs one)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user


View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def _role_required(allowed: Callable[[AnyUser], bool], refusal: str) -> Callable[[View[P]], View[P]]:
    """A decorator: the view runs for those `allowed`, anyone else signed in gets 403 with `refusal` (anonymous
    visitors are sent to sign in first)."""

    def decorator(view: View[P]) -> View[P]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


# A page for org admins only: people and teams.
org_admin_required = _role_required(is_org_admin, "Only org admins manage people.")
# A page that changes the KPI library, KPI targets or data, or shows imports: data stewards and org admins.
data_steward_required = _role_required(
    is_data_steward, "Only data stewards and org admins change KPIs, targets and data, or see imports."
)


def okr_object(request: HttpRequest, queryset: TeamScoped[M], *, write: bool = False, **lookups: object) -> M:
    """The OKR object a request names: 404 unless the person sees it (its team is theirs), and for a write 403
    unless they may change it (they are an editor or an admin of that team). The one check OKR pages make."""
    found = get_object_or_404(queryset.visible_to(request.user), **lookups)
    if write and not queryset.editable_by(request.user).filter(pk=found.pk).exists():
        raise PermissionDenied("Only the team's editors and admins change its objectives, key results and check-ins.")
    return found


def can_plan(user: AnyUser) -> bool:
    """May create objectives: an editor or an admin of at least one team, or an org admin."""
    return Team.objects.editable_by(user).exists()
