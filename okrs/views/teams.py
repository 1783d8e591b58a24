"""Team pages: the teams a person can see, a team's members, and managing them (org admins and team admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from okrs.forms_people import MembershipAddForm, MembershipRoleForm, TeamForm
from okrs.models import Membership, Team
from okrs.roles import actor_of, can_manage_team, is_org_admin, org_admin_required, team_role
from okrs.selectors_people import display_name, people_outside, team_members, teams_for_people_pages
from okrs.services.people import membership_add, membership_remove, membership_role_change, team_save
from okrs.views.people import flash_errors, require_valid


@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    context = {
        "nav": "teams",
        "teams": teams_for_people_pages(user=user),
        "can_create": is_org_admin(user),
    }
    return render(request, "okrs/teams/list.html", context)


@require_GET
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    user = actor_of(request)
    manages = can_manage_team(user, team)
    if not manages and team_role(user, team) is None:
        raise PermissionDenied("Only the team's members see who is in it.")
    context = {
        "nav": "teams",
        "team": team,
        "members": team_members(team=team),
        "manages": manages,
        "is_org_admin": is_org_admin(user),
        "roles": Membership.Role.choices,
        "add_form": MembershipAddForm(people=people_outside(team=team)) if manages else None,
    }
    return render(request, "okrs/teams/detail.html", context)


@org_admin_required
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk) if pk is not None else None
    initial = {"name": team.name, "description": team.description} if team else {}
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = team_save(actor=actor_of(request), team=team, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{saved} is saved.")
            return redirect("team_detail", pk=saved.pk)
    context = {"nav": "teams", "team": team, "form": form}
    return render(request, "okrs/teams/form.html", context, status=400 if form.errors else 200)


def _manager_of(request: HttpRequest, team: Team) -> User:
    """The signed-in person, who must manage `team`: checked before the form, so others learn nothing from it."""
    actor = actor_of(request)
    if not can_manage_team(actor, team):
        raise PermissionDenied(f"Only org admins and the admins of {team} manage its members.")
    return actor


def _managed_membership(request: HttpRequest, pk: int) -> tuple[User, Membership]:
    membership = get_object_or_404(Membership.objects.select_related("team", "user"), pk=pk)
    return _manager_of(request, membership.team), membership


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    actor = _manager_of(request, team)
    try:
        data = require_valid(MembershipAddForm(request.POST, people=people_outside(team=team)))
        person = data["user"]
        membership_add(actor=actor, team=team, user=person, role=data["role"])
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, f"{display_name(person)} joined {team}.")
    return redirect("team_detail", pk=team.pk)


def _back(request: HttpRequest, membership: Membership) -> HttpResponse:
    """To the page the change was made on (a team's or a person's), else the team's."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("team_detail", pk=membership.team_id)


@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    actor, membership = _managed_membership(request, pk)
    try:
        data = require_valid(MembershipRoleForm(request.POST))
        membership_role_change(actor=actor, membership=membership, role=data["role"])
    except ValidationError as error:
        flash_errors(request, error)
    else:
        role = membership.get_role_display().lower()
        messages.success(request, f"{display_name(membership.user)} is now {role} of {membership.team}.")
    return _back(request, membership)


@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor, membership = _managed_membership(request, pk)
    try:
        membership_remove(actor=actor, membership=membership)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, f"{display_name(membership.user)} left {membership.team}.")
    return _back(request, membership)


urlpatterns: list[URLPattern] = [
    path("teams/", team_list, name="teams"),
    path("teams/new/", team_edit, name="team_create"),
    path("teams/<int:pk>/", team_detail, name="team_detail"),
    path("teams/<int:pk>/edit/", team_edit, name="team_edit"),
    path("teams/<int:pk>/members/", member_add, name="team_member_add"),
    path("memberships/<int:pk>/role/", member_role, name="membership_role"),
    path("memberships/<int:pk>/remove/", member_remove, name="membership_remove"),
]
