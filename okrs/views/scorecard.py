"""The scorecard: a period's KPIs against their targets, then its objectives; on the page and as a CSV download."""

from __future__ import annotations

import csv
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from kpis.csv_safety import spreadsheet_safe as text
from kpis.formatting import format_raw
from okrs.forms import PeriodTeamForm
from okrs.models import Status
from okrs.scorecard import TREND_PERIODS, Scorecard, objective_summary_for, periods_with_objectives, scorecard_for
from okrs.views.dashboard import INLINE_KEY_RESULTS_UP_TO, chosen_period, neighbours, span_of

CSV_COLUMNS = [
    "section",
    "period",
    "team",
    "objective",
    "name",
    "kpi",
    "segment",
    "unit",
    "actual",
    "target",
    "target_low",
    "target_high",
    "status",
    "previous_period",
    "previous",
    "change",
    "change_is",
    "progress",
    "expected",
    "owner",
]


def _scorecard(request: HttpRequest) -> tuple[PeriodTeamForm, Scorecard]:
    form = PeriodTeamForm(request.GET, user=request.user)
    form.is_valid()
    period = chosen_period(form)
    return form, scorecard_for(user=request.user, period=period, team=form.cleaned_data.get("team"))


@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    form, card = _scorecard(request)
    previous_label, next_label = neighbours(card.period)
    context: dict[str, Any] = {
        "nav": "scorecard",
        "form": form,
        "card": card,
        "period": card.period,
        "period_last_day": span_of(card.period).last_day,
        "counts": card.kpi_counts,
        "trend_count": TREND_PERIODS,
        "team": card.team,
        "previous_label": previous_label,
        "next_label": next_label,
        "quarters": periods_with_objectives(user=request.user, period=card.period),
        "query": request.GET.urlencode(),
        "compact": len(card.objectives) > INLINE_KEY_RESULTS_UP_TO,
    }
    return render(request, "okrs/scorecard.html", context)


@require_GET
def scorecard_key_results(request: HttpRequest, pk: int) -> HttpResponse:
    """An objective's row with its key results' rows, for a scorecard too long to show them all at once."""
    summary = objective_summary_for(user=request.user, pk=pk)
    if summary is None:
        raise Http404("No such objective in your teams.")
    return render(request, "okrs/partials/scorecard_objective_rows.html", {"summary": summary, "compact": False})


def scorecard_rows(card: Scorecard) -> list[dict[str, str]]:
    """The scorecard as CSV rows: one per KPI line, then per objective, each followed by its key results.

    Numbers are raw (a point, no thousands separator, no unit) so a spreadsheet reads them as numbers; the unit
    has its own column. Every text cell is neutralised against formula injection.
    """
    label = card.period.label
    rows: list[dict[str, str]] = []
    for line in card.kpi_lines:
        rows.append(
            {
                "section": "kpi",
                "period": label,
                "name": text(line.kpi.name),
                "kpi": text(line.kpi.key),
                "segment": text(line.segment_label),
                "unit": line.kpi.unit,
                "actual": format_raw(line.actual),
                "target": format_raw(line.target),
                "target_low": format_raw(line.target_low),
                "target_high": format_raw(line.target_high),
                "status": line.status or "",
                "previous_period": line.previous_label,
                "previous": format_raw(line.previous),
                "change": format_raw(line.change),
                "change_is": line.change_is or "",
            }
        )
    for summary in card.objectives:
        objective = summary.objective
        common = {
            "period": label,
            "team": text(objective.team.name),
            "objective": text(objective.title),
            "owner": text(objective.owner.get_full_name() or objective.owner.get_username()),
        }
        rows.append(
            {
                **common,
                "section": "objective",
                "name": common["objective"],
                "status": summary.status.value,
                "progress": format_raw(summary.progress),
                "expected": format_raw(summary.expected),
            }
        )
        for kr in summary.key_results:
            kpi = kr.kpi
            rows.append(
                {
                    **common,
                    "section": "key_result",
                    "name": text(kr.title),
                    "kpi": "" if kpi is None else text(kpi.key),
                    "segment": "" if kpi is None else text(kr.segment_label),
                    "unit": "" if kpi is None else kpi.unit,
                    "actual": format_raw(kr.current_value),
                    "target": format_raw(kr.target_value),
                    "target_low": format_raw(kr.band_min),
                    "target_high": format_raw(kr.band_max),
                    "status": Status(kr.status).value,
                    "progress": format_raw(kr.progress),
                    "expected": format_raw(kr.expected),
                }
            )
    return rows


@require_GET
def scorecard_csv(request: HttpRequest) -> HttpResponse:
    _, card = _scorecard(request)
    name = f"scorecard-{card.period.label}{'-' + card.team.name if card.team else ''}.csv"
    safe_name = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    # A byte-order mark makes Excel read the file as UTF-8 (names with accents, the em dash).
    response.write("\ufeff")
    writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS, restval="")
    writer.writeheader()
    writer.writerows(scorecard_rows(card))
    return response


urlpatterns: list[URLPattern] = [
    path("scorecard/", scorecard, name="scorecard"),
    path("scorecard.csv", scorecard_csv, name="scorecard_csv"),
    path("scorecard/objectives/<int:pk>/", scorecard_key_results, name="scorecard_key_results"),
]
