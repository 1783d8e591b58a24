from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kpis.services.library import kpi_library_load


class Command(BaseCommand):
    help = (
        "Load the built-in customer-service KPI library: measures, dimensions, KPIs and benchmarks. "
        "Safe to run again; entries that exist are left as they are unless --update is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="Bring existing built-in entries back to the library's definitions (undoes local edits).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = kpi_library_load(update=options["update"])
        for line in summary.lines():
            self.stdout.write(line)
        if any(tally.kept for tally in (summary.measures, summary.dimensions, summary.kpis)):
            self.stdout.write("Some entries differ from the library and were kept; --update resets them.")
