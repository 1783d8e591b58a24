"""Scheduled scorecards: subscribing, and sending one that is due by e-mail with the file attached.

The period is the quarter that holds the day it is sent, as of that day; the file is what the person would download
from the scorecard page then (their teams only). A delivery the mail server refuses is recorded on the
subscription, to show on its page, and tried again by the task; after the last try the subscription moves on to
its next date rather than retrying forever.
"""

from __future__ import annotations

import smtplib
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kpis import periods
from kpis.services.calendar import period_for
from okrs.exports.document import ExportDocument, export_document
from okrs.exports.formats import FORMATS
from okrs.exports.schedule import next_run
from okrs.models import ScorecardSubscription, Team


class ScorecardNotSent(Exception):
    """The mail server could not be reached or refused the message."""


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _next_run(subscription: ScorecardSubscription, after: datetime) -> datetime:
    return next_run(
        after=after,
        at=subscription.time,
        zone=_zone(),
        weekday=subscription.weekday if subscription.frequency == ScorecardSubscription.Frequency.WEEKLY else None,
        day_of_month=subscription.day_of_month
        if subscription.frequency == ScorecardSubscription.Frequency.MONTHLY
        else None,
    )


@transaction.atomic
def scorecard_subscription_create(
    *,
    person: User,
    team: Team | None,
    format: str,
    frequency: str,
    weekday: int | None,
    day_of_month: int | None,
    at: time,
) -> ScorecardSubscription:
    if team is not None and not Team.objects.visible_to(person).filter(pk=team.pk).exists():
        raise ValidationError({"team": "Choose one of your teams."})
    weekly = frequency == ScorecardSubscription.Frequency.WEEKLY
    subscription = ScorecardSubscription(
        person=person,
        team=team,
        format=format,
        frequency=frequency,
        weekday=weekday if weekly else None,
        day_of_month=None if weekly else day_of_month,
        time=at,
        next_run_at=timezone.now(),
    )
    if weekly and weekday is None:
        raise ValidationError({"weekday": "Choose the day of the week."})
    if not weekly and day_of_month is None:
        raise ValidationError({"day_of_month": "Choose the day of the month (1 to 28)."})
    subscription.next_run_at = _next_run(subscription, timezone.now())
    subscription.full_clean()
    subscription.save()
    return subscription


def scorecard_subscription_delete(*, person: User, pk: int) -> bool:
    """Ends one of the person's own subscriptions; False when they have none with that id."""
    deleted, _ = ScorecardSubscription.objects.filter(person=person, pk=pk).delete()
    return bool(deleted)


def scorecard_subscriptions_due(*, now: datetime) -> list[int]:
    return list(
        ScorecardSubscription.objects.filter(next_run_at__lte=now, person__is_active=True)
        .order_by("next_run_at")
        .values_list("pk", flat=True)
    )


def summary_text(document: ExportDocument) -> str:
    """The e-mail's body: the scorecard's headline numbers in a few lines."""
    return render_to_string(
        "okrs/exports/email/scorecard.txt",
        {
            "doc": document,
            "link": settings.SITE_URL.rstrip("/") + reverse("scorecard") + f"?period={document.period.label}",
            "manage": settings.SITE_URL.rstrip("/") + reverse("scorecard_subscriptions"),
        },
    )


def scorecard_subscription_send(*, subscription_id: int, final_attempt: bool, now: datetime | None = None) -> bool:
    """Send the subscription's scorecard if it is due; True when a message went out.

    Holds the subscription's row while it sends, so that two workers given the same one send it once: the second
    finds it no longer due. Raises ScorecardNotSent when the mail server fails, after recording why.
    """
    now = now or timezone.now()
    with transaction.atomic():
        subscription = (
            ScorecardSubscription.objects.select_for_update(of=("self",))
            .select_related("person", "team")
            .filter(pk=subscription_id, next_run_at__lte=now)
            .first()
        )
        if subscription is None:
            return False  # deleted, or sent by another worker meanwhile
        failure = _send(subscription, now)
        subscription.last_attempt_at = now
        if failure is None:
            subscription.last_sent_at, subscription.last_error, subscription.failures = now, "", 0
        else:
            subscription.failures += 1
            subscription.last_error = failure
            if final_attempt:
                subscription.last_error += f" Gave up after {subscription.failures} attempts until the next date."
        if failure is None or final_attempt:
            subscription.next_run_at = _next_run(subscription, now)
        subscription.save()
    # Raised once the failure is recorded: the task tries again later.
    if failure is not None:
        raise ScorecardNotSent(failure)
    return True


def _send(subscription: ScorecardSubscription, now: datetime) -> str | None:
    """E-mails the scorecard; the reason it could not, or None."""
    person, team = subscription.person, subscription.team
    if not person.email:
        return "Your account has no e-mail address to send the scorecard to."
    if team is not None and not Team.objects.visible_to(person).filter(pk=team.pk).exists():
        return f"{team.name} is no longer one of your teams; nothing was sent."
    today = now.astimezone(_zone()).date()
    span = periods.containing(today, periods.Grain.QUARTER, settings.FISCAL_YEAR_START_MONTH)
    document = export_document(user=person, period=period_for(span=span), team=team, as_of=today)
    export_format = FORMATS[subscription.format]
    message = EmailMessage(
        subject=f"Scorecard {document.period.label} · {document.team_label} · {document.as_of_text}",
        body=summary_text(document),
        to=[person.email],
    )
    message.attach(export_format.filename(document), export_format.write(document), export_format.content_type)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        return f"The mail server did not take the scorecard ({error})."
    return None
