"""`python manage.py import_okrs PATH [--as USERNAME]`: load objectives, key results and initiatives from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.audit import acting_as, command_actor
from okrs.okr_file import OkrFileError
from okrs.services.okr_import import okrs_import


class Command(BaseCommand):
    help = "Load a quarter's OKRs from a YAML or CSV file (format: docs/okr-format.md); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help=".yaml/.yml or .csv file")
        parser.add_argument("--as", dest="username", help="the account the changes are recorded for (default: none)")

    def handle(self, *args: Any, path: Path, username: str | None = None, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise CommandError(f"{path.name}: not UTF-8 text ({error.reason} at byte {error.start})") from None
        try:
            with acting_as(command_actor(username)):
                summary = okrs_import(text=text, filename=path.name)
        except OkrFileError as error:
            for line, message in error.errors:
                self.stderr.write(f"{path.name}, line {line}: {message}")
            raise CommandError(f"{path.name}: {len(error.errors)} problem(s); nothing was written") from None
        self.stdout.write(
            f"{path.name}: {summary.objectives} objectives, {summary.key_results} key results, "
            f"{summary.initiatives} initiatives loaded."
        )
