"""Invitations: a one-time link that expires; resending replaces it; accepting creates the account once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from okrs.models import Invitation, Membership, Person, Team
from okrs.selectors_people import InvitationUnusable, invitation_for_token, token_hash
from okrs.services.people import (
    invitation_accept,
    invitation_create,
    invitation_renew,
    invitation_revoke,
)

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "quarterly-pacing-lantern"


def _accept(token: str, password: str = GOOD_PASSWORD, first_name: str = "Ines") -> User:
    return invitation_accept(token=token, first_name=first_name, last_name="Invitee", password=password)


def test_an_org_admin_invites_with_a_role_and_a_team(admin: User, tier1: Team) -> None:
    # when
    invitation, token = invitation_create(
        actor=admin, email=" Ines@Example.com ", org_role=Person.OrgRole.STEWARD, team=tier1, team_role="editor"
    )

    # then the address is kept in lower case, and only a hash of the token
    invitation.refresh_from_db()
    assert invitation.email == "ines@example.com"
    assert invitation.token_hash == token_hash(token) != token
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert invitation.invited_by == admin
    assert timedelta(days=6) < invitation.expires_at - timezone.now() <= timedelta(days=7)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "mo@example.com"}, "email", "already has an account"),
        ({"email": "MO@Example.com"}, "email", "already has an account"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"email": "o'brien@example.com"}, "email", "becomes the username"),
        ({"email": "x" * 140 + "@example.com"}, "email", "at most 150"),
        ({"email": "new@example.com", "org_role": "overlord"}, "org_role", "not a valid choice"),
        ({"email": "new@example.com", "team_role": "captain"}, "team_role", "not a valid choice"),
        ({"email": "new@example.com", "team_role": ""}, "team_role", "Choose their role"),
    ],
)
def test_a_bad_invitation_is_refused_and_nothing_is_written(
    admin: User, member: User, tier1: Team, fields: dict[str, str], field: str, message: str
) -> None:
    arguments = {"team": tier1, "team_role": "viewer", **fields}

    with pytest.raises(ValidationError) as refused:
        invitation_create(actor=admin, **arguments)  # type: ignore[arg-type]

    assert message in " ".join(refused.value.message_dict[field])
    assert not Invitation.objects.exists()


def test_an_address_already_invited_is_refused(admin: User) -> None:
    invitation_create(actor=admin, email="ines@example.com")

    with pytest.raises(ValidationError, match="invited already"):
        invitation_create(actor=admin, email="INES@example.com")

    assert Invitation.objects.count() == 1


@pytest.mark.parametrize("who", ["steward", "member", "team_admin"])
def test_only_org_admins_invite(request: pytest.FixtureRequest, who: str) -> None:
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        invitation_create(actor=actor, email="ines@example.com")

    assert not Invitation.objects.exists()


def test_accepting_creates_the_account_with_its_roles_once(admin: User, tier1: Team) -> None:
    invitation, token = invitation_create(
        actor=admin, email="ines@example.com", org_role="steward", team=tier1, team_role="editor"
    )

    # when
    user = _accept(token)

    # then
    assert user.username == user.email == "ines@example.com"
    assert user.get_full_name() == "Ines Invitee"
    assert user.check_password(GOOD_PASSWORD)
    assert user.person.org_role == Person.OrgRole.STEWARD
    assert Membership.objects.get(user=user).role == Membership.Role.EDITOR
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    # and the link is spent
    with pytest.raises(InvitationUnusable) as spent:
        _accept(token)
    assert spent.value.reason == "accepted"
    assert User.objects.filter(username="ines@example.com").count() == 1


@pytest.mark.parametrize(
    ("password", "first_name", "field", "message"),
    [
        ("short", "Ines", "password", "too short"),
        ("12345678901", "Ines", "password", "entirely numeric"),
        ("password123", "Ines", "password", "too common"),
        ("ines@example.com", "Ines", "password", "too similar"),
        (GOOD_PASSWORD, "   ", "first_name", "first name"),
    ],
)
def test_a_bad_acceptance_is_refused_and_nothing_is_written(
    admin: User, tier1: Team, password: str, first_name: str, field: str, message: str
) -> None:
    invitation, token = invitation_create(actor=admin, email="ines@example.com", team=tier1, team_role="viewer")

    with pytest.raises(ValidationError) as refused:
        _accept(token, password=password, first_name=first_name)

    assert message in " ".join(refused.value.message_dict[field])
    assert not User.objects.filter(username="ines@example.com").exists()
    assert not Membership.objects.exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    # the link still works once the input is right
    assert _accept(token).is_active


def test_an_expired_link_creates_nothing(admin: User) -> None:
    invitation, token = invitation_create(actor=admin, email="ines@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(InvitationUnusable) as unusable:
        _accept(token)

    assert unusable.value.reason == "expired"
    assert not User.objects.filter(username="ines@example.com").exists()


def test_an_unknown_link_is_unusable() -> None:
    with pytest.raises(InvitationUnusable) as unusable:
        invitation_for_token(token="made-up")

    assert unusable.value.reason == "unknown"


def test_an_account_made_meanwhile_stops_the_acceptance(admin: User) -> None:
    invitation, token = invitation_create(actor=admin, email="ines@example.com")
    User.objects.create_user("INES@example.com")

    with pytest.raises(ValidationError, match="exists already"):
        _accept(token)

    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_resending_replaces_the_link_and_restarts_the_clock(admin: User) -> None:
    invitation, old_token = invitation_create(actor=admin, email="ines@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))

    # when
    new_token = invitation_renew(actor=admin, invitation=invitation)

    # then the old link is dead, the new one works for the full period
    with pytest.raises(InvitationUnusable) as old:
        _accept(old_token)
    assert old.value.reason == "unknown"
    invitation.refresh_from_db()
    assert invitation.expires_at - timezone.now() > timedelta(days=6)
    assert _accept(new_token).username == "ines@example.com"


def test_an_accepted_or_withdrawn_invitation_cannot_be_resent(admin: User) -> None:
    accepted, token = invitation_create(actor=admin, email="ines@example.com")
    _accept(token)
    withdrawn, _ = invitation_create(actor=admin, email="otto@example.com")
    invitation_revoke(actor=admin, invitation=withdrawn)

    with pytest.raises(ValidationError, match="accepted this invitation already"):
        invitation_renew(actor=admin, invitation=accepted)
    with pytest.raises(ValidationError, match="was withdrawn"):
        invitation_renew(actor=admin, invitation=withdrawn)


def test_a_withdrawn_link_is_dead_and_the_address_can_be_invited_again(admin: User) -> None:
    invitation, token = invitation_create(actor=admin, email="ines@example.com")

    invitation_revoke(actor=admin, invitation=invitation)

    with pytest.raises(InvitationUnusable) as unusable:
        _accept(token)
    assert unusable.value.reason == "revoked"
    _, again = invitation_create(actor=admin, email="ines@example.com")
    assert _accept(again).is_active


def test_only_org_admins_resend_or_withdraw(admin: User, member: User) -> None:
    invitation, token = invitation_create(actor=admin, email="ines@example.com")

    with pytest.raises(PermissionDenied):
        invitation_renew(actor=member, invitation=invitation)
    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=member, invitation=invitation)

    assert invitation_for_token(token=token) == invitation
