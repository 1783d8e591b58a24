from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kpis.models import ImportBatch
from kpis.services.demo import demo_data_load
from okrs.services.demo import demo_okrs_load


class Command(BaseCommand):
    help = (
        "Import generated demo measurements (3 teams x 3 channels, daily, the current quarter and the four before "
        "it) through the import service, then the seeds' example OKR for each team in the current quarter, computed. "
        "Run load_kpi_library first. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = demo_data_load()
        if batch.status != ImportBatch.Status.SUCCEEDED:
            problems = "; ".join(str(error.get("message", error)) for error in batch.errors[:5])
            raise CommandError(f"The demo import failed: {problems}")
        self.stdout.write(
            f"Demo data: {batch.rows_read} rows read, {batch.cells_inserted} cells inserted, "
            f"{batch.cells_updated} updated, {batch.cells_unchanged} unchanged."
        )
        objectives = demo_okrs_load(today=timezone.localdate())
        self.stdout.write(f"Demo OKRs: {len(objectives)} objectives in the current quarter.")
