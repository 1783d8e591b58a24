"""okrs.roles: who is an org admin, a data steward, and who manages a team."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, connection, transaction

from okrs.models import Membership, Person, Team
from okrs.roles import can_manage_team, is_data_steward, is_org_admin, org_admins, org_role, team_role
from tests.okrs.people.conftest import member_of, person

pytestmark = pytest.mark.django_db


def test_a_superuser_is_an_org_admin_without_a_role_row() -> None:
    root = User.objects.create_superuser("root", password="x")

    assert org_role(root) == Person.OrgRole.ADMIN
    assert is_org_admin(root)
    assert is_data_steward(root)


def test_a_person_without_a_role_row_is_a_member(member: User) -> None:
    assert org_role(member) == Person.OrgRole.MEMBER
    assert not is_org_admin(member)
    assert not is_data_steward(member)


def test_a_data_steward_stewards_data_but_does_not_manage_people(steward: User) -> None:
    assert is_data_steward(steward)
    assert not is_org_admin(steward)


def test_an_org_admin_may_also_do_what_a_steward_may(admin: User) -> None:
    assert is_org_admin(admin)
    assert is_data_steward(admin)


def test_anonymous_and_deactivated_people_have_no_role(admin: User) -> None:
    admin.is_active = False
    admin.save()

    assert org_role(AnonymousUser()) is None
    assert org_role(admin) is None
    assert not is_org_admin(admin)


def test_team_roles_and_who_manages_a_team(
    tier1: Team, tier2: Team, team_admin: User, editor: User, admin: User
) -> None:
    assert team_role(team_admin, tier1) == Membership.Role.ADMIN
    assert team_role(editor, tier1) == Membership.Role.EDITOR
    assert team_role(editor, tier2) is None
    assert can_manage_team(team_admin, tier1)
    assert not can_manage_team(team_admin, tier2)
    assert not can_manage_team(editor, tier1)
    assert can_manage_team(admin, tier2)
    assert not can_manage_team(AnonymousUser(), tier1)


def test_org_admins_are_the_active_admins_and_superusers(admin: User, steward: User) -> None:
    root = User.objects.create_superuser("root", password="x")
    gone = person("gone", Person.OrgRole.ADMIN, is_active=False)

    assert set(org_admins()) == {admin, root}
    assert gone not in org_admins()


def test_the_database_refuses_an_unknown_org_role(member: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(user=member, org_role="overlord")

    assert not Person.objects.filter(user=member).exists()


def test_a_team_role_ends_with_the_membership(tier1: Team, member: User) -> None:
    membership = member_of(tier1, member, Membership.Role.VIEWER)

    membership.delete()

    assert team_role(member, tier1) is None


def test_the_migration_makes_existing_superusers_org_admins(member: User) -> None:
    migration = import_module("okrs.migrations.0004_superusers_are_org_admins")
    root = User.objects.create_superuser("root", password="x")

    with connection.schema_editor() as editor:
        migration.superusers_become_org_admins(apps, editor)

    assert Person.objects.get(user=root).org_role == Person.OrgRole.ADMIN
    assert not Person.objects.filter(user=member).exists()
