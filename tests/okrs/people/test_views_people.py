"""The People pages: org admins only; inviting, the invitation link, roles and deactivation through the browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from okrs.models import Invitation, Membership, Person, Team
from okrs.services.people import invitation_create
from tests.okrs.people.conftest import PASSWORD, member_of, person, signed_in

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "quarterly-pacing-lantern"


def _org_admin_urls(user: User, invitation: Invitation) -> list[tuple[str, str]]:
    return [
        ("get", reverse("people")),
        ("get", reverse("person_invite")),
        ("post", reverse("person_invite")),
        ("post", reverse("invitation_resend", args=[invitation.pk])),
        ("post", reverse("invitation_withdraw", args=[invitation.pk])),
        ("get", reverse("person_detail", args=[user.pk])),
        ("post", reverse("person_role", args=[user.pk])),
        ("post", reverse("person_deactivate", args=[user.pk])),
        ("post", reverse("person_reactivate", args=[user.pk])),
        ("post", reverse("person_team_add", args=[user.pk])),
        ("get", reverse("team_create")),
        ("post", reverse("team_create")),
    ]


@pytest.mark.parametrize("who", ["member", "steward", "team_admin"])
def test_people_pages_answer_403_to_anyone_but_org_admins(
    client: Client, request: pytest.FixtureRequest, admin: User, who: str
) -> None:
    invitation, _ = invitation_create(actor=admin, email="ines@example.com")
    signed_in(client, request.getfixturevalue(who))
    before = (list(User.objects.values_list("pk", "is_active")), list(Invitation.objects.values()))

    for method, url in _org_admin_urls(admin, invitation):
        response = getattr(client, method)(url, {"org_role": "admin", "email": "x@example.com", "name": "X"})
        assert response.status_code == 403, (method, url)

    assert (list(User.objects.values_list("pk", "is_active")), list(Invitation.objects.values())) == before
    assert not Person.objects.filter(org_role="admin").exclude(user=admin).exists()


def test_people_pages_send_anonymous_visitors_to_sign_in(client: Client, admin: User) -> None:
    invitation, _ = invitation_create(actor=admin, email="ines@example.com")

    for method, url in _org_admin_urls(admin, invitation):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login") + "?next="), url


def test_the_people_page_lists_everyone_with_roles_teams_and_invitations(
    client: Client, admin: User, steward: User, editor: User, tier1: Team
) -> None:
    person("gone", first_name="Gone", is_active=False)
    invitation_create(actor=admin, email="ines@example.com", team=tier1, team_role="viewer")

    page = signed_in(client, admin).get(reverse("people")).content.decode()

    for text in ("Ada Admin", "Org admin", "Stella Steward", "Data steward", "Eddie Editor", "Tier 1", "Deactivated"):
        assert text in page
    assert "ines@example.com" in page
    assert "Invitations waiting" in page


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"q": "stel"}, {"stella"}),
        ({"q": "eddie@example"}, {"eddie"}),
        ({"q": "ADMIN ada"}, {"ada"}),
        ({"role": "steward"}, {"stella"}),
        ({"role": "admin"}, {"ada", "root"}),
        ({"role": "member"}, {"eddie", "gone"}),
        ({"status": "deactivated"}, {"gone"}),
        ({"status": "active", "role": "member"}, {"eddie"}),
    ],
)
def test_the_people_page_filters(
    client: Client, admin: User, steward: User, editor: User, query: dict[str, str], shown: set[str]
) -> None:
    person("gone", first_name="Gone", last_name="Away", is_active=False)
    User.objects.create_superuser("root", password="x")

    page = signed_in(client, admin).get(reverse("people"), query).content.decode()

    listed = {user.username for user in User.objects.all() if reverse("person_detail", args=[user.pk]) in page}
    assert listed == shown


def test_the_people_page_filters_by_team(client: Client, admin: User, editor: User, steward: User, tier1: Team) -> None:
    page = signed_in(client, admin).get(reverse("people"), {"team": tier1.pk}).content.decode()

    assert reverse("person_detail", args=[editor.pk]) in page
    assert reverse("person_detail", args=[steward.pk]) not in page


def test_inviting_through_the_page_sends_a_link_that_creates_the_account(
    client: Client, admin: User, tier1: Team
) -> None:
    # when the admin invites
    response = signed_in(client, admin).post(
        reverse("person_invite"),
        {"email": "Ines@example.com", "org_role": "steward", "team": tier1.pk, "team_role": "editor"},
        follow=True,
    )

    # then one e-mail with a link went out
    assert "Invitation sent to ines@example.com" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["ines@example.com"]
    assert "Ada Admin invited you" in message.subject
    link = re.search(r"http://testserver(/invitations/\S+/)", message.body)
    assert link is not None
    assert Invitation.objects.get().sent_at is not None

    # and the invitee, signed out, accepts it
    client.logout()
    page = client.get(link.group(1))
    assert page.status_code == 200
    assert "ines@example.com" in page.content.decode()
    accepted = client.post(
        link.group(1),
        {"first_name": "Ines", "last_name": "Invitee", "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD},
    )
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("dashboard")
    user = User.objects.get(username="ines@example.com")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user.person.org_role == "steward"
    assert Membership.objects.get(user=user, team=tier1).role == "editor"

    # and the link cannot be used twice
    client.logout()
    again = client.get(link.group(1))
    assert again.status_code == 410
    assert "used already" in again.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"email": "ada@example.com"}, "already has an account"),
        ({"email": ""}, "This field is required."),
        ({"email": "new@example.com", "org_role": "overlord"}, "Select a valid choice."),
        ({"email": "new@example.com", "team": "999999"}, "Select a valid choice."),
    ],
)
def test_a_bad_invitation_shows_its_error_and_writes_nothing(
    client: Client, admin: User, data: dict[str, str], message: str
) -> None:
    response = signed_in(client, admin).post(reverse("person_invite"), {"org_role": "member", **data})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_an_invitation_the_mail_server_refuses_is_kept_to_resend(
    client: Client, admin: User, settings: Settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens on 9

    response = signed_in(client, admin).post(
        reverse("person_invite"), {"email": "ines@example.com", "org_role": "member"}, follow=True
    )

    page = response.content.decode()
    assert "is saved, but the mail server did not take it" in page
    assert "Not delivered" in page
    assert Invitation.objects.get().sent_at is None


def test_resending_from_the_page_mails_a_new_link_and_kills_the_old(client: Client, admin: User) -> None:
    invitation, old_token = invitation_create(actor=admin, email="ines@example.com")

    signed_in(client, admin).post(reverse("invitation_resend", args=[invitation.pk]))

    [message] = mail.outbox
    assert old_token not in message.body
    client.logout()
    assert client.get(reverse("invitation_accept", args=[old_token])).status_code == 404
    new_link = re.search(r"http://testserver(/invitations/\S+/)", message.body)
    assert new_link is not None
    assert client.get(new_link.group(1)).status_code == 200


def test_withdrawing_from_the_page_kills_the_link(client: Client, admin: User) -> None:
    invitation, token = invitation_create(actor=admin, email="ines@example.com")

    signed_in(client, admin).post(reverse("invitation_withdraw", args=[invitation.pk]))

    client.logout()
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_an_expired_link_says_so_and_creates_nothing(client: Client, admin: User) -> None:
    invitation, token = invitation_create(actor=admin, email="ines@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    url = reverse("invitation_accept", args=[token])

    shown = client.get(url)
    posted = client.post(url, {"first_name": "I", "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})

    assert shown.status_code == posted.status_code == 410
    assert "has expired" in shown.content.decode()
    assert "Ada Admin" in shown.content.decode()
    assert not User.objects.filter(username="ines@example.com").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password_again": "something-else-entirely"}, "The two passwords differ."),
        ({"password": "short", "password_again": "short"}, "This password is too short."),
        ({"first_name": ""}, "This field is required."),
    ],
)
def test_a_bad_acceptance_shows_its_error_and_writes_nothing(
    client: Client, admin: User, data: dict[str, str], message: str
) -> None:
    _, token = invitation_create(actor=admin, email="ines@example.com")
    fields = {"first_name": "Ines", "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD, **data}

    response = client.post(reverse("invitation_accept", args=[token]), fields)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(username="ines@example.com").exists()
    assert "_auth_user_id" not in client.session


def test_changing_an_org_role_on_the_person_page(client: Client, admin: User, member: User) -> None:
    response = signed_in(client, admin).post(
        reverse("person_role", args=[member.pk]), {"org_role": "steward"}, follow=True
    )

    assert "Mo Member is now Data steward." in response.content.decode()
    assert Person.objects.get(user=member).org_role == "steward"


def test_the_last_org_admin_is_told_why_they_cannot_step_down(client: Client, admin: User) -> None:
    response = signed_in(client, admin).post(
        reverse("person_role", args=[admin.pk]), {"org_role": "member"}, follow=True
    )

    assert "Ada Admin is the last org admin" in response.content.decode()
    assert Person.objects.get(user=admin).org_role == "admin"


def test_the_person_page_says_why_the_last_superuser_stays_active(client: Client, admin: User) -> None:
    root = User.objects.create_superuser("root", password="x")

    response = signed_in(client, admin).post(reverse("person_deactivate", args=[root.pk]), follow=True)

    assert "root is the last active superuser: make someone else a superuser" in response.content.decode()
    root.refresh_from_db()
    assert root.is_active


def test_a_deactivated_person_is_signed_out_and_cannot_sign_in(client: Client, admin: User, member: User) -> None:
    theirs = Client()
    theirs.force_login(member)
    assert theirs.get(reverse("teams")).status_code == 200

    signed_in(client, admin).post(reverse("person_deactivate", args=[member.pk]))

    assert theirs.get(reverse("teams"))["Location"].startswith(reverse("login"))
    refused = Client().post(reverse("login"), {"username": "mo", "password": PASSWORD})
    assert refused.status_code == 200
    assert "_auth_user_id" not in refused.client.session
    member.refresh_from_db()
    assert not member.is_active


def test_adding_a_person_to_a_team_from_their_page(client: Client, admin: User, member: User, tier1: Team) -> None:
    signed_in(client, admin).post(reverse("person_team_add", args=[member.pk]), {"team": tier1.pk, "role": "viewer"})

    assert Membership.objects.get(user=member, team=tier1).role == "viewer"


def test_the_person_page_shows_their_teams_and_the_deactivation(
    client: Client, admin: User, editor: User, tier1: Team, tier2: Team
) -> None:
    member_of(tier2, editor, Membership.Role.VIEWER)

    page = signed_in(client, admin).get(reverse("person_detail", args=[editor.pk])).content.decode()

    assert "Tier 1" in page
    assert "Tier 2" in page
    assert "Deactivate Eddie" in page
    own = client.get(reverse("person_detail", args=[admin.pk])).content.decode()
    assert "Deactivate Ada" not in own
