"""Org roles, deactivation, teams and memberships: who may change them, and the rules that keep everyone able to
manage what they manage."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from okrs.models import Membership, Person, Team
from okrs.roles import is_org_admin, org_role
from okrs.services.people import (
    membership_add,
    membership_remove,
    membership_role_change,
    person_deactivate,
    person_reactivate,
    person_role_set,
    team_save,
)
from tests.okrs.people.conftest import member_of, person

pytestmark = pytest.mark.django_db


def _roles() -> dict[str, str]:
    return dict(Person.objects.values_list("user__username", "org_role"))


def test_an_org_admin_gives_and_changes_org_roles(admin: User, member: User) -> None:
    person_role_set(actor=admin, user=member, org_role=Person.OrgRole.STEWARD)
    assert org_role(member) == Person.OrgRole.STEWARD

    person_role_set(actor=admin, user=member, org_role=Person.OrgRole.ADMIN)
    member.refresh_from_db()
    assert is_org_admin(member)


def test_the_last_org_admin_cannot_step_down(admin: User) -> None:
    before = _roles()

    with pytest.raises(ValidationError, match="last org admin"):
        person_role_set(actor=admin, user=admin, org_role=Person.OrgRole.MEMBER)

    assert _roles() == before


def test_an_org_admin_cannot_demote_themselves_even_with_another_admin(admin: User) -> None:
    person("second", Person.OrgRole.ADMIN)
    before = _roles()

    with pytest.raises(ValidationError, match="cannot take away your own org admin role"):
        person_role_set(actor=admin, user=admin, org_role=Person.OrgRole.STEWARD)

    assert _roles() == before


def test_another_admin_can_demote_an_admin(admin: User) -> None:
    second = person("second", Person.OrgRole.ADMIN)

    person_role_set(actor=admin, user=second, org_role=Person.OrgRole.MEMBER)

    assert org_role(Person.objects.get(user=second).user) == Person.OrgRole.MEMBER


def test_a_superusers_role_is_changed_in_the_admin_site_only(admin: User) -> None:
    root = User.objects.create_superuser("root", password="x")

    with pytest.raises(ValidationError, match="superuser"):
        person_role_set(actor=admin, user=root, org_role=Person.OrgRole.MEMBER)

    assert not Person.objects.filter(user=root).exists()


def test_an_unknown_org_role_is_refused(admin: User, member: User) -> None:
    with pytest.raises(ValidationError, match="not an org role"):
        person_role_set(actor=admin, user=member, org_role="overlord")

    assert not Person.objects.filter(user=member).exists()


@pytest.mark.parametrize("who", ["steward", "member", "team_admin"])
def test_only_org_admins_change_org_roles_or_deactivate(request: pytest.FixtureRequest, who: str, admin: User) -> None:
    actor = request.getfixturevalue(who)
    victim = person("victim")

    with pytest.raises(PermissionDenied):
        person_role_set(actor=actor, user=actor, org_role=Person.OrgRole.ADMIN)
    with pytest.raises(PermissionDenied):
        person_deactivate(actor=actor, user=victim)

    assert org_role(actor) != Person.OrgRole.ADMIN
    victim.refresh_from_db()
    assert victim.is_active


def test_deactivating_keeps_the_account_and_reactivating_restores_it(admin: User, tier1: Team, editor: User) -> None:
    person_deactivate(actor=admin, user=editor)

    editor.refresh_from_db()
    assert not editor.is_active
    assert Membership.objects.filter(user=editor, team=tier1).exists()

    person_reactivate(actor=admin, user=editor)
    editor.refresh_from_db()
    assert editor.is_active


def test_nobody_deactivates_themselves(admin: User) -> None:
    person("second", Person.OrgRole.ADMIN)

    with pytest.raises(ValidationError, match="cannot deactivate yourself"):
        person_deactivate(actor=admin, user=admin)

    admin.refresh_from_db()
    assert admin.is_active


def test_the_last_org_admin_cannot_be_deactivated(admin: User) -> None:
    with pytest.raises(ValidationError, match="last org admin"):
        person_deactivate(actor=admin, user=admin)

    admin.refresh_from_db()
    assert admin.is_active


def test_the_last_active_superuser_cannot_be_deactivated_from_the_people_page(admin: User) -> None:
    # given an org admin and one superuser, who alone can make superusers in the admin site
    root = User.objects.create_superuser("root", password="x")

    with pytest.raises(ValidationError, match="root is the last active superuser"):
        person_deactivate(actor=admin, user=root)

    root.refresh_from_db()
    assert root.is_active


def test_a_superuser_is_deactivated_while_another_is_active(admin: User) -> None:
    root = User.objects.create_superuser("root", password="x")
    User.objects.create_superuser("root2", password="x")

    person_deactivate(actor=admin, user=root)

    root.refresh_from_db()
    assert not root.is_active


def test_deactivating_twice_or_reactivating_an_active_person_is_refused(admin: User, member: User) -> None:
    with pytest.raises(ValidationError, match="active already"):
        person_reactivate(actor=admin, user=member)
    person_deactivate(actor=admin, user=member)
    with pytest.raises(ValidationError, match="deactivated already"):
        person_deactivate(actor=admin, user=member)


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin() -> None:
    # given two admins; another session is demoting Bea and holds the admins' rows
    ada = person("ada", Person.OrgRole.ADMIN)
    bea = person("bea", Person.OrgRole.ADMIN)
    database = connection.settings_dict
    outcome: dict[str, Exception] = {}

    def bea_demotes_ada() -> None:
        try:
            person_role_set(actor=bea, user=ada, org_role=Person.OrgRole.MEMBER)
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    with psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"],
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
    ) as other:
        other.execute("SELECT id FROM auth_user WHERE id IN (%s, %s) FOR UPDATE", (ada.pk, bea.pk))
        other.execute("UPDATE okrs_person SET org_role = 'member' WHERE user_id = %s", (bea.pk,))

        # when Bea, at the same moment, demotes Ada
        racer = threading.Thread(target=bea_demotes_ada)
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive(), "the second demotion must wait for the first"
        other.commit()
        racer.join(timeout=10)

    # then the second finds Bea is no longer an admin: Ada stays one
    assert isinstance(outcome.get("error"), PermissionDenied)
    assert Person.objects.get(user=ada).org_role == Person.OrgRole.ADMIN


def test_a_team_admin_manages_their_own_team(tier1: Team, team_admin: User, member: User) -> None:
    membership = membership_add(actor=team_admin, team=tier1, user=member, role=Membership.Role.VIEWER)
    membership_role_change(actor=team_admin, membership=membership, role=Membership.Role.ADMIN)
    assert Membership.objects.get(pk=membership.pk).role == Membership.Role.ADMIN

    membership_remove(actor=team_admin, membership=membership)
    assert not Membership.objects.filter(team=tier1, user=member).exists()


def test_a_team_admin_cannot_manage_another_team_and_an_editor_none(
    tier1: Team, tier2: Team, team_admin: User, editor: User, member: User
) -> None:
    other = member_of(tier2, person("otis"), Membership.Role.EDITOR)

    with pytest.raises(PermissionDenied):
        membership_add(actor=team_admin, team=tier2, user=member, role=Membership.Role.VIEWER)
    with pytest.raises(PermissionDenied):
        membership_role_change(actor=team_admin, membership=other, role=Membership.Role.VIEWER)
    with pytest.raises(PermissionDenied):
        membership_remove(actor=team_admin, membership=other)
    with pytest.raises(PermissionDenied):
        membership_add(actor=editor, team=tier1, user=member, role=Membership.Role.VIEWER)

    assert Membership.objects.get(pk=other.pk).role == Membership.Role.EDITOR
    assert not Membership.objects.filter(user=member).exists()


def test_a_team_admin_cannot_lock_themselves_out_of_their_team(tier1: Team, team_admin: User) -> None:
    own = Membership.objects.get(team=tier1, user=team_admin)

    with pytest.raises(ValidationError, match="own team admin role"):
        membership_role_change(actor=team_admin, membership=own, role=Membership.Role.EDITOR)
    with pytest.raises(ValidationError, match="remove yourself"):
        membership_remove(actor=team_admin, membership=own)

    assert Membership.objects.get(pk=own.pk).role == Membership.Role.ADMIN


def test_an_org_admin_may_change_their_own_team_role(admin: User, tier1: Team) -> None:
    own = member_of(tier1, admin, Membership.Role.ADMIN)

    membership_role_change(actor=admin, membership=own, role=Membership.Role.VIEWER)
    membership_remove(actor=admin, membership=own)

    assert not Membership.objects.filter(user=admin).exists()


@pytest.mark.parametrize(
    ("role", "message"),
    [("captain", "not a valid choice"), ("", "cannot be blank")],
)
def test_a_bad_team_role_is_refused(admin: User, tier1: Team, member: User, role: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        membership_add(actor=admin, team=tier1, user=member, role=role)

    assert not Membership.objects.exists()


def test_a_member_twice_or_a_deactivated_person_is_not_added(admin: User, tier1: Team, editor: User) -> None:
    gone = person("gone", is_active=False)

    with pytest.raises(ValidationError, match="in Tier 1 already"):
        membership_add(actor=admin, team=tier1, user=editor, role=Membership.Role.VIEWER)
    with pytest.raises(ValidationError, match="deactivated"):
        membership_add(actor=admin, team=tier1, user=gone, role=Membership.Role.VIEWER)

    assert list(Membership.objects.values_list("user__username", "role")) == [("eddie", "editor")]


def test_org_admins_create_and_rename_teams(admin: User) -> None:
    team = team_save(actor=admin, name="  Billing ", description="Invoices and refunds")
    assert (team.name, team.description) == ("Billing", "Invoices and refunds")

    team_save(actor=admin, team=team, name="Billing & refunds")
    assert Team.objects.get(pk=team.pk).name == "Billing & refunds"


@pytest.mark.parametrize(("name", "message"), [("Tier 1", "already exists"), ("   ", "cannot be blank")])
def test_a_bad_team_name_is_refused(admin: User, tier1: Team, name: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        team_save(actor=admin, name=name)

    assert list(Team.objects.values_list("name", flat=True)) == ["Tier 1"]


def test_only_org_admins_create_teams(team_admin: User, steward: User) -> None:
    for actor in (team_admin, steward):
        with pytest.raises(PermissionDenied):
            team_save(actor=actor, name="Shadow team")

    assert not Team.objects.filter(name="Shadow team").exists()
