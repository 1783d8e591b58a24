"""Scheduled scorecards: subscribing in the browser, and the e-mail with its attachment on a real SMTP server,
sent in-process and by a real worker, retried when the mail server fails."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from kpis import periods
from kpis.services.calendar import period_for
from okrs.exports.delivery import ScorecardNotSent, scorecard_subscription_send
from okrs.models import ScorecardSubscription, Status
from okrs.tasks import scorecard_subscriptions_send_due_task
from tests.conftest import StartWorker
from tests.mailserver import MailServer, free_port
from tests.okrs.factories import KeyResultFactory, MembershipFactory, ObjectiveFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TIMEOUT_SECONDS = 60


def _this_quarter_objective(person: User, team_name: str = "Tier 1") -> None:
    team = TeamFactory(name=team_name)
    MembershipFactory(user=person, team=team)
    period = period_for(span=periods.containing(timezone.localdate(), periods.Grain.QUARTER))
    objective = ObjectiveFactory(team=team, owner=person, period=period, title="Cut escalations")
    KeyResultFactory(objective=objective, title="Macros live", progress=40, expected=50, status=Status.AT_RISK)
    KeyResultFactory(objective=objective, title="Help centre", progress=80, expected=50, status=Status.ON_TRACK)


def _due(person: User, **fields: object) -> ScorecardSubscription:
    values: dict[str, object] = {"format": "pdf", "frequency": "weekly", "weekday": 0, "time": "08:00"}
    values |= fields
    return ScorecardSubscription.objects.create(
        person=person, next_run_at=timezone.now() - timedelta(minutes=1), **values
    )


@pytest.fixture
def person() -> User:
    return UserFactory(username="dora", first_name="Dora", last_name="Director", email="dora@example.com")


def test_a_person_subscribes_in_the_browser_and_sees_when_it_comes(client: Client, person: User) -> None:
    _this_quarter_objective(person)
    client.force_login(person)
    team = person.okr_teams.get()

    response = client.post(
        reverse("scorecard_subscriptions"),
        {"team": team.pk, "format": "xlsx", "frequency": "weekly", "weekday": "0", "time": "08:30"},
    )

    assert response.status_code == 302
    subscription = ScorecardSubscription.objects.get()
    assert (subscription.team, subscription.format, subscription.weekday) == (team, "xlsx", 0)
    local = timezone.localtime(subscription.next_run_at)
    assert (local.weekday(), local.hour, local.minute) == (0, 8, 30)
    assert local > timezone.localtime()
    page = client.get(reverse("scorecard_subscriptions")).content.decode()
    assert "Every Monday at 08:30" in page
    assert "Not sent yet" in page
    assert 'href="/scorecard/subscriptions/"' in client.get(reverse("scorecard")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"frequency": "weekly", "time": "08:00"}, "Choose the day of the week."),
        ({"frequency": "monthly", "time": "08:00"}, "Choose the day of the month"),
        ({"frequency": "monthly", "day_of_month": "31", "time": "08:00"}, "less than or equal to 28"),
        ({"frequency": "weekly", "weekday": "0", "time": "25:00"}, "Enter a valid time"),
        ({"frequency": "weekly", "weekday": "0", "time": "08:00", "format": "docx"}, "Select a valid choice"),
        ({"frequency": "weekly", "weekday": "0", "time": "08:00", "team": "999999"}, "Select a valid choice"),
    ],
)
def test_a_bad_subscription_is_named_inline_and_nothing_is_saved(
    client: Client, person: User, data: dict[str, str], message: str
) -> None:
    client.force_login(person)

    response = client.post(reverse("scorecard_subscriptions"), {"format": "pdf", **data})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScorecardSubscription.objects.exists()


def test_no_one_else_can_subscribe_to_a_team_or_end_a_subscription_not_theirs(client: Client, person: User) -> None:
    other_team = TeamFactory(name="Billing")
    theirs = _due(UserFactory(username="other"))
    client.force_login(person)

    chosen = client.post(
        reverse("scorecard_subscriptions"),
        {"team": other_team.pk, "format": "pdf", "frequency": "weekly", "weekday": "0", "time": "08:00"},
    )
    deleted = client.post(reverse("scorecard_subscription_delete", args=[theirs.pk]))

    assert chosen.status_code == 400
    assert deleted.status_code == 404
    assert ScorecardSubscription.objects.count() == 1
    assert client.get(reverse("scorecard_subscription_delete", args=[theirs.pk])).status_code == 405


def test_a_due_scorecard_arrives_by_e_mail_with_the_file_and_a_summary(smtp: MailServer, person: User) -> None:
    # given
    _this_quarter_objective(person)
    subscription = _due(person, format="pdf")

    # when
    sent = scorecard_subscription_send(subscription_id=subscription.pk, final_attempt=False)

    # then
    assert sent
    (message,) = smtp.wait_for(1)
    label = periods.containing(timezone.localdate(), periods.Grain.QUARTER).label
    assert message["To"] == "dora@example.com"
    assert message["Subject"].strip() == f"Scorecard {label} · All my teams · as of {timezone.localdate():%-d %b %Y}"
    body = smtp.body(message)
    assert "Objective progress: 60 %" in body
    assert "2 key results: 1 on track, 1 at risk, 0 off track." in body
    assert "- Tier 1: 60 % progress" in body
    assert "http://localhost:8000/scorecard/subscriptions/" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"scorecard-{label}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    text = PdfReader(io.BytesIO(attachment.get_content())).pages[1].extract_text()
    assert "Cut escalations" in text
    assert "At risk" in text
    subscription.refresh_from_db()
    assert subscription.last_sent_at is not None
    assert subscription.last_error == ""
    assert subscription.failures == 0
    assert subscription.next_run_at > timezone.now()
    # and asked again, it is no longer due: nothing more is sent
    assert not scorecard_subscription_send(subscription_id=subscription.pk, final_attempt=False)
    assert len(smtp.messages) == 1


def test_a_failed_delivery_is_recorded_and_shown(client: Client, person: User, settings: pytest.FixtureRequest) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # type: ignore[attr-defined]
    _this_quarter_objective(person)
    subscription = _due(person)
    due_at = subscription.next_run_at

    with pytest.raises(ScorecardNotSent, match="The mail server did not take the scorecard"):
        scorecard_subscription_send(subscription_id=subscription.pk, final_attempt=False)

    subscription.refresh_from_db()
    assert (subscription.failures, subscription.next_run_at, subscription.last_sent_at) == (1, due_at, None)
    with pytest.raises(ScorecardNotSent):
        scorecard_subscription_send(subscription_id=subscription.pk, final_attempt=True)
    subscription.refresh_from_db()
    assert subscription.failures == 2
    assert "Gave up after 2 attempts" in subscription.last_error
    assert subscription.next_run_at > timezone.now()  # moves on instead of retrying forever
    client.force_login(person)
    page = client.get(reverse("scorecard_subscriptions")).content.decode()
    assert "Not delivered" in page
    assert "2 failed attempts" in page


def test_the_beat_task_sends_every_due_subscription_once(smtp: MailServer, person: User) -> None:
    _this_quarter_objective(person)
    _due(person, format="csv")
    _due(person, format="xlsx", frequency="monthly", weekday=None, day_of_month=1)
    ScorecardSubscription.objects.create(
        person=person, format="pdf", weekday=0, time="08:00", next_run_at=timezone.now() + timedelta(days=1)
    )

    scorecard_subscriptions_send_due_task.delay()
    scorecard_subscriptions_send_due_task.delay()

    assert sorted(m.get_content_type() for msg in smtp.wait_for(2) for m in msg.iter_attachments()) == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
    ]
    assert len(smtp.messages) == 2


def _worker_env(port: int, **extra: str) -> dict[str, str]:
    return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "DEFAULT_FROM_EMAIL": "okr@example.com", **extra}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_scheduled_scorecard_to_a_real_smtp_server(
    start_worker: StartWorker, smtp: MailServer
) -> None:
    # given a due subscription to the XLSX, and a worker whose mail server is the test's
    person = UserFactory(username="dora", email="dora@example.com")
    _this_quarter_objective(person)
    _due(person, format="xlsx")
    worker = start_worker(env=_worker_env(smtp.port))

    # when beat's task runs
    scorecard_subscriptions_send_due_task.delay()

    # then the worker e-mails the workbook
    (message,) = smtp.wait_for(1, timeout=TIMEOUT_SECONDS)
    assert message["To"] == "dora@example.com", worker.log
    (attachment,) = list(message.iter_attachments())
    book = load_workbook(io.BytesIO(attachment.get_content()))
    okrs = book["OKRs"]
    assert [row[2].value for row in okrs.iter_rows(min_row=7)] == ["Macros live", "Help centre"]
    assert [row[15].value for row in okrs.iter_rows(min_row=6)] == ["At risk", "At risk", "On track"]
    subscription = _wait_for(lambda s: s.last_sent_at is not None)
    assert subscription.failures == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_a_refused_delivery_then_gives_up_until_the_next_date(
    start_worker: StartWorker,
) -> None:
    person = UserFactory(username="dora", email="dora@example.com")
    _this_quarter_objective(person)
    _due(person)
    worker = start_worker(
        env=_worker_env(free_port(), SCORECARD_DELIVERY_ATTEMPTS="3", SCORECARD_DELIVERY_RETRY_SECONDS="1")
    )

    scorecard_subscriptions_send_due_task.delay()

    subscription = _wait_for(lambda s: s.failures == 3, log=worker.log_path)
    assert "Gave up after 3 attempts" in subscription.last_error
    assert subscription.next_run_at > timezone.now()
    assert subscription.last_sent_at is None


def _wait_for(condition: object, log: Path | None = None) -> ScorecardSubscription:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        subscription = ScorecardSubscription.objects.get()
        if condition(subscription):  # type: ignore[operator]
            return subscription
        assert time.monotonic() < deadline, log.read_text() if log else subscription.last_error
        time.sleep(0.5)
