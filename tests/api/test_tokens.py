"""Personal access tokens: made by the service, sent as Bearer, limited by scopes, refused when expired or revoked."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from okrs.api import tokens
from okrs.api.selectors import access_token_by_digest
from okrs.api.services import access_token_create, access_token_revoke
from okrs.models import AccessToken
from tests.api.conftest import MakeToken
from tests.okrs.factories import UserFactory

pytestmark = pytest.mark.django_db


def _bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_it_stores_only_a_digest_of_the_secret(member: User) -> None:
    token, secret = access_token_create(user=member, name="Nightly push", scopes=["push"], expires_in_days=30)

    assert secret.startswith("pacer_")
    assert len(secret) == len("pacer_") + 43
    stored = AccessToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert stored.prefix == secret[:12]
    assert stored.expires_at is not None
    assert abs(stored.expires_at - stored.created_at - dt.timedelta(days=30)) < dt.timedelta(seconds=5)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name": "  ", "scopes": ["read"], "expires_in_days": 30}, "name"),
        ({"name": "x", "scopes": [], "expires_in_days": 30}, "scopes"),
        ({"name": "x", "scopes": ["read", "admin"], "expires_in_days": 30}, "scopes"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": 367}, "expires_in_days"),
    ],
)
def test_it_refuses_a_bad_token_naming_the_field_and_writes_nothing(
    member: User, arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        access_token_create(user=member, **arguments)  # type: ignore[arg-type]

    assert field in refused.value.message_dict
    assert not AccessToken.objects.exists()


def test_a_name_is_taken_until_its_token_is_revoked(member: User) -> None:
    token, _ = access_token_create(user=member, name="Push", scopes=["push"], expires_in_days=None)
    with pytest.raises(ValidationError, match="already have a token named 'Push'"):
        access_token_create(user=member, name="Push", scopes=["push"], expires_in_days=None)

    access_token_revoke(token=token)
    access_token_create(user=member, name="Push", scopes=["push"], expires_in_days=None)
    # another person may use the same name
    access_token_create(user=UserFactory(), name="Push", scopes=["read"], expires_in_days=None)
    assert AccessToken.objects.filter(name="Push").count() == 3


def test_the_database_refuses_a_token_without_scopes(member: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessToken.objects.create(user=member, name="x", prefix="pacer_x", digest="0" * 64, scopes=[])


def test_a_token_reads_as_its_owner_and_records_when_it_was_used(make_token: MakeToken) -> None:
    secret = make_token()

    response = _bearer(secret).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "mia"
    assert response.json()["authenticated_with"] == "token"
    token = AccessToken.objects.get()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=30)


def test_a_token_is_read_with_its_user_as_the_orm_reads_them(make_token: MakeToken) -> None:
    # authentication reads the token in a statement of its own (okrs.api.selectors): the same fields, converted
    secret = make_token(scopes=["read", "write"], days=3)
    AccessToken.objects.update(last_used_at=timezone.now())

    found = access_token_by_digest(digest=tokens.digest(secret))

    expected = AccessToken.objects.select_related("user").get()
    assert found is not None
    fields = [field.attname for field in AccessToken._meta.concrete_fields]
    assert [getattr(found, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert found.scopes == ["read", "write"]
    user_fields = [field.attname for field in User._meta.concrete_fields]
    assert [getattr(found.user, name) for name in user_fields] == [getattr(expected.user, name) for name in user_fields]
    assert access_token_by_digest(digest=tokens.digest(secret + "x")) is None


def test_it_records_use_at_most_once_a_minute(make_token: MakeToken, django_assert_num_queries: object) -> None:
    client = _bearer(make_token())
    client.get("/api/v1/me/")
    first = AccessToken.objects.get().last_used_at

    # the second request within the minute reads the token and writes nothing
    with django_assert_num_queries(1):  # type: ignore[operator]
        client.get("/api/v1/me/")
    assert AccessToken.objects.get().last_used_at == first


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer pacer_not-a-token", "token_invalid"),
        ("Bearer ", "token_malformed"),
        ("Bearer two words", "token_malformed"),
    ],
)
def test_a_bad_token_is_a_401_saying_why(member: User, header: str, code: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/kpis/")

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_expired_token_is_a_401_saying_when_it_expired(make_token: MakeToken) -> None:
    secret = make_token()
    AccessToken.objects.update(expires_at=dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC))

    response = _bearer(secret).get("/api/v1/kpis/")

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_expired"
    assert body["detail"] == "This token expired on 2026-01-31 12:00 UTC; create a new one on the API tokens page."
    assert body["errors"] == [{"field": None, "code": "token_expired", "message": body["detail"]}]


def test_a_revoked_token_is_a_401_saying_it_was_revoked(make_token: MakeToken) -> None:
    secret = make_token()
    access_token_revoke(token=AccessToken.objects.get())

    response = _bearer(secret).get("/api/v1/kpis/")

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"
    assert response.json()["detail"].startswith("This token was revoked on ")


def test_the_token_of_a_deactivated_account_is_refused(make_token: MakeToken, member: User) -> None:
    secret = make_token()
    User.objects.filter(pk=member.pk).update(is_active=False)

    response = _bearer(secret).get("/api/v1/kpis/")

    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_no_credentials_is_a_401_with_the_bearer_challenge(db: None) -> None:
    response = APIClient().get("/api/v1/kpis/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_read_token_cannot_change_anything(make_token: MakeToken) -> None:
    client = _bearer(make_token(scopes=["read"]))
    token_id = AccessToken.objects.get().pk

    response = client.delete(f"/api/v1/tokens/{token_id}/")

    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert response.json()["detail"] == "This token lacks the 'write' scope, which this request needs."
    assert AccessToken.objects.get().revoked_at is None


def test_a_push_token_cannot_read(make_token: MakeToken) -> None:
    response = _bearer(make_token(scopes=["push"])).get("/api/v1/kpis/")

    assert response.status_code == 403
    assert "'read' scope" in response.json()["detail"]


def test_a_write_token_revokes_itself_and_is_refused_from_then_on(make_token: MakeToken) -> None:
    client = _bearer(make_token(scopes=["read", "write"]))
    token_id = AccessToken.objects.get().pk

    assert client.delete(f"/api/v1/tokens/{token_id}/").status_code == 204

    assert AccessToken.objects.get().revoked_at is not None
    assert client.get("/api/v1/me/").json()["code"] == "token_revoked"


def test_a_token_cannot_make_tokens(make_token: MakeToken) -> None:
    client = _bearer(make_token(scopes=["read", "write"]))

    response = client.post("/api/v1/tokens/", {"name": "More", "scopes": ["read"]}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "session_required"
    assert AccessToken.objects.count() == 1


def test_a_session_makes_a_token_with_its_csrf_token_and_sees_the_secret_once(
    session_client: APIClient, member: User
) -> None:
    body = {"name": "Reader", "scopes": ["read"], "expires_in_days": 7}

    # without the CSRF token the browser's session is refused
    refused = session_client.post("/api/v1/tokens/", body, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not AccessToken.objects.exists()

    session_client.get("/api/tokens/")  # a page sets the CSRF cookie, as in the browser
    csrf = session_client.cookies["csrftoken"].value
    created = session_client.post("/api/v1/tokens/", body, format="json", HTTP_X_CSRFTOKEN=csrf)

    assert created.status_code == 201
    secret = created.json()["token"]
    assert created.json()["scopes"] == ["read"]
    assert _bearer(secret).get("/api/v1/me/").json()["token"]["name"] == "Reader"
    listed = session_client.get("/api/v1/tokens/").json()["results"]
    assert [item["name"] for item in listed] == ["Reader"]
    assert "token" not in listed[0]


def test_nobody_sees_or_revokes_another_persons_token(make_token: MakeToken) -> None:
    other = UserFactory(username="olga")
    make_token(user=other, name="Olga's")
    theirs = AccessToken.objects.get(user=other)
    client = _bearer(make_token(scopes=["read", "write"]))

    assert client.get(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    assert client.delete(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    assert [t["name"] for t in client.get("/api/v1/tokens/").json()["results"]] == ["token 1"]
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_session_is_not_limited_by_scopes(session_client: APIClient) -> None:
    response = session_client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["authenticated_with"] == "session"
    assert response.json()["token"] is None
