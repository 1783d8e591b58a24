"""The scorecard as a PDF (WeasyPrint): A4 landscape, the KPI and OKR tables, then a page per objective.

Drawn from HTML like the page, with the page's partials: the same status badges, progress bars, sparklines and
server-side SVG charts (kpis.charts through templates/partials/charts/line.html). Each objective's page charts its
key results' progress against the expected pace, day by day from the progress snapshots up to the "as of" day.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from kpis import charts
from okrs.exports.document import ExportDocument, ObjectiveRow
from okrs.models import ProgressSnapshot

# Objectives whose pages are laid out together: what bounds the memory one part of the PDF takes.
OBJECTIVES_PER_PART = 10
PRINT_CHART_HEIGHT = 100


def progress_charts(document: ExportDocument) -> dict[int, charts.Chart]:
    """Each key result's progress and expected pace over the days up to "as of", in one query for all of them."""
    ids = [kr.key_result.pk for o in document.objectives for kr in o.key_results]
    days: dict[int, list[tuple[date, float | None, float | None]]] = defaultdict(list)
    rows = ProgressSnapshot.objects.filter(
        key_result_id__in=ids, day__gte=document.period.start, day__lte=document.as_of
    ).order_by("key_result_id", "day")
    for kr_id, day, value, expected in rows.values_list("key_result_id", "day", "progress", "expected"):
        days[kr_id].append((day, value, expected))
    found: dict[int, charts.Chart] = {}
    for kr_id, points in days.items():
        if len(points) < 2:
            continue
        lines = [
            charts.Line("Progress", [(i, p) for i, (_, p, _) in enumerate(points)], "actual", dots=False),
            charts.Line("Expected", [(i, e) for i, (_, _, e) in enumerate(points)], "expected"),
        ]
        labels = [day.strftime("%-d %b") for day, _, _ in points]
        chart = charts.line_chart(lines, labels, value_format="{:.0f} %", height=PRINT_CHART_HEIGHT)
        # A page shows one of a chart's three drawings (its container queries choose); a PDF would draw all three.
        # It gets the compact one alone: four day labels and 360 units keep the text legible in a third of a page.
        found[kr_id] = chart.compact or chart
    return found


# WeasyPrint draws an inline SVG with the styles inside it and ignores the page's (Kozea/WeasyPrint#1761), so the
# shared partials' SVGs get the PDF stylesheet's rules for them written into their own <style>.
_CHART_SVG = (
    ".grid{stroke:#e2e5ea;stroke-width:1}"
    ".axis{fill:#6b7480;font-size:12px;font-family:'DejaVu Sans',sans-serif}"
    ".series{fill:none;stroke-width:2.5;stroke-linejoin:round;stroke-linecap:round}"
    ".series.actual{stroke:#3b5bdb;stroke-width:3}"
    ".series.expected{stroke:#9aa3ae;stroke-dasharray:6 3 1 3}"
    ".dot{fill:#fff;stroke:#3b5bdb;stroke-width:2}"
)
_SPARKLINE_SVG = "path{fill:none;stroke:#3b5bdb;stroke-width:1.6}"
_COLOURS = {"good": "#1f8a4c", "warn": "#b26b00", "bad": "#c23b3b", "none": "#6b7480"}
_LEGEND = {"actual": "stroke:#3b5bdb", "expected": "stroke:#9aa3ae;stroke-dasharray:5 2"}


def _styled_svgs(html: str) -> str:
    html = re.sub(r'(<svg class="sparkline"[^>]*>)', rf"\1<style>{_SPARKLINE_SVG}</style>", html)
    html = re.sub(r'(<svg [^>]*role="img"[^>]*>)', rf"\1<style>{_CHART_SVG}</style>", html)
    html = re.sub(
        r'(<span class="badge (\w+)"><svg[^>]*>)',
        lambda m: f"{m.group(1)}<style>*{{fill:{_COLOURS.get(m.group(2), _COLOURS['none'])}}}</style>",
        html,
    )
    return re.sub(
        r'(<span class="key (\w+)"><svg[^>]*>)',
        lambda m: f"{m.group(1)}<style>line{{stroke-width:3;{_LEGEND.get(m.group(2), _LEGEND['actual'])}}}</style>",
        html,
    )


def _pdf(html: str) -> PdfReader:
    pdf = HTML(string=_styled_svgs(html)).write_pdf()
    assert pdf is not None
    return PdfReader(io.BytesIO(pdf))


def _objective_page(objective: ObjectiveRow, found: dict[int, charts.Chart]) -> dict[str, object]:
    """An objective's page: its key results' charts, and the legend they share once above them, not under each."""
    drawn = [(kr, found.get(kr.key_result.pk)) for kr in objective.key_results]
    legend = next((chart.legend for _, chart in drawn if chart), [])
    return {
        "objective": objective,
        "legend": legend,
        "charts": [(kr, chart and replace(chart, legend=[])) for kr, chart in drawn],
    }


def _parts(document: ExportDocument) -> Iterator[PdfReader]:
    """The summary, then the objectives' pages a few objectives at a time, each laid out as a document of its own."""
    yield _pdf(render_to_string("okrs/exports/scorecard_pdf.html", {"doc": document}))
    found = progress_charts(document)
    for start in range(0, len(document.objectives), OBJECTIVES_PER_PART):
        pages = [_objective_page(o, found) for o in document.objectives[start : start + OBJECTIVES_PER_PART]]
        yield _pdf(render_to_string("okrs/exports/scorecard_pdf_objectives.html", {"doc": document, "pages": pages}))


def render(document: ExportDocument) -> bytes:
    """The parts joined into one file, then numbered "Page N of M" across all of them.

    WeasyPrint keeps every laid-out page of a document until it has written it: one document for a quarter of 200
    objectives held all of them at once. Laid out in parts, it holds one part's pages at a time.
    """
    joined = PdfWriter()
    for part in _parts(document):
        joined.append(part)
    numbers = _pdf(render_to_string("okrs/exports/page_numbers.html", {"pages": range(len(joined.pages))}))
    for page, number in zip(joined.pages, numbers.pages, strict=True):
        page.merge_page(number)
        # Merging leaves the page's drawing uncompressed: three times the size.
        page.compress_content_streams()
    out = io.BytesIO()
    joined.write(out)
    return out.getvalue()
