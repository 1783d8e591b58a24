"""Helpers that load KPI data through the real import, as a helpdesk export would arrive."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from django.contrib.auth.models import User

from kpis.models import ImportBatch
from kpis.services.demo import demo_data_load
from kpis.services.imports import import_batch_create, import_batch_process
from kpis.services.library import kpi_library_load
from kpis.services.series import SeriesChange, series_recompute_for_batch
from okrs.services.demo import demo_okrs_load
from tests.okrs.factories import MembershipFactory

COLUMNS = [
    "date",
    "team",
    "total_contacts",
    "escalated_contacts",
    "first_contact_resolved",
    "handle_time_seconds",
    "csat_responses",
    "csat_satisfied",
]


def day_row(
    day: date, team: str, *, total: int, escalated: int, resolved: int, aht: float, csat: tuple[int, int]
) -> dict[str, object]:
    return {
        "date": day.isoformat(),
        "team": team,
        "total_contacts": total,
        "escalated_contacts": escalated,
        "first_contact_resolved": resolved,
        "handle_time_seconds": round(aht * total),
        "csat_responses": csat[0],
        "csat_satisfied": csat[1],
    }


def measurements_import(tmp_path: Path, rows: list[dict[str, object]], name: str = "export.csv") -> SeriesChange:
    """Write `rows` as a wide CSV, import it and recompute the series, as `import_measurements` does."""
    kpi_library_load()
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    batch = import_batch_process(
        batch=import_batch_create(path_or_file=path, filename=name, source=ImportBatch.Source.COMMAND)
    )
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    return series_recompute_for_batch(batch=batch)


def demo_load(*, lead: User, today: date) -> None:
    """The demo measurements and OKRs as of `today`, with `lead` in every demo team."""
    kpi_library_load()
    demo_data_load(today=today)
    for objective in demo_okrs_load(today=today):
        MembershipFactory(user=lead, team=objective.team)
