"""The dashboard: a quarter's objectives per team with their key results, roll-ups and the alignment tree."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from okrs.calendar import chosen_period, neighbours
from okrs.forms import DashboardFilterForm
from okrs.models import Status
from okrs.scorecard.presentation import team_lines, tree_lines
from okrs.scorecard.rows import RowSummary, objective_row_for, objective_rows
from okrs.scorecard.selector import alignment_tree, group_by_team, periods_with_objectives, rollup

# Above this many objectives on the page, key results load when an objective is opened: a page of a thousand key
# result rows is slow to send and too long to read.
INLINE_KEY_RESULTS_UP_TO = 40
# Where a long page's objective loads its key results from.
_KEY_RESULTS = "dashboard_key_results"


def _matches(summary: RowSummary, status: str) -> bool:
    return not status or summary.status == status or any(kr.status == status for kr in summary.key_results)


def _context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    form = DashboardFilterForm(request.GET, user=user)
    form.is_valid()
    # The form names a bad label inline; the page shows the current quarter meanwhile.
    period = chosen_period(request.GET.get("period")).period
    team = form.cleaned_data.get("team")
    status = form.cleaned_data.get("status") or ""
    everything = objective_rows(user=user, period=period)
    shown = [s for s in everything if (team is None or s.objective.team_id == team.pk) and _matches(s, status)]
    previous_label, next_label = neighbours(period)
    groups = group_by_team(shown)
    tree = alignment_tree(everything)
    return {
        "nav": "dashboard",
        "form": form,
        "period": period,
        "period_last_day": period.span.last_day,
        "previous_label": previous_label,
        "next_label": next_label,
        "quarters": periods_with_objectives(user=user, period=period),
        "team": team,
        "status": status,
        "status_label": Status(status).label if status else "",
        "groups": groups,
        "team_lines": team_lines(groups, key_results_at=_KEY_RESULTS),
        "rollup": rollup(shown),
        "tree": tree,
        "tree_lines": tree_lines(tree),
        "has_objectives": bool(everything),
        "is_filtered": team is not None or bool(status),
        "compact": len(shown) > INLINE_KEY_RESULTS_UP_TO,
    }


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    if htmx:
        return render(request, "okrs/partials/dashboard_body.html", context)
    return render(request, "okrs/dashboard.html", context)


@require_GET
def objective_key_results(request: HttpRequest, pk: int) -> HttpResponse:
    """An objective's key results, for a dashboard too long to show them all at once."""
    summary = objective_row_for(user=request.user, pk=pk)
    if summary is None:
        raise Http404("No such objective in your teams.")
    return render(request, "okrs/partials/key_result_list.html", {"summary": summary})


urlpatterns: list[URLPattern] = [
    path("", dashboard, name="dashboard"),
    path("objectives/<int:pk>/key-results/", objective_key_results, name="dashboard_key_results"),
]
