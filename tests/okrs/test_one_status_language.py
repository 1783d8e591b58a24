"""One status language on the scorecard and its exports: a KPI line that follows a key result says what the key
result says, a running period says how much of it the data covers, and a key result's breakdown stays inside its
own segment."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from kpis.models import Dimension, ImportBatch, Kpi
from kpis.services.imports import import_batch_create, import_batch_process, import_batch_series_recompute
from kpis.services.library import kpi_library_load
from kpis.status import Range, target_status
from okrs.models import KeyResult, Status
from okrs.scorecard import scorecard_for
from okrs.scorecard.presentation import STATUS_LEGEND, line_status_label
from okrs.services.objectives import key_result_create
from tests.okrs.factories import ObjectiveFactory, quarter
from tests.okrs.helpers import demo_load

pytestmark = pytest.mark.django_db

# The day the issue was seen: two months and two days into 2026-Q4.
DEMO_TODAY = date(2026, 12, 2)


@pytest.fixture
def demo(lead: User) -> None:
    demo_load(lead=lead, today=DEMO_TODAY)


def _cells(page: str, pattern: str) -> list[str]:
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in re.findall(pattern, page, re.S)]


@pytest.mark.usefixtures("demo")
def test_tier_2s_escalations_read_off_track_in_the_kpi_table_as_in_the_okr_table(lead: User) -> None:
    """Why: the KPI table compared the value so far with the key result's target (13.2 % lies between the 13.4 %
    baseline and the 10.7 % target: "Amber") while the key result, far behind its pace, was "Off track"."""
    card = scorecard_for(user=lead, period=quarter("2026-Q4"), as_of=DEMO_TODAY)

    line = next(
        line for line in card.kpi_lines if line.kpi.key == "contact_escalation_rate" and line.member == "Tier 2"
    )
    key_result = next(
        kr for s in card.objectives for kr in s.key_results if kr.kpi == line.kpi and kr.member == "Tier 2"
    )
    assert key_result.status == Status.OFF_TRACK
    # the old rule would have said amber: the value so far lies between the baseline and the target
    assert key_result.baseline_value is not None
    assert key_result.target_value is not None
    old = target_status(
        line.actual,
        direction="lower",
        value=key_result.target_value,
        band=Range(),
        tolerance=key_result.baseline_value - key_result.target_value,
    )
    assert old == "amber"
    # now the line follows the key result, in its word and colour
    assert (line.target_source, line_status_label(line), line.status) == ("key result", "Off track", "red")
    # and so does every line that follows a key result
    for each in card.kpi_lines:
        if each.target_source == "key result":
            followed = next(
                kr
                for s in card.objectives
                for kr in s.key_results
                if (kr.kpi, kr.dimension, kr.member) == (each.kpi, each.dimension, each.member)
            )
            assert (
                line_status_label(each)
                == {
                    "on_track": "On track",
                    "at_risk": "At risk",
                    "off_track": "Off track",
                    "no_data": "No data",
                }[followed.status]
            )


@pytest.mark.usefixtures("demo")
def test_the_page_and_the_csv_say_the_same_status_and_mark_the_running_quarter(signed_in: Client) -> None:
    query = {"period": "2026-Q4", "as_of": DEMO_TODAY.isoformat()}
    page = signed_in.get(reverse("scorecard"), query).content.decode()
    response = signed_in.get(reverse("scorecard_csv"), query)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    kpi_rows = [r for r in rows if r["section"] == "kpi"]
    escalation = next(r for r in kpi_rows if r["kpi"] == "contact_escalation_rate" and r["segment"] == "Team: Tier 2")
    assert escalation["status"] == "Off track"
    kpi_statuses = _cells(page, r'<td class="status-cell" data-label="Status">(.*?)</td>')
    assert kpi_statuses == [r["status"] for r in kpi_rows]
    # 1 October to 2 December: the quarter's data covers 63 days of it
    assert {r["actual_period"] for r in kpi_rows} == {"2026-Q4 so far: 63 days"}
    assert _cells(page, r'<span class="actual-period muted small">(.*?)</span>') == ["2026-Q4 so far: 63 days"] * len(
        kpi_rows
    )
    assert html.escape(STATUS_LEGEND) in page


@pytest.mark.usefixtures("demo")
def test_a_past_day_marks_the_quarter_as_it_ran_then(lead: User) -> None:
    card = scorecard_for(user=lead, period=quarter("2026-Q4"), as_of=date(2026, 11, 1))

    assert {line.actual_label for line in card.kpi_lines} == {"2026-Q4 so far: 32 days"}


CHANNEL_FILE = """date,team,channel,total_contacts,escalated_contacts
2026-01-05,Billing,phone,100,20
2026-01-05,Billing,chat,100,10
2026-01-06,Billing,phone,100,30
2026-01-05,Tier 1,phone,100,5
2026-01-05,Tier 1,email,100,7
"""


def test_a_billing_key_results_breakdown_shows_billings_channels_only(
    client: Client, editor: User, tmp_path: Path
) -> None:
    """Why: the by-channel table read every team's channels (Tier 1's email among them, phone at all teams'
    rate), not Billing's."""
    kpi_library_load()
    path = tmp_path / "channels.csv"
    path.write_text(CHANNEL_FILE, encoding="utf-8")
    batch = import_batch_process(
        batch=import_batch_create(path_or_file=path, filename=path.name, source=ImportBatch.Source.COMMAND)
    )
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    import_batch_series_recompute(batch_id=batch.pk)
    objective = ObjectiveFactory(team=editor.okr_memberships.get().team, owner=editor, period=quarter("2026-Q1"))
    key_result = key_result_create(
        objective=objective,
        title="Billing escalations down",
        kind=KeyResult.Kind.KPI_FROM_TO,
        kpi=Kpi.objects.get(key="contact_escalation_rate"),
        dimension=Dimension.objects.get(key="team"),
        member="Billing",
        baseline_value=20,
        target_value=10,
    )

    page = client.get(reverse("key_result_detail", args=[key_result.pk])).content.decode()

    bars = _cells(page, r'<table class="table segment-bars">(.*?)</table>')
    channel = next(b for b in bars if b.startswith("Channel"))
    team = next(b for b in bars if b.startswith("Team"))
    # Billing's phone: 50 escalations in 200 contacts; its chat 10 in 100; no email, no Tier 1
    assert "phone 25.0 %" in channel
    assert "chat 10.0 %" in channel
    assert "email" not in channel
    assert "Tier 1" not in team
    assert "Billing" in team
    assert "By segment within Team: Billing" in page
