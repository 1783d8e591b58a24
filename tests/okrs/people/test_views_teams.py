"""Team pages: members see who is in their team; org admins and the team's admins manage it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from okrs.models import Membership, Team
from tests.okrs.people.conftest import member_of, person, signed_in

pytestmark = pytest.mark.django_db


def test_the_team_list_shows_everyone_their_teams_and_org_admins_all(
    client: Client, admin: User, editor: User, tier1: Team, tier2: Team
) -> None:
    own = signed_in(client, editor).get(reverse("teams")).content.decode()
    assert "Tier 1" in own
    assert "Tier 2" not in own
    assert "New team" not in own

    everything = signed_in(client, admin).get(reverse("teams")).content.decode()
    assert "Tier 1" in everything
    assert "Tier 2" in everything
    assert "New team" in everything


def test_a_viewer_sees_the_members_but_no_controls(client: Client, tier1: Team, editor: User) -> None:
    viewer = member_of(tier1, person("vic", first_name="Vic"), Membership.Role.VIEWER).user

    page = signed_in(client, viewer).get(reverse("team_detail", args=[tier1.pk])).content.decode()

    assert "Eddie Editor" in page
    assert "Editor" in page
    assert reverse("team_member_add", args=[tier1.pk]) not in page
    eddie = Membership.objects.get(user=editor)
    assert reverse("membership_role", args=[eddie.pk]) not in page
    assert reverse("membership_remove", args=[eddie.pk]) not in page


def test_a_team_page_is_403_for_someone_outside_the_team(client: Client, tier1: Team, tier2: Team) -> None:
    outsider = member_of(tier2, person("otis"), Membership.Role.ADMIN).user

    response = signed_in(client, outsider).get(reverse("team_detail", args=[tier1.pk]))

    assert response.status_code == 403


def test_a_team_admin_adds_changes_and_removes_members_of_their_team(
    client: Client, tier1: Team, team_admin: User, member: User
) -> None:
    signed_in(client, team_admin)
    page = client.get(reverse("team_detail", args=[tier1.pk])).content.decode()
    assert "Mo Member (mo)" in page  # offered in the add form

    added = client.post(reverse("team_member_add", args=[tier1.pk]), {"user": member.pk, "role": "viewer"}, follow=True)
    assert "Mo Member joined Tier 1." in added.content.decode()
    membership = Membership.objects.get(team=tier1, user=member)

    client.post(reverse("membership_role", args=[membership.pk]), {"role": "editor"})
    assert Membership.objects.get(pk=membership.pk).role == "editor"

    client.post(reverse("membership_remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_team_admin_of_another_team_or_an_editor_is_refused_with_403(
    client: Client, tier1: Team, tier2: Team, editor: User, member: User
) -> None:
    other_admin = member_of(tier2, person("otis"), Membership.Role.ADMIN).user
    membership = Membership.objects.get(user=editor)

    for actor in (other_admin, editor):
        signed_in(client, actor)
        assert (
            client.post(reverse("team_member_add", args=[tier1.pk]), {"user": member.pk, "role": "admin"}).status_code
            == 403
        )
        assert client.post(reverse("membership_role", args=[membership.pk]), {"role": "admin"}).status_code == 403
        assert client.post(reverse("membership_remove", args=[membership.pk])).status_code == 403

    assert list(Membership.objects.filter(team=tier1).values_list("user__username", "role")) == [("eddie", "editor")]


def test_a_team_admin_is_told_they_cannot_demote_themselves(client: Client, tier1: Team, team_admin: User) -> None:
    own = Membership.objects.get(user=team_admin)

    response = signed_in(client, team_admin).post(
        reverse("membership_role", args=[own.pk]), {"role": "viewer"}, follow=True
    )

    assert "You cannot take away your own team admin role" in response.content.decode()
    assert Membership.objects.get(pk=own.pk).role == "admin"


@pytest.mark.parametrize(("data", "message"), [({"role": "captain"}, "Select a valid choice"), ({}, "required")])
def test_a_bad_role_is_shown_and_nothing_changes(
    client: Client, tier1: Team, team_admin: User, editor: User, data: dict[str, str], message: str
) -> None:
    membership = Membership.objects.get(user=editor)

    response = signed_in(client, team_admin).post(reverse("membership_role", args=[membership.pk]), data, follow=True)

    assert message in response.content.decode()
    assert Membership.objects.get(pk=membership.pk).role == "editor"


def test_adding_someone_already_in_the_team_or_unknown_is_refused(
    client: Client, tier1: Team, team_admin: User, editor: User
) -> None:
    signed_in(client, team_admin)

    for data in ({"user": editor.pk, "role": "viewer"}, {"user": 999999, "role": "viewer"}):
        response = client.post(reverse("team_member_add", args=[tier1.pk]), data, follow=True)
        assert "Select a valid choice" in response.content.decode()

    assert Membership.objects.filter(team=tier1).count() == 2


def test_after_a_change_it_goes_back_to_the_page_it_came_from_but_never_off_site(
    client: Client, admin: User, tier1: Team, editor: User
) -> None:
    membership = Membership.objects.get(user=editor)
    signed_in(client, admin)

    back = client.post(
        reverse("membership_role", args=[membership.pk]),
        {"role": "viewer", "next": reverse("person_detail", args=[editor.pk])},
    )
    away = client.post(
        reverse("membership_role", args=[membership.pk]), {"role": "editor", "next": "https://evil.example/"}
    )

    assert back["Location"] == reverse("person_detail", args=[editor.pk])
    assert away["Location"] == reverse("team_detail", args=[tier1.pk])


def test_an_org_admin_creates_and_renames_a_team_with_inline_errors(client: Client, admin: User, tier1: Team) -> None:
    signed_in(client, admin)

    duplicate = client.post(reverse("team_create"), {"name": "Tier 1"})
    assert duplicate.status_code == 400
    assert "Team with this Name already exists." in duplicate.content.decode()

    created = client.post(reverse("team_create"), {"name": "Billing", "description": "Invoices"})
    billing = Team.objects.get(name="Billing")
    assert created["Location"] == reverse("team_detail", args=[billing.pk])

    client.post(reverse("team_edit", args=[billing.pk]), {"name": "Billing & refunds", "description": ""})
    assert Team.objects.get(pk=billing.pk).name == "Billing & refunds"
    assert Team.objects.count() == 2
