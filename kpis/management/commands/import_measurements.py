"""`python manage.py import_measurements PATH [--dry-run] [--sheet NAME] [--replace] [--as USERNAME]`: import now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kombu.exceptions
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.audit import acting_as, command_actor
from kpis.models import ImportBatch
from kpis.services.followups import key_results_enqueue
from kpis.services.imports import import_batch_create, import_batch_process, import_batch_series_recompute


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of daily measurements, then recompute the KPI series it touched."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="CSV (UTF-8, comma or semicolon) or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and count changes, write nothing")
        parser.add_argument("--sheet", default="", help="the sheet to read, in a workbook with several data sheets")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="for the file's measures and days, delete the cells stored at another set of dimensions",
        )
        parser.add_argument("--as", dest="username", help="the account the import is recorded for (default: none)")

    def handle(
        self,
        *args: Any,
        path: Path,
        dry_run: bool,
        sheet: str,
        replace: bool = False,
        username: str | None = None,
        **options: Any,
    ) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = command_actor(username)
        with acting_as(user):
            batch = import_batch_create(
                path_or_file=path,
                filename=path.name,
                source=ImportBatch.Source.COMMAND,
                created_by=user,
                dry_run=dry_run,
                sheet=sheet,
                replace=replace,
            )
        batch = import_batch_process(batch=batch)
        if batch.status == ImportBatch.Status.FAILED:
            for error in batch.errors:
                self.stderr.write(_error_text(error))
            raise CommandError(f"{path.name}: import failed with {len(batch.errors)} problem(s); nothing was written")
        summary = (
            f"{path.name} ({batch.file_format}): {batch.rows_read} rows read, {batch.cells_inserted} cells inserted, "
            f"{batch.cells_updated} updated, {batch.cells_unchanged} unchanged"
            + (f", {batch.cells_replaced} stored at other dimensions replaced" if batch.cells_replaced else "")
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written. {summary}")
            return
        change = import_batch_series_recompute(batch_id=batch.pk)
        self.stdout.write(f"Imported batch {batch.pk}. {summary}; {change.series_values} KPI series values recomputed.")
        try:
            key_results_enqueue(change)
        except kombu.exceptions.OperationalError:
            # The data and series are committed; only the hand-over failed, and the nightly recompute catches up.
            self.stderr.write("The broker is unreachable: key results will be brought up to date by the nightly job.")


def _error_text(error: dict[str, Any]) -> str:
    where = []
    if error.get("line") is not None:
        where.append(f"line {error['line']}")
    if error.get("column"):
        where.append(f"column {error['column']}")
    return f"{', '.join(where) or 'file'}: {error['message']}"
