"""The demo's people beyond the team leads: an analyst who stewards the data, agents who edit their team's OKRs and
a director who watches all three teams. They have no password: they show how roles look, nobody signs in as them."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from okrs.models import Membership, Person, Team
from okrs.services.objectives import membership_set

Role = Membership.Role
# username, first name, last name, org role, {team: role}
DEMO_PEOPLE: tuple[tuple[str, str, str, Person.OrgRole, dict[str, Membership.Role]], ...] = (
    ("olivia.analyst", "Olivia", "Analyst", Person.OrgRole.STEWARD, {}),
    ("sam.agent", "Sam", "Agent", Person.OrgRole.MEMBER, {"Tier 1": Role.EDITOR}),
    ("priya.agent", "Priya", "Agent", Person.OrgRole.MEMBER, {"Tier 2": Role.EDITOR}),
    ("ben.billing", "Ben", "Billing", Person.OrgRole.MEMBER, {"Billing": Role.EDITOR}),
    (
        "dana.director",
        "Dana",
        "Director",
        Person.OrgRole.MEMBER,
        {t: Role.VIEWER for t in ("Tier 1", "Tier 2", "Billing")},
    ),
)


@transaction.atomic
def demo_people_load(*, teams: dict[str, Team]) -> None:
    """Create or update the demo people and their roles in `teams` (name → team); idempotent."""
    for username, first_name, last_name, org_role, memberships in DEMO_PEOPLE:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.first_name, user.last_name, user.email = first_name, last_name, f"{username}@pacer.example"
        if not user.pk:
            user.set_unusable_password()
        user.full_clean()
        user.save()
        person = Person.objects.filter(user=user).first() or Person(user=user)
        person.org_role = org_role
        person.full_clean()
        person.save()
        for team_name, role in memberships.items():
            membership_set(team=teams[team_name], user=user, role=role)
