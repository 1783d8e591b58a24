"""Sign-in limits, the security log, and the headers every page carries: CSP, private caching, HSTS and the HTTPS
redirect in production mode, idle session expiry, and `check --deploy` clean with the documented settings."""

from __future__ import annotations

import logging
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from config.security import client_address
from okrs.models import Membership, Person
from tests.okrs.factories import MembershipFactory, TeamFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-staple"


def _user(username: str, **fields: object) -> User:
    user = UserFactory(username=username, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(username: str, password: str, address: str = "203.0.113.7") -> tuple[Client, int]:
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response.status_code


@pytest.mark.django_db
def test_an_account_is_paused_at_the_fifth_failure_whatever_the_address() -> None:
    _user("mo")
    for attempt in range(4):
        assert _sign_in("mo", "wrong", address=f"198.51.100.{attempt}")[1] == 200
    assert _sign_in("mo", "wrong", address="198.51.100.4")[1] == 429

    # the right password does not get through during the pause, from anywhere
    client = Client(REMOTE_ADDR="192.0.2.50")
    response = client.post(reverse("login"), {"username": "mo", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused" in page
    assert "15 minutes" in page
    assert "_auth_user_id" not in client.session
    # another account from the same address is not affected
    _user("eve")
    assert _sign_in("eve", PASSWORD, address="192.0.2.50")[1] == 302


@pytest.mark.django_db
def test_an_address_is_paused_at_the_fifth_failure_whatever_the_account() -> None:
    _user("mo")
    for name in ("a", "b", "c", "d", "e"):
        _sign_in(name, "wrong", address="198.51.100.9")

    assert _sign_in("mo", PASSWORD, address="198.51.100.9")[1] == 429
    assert _sign_in("mo", PASSWORD, address="198.51.100.10")[1] == 302


@pytest.mark.django_db
def test_the_pause_ends_after_the_cool_down() -> None:
    _user("mo")
    for _ in range(5):
        _sign_in("mo", "wrong")
    assert _sign_in("mo", PASSWORD)[1] == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert _sign_in("mo", PASSWORD)[1] == 302


@pytest.mark.django_db
def test_the_admin_site_sign_in_counts_too() -> None:
    _user("root", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(5):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})

    assert client.post("/admin/login/", {"username": "root", "password": PASSWORD}).status_code == 429


def _reset(email: str, address: str = "203.0.113.7") -> tuple[int, str]:
    response = Client(REMOTE_ADDR=address).post(reverse("password_reset"), {"email": email})
    return response.status_code, response.content.decode()


@pytest.mark.django_db
def test_password_resets_pause_after_the_limit_from_one_address(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # given three accounts and a limit of two resets an hour
    settings.PASSWORD_RESET_LIMIT = 2
    for name in ("ann", "bob", "cy"):
        _user(name, email=f"{name}@example.com")
    assert [_reset("ann@example.com")[0], _reset("bob@example.com")[0]] == [302, 302]

    # when a third is asked for from the same address
    with caplog.at_level(logging.WARNING, logger="pacer.security"):
        status, page = _reset("cy@example.com")

    # then it is refused on the form, saying why, and sends nothing
    assert status == 429
    assert "Too many password resets were asked for from here or for this address. Try again in an hour" in page
    assert 'name="email"' in page
    assert [message.to for message in mail.outbox] == [["ann@example.com"], ["bob@example.com"]]
    assert "password reset refused, too many: cy@example.com from 203.0.113.7" in caplog.text
    # another address is not held up by this one
    assert _reset("cy@example.com", address="198.51.100.9")[0] == 302


@pytest.mark.django_db
def test_password_resets_for_one_email_address_pause_whatever_the_address(settings: Settings) -> None:
    settings.PASSWORD_RESET_LIMIT = 2
    _user("ann", email="ann@example.com")

    statuses = [
        _reset(email, address=f"198.51.100.{n}")[0]
        for n, email in enumerate(["ann@example.com", "ANN@example.com ", "ann@example.com"])
    ]

    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_bad_reset_form_is_not_counted(settings: Settings) -> None:
    settings.PASSWORD_RESET_LIMIT = 1
    _user("ann", email="ann@example.com")

    assert _reset("not an address")[0] == 200
    assert _reset("ann@example.com")[0] == 302
    assert _reset("ann@example.com", address="198.51.100.1")[0] == 429


@pytest.mark.django_db
def test_sign_ins_failures_lockouts_and_denials_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    _user("mo")
    caplog.set_level(logging.INFO, logger="pacer.security")

    client, _ = _sign_in("mo", PASSWORD, address="203.0.113.7")
    client.get(reverse("people"))
    for _ in range(5):
        _sign_in("mo", "wrong", address="203.0.113.8")
    _sign_in("mo", PASSWORD, address="203.0.113.8")

    records = [r for r in caplog.records if r.name == "pacer.security"]
    events = [(r.event, r.username, r.address) for r in records]  # type: ignore[attr-defined]
    assert events[0] == ("sign_in", "mo", "203.0.113.7")
    assert events[1] == ("denied", "mo", "203.0.113.7")
    assert records[1].path == "/people/"  # type: ignore[attr-defined]
    assert events[2:6] == [("sign_in_failed", "mo", "203.0.113.8")] * 4
    assert events[6:] == [("sign_in_locked_out", "mo", "203.0.113.8")] * 2
    assert all(r.levelno == logging.WARNING for r in records[1:])
    assert PASSWORD not in caplog.text
    assert "wrong" not in caplog.text


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.2"),
        (1, "198.51.100.4", "198.51.100.4"),
        (1, "6.6.6.6, 198.51.100.4", "198.51.100.4"),
        (2, "6.6.6.6, 198.51.100.4, 10.0.0.9", "198.51.100.4"),
        (2, "198.51.100.4", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_the_visitors_address_is_what_the_outermost_trusted_proxy_saw(
    settings: Settings, proxies: int, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


class _InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy would block: inline scripts, handlers and style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")]


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_no_inline_code(client: Client) -> None:
    admin = _user("ada", first_name="Ada")
    Person.objects.create(user=admin, org_role="admin")
    team = TeamFactory(name="Tier 1")
    MembershipFactory(team=team, user=admin, role=Membership.Role.ADMIN)
    anonymous_pages = [reverse("login"), reverse("password_reset")]
    pages = [
        reverse("dashboard"),
        reverse("planning"),
        reverse("people"),
        reverse("person_invite"),
        reverse("person_detail", args=[admin.pk]),
        reverse("teams"),
        reverse("team_detail", args=[team.pk]),
        reverse("password_change"),
        reverse("kpi_list"),
        reverse("import_list"),
    ]

    for url in anonymous_pages:
        _check_page(client, url)
    client.force_login(admin)
    for url in pages:
        _check_page(client, url)


def _check_page(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert "img-src 'self' data:" in policy
    parser = _InlineCode()
    parser.feed(response.content.decode())
    assert parser.found == [], (url, parser.found)


@pytest.mark.django_db
def test_signed_in_pages_are_private_and_downloads_not_stored(client: Client) -> None:
    client.force_login(_user("mo"))

    assert "private" in client.get(reverse("dashboard"))["Cache-Control"]
    download = client.get(reverse("scorecard_csv"))
    assert download["Content-Disposition"].startswith("attachment")
    assert "private" in download["Cache-Control"]
    assert "no-store" in download["Cache-Control"]


@pytest.mark.django_db
def test_an_idle_session_ends_and_an_active_one_is_kept_alive(client: Client, settings: Settings) -> None:
    client.force_login(_user("mo"))
    key = client.session.session_key

    # a request a few minutes after the last one pushes the expiry back by the idle timeout
    session = client.session
    session["pacer_last_seen"] = int(timezone.now().timestamp()) - 300
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get(reverse("teams")).status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry - timezone.now() > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)

    # a session left idle past it is gone
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("teams"))["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_production_mode_redirects_to_https_and_sends_hsts(client: Client, settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600

    assert client.get("/accounts/login/")["Location"] == "https://testserver/accounts/login/"
    assert client.get("/health/").status_code == 200  # the load balancer's probe stays on plain HTTP
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_behind_a_tls_proxy_its_header_marks_the_request_secure(client: Client, settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    assert client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


def _documented_production_environment(tmp_path: Path) -> dict[str, str]:
    """The variables docs/deployment.md lists under "A production environment", with a real secret key."""
    docs = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    block = re.search(r"### A production environment\n.*?```bash\n(.*?)```", docs, re.DOTALL)
    assert block is not None, "docs/deployment.md lost its production environment block"
    lines = [line.split("=", 1) for line in block.group(1).splitlines() if line.strip()]
    documented = {name: value.strip('"') for name, value in lines}
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_PROXY_SSL_HEADER", "EMAIL_URL"} <= set(documented)
    # Not the test run's own switches (the browser tests allow Django's async-unsafe calls, for one).
    configuration = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "EMAIL_")) and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return configuration | documented | {"SECRET_KEY": secrets.token_urlsafe(64), "DATA_DIR": str(tmp_path)}


def _manage(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_with_the_documented_production_settings(tmp_path: Path) -> None:
    checked = _manage(_documented_production_environment(tmp_path), "check", "--deploy", "--fail-level", "DEBUG")

    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "System check identified no issues" in checked.stdout
    assert "WARNINGS" not in checked.stderr + checked.stdout


def test_production_mode_turns_the_protections_on_by_default(tmp_path: Path) -> None:
    environment = _documented_production_environment(tmp_path)
    shown = _manage(environment, "shell", "--no-imports", "-c", _PRINT_SETTINGS)

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == [
        "True",  # SECURE_SSL_REDIRECT
        "31536000",  # SECURE_HSTS_SECONDS
        "True",  # SESSION_COOKIE_SECURE
        "('HTTP_X_FORWARDED_PROTO','https')",
        "28800",  # SESSION_COOKIE_AGE: 8 idle hours
        "smtp.EmailBackend",
    ]


_PRINT_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
    "str(s.SECURE_PROXY_SSL_HEADER).replace(' ', ''), s.SESSION_COOKIE_AGE, s.EMAIL_BACKEND.split('backends.')[1])"
)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURE_PROXY_SSL_HEADER", "https"),
        ("SECURE_PROXY_SSL_HEADER", "X Forwarded Proto: https"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto:"),
        ("SECURE_SSL_REDIRECT", "perhaps"),
        ("SECURE_HSTS_SECONDS", "-1"),
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("SESSION_IDLE_MINUTES", "0"),
        ("LOGIN_FAILURE_LIMIT", "0"),
        ("LOGIN_COOLOFF_MINUTES", "soon"),
        ("INVITATION_DAYS", "0"),
        ("EMAIL_URL", "smtp://mail.example.com/?tls=perhaps"),
        ("DEFAULT_FROM_EMAIL", "Pacer"),
    ],
)
def test_a_malformed_security_setting_stops_the_start_naming_it(tmp_path: Path, name: str, value: str) -> None:
    environment = _documented_production_environment(tmp_path) | {name: value}

    started = _manage(environment, "check")

    assert started.returncode != 0
    last_line = started.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert name in last_line


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_is_refused_on_a_styled_page_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(_user("mo"))
    caplog.set_level(logging.WARNING, logger="pacer.security")

    response = client.post(reverse("password_change"), {"old_password": PASSWORD})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Please try again" in page
    parser = _InlineCode()
    parser.feed(page)
    assert parser.found == []
    assert [r.event for r in caplog.records if r.name == "pacer.security"][-1] == "denied"  # type: ignore[attr-defined]
