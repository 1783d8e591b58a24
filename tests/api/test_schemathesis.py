"""schemathesis over the whole schema, in-process against the WSGI app: no server error for any input, and every
answer (status, headers, body) as the schema describes it. With a viewer's token, a data steward's token, and a
browser session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from pytest_django.fixtures import Settings as SettingsWrapper

from config.wsgi import application
from kpis.models import Kpi
from tests.api.conftest import MakeToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(kpi_data: Kpi, request: pytest.FixtureRequest, settings: SettingsWrapper) -> Iterator[Any]:
    """The schema as served, with the data loaded once for every operation (one test runs them all)."""
    # The token endpoints' throttle would otherwise answer most of their examples with 429.
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": {"tokens": "100000/minute", "push": "100000/minute"}
    }
    # schemathesis renames the test per operation through `_nodeid`, which pytest 9 no longer sets.
    request.node._nodeid = request.node.nodeid
    # As Django's test client does: a request must not close the connection that holds the test's transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


# The schema cannot say that `from` comes before `to`, that `member` needs `by`, which dimension keys exist or
# which cursors were given out; such requests are schema-valid and rightly answer 400 naming the field (each has a
# test of its own), so the check that every schema-valid request succeeds is left out. Every other check runs.
_CHECKS = {"excluded_checks": [schemathesis.checks.positive_data_acceptance]}
# Modest counts keep the run short; the coverage phase still tries every parameter's edge cases. The same examples
# every run (derandomize): a run that found a new failure only by chance would fail an unrelated change's CI; a
# failure found is a test of its own (`?team=` blank on the scorecard: tests/api/test_scorecard.py).
_FEW = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture
def secret(make_token: MakeToken) -> str:
    # Every scope: a DELETE of a token it owns is then a real revocation, not a scope refusal.
    return make_token(scopes=["read", "write", "push"], name="schemathesis", days=None)


@pytest.fixture
def steward_secret(steward: User, make_token: MakeToken) -> str:
    return make_token(scopes=["read", "write", "push"], user=steward, name="steward schemathesis", days=None)


@schema.parametrize()
@_FEW
def test_with_a_token(case: schemathesis.Case, secret: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, **_CHECKS)


@schema.parametrize()
@_FEW
def test_as_a_data_steward(case: schemathesis.Case, steward_secret: str) -> None:
    # Imports and pushes are data stewards' endpoints: with a viewer's token they only ever answer 403.
    case.call_and_validate(headers={"Authorization": f"Bearer {steward_secret}"}, **_CHECKS)


@schema.parametrize()
@_FEW
def test_with_a_session(case: schemathesis.Case, member: User) -> None:
    client = Client()
    client.force_login(member)
    case.call_and_validate(headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"}, **_CHECKS)
