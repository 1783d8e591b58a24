"""Django's admin site keeps the people page's rule: the organisation keeps an active org admin, and an active
superuser while it has one; a refused change says why and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from okrs.models import Person
from tests.okrs.people.conftest import person

pytestmark = pytest.mark.django_db


def _change(client: Client, user: User, **flags: bool) -> Any:
    """Post the admin's change form for `user` as it stands, with `flags` (is_active, is_staff, is_superuser) set."""
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    for name in ("is_active", "is_staff", "is_superuser"):
        if flags.get(name, getattr(user, name)):
            data[name] = "on"
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), data)


def _flags(user: User) -> tuple[bool, bool]:
    user.refresh_from_db()
    return user.is_active, user.is_superuser


@pytest.fixture
def root(client: Client) -> User:
    """The only superuser, signed in to the admin site."""
    user = User.objects.create_superuser("root", email="root@example.com", password="x")
    client.force_login(user)
    return user


@pytest.mark.parametrize("flags", [{"is_superuser": False}, {"is_active": False}], ids=["demote", "deactivate"])
def test_the_last_superuser_cannot_demote_or_deactivate_themselves(
    client: Client, root: User, flags: dict[str, bool]
) -> None:
    response = _change(client, root, **flags)

    assert response.status_code == 200
    assert "root is the last org admin: make someone else an org admin first." in response.content.decode()
    assert _flags(root) == (True, True)


def test_the_last_superuser_stays_one_while_an_org_admin_remains(client: Client, root: User) -> None:
    # given an org admin by role: the org keeps an admin, but nobody could make a superuser any more
    person("ada", Person.OrgRole.ADMIN)

    response = _change(client, root, is_superuser=False)

    assert "root is the last active superuser: make someone else a superuser in the admin site first." in (
        response.content.decode()
    )
    assert _flags(root) == (True, True)


def test_a_superuser_demotes_another_while_they_stay_one(client: Client, root: User) -> None:
    other = User.objects.create_superuser("other", email="other@example.com", password="x")

    response = _change(client, other, is_superuser=False)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert _flags(other) == (True, False)


def test_staff_with_the_permission_cannot_deactivate_the_last_org_admin(client: Client) -> None:
    # given no superuser, one org admin by role, and a staff member allowed to change accounts
    ada = person("ada", Person.OrgRole.ADMIN)
    staff = person("sam", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client.force_login(staff)

    response = _change(client, ada, is_active=False)

    assert "ada is the last org admin" in response.content.decode()
    assert _flags(ada) == (True, False)
