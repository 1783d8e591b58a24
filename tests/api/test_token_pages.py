"""The API tokens page: a token is created (its secret shown once), listed and revoked in the browser."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from okrs.api import tokens
from okrs.api.services import access_token_create
from okrs.models import AccessToken
from tests.api.conftest import MakeToken
from tests.okrs.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


def test_it_needs_a_signed_in_person(client: Client) -> None:
    response = client.get("/api/tokens/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_new_token_is_shown_once_and_stored_as_a_digest(browser: Client, member: User) -> None:
    response = browser.post(
        "/api/tokens/", {"name": "Helpdesk push", "scopes": ["read", "push"], "expires_in_days": "30"}
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("pacer_")
    assert secret in response.content.decode()
    token = AccessToken.objects.get(user=member)
    assert (token.name, token.scopes, token.digest) == ("Helpdesk push", ["read", "push"], tokens.digest(secret))

    # the next visit lists the token by its prefix and never shows the secret again
    again = browser.get("/api/tokens/").content.decode()
    assert "Helpdesk push" in again
    assert f"{token.prefix}…" in again
    assert secret not in again


def test_a_token_that_never_expires_says_so(browser: Client) -> None:
    browser.post("/api/tokens/", {"name": "Forever", "scopes": ["read"], "expires_in_days": ""})

    assert AccessToken.objects.get().expires_at is None
    assert "Never" in browser.get("/api/tokens/").content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "scopes": ["read"], "expires_in_days": "30"}, "name"),
        ({"name": "No scopes", "expires_in_days": "30"}, "scopes"),
        ({"name": "Bad scope", "scopes": ["admin"], "expires_in_days": "30"}, "scopes"),
        ({"name": "Bad lifetime", "scopes": ["read"], "expires_in_days": "1000"}, "expires_in_days"),
    ],
)
def test_a_bad_form_shows_the_error_inline_and_writes_nothing(
    browser: Client, data: dict[str, object], field: str
) -> None:
    response = browser.post("/api/tokens/", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert response.context["secret"] is None
    assert not AccessToken.objects.exists()


def test_a_taken_name_is_refused_by_the_service_and_shown_on_the_field(browser: Client, make_token: MakeToken) -> None:
    make_token(name="Push")

    response = browser.post("/api/tokens/", {"name": "Push", "scopes": ["read"], "expires_in_days": "30"})

    assert response.status_code == 400
    assert "already have a token named 'Push'" in response.context["form"].errors["name"][0]
    assert AccessToken.objects.count() == 1


def test_a_token_is_revoked_from_the_page(browser: Client, make_token: MakeToken) -> None:
    make_token(name="Old script")
    token = AccessToken.objects.get()

    response = browser.post(f"/api/tokens/{token.pk}/revoke/", follow=True)

    token.refresh_from_db()
    assert token.revoked_at is not None
    page = response.content.decode()
    assert "Revoked “Old script”" in page
    assert "Revoked</span>" in page


def test_nobody_revokes_another_persons_token(browser: Client) -> None:
    other = UserFactory(username="olga")
    token, _ = access_token_create(user=other, name="Olga's", scopes=["read"], expires_in_days=None)

    assert browser.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "Olga" not in browser.get("/api/tokens/").content.decode()


def test_revoking_needs_a_post(browser: Client, make_token: MakeToken) -> None:
    make_token()

    assert browser.get(f"/api/tokens/{AccessToken.objects.get().pk}/revoke/").status_code == 405


def test_the_pages_are_throttled_with_retry_after(browser: Client, settings: SettingsWrapper) -> None:
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"DEFAULT_THROTTLE_RATES": {"tokens": "3/minute"}}
    data = {"name": "", "scopes": ["read"], "expires_in_days": "30"}

    statuses = [browser.get("/api/tokens/").status_code, browser.post("/api/tokens/", data).status_code]
    statuses += [browser.get("/api/tokens/").status_code, browser.get("/api/tokens/").status_code]

    assert statuses == [200, 400, 200, 429]
    response = browser.post("/api/tokens/", data | {"name": "Too many"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many requests" in response.content.decode()
    assert not AccessToken.objects.exists()
