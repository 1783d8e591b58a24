"""The whole way through real processes: a push through the API, the series and key-result recomputes on a real
Celery worker over Redis, and the signed status-change delivery arriving at a receiver this test runs."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from kpis import periods
from kpis.models import Dimension, Kpi
from kpis.services.calendar import period_for_day
from kpis.services.library import kpi_library_load
from okrs import webhook_signing
from okrs.api.services import access_token_create
from okrs.models import KeyResult, Membership, Person, Status, WebhookDelivery
from okrs.services.objectives import key_result_create, objective_create
from okrs.services.webhooks import webhook_create
from tests.okrs.factories import MembershipFactory, TeamFactory, UserFactory
from tests.webhook_receiver import webhook_receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 60


def test_a_push_moves_a_key_result_and_the_receiver_gets_the_signed_status_change(worker: Path) -> None:
    kpi_library_load()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    quarter = period_for_day(day=yesterday, grain=periods.Grain.QUARTER)
    team = TeamFactory(name="Tier 1")
    lead: User = UserFactory(username="lead")
    MembershipFactory(user=lead, team=team, role=Membership.Role.EDITOR)
    objective = objective_create(title="Fewer escalations", team=team, owner=lead, period=quarter, state="active")
    key_result = key_result_create(
        objective=objective,
        title="Escalation rate from 20 % to 10 %",
        kind=KeyResult.Kind.KPI_FROM_TO,
        kpi=Kpi.objects.get(key="contact_escalation_rate"),
        dimension=Dimension.objects.get(key="team"),
        member="Tier 1",
        baseline_value=20,
        target_value=10,
    )
    assert key_result.status == Status.NO_DATA
    steward = UserFactory(username="sam")
    Person.objects.create(user=steward, org_role=Person.OrgRole.STEWARD)
    _, secret = access_token_create(user=steward, name="helpdesk", scopes=["push"], expires_in_days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    with webhook_receiver() as receiver:
        webhook = webhook_create(url=receiver.url, events=["key_result.status_changed"], created_by=None)
        body = {
            "records": [
                {"date": yesterday.isoformat(), "team": "Tier 1", "total_contacts": 400, "escalated_contacts": 48}
            ]
        }
        pushed = client.post("/api/v1/measurements/", json.dumps(body), content_type="application/json")
        assert pushed.status_code == 202, pushed.json()

        arrived = receiver.arrived.wait(TIMEOUT_SECONDS)
        log = worker.read_text()
        assert arrived, log

    key_result.refresh_from_db()
    assert key_result.current_value == pytest.approx(12.0), log
    assert key_result.progress == pytest.approx(80.0), log
    got = receiver.received[0]
    assert webhook_signing.verify(got.headers["Pacer-Signature"], webhook.secret, got.body, now=int(time.time()))
    payload = json.loads(got.body)
    assert payload["event"] == "key_result.status_changed"
    change = payload["data"]["key_result"]
    assert (change["id"], change["previous_status"]) == (key_result.pk, "no_data")
    assert change["status"] == key_result.status != "no_data"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not WebhookDelivery.objects.filter(state="delivered").exists():
        time.sleep(0.2)
    assert WebhookDelivery.objects.get(state="delivered").response_code == 200
