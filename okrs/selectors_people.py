"""Reads for people, teams' members and invitations."""

from __future__ import annotations

import hashlib
from typing import Literal

from django.contrib.auth.models import User
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from okrs.models import Invitation, Membership, Person, Team
from okrs.roles import is_org_admin

PersonStatus = Literal["", "active", "deactivated"]
_ROLE_ORDER = (Membership.Role.ADMIN, Membership.Role.EDITOR, Membership.Role.VIEWER)


class InvitationUnusable(Exception):
    """An invitation link that cannot create an account, and why, in the invitee's words."""

    def __init__(self, reason: Literal["unknown", "expired", "accepted", "revoked"], invitation: Invitation | None):
        self.reason = reason
        self.invitation = invitation
        super().__init__(reason)


def display_name(user: User) -> str:
    """How people see a colleague named: their full name, else their username."""
    return user.get_full_name() or user.get_username()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(*, token: str, for_update: bool = False) -> Invitation:
    """The open invitation a link's token names; raises InvitationUnusable when it is unknown (mistyped, or
    replaced by a resend), expired, already accepted or withdrawn."""
    invitations = Invitation.objects.select_related("team", "invited_by")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise InvitationUnusable("unknown", None)
    if invitation.accepted_at is not None:
        raise InvitationUnusable("accepted", invitation)
    if invitation.revoked_at is not None:
        raise InvitationUnusable("revoked", invitation)
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable("expired", invitation)
    return invitation


def open_invitations() -> QuerySet[Invitation]:
    """Invitations not yet accepted nor withdrawn, expired ones included (they can be resent)."""
    return Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related(
        "team", "invited_by"
    )


def people_list(
    *, search: str = "", org_role: str = "", team: Team | None = None, status: PersonStatus = ""
) -> QuerySet[User]:
    """Everyone with an account, with their org role and teams, by name; filtered by a search over name, username
    and e-mail, an org role (superusers count as org admins), a team and active or deactivated."""
    people = User.objects.select_related("person").prefetch_related(
        Prefetch("okr_memberships", queryset=Membership.objects.select_related("team").order_by("team__name"))
    )
    for word in search.split():
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    if org_role == Person.OrgRole.ADMIN:
        people = people.filter(Q(is_superuser=True) | Q(person__org_role=org_role))
    elif org_role == Person.OrgRole.MEMBER:
        people = people.filter(Q(person__isnull=True) | Q(person__org_role=org_role), is_superuser=False)
    elif org_role:
        people = people.filter(person__org_role=org_role, is_superuser=False)
    if team is not None:
        people = people.filter(okr_memberships__team=team)
    if status:
        people = people.filter(is_active=status == "active")
    return people.order_by("first_name", "last_name", "username")


def team_members(*, team: Team) -> QuerySet[Membership]:
    """The team's memberships, admins first, then editors, then viewers, each by name."""
    rank = Case(
        *(When(role=role, then=Value(n)) for n, role in enumerate(_ROLE_ORDER)),
        output_field=IntegerField(),
    )
    memberships = team.memberships.select_related("user", "user__person").annotate(role_rank=rank)
    return memberships.order_by("role_rank", "user__first_name", "user__last_name", "user__username")


def teams_for_people_pages(*, user: User) -> QuerySet[Team]:
    """The teams a person can open the member list of: all for an org admin, else their own; with head counts."""
    teams = Team.objects.all() if is_org_admin(user) else Team.objects.filter(memberships__user=user)
    return teams.annotate(member_count=Count("memberships", distinct=True)).order_by("name")


def people_outside(*, team: Team) -> QuerySet[User]:
    """Active people who are not in `team`: those who can be added to it."""
    return User.objects.filter(is_active=True).exclude(okr_memberships__team=team).order_by("first_name", "username")
