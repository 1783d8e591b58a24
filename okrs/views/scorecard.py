"""The scorecard: a period's KPIs against their targets, then its objectives; on the page and as a CSV download."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from okrs.calendar import chosen_period, neighbours
from okrs.forms import PeriodTeamForm
from okrs.scorecard.exports import scorecard_csv_text
from okrs.scorecard.selector import (
    TREND_PERIODS,
    Scorecard,
    objective_summary_for,
    periods_with_objectives,
    scorecard_for,
)
from okrs.views.dashboard import INLINE_KEY_RESULTS_UP_TO


def _scorecard(request: HttpRequest) -> tuple[PeriodTeamForm, Scorecard]:
    form = PeriodTeamForm(request.GET, user=request.user)
    form.is_valid()
    period = chosen_period(request.GET.get("period")).period
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
        "period_last_day": card.period.span.last_day,
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


@require_GET
def scorecard_csv(request: HttpRequest) -> HttpResponse:
    _, card = _scorecard(request)
    name = f"scorecard-{card.period.label}{'-' + card.team.name if card.team else ''}.csv"
    safe_name = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.write(scorecard_csv_text(card))
    return response


urlpatterns: list[URLPattern] = [
    path("scorecard/", scorecard, name="scorecard"),
    path("scorecard.csv", scorecard_csv, name="scorecard_csv"),
    path("scorecard/objectives/<int:pk>/", scorecard_key_results, name="scorecard_key_results"),
]
