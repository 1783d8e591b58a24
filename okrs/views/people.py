"""People pages for org admins (everyone, invitations, a person's roles and teams) and the invitation link."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from okrs.forms_people import InvitationAcceptForm, InvitationForm, OrgRoleForm, PeopleFilterForm, TeamChoiceAddForm
from okrs.models import Invitation, Membership, Team
from okrs.roles import actor_of, org_admin_required, org_role
from okrs.selectors_people import (
    InvitationUnusable,
    display_name,
    invitation_for_token,
    open_invitations,
    people_list,
)
from okrs.services.people import (
    InvitationNotSent,
    invitation_accept,
    invitation_create,
    invitation_renew,
    invitation_revoke,
    invitation_send,
    membership_add,
    person_deactivate,
    person_reactivate,
    person_role_set,
)

PEOPLE_PER_PAGE = 50


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def flash_errors(request: HttpRequest, error: ValidationError) -> None:
    """A one-click form's refusal, shown at the top of the page it returns to."""
    for message in error.messages:
        messages.error(request, message)


def require_valid(form: Form) -> dict[str, Any]:
    """The cleaned data of a one-click form; its errors raised as one ValidationError otherwise."""
    if not form.is_valid():
        raise ValidationError([message for errors in form.errors.values() for message in errors])
    return form.cleaned_data


def _send(request: HttpRequest, invitation: Invitation, token: str, done: str) -> None:
    try:
        invitation_send(invitation=invitation, token=token, site_url=_site_url(request))
    except InvitationNotSent as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)


@org_admin_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET)
    form.is_valid()
    filters = form.cleaned_data
    everyone = people_list(
        search=filters.get("q") or "",
        org_role=filters.get("role") or "",
        team=filters.get("team"),
        status=filters.get("status") or "",
    )
    page = Paginator(everyone, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(person, org_role(person)) for person in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "people",
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": any(filters.get(name) for name in ("q", "role", "team", "status")),
        "query": query.urlencode(),
        "invitations": open_invitations(),
        "now": timezone.now(),
    }
    return render(request, "okrs/people/list.html", context)


@org_admin_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, token = invitation_create(
                actor=actor_of(request),
                email=data["email"],
                org_role=data["org_role"],
                team=data["team"],
                team_role=data["team_role"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _send(request, invitation, token, f"Invitation sent to {invitation.email}.")
            return redirect("people")
    status = 400 if form.errors else 200
    context = {"nav": "people", "form": form, "invitation_days": settings.INVITATION_MAX_AGE.days}
    return render(request, "okrs/people/invite.html", context, status=status)


@org_admin_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        token = invitation_renew(actor=actor_of(request), invitation=invitation)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        invitation.refresh_from_db()
        _send(request, invitation, token, f"A new link went to {invitation.email}; the old one no longer works.")
    return redirect("people")


@org_admin_required
@require_POST
def invitation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        invitation_revoke(actor=actor_of(request), invitation=invitation)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, f"The invitation for {invitation.email} is withdrawn; its link no longer works.")
    return redirect("people")


def _person_context(request: HttpRequest, person: User) -> dict[str, object]:
    memberships = person.okr_memberships.select_related("team").order_by("team__name")
    teams_outside = Team.objects.exclude(memberships__user=person).order_by("name")
    return {
        "nav": "people",
        "person": person,
        "org_role": org_role(person),
        "is_self": person.pk == request.user.pk,
        "role_form": OrgRoleForm(initial={"org_role": org_role(person) or "member"}),
        "memberships": memberships,
        "roles": Membership.Role.choices,
        "team_form": TeamChoiceAddForm(teams=teams_outside),
        "has_teams_outside": teams_outside.exists(),
    }


@org_admin_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.select_related("person"), pk=pk)
    return render(request, "okrs/people/detail.html", _person_context(request, person))


@org_admin_required
@require_POST
def person_role(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    try:
        data = require_valid(OrgRoleForm(request.POST))
        person_role_set(actor=actor_of(request), user=person, org_role=data["org_role"])
    except ValidationError as error:
        flash_errors(request, error)
    else:
        person.refresh_from_db()
        label = org_role(person)
        messages.success(request, f"{display_name(person)} is now {label.label if label else ''}.")
    return redirect("person_detail", pk=pk)


@org_admin_required
@require_POST
def person_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    name = display_name(person)
    try:
        if active:
            person_reactivate(actor=actor_of(request), user=person)
        else:
            person_deactivate(actor=actor_of(request), user=person)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        done = "can sign in again" if active else "is deactivated: they cannot sign in, their history stays"
        messages.success(request, f"{name} {done}.")
    return redirect("person_detail", pk=pk)


@org_admin_required
@require_POST
def person_team_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    try:
        data = require_valid(TeamChoiceAddForm(request.POST, teams=Team.objects.all()))
        team = data["team"]
        membership_add(actor=actor_of(request), team=team, user=person, role=data["role"])
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, f"Added to {team}.")
    return redirect("person_detail", pk=pk)


def _unusable(request: HttpRequest, error: InvitationUnusable) -> HttpResponse:
    status = 404 if error.reason == "unknown" else 410
    context = {"reason": error.reason, "invitation": error.invitation}
    return render(request, "okrs/people/invitation_unusable.html", context, status=status)


@login_not_required
@never_cache
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation: the invitee names themselves and sets a password, then is signed in."""
    try:
        invitation = invitation_for_token(token=token)
    except InvitationUnusable as error:
        return _unusable(request, error)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = invitation_accept(
                token=token, first_name=data["first_name"], last_name=data["last_name"], password=data["password"]
            )
        except InvitationUnusable as error:
            return _unusable(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="okrs.roles.PersonBackend")
            messages.success(request, f"Welcome to Pacer, {user.first_name}. You sign in as {user.username}.")
            return redirect("dashboard")
    context = {"invitation": invitation, "form": form}
    return render(request, "okrs/people/invitation_accept.html", context, status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("people/", people, name="people"),
    path("people/invite/", invite, name="person_invite"),
    path("people/invitations/<int:pk>/resend/", invitation_resend, name="invitation_resend"),
    path("people/invitations/<int:pk>/withdraw/", invitation_withdraw, name="invitation_withdraw"),
    path("people/<int:pk>/", person_detail, name="person_detail"),
    path("people/<int:pk>/role/", person_role, name="person_role"),
    path("people/<int:pk>/deactivate/", person_active, {"active": False}, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", person_active, {"active": True}, name="person_reactivate"),
    path("people/<int:pk>/teams/", person_team_add, name="person_team_add"),
    path("invitations/<str:token>/", invitation_open, name="invitation_accept"),
]
