"""Writes for people: invitations, org roles, deactivation, teams and their memberships.

Every write names its actor and checks, with okrs.roles, that they may make it (PermissionDenied when not), so
that the pages, the API and commands share one rule. Bad input raises ValidationError keyed by field and writes
nothing. Two rules keep the organisation manageable: it always has an active org admin (and an active superuser, if it
has one), and nobody can take away the role that lets them manage what they are changing.
"""

from __future__ import annotations

import secrets
import smtplib

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from okrs.models import Invitation, Membership, Person, Team
from okrs.roles import can_manage_team, is_org_admin, org_admins
from okrs.selectors_people import display_name, invitation_for_token, open_invitations, token_hash
from okrs.services.objectives import membership_set

_USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length or 150


class InvitationNotSent(Exception):
    """The invitation is saved but its e-mail did not reach the mail server."""


def _require_org_admin(actor: User) -> None:
    if not is_org_admin(actor):
        raise PermissionDenied("Only org admins manage people.")


def _require_team_manager(actor: User, team: Team) -> None:
    if not can_manage_team(actor, team):
        raise PermissionDenied(f"Only org admins and admins of {team} manage its members.")


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    email: str,
    org_role: str = Person.OrgRole.MEMBER,
    team: Team | None = None,
    team_role: str = "",
) -> tuple[Invitation, str]:
    """Invite `email` (which becomes their username) with an org role and, optionally, a role in one team; returns
    the invitation and the link's token, which is stored only as a hash. Send it with invitation_send."""
    _require_org_admin(actor)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from None
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise ValidationError({"email": f"{email} already has an account; find them on the People page."})
    if open_invitations().filter(email=email).exists():
        raise ValidationError({"email": f"{email} is invited already; resend that invitation instead."})
    if team is not None and not team_role:
        raise ValidationError({"team_role": "Choose their role in the team."})
    try:
        UnicodeUsernameValidator()(email)
    except ValidationError:
        raise ValidationError(
            {"email": "The address becomes the username, which may hold only letters, digits and @ . + - _."}
        ) from None
    if len(email) > _USERNAME_MAX_LENGTH:
        raise ValidationError(
            {"email": f"The address becomes the username: at most {_USERNAME_MAX_LENGTH} characters."}
        )
    token, hashed = _new_token()
    invitation = Invitation(
        email=email,
        org_role=org_role,
        team=team,
        team_role=team_role if team is not None else "",
        token_hash=hashed,
        invited_by=actor,
        expires_at=timezone.now() + settings.INVITATION_MAX_AGE,
    )
    invitation.full_clean()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # Someone invited the same address a moment ago.
        raise ValidationError({"email": f"{email} is invited already; resend that invitation instead."}) from None
    return invitation, token


def invitation_send(*, invitation: Invitation, token: str, site_url: str) -> None:
    """E-mail the invitation's link (`site_url` is where the app is reached, https://okr.example.com) and record
    when it went out. Raises InvitationNotSent when the mail server cannot be reached or refuses it."""
    link = site_url.rstrip("/") + reverse("invitation_accept", args=[token])
    context = {
        "invitation": invitation,
        "link": link,
        "inviter": display_name(invitation.invited_by) if invitation.invited_by else "Pacer",
    }
    subject = " ".join(render_to_string("okrs/people/email/invitation_subject.txt", context).split())
    body = render_to_string("okrs/people/email/invitation.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except (smtplib.SMTPException, OSError) as error:
        raise InvitationNotSent(
            f"The invitation for {invitation.email} is saved, but the mail server did not take it ({error}). "
            "Resend it once e-mail works."
        ) from error
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])


@transaction.atomic
def invitation_renew(*, actor: User, invitation: Invitation) -> str:
    """A fresh link for an open invitation, valid for the full period again; the old link stops working. Returns
    the new token, to send."""
    _require_org_admin(actor)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_open(invitation)
    token, invitation.token_hash = _new_token()
    invitation.expires_at = timezone.now() + settings.INVITATION_MAX_AGE
    invitation.sent_at = None
    invitation.full_clean()
    invitation.save()
    return token


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    """Withdraw an open invitation: its link stops working and the address can be invited again."""
    _require_org_admin(actor)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_open(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def _require_open(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise ValidationError(f"{invitation.email} accepted this invitation already.")
    if invitation.revoked_at is not None:
        raise ValidationError(f"This invitation for {invitation.email} was withdrawn; invite them again.")


@transaction.atomic
def invitation_accept(*, token: str, first_name: str, last_name: str, password: str) -> User:
    """Create the invitee's account from a usable link, with the org role and team role they were invited to;
    the link cannot be used again. Raises InvitationUnusable for a link that cannot, ValidationError for bad input."""
    invitation = invitation_for_token(token=token, for_update=True)
    if User.objects.filter(username__iexact=invitation.email).exists():
        raise ValidationError(f"An account for {invitation.email} exists already: sign in, or reset its password.")
    user = User(
        username=invitation.email, email=invitation.email, first_name=first_name.strip(), last_name=last_name.strip()
    )
    errors: dict[str, list[str]] = {}
    if not user.first_name:
        errors["first_name"] = ["Give your first name, as colleagues will see it."]
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.full_clean()
    user.save()
    person = Person(user=user, org_role=invitation.org_role)
    person.full_clean()
    person.save()
    if invitation.team is not None:
        membership_set(team=invitation.team, user=user, role=invitation.team_role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


def _locked_ids(accounts: QuerySet[User]) -> set[int]:
    """The accounts' ids, read after locking their rows, so that two admins demoting each other at the same moment
    cannot leave none: the second waits, then reads what the first left."""
    list(accounts.select_for_update(of=("self",)).values_list("pk", flat=True))
    return set(accounts.values_list("pk", flat=True))


def _org_admin_ids_locked(actor: User) -> set[int]:
    admins = _locked_ids(org_admins())
    if actor.pk not in admins:
        raise PermissionDenied("Only org admins manage people.")
    return admins


def admins_kept_check(*, user: User, active: bool, superuser: bool, org_admin: bool) -> None:
    """Refuse (ValidationError) to give `user` these flags when that leaves the organisation without an active org
    admin, or without an active superuser while it has one (only a superuser makes another, in the admin site).

    The people pages and the admin site ask this one rule; call it in the transaction that saves the change, as it
    locks the admins' rows."""
    if _locked_ids(org_admins()) == {user.pk} and not (active and (superuser or org_admin)):
        raise ValidationError(f"{display_name(user)} is the last org admin: make someone else an org admin first.")
    if _locked_ids(User.objects.filter(is_superuser=True, is_active=True)) == {user.pk} and not (active and superuser):
        raise ValidationError(
            f"{display_name(user)} is the last active superuser: make someone else a superuser in the admin site first."
        )


def _refuse_acting_on_yourself(*, actor: User, user: User, admins: set[int], yourself: str) -> None:
    if user.pk == actor.pk and user.pk in admins:
        raise ValidationError(f"{yourself}: ask another org admin to do it.")


@transaction.atomic
def person_role_set(*, actor: User, user: User, org_role: str) -> Person:
    """Give `user` an org role."""
    admins = _org_admin_ids_locked(actor)
    if org_role not in Person.OrgRole.values:
        raise ValidationError({"org_role": f"{org_role!r} is not an org role."})
    if user.is_superuser and org_role != Person.OrgRole.ADMIN:
        superuser = f"{display_name(user)} is a superuser, which makes them an org admin"
        raise ValidationError({"org_role": f"{superuser}; change that in the admin site."})
    if org_role != Person.OrgRole.ADMIN:
        admins_kept_check(user=user, active=user.is_active, superuser=user.is_superuser, org_admin=False)
        _refuse_acting_on_yourself(
            actor=actor, user=user, admins=admins, yourself="You cannot take away your own org admin role"
        )
    person = Person.objects.filter(user=user).first() or Person(user=user)
    person.org_role = org_role
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_deactivate(*, actor: User, user: User) -> None:
    """Stop `user` signing in (their open sessions end too); everything they did stays, under their name."""
    admins = _org_admin_ids_locked(actor)
    if not user.is_active:
        raise ValidationError(f"{display_name(user)} is deactivated already.")
    admins_kept_check(user=user, active=False, superuser=user.is_superuser, org_admin=is_org_admin(user))
    _refuse_acting_on_yourself(actor=actor, user=user, admins=admins, yourself="You cannot deactivate yourself")
    user.is_active = False
    user.save(update_fields=["is_active"])


@transaction.atomic
def person_reactivate(*, actor: User, user: User) -> None:
    """Let a deactivated person sign in again, with the roles they had."""
    _require_org_admin(actor)
    if user.is_active:
        raise ValidationError(f"{display_name(user)} is active already.")
    user.is_active = True
    user.save(update_fields=["is_active"])


@transaction.atomic
def team_save(*, actor: User, team: Team | None = None, name: str, description: str = "") -> Team:
    """Create a team (`team` None) or rename and describe one."""
    _require_org_admin(actor)
    team = team or Team()
    team.name = name.strip()
    team.description = description.strip()
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def membership_add(*, actor: User, team: Team, user: User, role: str) -> Membership:
    """Add an active person to the team with a role."""
    _require_team_manager(actor, team)
    if not user.is_active:
        raise ValidationError({"user": f"{display_name(user)} is deactivated; reactivate them first."})
    if Membership.objects.filter(team=team, user=user).exists():
        raise ValidationError({"user": f"{display_name(user)} is in {team} already; change their role instead."})
    return membership_set(team=team, user=user, role=role)


def _refuse_own_team_admin_loss(actor: User, membership: Membership, what: str) -> None:
    # An org admin manages every team anyway; a team admin would lose the right to undo this.
    if membership.user_id == actor.pk and not is_org_admin(actor):
        raise ValidationError(f"You cannot {what}: ask an org admin or another admin of {membership.team}.")


@transaction.atomic
def membership_role_change(*, actor: User, membership: Membership, role: str) -> Membership:
    _require_team_manager(actor, membership.team)
    if role != Membership.Role.ADMIN:
        _refuse_own_team_admin_loss(actor, membership, "take away your own team admin role")
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    _require_team_manager(actor, membership.team)
    _refuse_own_team_admin_loss(actor, membership, "remove yourself from a team you manage")
    membership.delete()
