"""`python manage.py export_scorecard --period LABEL [--team NAME] [--as-of DATE] --format csv|xlsx|pdf|pptx
--output PATH [--user USERNAME]`: the scorecard page's file, from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kpis.periods import parse_label
from kpis.services.calendar import period_for
from okrs.exports.document import document_from
from okrs.exports.formats import FORMATS
from okrs.models import Team
from okrs.scorecard import scorecard_for


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r} is not a day: write it as 2026-02-01.") from None


class Command(BaseCommand):
    help = (
        "Write a period's scorecard (one team or all) as it stood on a day to a CSV, XLSX, PDF or PPTX file. Acts as "
        "an administrator who sees every team, or as --user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="period label, e.g. 2026-Q4")
        parser.add_argument("--team", help="team name (default: every team)")
        parser.add_argument("--as-of", dest="as_of", help="day, e.g. 2026-11-15 (default: today, or the period's end)")
        parser.add_argument("--format", required=True, choices=list(FORMATS))
        parser.add_argument("--output", required=True, help="file to write")
        parser.add_argument("--user", help="write what this person sees rather than every team")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            span = parse_label(options["period"], settings.FISCAL_YEAR_START_MONTH)
        except ValueError as error:
            raise CommandError(str(error)) from None
        as_of = _day(options["as_of"]) if options["as_of"] else None
        if as_of is not None and not span.start <= as_of <= min(span.last_day, timezone.localdate()):
            raise CommandError(f"--as-of must lie within {span.label} and not after today.")
        user = self._user(options["user"])
        team = None
        if options["team"] is not None:
            team = Team.objects.visible_to(user).filter(name=options["team"]).first()
            if team is None:
                raise CommandError(f"No team named {options['team']!r} that {user.get_username()} can see.")
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"No folder {str(output.parent)!r} to write {output.name!r} into.")
        card = scorecard_for(user=user, period=period_for(span=span), team=team, as_of=as_of)
        document = document_from(card, team_label=team.name if team else "All teams")
        export_format = FORMATS[options["format"]]
        output.write_bytes(export_format.write(document))
        self.stdout.write(
            f"Wrote {output} ({export_format.label}): {span.label}, {document.team_label}, "
            f"as of {document.as_of.isoformat()}, {len(document.objectives)} objectives, {len(document.kpis)} KPIs."
        )

    def _user(self, username: str | None) -> User:
        if username is None:
            # Never saved: an administrator who sees every team, as `okr_report` does.
            return User(username="export_scorecard", is_superuser=True, is_active=True)
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user
