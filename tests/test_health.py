from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_answers_without_sign_in_when_the_database_answers(client: Client) -> None:
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_every_other_page_needs_a_signed_in_user(client: Client) -> None:
    response = client.get("/kpis/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
