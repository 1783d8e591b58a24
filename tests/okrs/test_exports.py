"""Scorecard exports: each file opened with its own reader says what the page says, as of today or a past day."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pptx import Presentation
from pypdf import PdfReader

from kpis.csv_safety import spreadsheet_safe
from kpis.models import KpiTarget
from okrs.exports import csv_file, pdf_file
from okrs.models import CheckIn, Guardrail, KeyResult, Objective, ProgressSnapshot, Status
from tests.factories import DimensionFactory, KpiFactory, MeasureFactory
from tests.okrs.factories import KeyResultFactory, MembershipFactory, ObjectiveFactory, TeamFactory, quarter, series
from tests.okrs.helpers import demo_load

pytestmark = pytest.mark.django_db

DEMO_TODAY = date(2026, 2, 14)
PAST = date(2026, 2, 1)


def _scorecard(
    lead: User, *, team_name: str = "Tier 1", title: str = "Cut escalations", comment: str = ""
) -> Objective:
    """One objective in 2026-Q1 with a KPI key result (guardrail, check-in, KPI target) and a manual one."""
    team = TeamFactory(name=team_name)
    MembershipFactory(user=lead, team=team)
    dimension = DimensionFactory(key="team", name="Team")
    kpi = KpiFactory(key="escalation", name="Escalation rate", unit="percent", direction="lower")
    kpi.measures.add(MeasureFactory(key="escalated_contacts"), MeasureFactory(key="total_contacts"))
    csat = KpiFactory(key="csat", name="CSAT", unit="percent", direction="higher")
    series(kpi, quarter("2025-Q4"), 12.0, dimension=dimension, member=team_name)
    series(kpi, quarter("2026-Q1"), 11.0, dimension=dimension, member=team_name)
    objective = ObjectiveFactory(team=team, owner=lead, period=quarter("2026-Q1"), title=title)
    kr = KeyResultFactory(
        objective=objective,
        title="Escalations down to 10 %",
        kind=KeyResult.Kind.KPI_FROM_TO,
        kpi=kpi,
        dimension=dimension,
        member=team_name,
        baseline_value=12.5,
        target_value=10.0,
        current_value=11.0,
        progress=60.0,
        expected=50.0,
        forecast=10.4,
        status=Status.ON_TRACK,
    )
    Guardrail.objects.create(key_result=kr, kpi=csat, threshold=85, comparison=">=", current_value=87.25)
    CheckIn.objects.create(key_result=kr, author=lead, day=date(2026, 1, 20), confidence=6, comment="Old news")
    CheckIn.objects.create(
        key_result=kr, author=lead, day=date(2026, 2, 10), confidence=7, comment=comment or "Macros are live"
    )
    KeyResultFactory(
        objective=objective,
        title="Launch the help centre",
        baseline_value=0,
        target_value=5,
        current_value=1,
        progress=20.0,
        expected=50.0,
        status=Status.OFF_TRACK,
    )
    KpiTarget.objects.create(kpi=kpi, period=quarter("2026-Q1"), value=11.5)
    return objective


def _page_cells(client: Client, **query: str) -> dict[str, list[str]]:
    """What the scorecard page shows: KPI actuals, key results' current → target and forecast, progress figures,
    status words."""
    page = client.get(reverse("scorecard"), query).content.decode()

    def cells(pattern: str) -> list[str]:
        return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in re.findall(pattern, page, re.S)]

    return {
        "actual": cells(r'<td class="num actual"[^>]*>(.*?)(?:<span class="actual-period|</td>)'),
        "actual_period": cells(r'<span class="actual-period muted small">(.*?)</span>'),
        "kr_values": cells(r'<td class="num kr-values-cell">(.*?)(?:<span class="kr-forecast|</td>)'),
        "forecasts": cells(r'<span class="kr-forecast muted small">(.*?</span>)</span>'),
        "progress": cells(r'<span class="progress-figure small">(.*?)</span>'),
        "status": cells(r'<span class="badge [a-z]+">(.*?)</span>'),
    }


def _csv_rows(client: Client, **query: str) -> list[dict[str, str]]:
    response = client.get(reverse("scorecard_csv"), query)
    assert response.status_code == 200, response.content
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert reader.fieldnames == csv_file.COLUMNS
    return list(reader)


def _csv_as_page(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """The CSV's shown numbers in the page's order (objectives with their key results after the KPI lines)."""
    okrs = [r for r in rows if r["section"] != "kpi"]
    return {
        "actual": [r["actual"] for r in rows if r["section"] == "kpi"],
        "actual_period": [
            r["actual_period"] for r in rows if r["section"] == "kpi" and " so far: " in r["actual_period"]
        ],
        "kr_values": [f"{r['actual']} → {r['target']}" for r in okrs if r["section"] == "key_result"],
        "forecasts": [
            f"forecast {r['forecast']}" + (f" (likely {r['forecast_range']})" if r["forecast_range"] else "")
            for r in okrs
            if r["section"] == "key_result" and r["forecast"] != "—"
        ],
        "progress": [r["progress"] for r in okrs],
        "status": [r["status"] for r in rows],
    }


def test_the_csv_has_the_page_numbers_and_the_raw_ones_with_baseline_forecast_guardrail_and_check_in(
    signed_in: Client, lead: User
) -> None:
    _scorecard(lead)

    rows = _csv_rows(signed_in, period="2026-Q1")

    assert [r["section"] for r in rows] == ["kpi", "kpi", "objective", "key_result", "key_result"]
    assert _csv_as_page(rows) == _page_cells(signed_in, period="2026-Q1")
    line = next(r for r in rows if r["section"] == "kpi" and r["segment"] == "Team: Tier 1")
    assert (line["actual"], line["actual_raw"], line["target"], line["target_raw"]) == (
        "11.0 %",
        "11",
        "≤ 10.0 %",
        "10",
    )
    assert (line["status"], line["change"], line["change_raw"], line["change_is"]) == (
        "On track",  # the key result's status, which the line follows
        "\u22121.0 pts",
        "-1",
        "better",
    )
    assert (line["target_source"], line["previous"], line["previous_raw"]) == ("key result", "12.0 %", "12")
    kr = next(r for r in rows if r["section"] == "key_result")
    assert (kr["baseline"], kr["baseline_raw"], kr["baseline_from"]) == ("12.5 %", "12.5", "typed in")
    assert (kr["forecast"], kr["forecast_raw"], kr["progress"], kr["progress_raw"]) == ("10.4 %", "10.4", "60 %", "60")
    assert (kr["guardrail"], kr["guardrail_value"], kr["guardrail_value_raw"]) == ("CSAT ≥ 85.0 %", "87.2 %", "87.25")
    assert (kr["confidence"], kr["comment"], kr["check_in_day"]) == ("7", "Macros are live", "2026-02-10")
    assert {r["as_of"] for r in rows} == {"2026-03-31"}  # a finished period: its last day


def test_the_xlsx_has_a_kpi_and_an_okr_sheet_of_real_numbers_formatted_by_unit(signed_in: Client, lead: User) -> None:
    _scorecard(lead)

    response = signed_in.get("/scorecard.xlsx", {"period": "2026-Q1", "team": str(lead.okr_teams.get().pk)})

    assert response["Content-Disposition"] == 'attachment; filename="scorecard-2026-Q1-tier-1.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["KPIs", "OKRs"]
    kpis, okrs = book["KPIs"], book["OKRs"]
    assert kpis["A1"].value == "KPIs · 2026-Q1"
    assert kpis["A2"].value == "Tier 1 · 1 Jan 2026 \u2013 31 Mar 2026"
    assert kpis["A3"].value == "As of 31 Mar 2026"
    assert [c.value for c in kpis[5]][:5] == ["KPI", "Segment", "Unit", "Actual", "Target"]
    assert kpis.freeze_panes == "B6"
    assert okrs.freeze_panes == "B6"
    assert kpis.auto_filter.ref == "A5:N7"
    assert kpis.column_dimensions["A"].width == 34
    segment = next(row for row in kpis.iter_rows(min_row=6) if row[1].value == "Team: Tier 1")
    actual, status, change = segment[3], segment[8], segment[11]
    assert (actual.value, actual.number_format, actual.data_type) == (pytest.approx(0.11), "0.0%", "n")
    assert (status.value, status.fill.fgColor.rgb) == ("On track", "00D8F0E0")
    assert (change.value, change.number_format) == (-1, "#,##0.0")  # points, not a fraction
    header = [c.value for c in okrs[5]]
    kr_row = next(row for row in okrs.iter_rows(min_row=6) if row[2].value == "Escalations down to 10 %")
    cell = dict(zip(header, kr_row, strict=True))
    assert cell["Current"].value == pytest.approx(0.11)
    assert (cell["Baseline"].value, cell["Baseline from"].value) == (pytest.approx(0.125), "typed in")
    assert cell["Progress"].value == pytest.approx(0.6)
    assert cell["Progress"].number_format == "0%"
    assert (cell["Status"].value, cell["Status"].fill.fgColor.rgb) == ("On track", "00D8F0E0")
    assert (cell["Guardrail"].value, cell["Guardrail value"].value) == ("CSAT ≥ 85.0 %", pytest.approx(0.8725))
    assert (cell["Confidence"].value, cell["Last comment"].value) == (7, "Macros are live")
    assert cell["Checked in"].value.date() == date(2026, 2, 10)


def test_a_duration_kpi_is_stored_as_a_duration() -> None:
    from okrs.exports.xlsx_file import number_format

    assert number_format("seconds", 0) == "[h]:mm:ss"
    assert number_format("percent", 2) == "0.00%"
    assert number_format("currency", 0) == "#,##0.00"
    assert number_format("count", 0) == "#,##0"


PAYLOADS = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "Tier;=1+1",
    "\uff1d1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_in_titles_comments_and_segments_are_inert_in_csv_and_xlsx(
    signed_in: Client, lead: User, payload: str
) -> None:
    # given a team (and so a segment), an objective and a check-in comment that are formulas
    _scorecard(lead, team_name=payload, title=payload, comment=payload)

    # when
    rows = _csv_rows(signed_in, period="2026-Q1")
    book = load_workbook(io.BytesIO(signed_in.get("/scorecard.xlsx", {"period": "2026-Q1"}).content))

    # then the CSV cells start with a quote
    kr = next(r for r in rows if r["section"] == "key_result" and r["kpi"])
    assert (kr["team"], kr["objective"], kr["comment"]) == ("'" + payload,) * 3
    assert kr["segment"] == spreadsheet_safe("Team: " + payload)  # harmless unless a tab or ; hides a formula
    # and the workbook holds them as text, with Excel's quote prefix, never as formulas
    texts = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value == payload]
    assert len(texts) >= 5  # team and objective on both OKR rows, the comment
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)
    assert not [c for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_the_pdf_is_a4_landscape_with_header_page_numbers_tables_and_a_page_per_objective(
    signed_in: Client, lead: User
) -> None:
    _scorecard(lead)

    response = signed_in.get("/scorecard.pdf", {"period": "2026-Q1"})

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="scorecard-2026-Q1.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (842, 595)
    assert len(pages) == 3  # summary and KPIs, objectives and key results, the objective's page
    assert "Scorecard 2026-Q1" in pages[0]
    assert "31 Mar 2026" in pages[0]
    assert all(f"Page {n} of 3" in text for n, text in enumerate(pages, start=1))
    assert "Scorecard 2026-Q1 · All my teams · as of 31 Mar 2026" in pages[1]
    assert "Escalation rate" in pages[0]
    assert "11.0 %" in pages[0]
    assert "≤ 11.5 %" in pages[0]
    assert "On track" in pages[0]
    assert "takes that key result's status" in " ".join(pages[0].split())
    assert "\u22121.0 pts" in pages[0]
    assert "Cut escalations" in pages[1]
    assert "On track" in pages[1]
    assert "60 %" in pages[1]
    assert "Escalations down to 10 %" in pages[2]
    assert "Macros are live" in pages[2]
    assert "12.5 %" in pages[2]


MANY = 12


def test_every_page_reads_page_n_of_m_and_each_objective_s_page_holds_its_key_results(
    signed_in: Client, lead: User
) -> None:
    # given a dozen objectives besides the first, each key result at its own numbers
    first = _scorecard(lead)
    for n in range(1, MANY + 1):
        objective = ObjectiveFactory(team=first.team, owner=lead, period=first.period, title=f"Objective {n:02d}")
        KeyResultFactory(
            objective=objective,
            title=f"Key result {n:02d}",
            baseline_value=0,
            target_value=40 + n,
            current_value=n,
            progress=100 * n / (40 + n),
            expected=50.0,
            status=Status.OFF_TRACK,
        )

    # when
    response = signed_in.get("/scorecard.pdf", {"period": "2026-Q1"})

    # then every page says which it is, of all of them
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    filters = [page["/Contents"].get_object().get("/Filter") for page in reader.pages]
    assert all(f in ("/FlateDecode", ["/FlateDecode"]) for f in filters)  # compressed
    assert [re.findall(r"Page (\d+) of (\d+)", text) for text in pages] == [
        [(str(n), str(total))] for n in range(1, total + 1)
    ]
    running_title = "Scorecard 2026-Q1 · All my teams · as of 31 Mar 2026"
    assert running_title not in pages[0]
    assert all(running_title in text for text in pages[1:])
    # and the objectives' pages come last, one each, in the scorecard's order, after the summary's
    titles = [o.title for o in Objective.objects.filter(team=first.team).order_by("title")]
    assert len(titles) == MANY + 1
    firsts = [next(i for i, text in enumerate(pages) if f"\n{title}\nOwner " in text) for title in titles]
    assert firsts == list(range(total - len(titles), total))
    # with the numbers the page shows: each key result's current and target on its objective's page, on no other
    page = _page_cells(signed_in, period="2026-Q1")
    assert len(page["kr_values"]) == 2 + MANY
    text = "".join(pages)
    assert all(value in text for value in page["kr_values"] + page["actual"] + page["progress"])
    for n in range(1, MANY + 1):
        objective_page = pages[firsts[titles.index(f"Objective {n:02d}")]]
        shown = next(v for v in page["kr_values"] if v.endswith(f"→ {40 + n}"))
        current, target = shown.split(" → ")
        assert f"Key result {n:02d}" in objective_page
        assert f" {current} {target} " in objective_page
        assert [i for i in firsts if f"Key result {n:02d}" in pages[i]] == [firsts[titles.index(f"Objective {n:02d}")]]


def test_long_titles_and_comments_wrap_any_character_and_a_long_table_repeats_its_header_row(
    signed_in: Client, lead: User
) -> None:
    # given an objective whose title is long and holds signs and accents, with more key results than a page holds
    objective = _scorecard(lead)
    title = "Réduire les escalades ≥ 95 % — « naïveté » " * 6
    objective.title = title
    objective.save()
    for n in range(1, 31):
        kr = KeyResultFactory(
            objective=objective, title=f"Étape {n:02d} ≤ {n} — ça va", progress=n, status=Status.AT_RISK
        )
        CheckIn.objects.create(key_result=kr, author=lead, day=date(2026, 2, 1), confidence=5, comment="lent " * 50)

    # when
    pages = [
        p.extract_text()
        for p in PdfReader(io.BytesIO(signed_in.get("/scorecard.pdf", {"period": "2026-Q1"}).content)).pages
    ]

    # then the title reads whole, across the lines it wraps to
    objective_pages = pages[next(i for i, text in enumerate(pages) if "· 32 key results" in text) :]
    flat = " ".join(objective_pages[0].split())
    assert " ".join(title.split()) in flat
    # and every key result is on the objective's pages, under the header row repeated atop each of them
    table_pages = [text for text in objective_pages if "confidence 5/10" in text]
    assert len(table_pages) >= 2
    assert all("KEY RESULT BASELINE CURRENT TARGET FORECAST PROGRESS STATUS LAST CHECK-IN" in t for t in table_pages)
    assert all(any(f"Étape {n:02d} ≤ {n} — ça va" in t for t in objective_pages) for n in range(1, 31))
    # and the comment, cut as the page cuts it, wraps inside its column: a dozen words a line at most
    lines = [line for text in table_pages for line in text.splitlines() if "lent" in line]
    assert lines
    assert all(line.count("lent") < 12 for line in lines)
    assert sum(line.count("lent") for line in lines) == 30 * 36  # truncatechars:180 keeps 36 of the 50 words


def test_a_missing_font_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_file, "_FONT_DIR", tmp_path)
    monkeypatch.setattr(pdf_file.shutil, "which", lambda _: None)

    with pytest.raises(pdf_file.FontMissingError, match="fonts-dejavu-core"):
        pdf_file.font_file(pdf_file.BOLD)


def test_the_slides_have_a_title_a_summary_and_a_slide_per_objective_with_table_chart_and_notes(
    signed_in: Client, lead: User
) -> None:
    _scorecard(lead)

    response = signed_in.get("/scorecard.pptx", {"period": "2026-Q1"})

    deck = Presentation(io.BytesIO(response.content))
    title, summary, objective = deck.slides
    assert "Scorecard 2026-Q1" in title.shapes.title.text_frame.text
    assert "As of 31 Mar 2026" in title.placeholders[1].text_frame.text
    summary_table = next(s for s in summary.shapes if s.has_table).table
    assert [c.text for c in summary_table.rows[1].cells] == ["Tier 1", "1", "40 %", "1", "0", "1"]
    assert any(s.has_chart for s in summary.shapes)
    assert objective.shapes.title.text_frame.text == "Cut escalations"
    table = next(s for s in objective.shapes if s.has_table).table
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "Escalations down to 10 %",
        "11.0 % → 10.0 %",
        "60 %",
        "On track",
    ]
    assert [c.text for c in table.rows[2].cells] == ["2", "Launch the help centre", "1 → 5", "20 %", "Off track"]
    chart = next(s for s in objective.shapes if s.has_chart).chart
    assert list(chart.plots[0].series[0].values) == [20.0, 60.0]  # bottom to top: the table's order
    notes = objective.notes_slide.notes_text_frame.text
    assert "Escalations down to 10 % (10 Feb, confidence 7/10): Macros are live" in notes
    assert "Launch the help centre: no check-in yet." in notes


def test_the_summary_shows_every_team_on_as_many_slides_as_it_takes(signed_in: Client, lead: User) -> None:
    # given 16 teams with an objective each: more than one summary slide holds
    names = [f"Team {n:02d}" for n in range(1, 17)]
    for name in names:
        team = TeamFactory(name=name)
        MembershipFactory(user=lead, team=team)
        KeyResultFactory(objective=ObjectiveFactory(team=team, owner=lead, period=quarter("2026-Q1")), progress=30.0)

    deck = Presentation(io.BytesIO(signed_in.get("/scorecard.pptx", {"period": "2026-Q1"}).content))

    summaries = list(deck.slides)[1:3]
    assert [s.shapes.title.text_frame.text for s in summaries] == [
        "Summary (1 of 2) · 30 % progress",
        "Summary (2 of 2) · 30 % progress",
    ]
    tables = [next(s for s in slide.shapes if s.has_table).table for slide in summaries]
    shown = [[row.cells[0].text for row in list(table.rows)[1:]] for table in tables]
    assert shown == [[*names[:14], "All"], [*names[14:], "All"]]
    charts = [next(s for s in slide.shapes if s.has_chart).chart for slide in summaries]
    assert [list(chart.plots[0].categories)[::-1] for chart in charts] == [names[:14], names[14:]]
    assert len(deck.slides) == 1 + 2 + 16


def test_a_past_day_reads_the_snapshots_and_every_export_and_the_page_agree(signed_in: Client, lead: User) -> None:
    # given snapshots of both key results on 1 Feb, and later ones
    objective = _scorecard(lead)
    escalations, manual = objective.key_results.order_by("pk")
    ProgressSnapshot.objects.create(
        key_result=escalations, day=PAST, value=12.0, progress=20.0, expected=30.0, status="at_risk"
    )
    ProgressSnapshot.objects.create(
        key_result=manual, day=date(2026, 1, 15), value=0, progress=0, expected=20, status="at_risk"
    )
    ProgressSnapshot.objects.create(
        key_result=escalations, day=date(2026, 2, 2), value=11, progress=60, expected=31, status="on_track"
    )

    # when
    query = {"period": "2026-Q1", "as_of": PAST.isoformat()}
    rows = _csv_rows(signed_in, **query)

    # then the page and the CSV show 1 Feb: the latest snapshot on or before it, and the check-in made by then
    page = _page_cells(signed_in, **query)
    assert _csv_as_page(rows) == page
    assert page["kr_values"] == ["12.0 % → 10.0 %", "0 → 5"]
    assert page["actual"] == ["—", "—"]  # no observations by then: the KPI lines are read to that day
    assert _csv_as_page(rows)["progress"] == page["progress"] == ["10 %", "20 %", "0 %"]
    assert [r["status"] for r in rows if r["section"] != "kpi"] == ["At risk", "At risk", "At risk"]
    assert page["status"][-3:] == ["At risk", "At risk", "At risk"]
    kr = next(r for r in rows if r["section"] == "key_result")
    assert (kr["comment"], kr["forecast"]) == ("Old news", "—")
    assert {r["as_of"] for r in rows} == {"2026-02-01"}
    # and so do the other formats, which say which day they are
    pdf = signed_in.get("/scorecard.pdf", query)
    assert pdf["Content-Disposition"] == 'attachment; filename="scorecard-2026-Q1-as-of-2026-02-01.pdf"'
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "1 Feb 2026" in text
    assert "12.0 % → 10.0 %" in text
    assert "Old news" in text
    okrs = load_workbook(io.BytesIO(signed_in.get("/scorecard.xlsx", query).content))["OKRs"]
    assert okrs["A3"].value == "As of 1 Feb 2026"
    assert [r[13].value for r in okrs.iter_rows(min_row=6)] == [pytest.approx(0.1), pytest.approx(0.2), 0]
    deck = Presentation(io.BytesIO(signed_in.get("/scorecard.pptx", query).content))
    table = next(s for s in deck.slides[2].shapes if s.has_table).table
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "Escalations down to 10 %",
        "12.0 % → 10.0 %",
        "20 %",
        "At risk",
    ]


@pytest.fixture
def demo(lead: User) -> None:
    demo_load(lead=lead, today=DEMO_TODAY)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("as_of", ["", "2026-02-01"])
def test_on_the_demo_data_every_format_says_what_the_page_says(signed_in: Client, as_of: str) -> None:
    query = {"period": "2026-Q1", "as_of": as_of}
    page = _page_cells(signed_in, **query)
    rows = _csv_rows(signed_in, **query)
    assert _csv_as_page(rows) == page
    assert len(page["kr_values"]) == 9

    okrs = load_workbook(io.BytesIO(signed_in.get("/scorecard.xlsx", query).content))["OKRs"]
    okr_statuses = [r["status"] for r in rows if r["section"] != "kpi"]
    assert [r[15].value for r in okrs.iter_rows(min_row=6)] == okr_statuses == page["status"][-12:]
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(signed_in.get("/scorecard.pdf", query).content)).pages
    )
    assert all(value in text for value in page["kr_values"] + page["actual"])
    deck = Presentation(io.BytesIO(signed_in.get("/scorecard.pptx", query).content))
    shown = [
        [c.text for c in row.cells]
        for slide in list(deck.slides)[2:]
        for row in list(next(s for s in slide.shapes if s.has_table).table.rows)[1:]
    ]
    assert [row[2] for row in shown] == page["kr_values"]
    assert [row[4] for row in shown] == [r["status"] for r in rows if r["section"] == "key_result"]


def test_downloads_hold_only_the_callers_teams_and_refuse_a_team_they_cannot_see(
    signed_in: Client, lead: User, client: Client
) -> None:
    # given an objective in lead's team and one in a team lead is not in
    _scorecard(lead)
    stranger_team = TeamFactory(name="Tier 2")
    ObjectiveFactory(team=stranger_team, period=quarter("2026-Q1"), title="Secret plans")

    # when / then: the others' objective is in no file
    for extension in ("csv", "xlsx", "pdf", "pptx"):
        response = signed_in.get(f"/scorecard.{extension}", {"period": "2026-Q1"})
        assert response.status_code == 200
        assert "private" in response["Cache-Control"]
        assert "no-store" in response["Cache-Control"]
    assert "Secret plans" not in signed_in.get("/scorecard.csv", {"period": "2026-Q1"}).content.decode()
    # asking for the other team by id is refused, not answered with an empty file
    refused = signed_in.get("/scorecard.pdf", {"period": "2026-Q1", "team": str(stranger_team.pk)})
    assert refused.status_code == 400
    assert b"team" in refused.content
    # a bad day or format is named
    assert (
        b"Choose a day within 2026-Q1"
        in signed_in.get("/scorecard.csv", {"period": "2026-Q1", "as_of": "2025-05-01"}).content
    )
    assert signed_in.get("/scorecard/download", {"format": "docx"}).status_code == 400
    assert signed_in.get("/scorecard/download", {"format": "xlsx", "period": "2026-Q1"}).status_code == 200
    # and a visitor who is not signed in is sent to sign in
    client.logout()
    assert client.get("/scorecard.pdf").status_code == 302


def test_the_page_has_a_print_button_and_a_download_per_format(signed_in: Client, lead: User) -> None:
    _scorecard(lead)

    page = signed_in.get(reverse("scorecard"), {"period": "2026-Q1"}).content.decode()

    assert "data-print" in page
    assert "js/print.js" in page
    for extension in ("csv", "xlsx", "pdf", "pptx"):
        assert f'href="/scorecard.{extension}?period=2026-Q1"' in page
    assert "as of 31 Mar 2026" in page


def test_the_command_writes_each_format_for_a_team_as_of_a_day(lead: User, tmp_path: Path) -> None:
    _scorecard(lead)
    out = io.StringIO()

    for extension in ("csv", "xlsx", "pdf", "pptx"):
        path = tmp_path / f"card.{extension}"
        call_command(
            "export_scorecard",
            "--period=2026-Q1",
            "--team=Tier 1",
            "--as-of=2026-02-15",
            f"--format={extension}",
            f"--output={path}",
            stdout=out,
        )
        assert path.stat().st_size > 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "card.csv").read_text("utf-8-sig"))))
    assert {r["as_of"] for r in rows} == {"2026-02-15"}
    assert "Macros are live" in [r["comment"] for r in rows]
    assert "As of 15 Feb 2026" in Presentation(str(tmp_path / "card.pptx")).slides[0].placeholders[1].text_frame.text
    assert "Tier 1 · as of 15 Feb 2026" in PdfReader(tmp_path / "card.pdf").pages[1].extract_text()
    assert "Wrote" in out.getvalue()
    assert "1 objectives" in out.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--period=2026-Q9"], "is not a period label"),
        (["--period=2026-Q1", "--as-of=2026-13-01"], "is not a day"),
        (["--period=2026-Q1", "--as-of=2025-12-31"], "must lie within 2026-Q1"),
        (["--period=2026-Q1", "--team=Nobody"], "No team named 'Nobody'"),
        (["--period=2026-Q1", "--team=Tier 1", "--user=lead"], "that lead can see"),
        (["--period=2026-Q1", "--user=ghost"], "No active user 'ghost'"),
    ],
)
def test_the_command_names_a_bad_argument_and_writes_nothing(
    lead: User, tmp_path: Path, arguments: list[str], message: str
) -> None:
    TeamFactory(name="Tier 1")
    path = tmp_path / "card.pdf"

    with pytest.raises(CommandError, match=message):
        call_command("export_scorecard", *arguments, "--format=pdf", f"--output={path}")

    assert not path.exists()
