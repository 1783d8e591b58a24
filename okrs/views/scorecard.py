"""The scorecard: a period's KPIs against their targets, then its objectives, as they stood on a day (downloads of
the same live in okrs.exports)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from config.jinja import jinja_html
from okrs.calendar import chosen_period, neighbours
from okrs.exports.formats import FORMATS
from okrs.forms import ScorecardFilterForm
from okrs.scorecard.presentation import STATUS_LEGEND, kpi_rows, objective_lines, team_lines
from okrs.scorecard.rows import objective_row_for, scorecard_rows
from okrs.scorecard.selector import TREND_PERIODS, Scorecard, periods_with_objectives
from okrs.views.dashboard import INLINE_KEY_RESULTS_UP_TO

# Where a long scorecard's objective row loads its key results' rows from.
_KEY_RESULTS = "scorecard_key_results"


def _scorecard(request: HttpRequest) -> tuple[ScorecardFilterForm, Scorecard]:
    form = ScorecardFilterForm(request.GET, user=request.user)
    form.is_valid()
    period = chosen_period(request.GET.get("period")).period
    team, as_of = form.cleaned_data.get("team"), form.cleaned_data.get("as_of")
    return form, scorecard_rows(user=request.user, period=period, team=team, as_of=as_of)


def _downloads(query: str) -> list[tuple[str, str, str]]:
    """Each export format's label, link (with the page's period, team and as-of) and file extension."""
    return [(f.label, reverse(f"scorecard_{f.key}") + (f"?{query}" if query else ""), f.key) for f in FORMATS.values()]


@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    form, card = _scorecard(request)
    previous_label, next_label = neighbours(card.period)
    compact = len(card.objectives) > INLINE_KEY_RESULTS_UP_TO
    kpis = kpi_rows(card.kpi_lines, period_label=card.period.label)
    teams = team_lines(card.team_groups, key_results_at=_KEY_RESULTS, with_key_results=not compact)
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
        "kpi_rows_html": jinja_html(
            "okrs/rows/scorecard_kpis.jinja",
            {"rows": kpis, "period_label": card.period.label, "previous_label": previous_label},
        ),
        "team_rows_html": jinja_html("okrs/rows/scorecard_teams.jinja", {"team_lines": teams, "compact": compact}),
        "downloads": _downloads(request.GET.urlencode()),
        "status_legend": STATUS_LEGEND,
    }
    return render(request, "okrs/scorecard.html", context)


@require_GET
def scorecard_key_results(request: HttpRequest, pk: int) -> HttpResponse:
    """An objective's row with its key results' rows, for a scorecard too long to show them all at once."""
    summary = objective_row_for(user=request.user, pk=pk)
    if summary is None:
        raise Http404("No such objective in your teams.")
    lines = objective_lines([summary], key_results_at=_KEY_RESULTS, with_key_results=True)
    return HttpResponse(jinja_html("okrs/rows/scorecard_objectives.jinja", {"lines": lines, "compact": False}))


urlpatterns: list[URLPattern] = [
    path("scorecard/", scorecard, name="scorecard"),
    path("scorecard/objectives/<int:pk>/", scorecard_key_results, name="scorecard_key_results"),
]
