"""In the browser: an org admin invites a colleague who joins from the e-mailed link; a team admin manages their
team; anyone changes or resets their password; too many wrong passwords pause signing in. At 1440 and 390 px."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from okrs.models import Membership, Person, Team
from okrs.services.objectives import membership_set
from tests.e2e.conftest import PASSWORD, screenshot
from tests.mailserver import MailServer

pytestmark = [pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "quarterly-pacing-lantern"
WIDE, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


def _both_widths(page: Page, name: str) -> None:
    page.set_viewport_size(WIDE)
    screenshot(page, f"{name}-1440")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(WIDE)


def _sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.fixture
def teams(user: User) -> dict[str, Team]:
    """The signed-in lead, Lena, is an org admin and admin of Tier 1; a few colleagues fill the teams."""
    Person.objects.update_or_create(user=user, defaults={"org_role": Person.OrgRole.ADMIN})
    made = {name: Team.objects.create(name=name) for name in ("Billing", "Tier 1", "Tier 2")}
    membership_set(team=made["Tier 1"], user=user, role=Membership.Role.ADMIN)
    for username, first, last, team, role in [
        ("sam", "Sam", "Agent", "Tier 1", Membership.Role.EDITOR),
        ("priya", "Priya", "Agent", "Tier 2", Membership.Role.EDITOR),
        ("dana", "Dana", "Director", "Tier 1", Membership.Role.VIEWER),
        ("olivia", "Olivia", "Analyst", None, None),
    ]:
        colleague = User.objects.create_user(
            username, f"{username}@example.com", PASSWORD, first_name=first, last_name=last
        )
        if team and role:
            membership_set(team=made[team], user=colleague, role=role)
    Person.objects.update_or_create(
        user=User.objects.get(username="olivia"), defaults={"org_role": Person.OrgRole.STEWARD}
    )
    return made


def test_an_org_admin_invites_a_colleague_who_joins_from_the_email(
    signed_in: Page, teams: dict[str, Team], smtp: MailServer
) -> None:
    page = signed_in

    # the People page lists everyone with their role and teams
    page.goto("/")
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    expect(page.locator(".people-table tbody tr")).to_have_count(5)
    expect(page.locator(".people-table")).to_contain_text("Data steward")
    _both_widths(page, "people")

    # an invitation to Tier 2 as an editor
    page.get_by_role("link", name="Invite a colleague").click()
    page.fill("input[name=email]", "ines@example.com")
    page.get_by_label("Member").check()
    page.select_option("select[name=team]", label="Tier 2")
    page.select_option("select[name=team_role]", "editor")
    _both_widths(page, "invite")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".message.success")).to_contain_text("Invitation sent to ines@example.com")
    expect(page.locator(".invitations-table")).to_contain_text("ines@example.com")

    # the invitee follows the e-mailed link, signed out
    [message] = smtp.wait_for(1)
    link = smtp.link(message, r"/invitations/[^/\s]+/")
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Pacer")
    page.fill("input[name=first_name]", "Ines")
    page.fill("input[name=last_name]", "Invitee")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=password_again]", NEW_PASSWORD)
    _both_widths(page, "accept-invite")
    page.get_by_role("button", name="Create my account").click()

    # and is in, as an editor of Tier 2, without the People page
    expect(page.locator(".message.success")).to_contain_text("Welcome to Pacer, Ines")
    expect(page.get_by_role("link", name="People")).to_have_count(0)
    page.get_by_role("link", name="Teams").click()
    expect(page.locator(".team-card h2")).to_have_text(["Tier 2"])
    assert Membership.objects.get(user__username="ines@example.com").role == Membership.Role.EDITOR


def test_a_team_admin_changes_a_role_and_adds_a_member(signed_in: Page, teams: dict[str, Team]) -> None:
    page = signed_in
    Person.objects.filter(user__username="lead").delete()  # a team admin only, not an org admin

    page.goto("/teams/")
    page.get_by_role("link", name="Tier 1").click()
    expect(page.locator(".members-table tbody tr")).to_have_count(3)
    _both_widths(page, "team-members")

    page.get_by_label("Role of Dana Director in Tier 1").select_option("editor")
    page.locator("tr", has_text="Dana Director").get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_contain_text("Dana Director is now editor of Tier 1.")

    page.select_option("select[name=user]", label="Olivia Analyst (olivia)")
    page.select_option("#id_role", "viewer")
    page.get_by_role("button", name="Add to Tier 1").click()
    expect(page.locator(".message.success")).to_contain_text("Olivia Analyst joined Tier 1.")
    expect(page.locator(".members-table tbody tr")).to_have_count(4)


def test_a_person_changes_their_password(signed_in: Page, user: User) -> None:
    page = signed_in

    page.locator(".account a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    _both_widths(page, "password-change")
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_forgotten_password_is_reset_from_the_emailed_link(page: Page, user: User, smtp: MailServer) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.fill("input[name=email]", "lead@example.com")
    _both_widths(page, "password-reset")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    [message] = smtp.wait_for(1)
    page.goto(smtp.link(message, r"/accounts/password/reset/[^/\s]+/[^/\s]+/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    _both_widths(page, "password-reset-confirm")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is set")

    _sign_in(page, "lead", NEW_PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_too_many_wrong_passwords_pause_signing_in(page: Page, user: User) -> None:
    for _ in range(4):
        _sign_in(page, "lead", "not-my-password")
        expect(page.locator(".form-error")).to_contain_text("Please enter a correct username and password")

    _sign_in(page, "lead", "not-my-password")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in paused")
    expect(page.locator(".lockout-note")).to_contain_text("15 minutes")
    _both_widths(page, "lockout")
    _sign_in(page, "lead", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in paused")
