"""An objective's page: its key results, what it supports, what supports it across teams, and its history."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from kpis import charts
from okrs.history import objective_history
from okrs.models import Objective
from okrs.scorecard.objective_page import HistoryPoint, objective_page
from okrs.scorecard.presentation import tree_lines


def _history_chart(history: list[HistoryPoint]) -> charts.Chart:
    lines = [
        charts.Line("Progress", [(i, point.progress) for i, point in enumerate(history)], "actual"),
        charts.Line("Expected", [(i, point.expected) for i, point in enumerate(history)], "expected"),
    ]
    labels = [point.day.strftime("%d %b") for point in history]
    return charts.line_chart(lines, labels, value_format="{:.0f} %", height=180)


@require_GET
def objective_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = objective_page(user=request.user, pk=pk)
    if page is None:
        raise Http404("No such objective in your teams.")
    objective = page.summary.objective
    context = {
        "nav": "dashboard",
        "page": page,
        "summary": page.summary,
        "children": tree_lines(page.children),
        "objective": objective,
        "can_edit": Objective.objects.editable_by(request.user).filter(pk=objective.pk).exists(),
        "history_chart": _history_chart(page.history) if len(page.history) > 1 else None,
        "changes": objective_history(objective=objective),
    }
    return render(request, "okrs/objective_detail.html", context)


urlpatterns: list[URLPattern] = [
    path("objectives/<int:pk>/", objective_detail, name="objective_detail"),
]
