"""What the API tests share: a small KPI library with series for three teams, people, tokens and clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from rest_framework.test import APIClient

from kpis.models import Dimension, Kpi
from kpis.services.library import kpi_library_load
from kpis.services.series import series_recompute_all
from kpis.services.targets import kpi_target_create
from okrs.api.services import access_token_create
from okrs.models import Membership, Person
from tests.kpis.conftest import Observe, observe  # noqa: F401  (a fixture, used by `kpi_data`)
from tests.okrs.factories import MembershipFactory, TeamFactory, UserFactory

MakeToken = Callable[..., str]

# Two months of one day each for three teams: enough to tell ratio of sums from an average of ratios.
DATA = {
    # team: (escalated, total) on 2 March and on 2 April
    "Tier 1": ((10, 100), (12, 150)),
    "Tier 2": ((40, 1000), (30, 1000)),
    "Billing": ((5, 20), (0, 0)),
}
MARCH, APRIL = dt.date(2026, 3, 2), dt.date(2026, 4, 2)


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    # Throttle counters live in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kpi_data(db: None, observe: Observe) -> Kpi:  # noqa: F811
    """The built-in library, escalation data for three teams in March and April, and a Q1 target for Tier 1."""
    kpi_library_load()
    for team, months in DATA.items():
        for day, (escalated, total) in zip((MARCH, APRIL), months, strict=True):
            observe("escalated_contacts", day, escalated, team=team)
            observe("total_contacts", day, total, team=team)
    series_recompute_all()
    kpi = Kpi.objects.get(key="contact_escalation_rate")
    kpi_target_create(
        kpi=kpi,
        period_label="2026-Q1",
        dimension=Dimension.objects.get(key="team"),
        member="Tier 1",
        value=12,
        tolerance=1,
    )
    return kpi


@pytest.fixture
def member(db: None) -> User:
    """Mia, a viewer of Tier 1."""
    user = UserFactory(username="mia", first_name="Mia", last_name="Member", email="mia@example.com")
    MembershipFactory(user=user, team=TeamFactory(name="Tier 1"), role=Membership.Role.VIEWER)
    return user


@pytest.fixture
def make_token(member: User) -> MakeToken:
    """A token's secret: `make_token()` reads as Mia; `make_token(scopes=["write"], user=…, days=None)`."""

    def _make(
        *, scopes: list[str] | None = None, user: User | None = None, days: int | None = 30, name: str = ""
    ) -> str:
        owner = user or member
        count = owner.access_tokens.count()
        _, secret = access_token_create(
            user=owner, name=name or f"token {count + 1}", scopes=scopes or ["read"], expires_in_days=days
        )
        return secret

    return _make


@pytest.fixture
def token_client(make_token: MakeToken) -> APIClient:
    """Mia's API client with a read-only token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token()}")
    return client


@pytest.fixture
def session_client(member: User) -> APIClient:
    """Mia signed in in the browser, CSRF checks on (as in a real browser)."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    return client


@pytest.fixture
def steward(db: None) -> User:
    """Sam, a data steward (no team)."""
    user = UserFactory(username="sam", first_name="Sam", last_name="Steward", email="sam@example.com")
    Person.objects.create(user=user, org_role=Person.OrgRole.STEWARD)
    return user


@pytest.fixture
def steward_client(steward: User, make_token: MakeToken) -> APIClient:
    """Sam's API client with a token of every scope."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(scopes=['read', 'write', 'push'], user=steward)}")
    return client


@pytest.fixture
def admin(db: None) -> User:
    """Ada, an org admin (no team)."""
    user = UserFactory(username="ada", first_name="Ada", last_name="Admin", email="ada@example.com")
    Person.objects.create(user=user, org_role=Person.OrgRole.ADMIN)
    return user


@pytest.fixture
def admin_client(admin: User, make_token: MakeToken) -> APIClient:
    """Ada's API client with a read and write token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(scopes=['read', 'write'], user=admin)}")
    return client
