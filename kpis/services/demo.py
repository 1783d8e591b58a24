"""Demo data: a generated helpdesk export for three teams and three channels, imported like any other file.

The numbers sit around the seeds' figures (escalation 10-20%, FCR 70-80%, CSAT about 85%, handle times of a few
minutes) and move over the window: Tier 1 improves, Tier 2 stays flat, Billing gets worse, so that key results
and statuses have something to show. Each cell's value depends only on its day, team and channel and on the
window (the current quarter and the four before it), so loading again within a quarter changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from kpis import periods
from kpis.models import ImportBatch
from kpis.services import imports

QUARTERS = 5


@dataclass(frozen=True)
class _Trend:
    start: float
    end: float

    def at(self, t: float) -> float:
        return self.start + (self.end - self.start) * t


@dataclass(frozen=True)
class _Team:
    contacts_per_day: float
    escalation: _Trend  # share of contacts
    fcr: _Trend  # share of contacts
    handle_seconds: _Trend  # on the phone; other channels scale it
    csat: _Trend  # share of satisfied responses


@dataclass(frozen=True)
class _Channel:
    share: float
    escalation_factor: float
    fcr_offset: float
    handle_factor: float
    csat_offset: float
    resolution_hours: float


TEAMS = {
    "Tier 1": _Team(320, _Trend(0.18, 0.11), _Trend(0.70, 0.80), _Trend(300, 255), _Trend(0.82, 0.88)),
    "Tier 2": _Team(110, _Trend(0.14, 0.135), _Trend(0.74, 0.75), _Trend(430, 435), _Trend(0.86, 0.86)),
    "Billing": _Team(150, _Trend(0.11, 0.17), _Trend(0.79, 0.71), _Trend(270, 320), _Trend(0.88, 0.81)),
}
CHANNELS = {
    "phone": _Channel(0.5, 1.0, 0.03, 1.0, 0.01, 2),
    "email": _Channel(0.3, 0.9, -0.06, 1.5, -0.03, 20),
    "chat": _Channel(0.2, 1.15, 0.0, 1.25, 0.02, 3),
}
MEASURE_COLUMNS = (
    "total_contacts",
    "escalated_contacts",
    "first_contact_resolved",
    "transferred_contacts",
    "repeat_contacts",
    "handle_time_seconds",
    "csat_responses",
    "csat_satisfied",
    "nps_responses",
    "nps_promoters",
    "nps_detractors",
    "ces_responses",
    "ces_score_sum",
    "tickets_closed",
    "tickets_reopened",
    "resolution_time_seconds",
    "logged_in_seconds",
    "scheduled_minutes",
    "adherent_minutes",
)


def demo_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """[first, end): from the start of the quarter four quarters back to the end of the current quarter."""
    fy_start = settings.FISCAL_YEAR_START_MONTH
    current = periods.containing(today, periods.Grain.QUARTER, fy_start)
    first = current
    for _ in range(QUARTERS - 1):
        first = periods.preceding(first, fy_start)
    return first.start, current.end


def _share(rng: random.Random, count: int, rate: float) -> int:
    """A count out of `count` close to `rate` of it, with the spread of real daily data."""
    noisy = rate * count + rng.gauss(0, (max(rate * (1 - rate), 0.0) * count) ** 0.5)
    return max(0, min(count, round(noisy)))


def _row(day: dt.date, team_name: str, channel_name: str, t: float) -> dict[str, object]:
    rng = random.Random(f"{day.isoformat()}|{team_name}|{channel_name}")
    team, channel = TEAMS[team_name], CHANNELS[channel_name]
    weekday_load = 0.35 if day.weekday() >= 5 else 1.0
    total = max(1, round(team.contacts_per_day * channel.share * weekday_load * rng.uniform(0.85, 1.15)))
    escalated = _share(rng, total, team.escalation.at(t) * channel.escalation_factor)
    fcr_rate = min(0.97, team.fcr.at(t) + channel.fcr_offset)
    handle = round(total * team.handle_seconds.at(t) * channel.handle_factor * rng.uniform(0.9, 1.1))
    csat_responses = _share(rng, total, 0.25)
    nps_responses = _share(rng, total, 0.1)
    nps_promoters = _share(rng, nps_responses, 0.3 + team.csat.at(t) * 0.3)
    ces_responses = _share(rng, total, 0.1)
    closed = _share(rng, total, 0.85)
    logged_in = round(handle / rng.uniform(0.80, 0.92))
    scheduled = round(logged_in / 60 * 1.05)
    return {
        "date": day.isoformat(),
        "team": team_name,
        "channel": channel_name,
        "total_contacts": total,
        "escalated_contacts": escalated,
        "first_contact_resolved": _share(rng, total, fcr_rate),
        "transferred_contacts": _share(rng, total, 0.06),
        "repeat_contacts": _share(rng, total, (1 - fcr_rate) * 0.4),
        "handle_time_seconds": handle,
        "csat_responses": csat_responses,
        "csat_satisfied": _share(rng, csat_responses, min(0.99, team.csat.at(t) + channel.csat_offset)),
        "nps_responses": nps_responses,
        "nps_promoters": nps_promoters,
        "nps_detractors": _share(rng, nps_responses - nps_promoters, 0.35),
        "ces_responses": ces_responses,
        "ces_score_sum": round(ces_responses * rng.uniform(3.7, 4.4)),
        "tickets_closed": closed,
        "tickets_reopened": _share(rng, closed, 0.04 + escalated / total * 0.4),
        "resolution_time_seconds": round(closed * channel.resolution_hours * 3600 * rng.uniform(0.8, 1.2)),
        "logged_in_seconds": logged_in,
        "scheduled_minutes": scheduled,
        "adherent_minutes": _share(rng, scheduled, rng.uniform(0.86, 0.96)),
    }


def demo_rows(*, first: dt.date, last: dt.date, window_end: dt.date) -> Iterator[dict[str, object]]:
    """One row per day in [first, last] and team and channel; trends run from `first` to `window_end`."""
    span = (window_end - first).days
    day = first
    while day <= last:
        t = (day - first).days / span
        for team_name in TEAMS:
            for channel_name in CHANNELS:
                yield _row(day, team_name, channel_name, t)
        day += dt.timedelta(days=1)


def demo_csv_write(*, path: Path, today: dt.date) -> int:
    """Write the demo file for the window ending today; returns the number of data rows."""
    first, window_end = demo_window(today)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["date", "team", "channel", *MEASURE_COLUMNS])
        writer.writeheader()
        for row in demo_rows(first=first, last=today, window_end=window_end):
            writer.writerow(row)
            rows += 1
    return rows


def demo_data_load(*, today: dt.date | None = None) -> ImportBatch:
    """Generate the demo file and import it in the foreground, series included, like `import_measurements`."""
    day = today or timezone.localdate()
    path = Path(settings.DATA_DIR) / "demo" / "demo-measurements.csv"
    demo_csv_write(path=path, today=day)
    batch = imports.import_batch_create(
        path_or_file=path, filename=path.name, source=ImportBatch.Source.COMMAND, created_by=None
    )
    imports.import_batch_process(batch=batch)
    imports.import_batch_series_recompute(batch_id=batch.pk)
    return batch
