"""E-mail goes out through Django's mail settings: invitations and password resets reach a real SMTP server on
127.0.0.1, and the links in them work; EMAIL_URL and EMAIL_HOST & co. are parsed strictly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from config.env import CONSOLE_BACKEND, SMTP_BACKEND, EmailSettings, env_address, env_email
from okrs.models import Invitation, Person
from tests.mailserver import MailServer, running_mail_server
from tests.okrs.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
NEW_PASSWORD = "quarterly-pacing-lantern"
UNCONFIGURED = EmailSettings(CONSOLE_BACKEND)


def _only(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> None:
    """The e-mail variables are `environment` and nothing else."""
    for name in [name for name in os.environ if name.startswith("EMAIL_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)


@pytest.mark.django_db
def test_an_invitation_arrives_by_smtp_and_its_link_creates_the_account(client: Client, smtp: MailServer) -> None:
    admin = UserFactory(username="ada", first_name="Ada", last_name="Admin")
    Person.objects.create(user=admin, org_role="admin")
    client.force_login(admin)

    # when
    client.post(reverse("person_invite"), {"email": "ines@example.com", "org_role": "member"})

    # then the mail server got it, from the configured sender
    [message] = smtp.wait_for(1)
    assert message["To"] == "ines@example.com"
    assert message["From"] == "Pacer <okr@example.com>"
    assert message["Subject"] == "Ada Admin invited you to Pacer"
    link = smtp.link(message, r"/invitations/[^/\s]+/")

    # and following it creates the account and signs the invitee in
    client.logout()
    assert "Join Pacer" in client.get(link).content.decode()
    response = client.post(
        link,
        {"first_name": "Ines", "last_name": "Invitee", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        follow=True,
    )
    assert "Welcome to Pacer, Ines" in response.content.decode()
    assert Invitation.objects.get().accepted_by == User.objects.get(username="ines@example.com")


@pytest.mark.django_db
def test_a_password_reset_arrives_by_smtp_and_its_link_sets_a_new_password(client: Client, smtp: MailServer) -> None:
    user = UserFactory(username="mo", email="mo@example.com", first_name="Mo")
    user.set_password("the-old-forgotten-one")
    user.save()

    # when
    sent = client.post(reverse("password_reset"), {"email": "MO@example.com"}, follow=True)

    # then
    assert "Check your e-mail" in sent.content.decode()
    [message] = smtp.wait_for(1)
    assert message["To"] == "mo@example.com"
    assert message["Subject"] == "Reset your Pacer password"
    link = smtp.link(message, r"/accounts/password/reset/[^/\s]+/[^/\s]+/")

    # and the link leads to a form that sets the new password, once
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "This link does not work" in client.get(link, follow=True).content.decode()
    signed_in = client.post(reverse("login"), {"username": "mo", "password": NEW_PASSWORD})
    assert signed_in["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client: Client, smtp: MailServer) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)

    assert "Check your e-mail" in response.content.decode()
    assert smtp.messages == []


def test_email_url_sends_through_the_server_it_names_with_its_credentials(tmp_path: Path) -> None:
    with running_mail_server(credentials=("okr@example.com", "s3cret:/@")) as server:
        env = {key: value for key, value in os.environ.items() if not key.startswith("EMAIL_")}
        env |= {
            "DATA_DIR": str(tmp_path),
            "EMAIL_URL": f"smtp://okr%40example.com:s3cret%3A%2F%40@127.0.0.1:{server.port}/?timeout=5",
            "DEFAULT_FROM_EMAIL": "Pacer <okr@example.com>",
        }
        sent = subprocess.run(
            [sys.executable, "manage.py", "sendtestemail", "ops@example.com"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert sent.returncode == 0, sent.stderr
        [message] = server.wait_for(1)

    assert server.logins == ["okr@example.com"]
    assert message["To"] == "ops@example.com"
    assert message["From"] == "Pacer <okr@example.com>"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, UNCONFIGURED),
        ({"EMAIL_URL": "console://"}, EmailSettings(CONSOLE_BACKEND)),
        (
            {"EMAIL_URL": "smtp://user:p%40ss@mail.example.com:587/?tls=1"},
            EmailSettings(SMTP_BACKEND, "mail.example.com", 587, "user", "p@ss", use_tls=True),
        ),
        ({"EMAIL_URL": "smtp://mail.example.com"}, EmailSettings(SMTP_BACKEND, "mail.example.com", 25)),
        (
            {"EMAIL_URL": "smtp://mail.example.com?tls=yes"},
            EmailSettings(SMTP_BACKEND, "mail.example.com", 587, use_tls=True),
        ),
        (
            {"EMAIL_URL": "smtps://u:p@mail.example.com", "EMAIL_TIMEOUT": "30"},
            EmailSettings(SMTP_BACKEND, "mail.example.com", 465, "u", "p", use_ssl=True, timeout=30),
        ),
        (
            {"EMAIL_HOST": "relay.internal", "EMAIL_PORT": "2525", "EMAIL_USE_TLS": "true", "EMAIL_HOST_USER": "okr"},
            EmailSettings(SMTP_BACKEND, "relay.internal", 2525, "okr", use_tls=True),
        ),
    ],
)
def test_email_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: EmailSettings
) -> None:
    _only(monkeypatch, environment)

    assert env_email(unconfigured=UNCONFIGURED) == expected


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"EMAIL_URL": "mailto:ops@example.com"}, "is not an smtp://, smtps:// or console:// URL"),
        ({"EMAIL_URL": "smtp://"}, "names no host"),
        ({"EMAIL_URL": "smtp://mail.example.com:99999"}, "malformed port"),
        ({"EMAIL_URL": "smtp://mail.example.com:abc"}, "malformed port"),
        ({"EMAIL_URL": "smtp://mail.example.com/inbox"}, "has a path"),
        ({"EMAIL_URL": "smtp://mail.example.com/?tsl=1"}, "unknown or repeated options ['tsl']"),
        ({"EMAIL_URL": "smtp://mail.example.com/?tls=1&tls=0"}, "unknown or repeated options"),
        ({"EMAIL_URL": "smtp://mail.example.com/?tls=maybe"}, "tls='maybe', which is not a boolean"),
        ({"EMAIL_URL": "smtps://mail.example.com/?tls=1"}, "both STARTTLS"),
        ({"EMAIL_URL": "smtp://mail.example.com/?timeout=0"}, "not 1..600 seconds"),
        ({"EMAIL_URL": "smtp://mail.example.com", "EMAIL_HOST": "relay"}, "configure e-mail one way only"),
        ({"EMAIL_HOST": "relay", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "both true"),
        ({"EMAIL_HOST": "relay", "EMAIL_PORT": "0"}, "EMAIL_PORT=0 is outside 1..65535"),
        ({"EMAIL_HOST": "relay", "EMAIL_USE_TLS": "sure"}, "EMAIL_USE_TLS='sure' is not a boolean"),
    ],
)
def test_malformed_email_settings_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], message: str
) -> None:
    _only(monkeypatch, environment)

    with pytest.raises(ImproperlyConfigured) as refused:
        env_email(unconfigured=UNCONFIGURED)

    assert message in str(refused.value)


def test_a_refused_email_url_never_shows_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_URL", "smtp://okr:hunter2-secret@mail.example.com/inbox")

    with pytest.raises(ImproperlyConfigured) as refused:
        env_email(unconfigured=UNCONFIGURED)

    assert "EMAIL_URL='smtp://okr:***@mail.example.com/inbox'" in str(refused.value)
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("okr@example.com", "okr@example.com"), ("Pacer OKRs <okr@example.com>", "Pacer OKRs <okr@example.com>")],
)
def test_the_sender_address_is_checked(monkeypatch: pytest.MonkeyPatch, value: str, expected: str) -> None:
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", value)

    assert env_address("DEFAULT_FROM_EMAIL", "") == expected


@pytest.mark.parametrize("value", ["Pacer", "okr@", "<>", "Pacer <okr at example.com>"])
def test_a_malformed_sender_address_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", value)

    with pytest.raises(ImproperlyConfigured, match="DEFAULT_FROM_EMAIL"):
        env_address("DEFAULT_FROM_EMAIL", "")
