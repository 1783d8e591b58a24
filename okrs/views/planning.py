"""Quarter planning: the period's objectives per team, creating and editing objectives and key results, with the
key result previewed from the data before it is saved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.jinja import jinja_html
from kpis.formatting import decimals_text, format_value
from kpis.models import Kpi, Period
from kpis.selectors import kpi_series_values
from okrs import kinds, progress
from okrs.calendar import chosen_period, current_quarter, neighbours
from okrs.forms_planning import GUARDRAIL_FIELDS, KeyResultForm, ObjectiveForm, errors_onto, key_result_initial
from okrs.history import objective_history
from okrs.models import KeyResult, Objective, Team
from okrs.roles import can_plan, okr_object
from okrs.scorecard.rows import KeyResultRow, key_result_rows
from okrs.selectors import objective_rows
from okrs.services.objectives import (
    objective_create,
    objective_state_set,
    objective_update,
)
from okrs.services.preview import Preview
from okrs.templatetags.okr_parts import Badges, progress_bar
from okrs.views.links import Links

RECENT_VALUES = 6
# A draft objective's key results have no status yet.
_NOT_STARTED = mark_safe('<span class="badge neutral">Not started</span>')


class KeyResultLine(TypedDict):
    """A key result's line in the plan, in words and drawn pieces: what a thousand of them render from."""

    title: str
    about: str
    bar: str
    badge: str
    url: str
    edit_url: str


class ObjectiveLine(TypedDict):
    pk: int
    title: str
    state: str
    tracked: bool
    owner: str
    weight_text: str  # empty at the usual weight of 1
    bar: str
    progress_text: str
    url: str
    edit_url: str
    add_url: str
    state_url: str
    key_results: list[KeyResultLine]


@dataclass(frozen=True)
class TeamPlan:
    team: Team
    editable: bool
    objectives: list[ObjectiveLine]


@require_GET
def planning(request: HttpRequest) -> HttpResponse:
    chosen = chosen_period(request.GET.get("period"))
    period, period_error = chosen.period, chosen.error
    editable = set(Team.objects.editable_by(request.user).values_list("pk", flat=True))
    by_team: dict[int, list[ObjectiveLine]] = {}
    for team_id, line in _objective_lines(request, period):
        by_team.setdefault(team_id, []).append(line)
    plans = [
        TeamPlan(team, team.pk in editable, by_team.get(team.pk, [])) for team in Team.objects.visible_to(request.user)
    ]
    # The teams the user plans for come first; those they only watch follow.
    plans.sort(key=lambda plan: not plan.editable)
    span = period.span
    previous_label, next_label = neighbours(period)
    context = {
        "nav": "planning",
        "period": period,
        "period_error": period_error,
        "last_day": span.last_day,
        "period_input": request.GET.get("period", period.label),
        "previous_label": previous_label,
        "next_label": next_label,
        "plans_html": jinja_html(
            "okrs/rows/plans.jinja",
            {"plans": plans, "period": period, "create_url": reverse("objective_create")},
            request,
        ),
        "can_plan": bool(editable),
    }
    return render(request, "okrs/planning.html", context)


def _objective_lines(request: HttpRequest, period: Period) -> list[tuple[int, ObjectiveLine]]:
    """The period's objectives the user sees, each with its team's id, from plain rows: two queries, and one for
    the KPIs and dimensions their key results read, however many there are."""
    objectives = list(objective_rows(user=request.user, period=period))
    by_objective = key_result_rows(objective_ids=[objective["pk"] for objective in objectives])
    links = Links(
        "objective_detail",
        "objective_edit",
        "key_result_create",
        "objective_state",
        "key_result_detail",
        "key_result_edit",
    )
    badges = Badges()
    lines = []
    for objective in objectives:
        planned_krs = by_objective.get(objective["pk"], [])
        # The objective's progress is its key results' weighted mean, as everywhere (okrs.progress).
        rolled_up = progress.weighted_mean((kr.progress, kr.weight) for kr in planned_krs)
        pk, tracked = objective["pk"], objective["state"] != Objective.State.DRAFT
        owner = f"{objective['owner__first_name']} {objective['owner__last_name']}".strip()
        line: ObjectiveLine = {
            "pk": pk,
            "title": objective["title"],
            "state": objective["state"],
            "tracked": tracked,
            "owner": owner or objective["owner__username"],
            "weight_text": _weight_text(objective["weight"]),
            "bar": progress_bar(rolled_up, None, None),
            "progress_text": "—" if rolled_up is None else f"{decimals_text(rolled_up, 0)} %",
            "url": links.to("objective_detail", pk),
            "edit_url": links.to("objective_edit", pk),
            "add_url": links.to("key_result_create", pk),
            "state_url": links.to("objective_state", pk),
            "key_results": [_key_result_line(kr, links, badges, tracked=tracked) for kr in planned_krs],
        }
        lines.append((objective["team_id"], line))
    return lines


def _weight_text(weight: float) -> str:
    """An objective's weight as `floatformat:"-2"` writes it (`2`, `1.50`); empty at the usual 1."""
    if weight == 1:
        return ""
    return decimals_text(weight, 0 if weight == int(weight) else 2)


def _key_result_line(key_result: KeyResultRow, links: Links, badges: Badges, *, tracked: bool) -> KeyResultLine:
    """What a key result asks for in a few words, from what the last recompute stored; its bar and status once its
    objective is tracked."""
    kind = kinds.kind_of(key_result)
    fmt = kinds.formatter_of(key_result)
    about = [key_result.kpi.name] if key_result.kpi is not None else []
    if key_result.kpi is not None and key_result.segment:
        about.append(key_result.segment)
    about.append(kind.asks(key_result, fmt))
    current = kind.value_text(key_result.current_value, fmt)
    if current and current != "—":
        about[-1] += f" · now {current}"
    return {
        "title": key_result.title,
        "about": " · ".join(about),
        "bar": progress_bar(key_result.progress, key_result.expected, key_result.status) if tracked else "",
        "badge": badges(key_result.status) if tracked else _NOT_STARTED,
        "url": links.to("key_result_detail", key_result.pk),
        "edit_url": links.to("key_result_edit", key_result.pk),
    }


def _planning_url(period: Period) -> str:
    return f"{reverse('planning')}?period={period.label}"


def _objective_for_editing(request: HttpRequest, pk: int) -> Objective:
    """The objective, if the user sees its team (else 404) and may plan for it (else 403)."""
    return okr_object(request, Objective.objects.select_related("team", "owner", "period"), write=True, pk=pk)


@require_http_methods(["GET", "POST"])
def objective_create_view(request: HttpRequest) -> HttpResponse:
    if not can_plan(request.user):
        raise PermissionDenied("Only the editors and admins of a team plan its objectives.")
    team_asked = request.POST.get("team", "")
    if team_asked.isdigit() and not Team.objects.editable_by(request.user).filter(pk=team_asked).exists():
        raise PermissionDenied("Only the team's editors and admins plan its objectives.")
    initial = {"period": request.GET.get("period") or current_quarter().label, "owner": request.user.pk, "weight": 1}
    if request.GET.get("team", "").isdigit():
        initial["team"] = int(request.GET["team"])
    form = ObjectiveForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            objective = objective_create(**form.objective_fields())
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, f"Objective “{objective.title}” created as a draft. Now add its key results.")
            return redirect("key_result_create", pk=objective.pk)
    return render(request, "okrs/objective_form.html", {"nav": "planning", "form": form, "objective": None})


@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _objective_for_editing(request, pk)
    team_asked = request.POST.get("team", "")
    if team_asked.isdigit() and not Team.objects.editable_by(request.user).filter(pk=team_asked).exists():
        raise PermissionDenied("Only the team's editors and admins plan its objectives.")
    initial = {
        "title": objective.title,
        "description": objective.description,
        "team": objective.team_id,
        "owner": objective.owner_id,
        "period": objective.period.label,
        "parent_objective": objective.parent_objective_id,
        "parent_key_result": objective.parent_key_result_id,
        "weight": objective.weight,
    }
    form = ObjectiveForm(request.POST or None, user=request.user, objective=objective, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            objective_update(objective=objective, **form.objective_fields())
        except ValidationError as error:
            errors_onto(form, error)
            objective.refresh_from_db()
        else:
            messages.success(request, f"Objective “{objective.title}” saved.")
            return redirect(_planning_url(objective.period))
    context = {
        "nav": "planning",
        "form": form,
        "objective": objective,
        "history": objective_history(objective=objective),
    }
    return render(request, "okrs/objective_form.html", context)


@require_POST
def objective_state(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _objective_for_editing(request, pk)
    try:
        objective_state_set(objective=objective, state=request.POST.get("state", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = {"active": "is active: its key results are computed", "closed": "is closed", "draft": "is a draft"}
        messages.success(request, f"“{objective.title}” {done[objective.state]}.")
    return redirect(_planning_url(objective.period))


def _key_result_form_page(
    request: HttpRequest, objective: Objective, key_result: KeyResult | None, initial: dict[str, Any]
) -> HttpResponse:
    form = KeyResultForm(request.POST or None, objective=objective, key_result=key_result, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = form.save(objective=objective, key_result=key_result)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, f"Key result “{saved.title}” saved.")
            return redirect("key_result_detail", pk=saved.pk)
    context = {
        "nav": "planning",
        "form": form,
        "objective": objective,
        "key_result": key_result,
        "guardrails": list(key_result.guardrails.select_related("kpi")) if key_result else [],
        **_form_extras(form),
    }
    return render(request, "okrs/key_result_form.html", context)


@require_http_methods(["GET", "POST"])
def key_result_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _objective_for_editing(request, pk)
    return _key_result_form_page(request, objective, None, {"weight": 1})


@require_http_methods(["GET", "POST"])
def key_result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    key_result = okr_object(request, KeyResult.objects.select_related("baseline_period"), write=True, pk=pk)
    objective = _objective_for_editing(request, key_result.objective_id)
    return _key_result_form_page(request, objective, key_result, key_result_initial(key_result))


def _form_extras(form: KeyResultForm) -> dict[str, Any]:
    return {"recent": _recent_values(form), "preview": None}


@dataclass(frozen=True)
class RecentValues:
    kpi: Kpi
    segment: str
    values: list[tuple[str, str]]


def _recent_values(form: KeyResultForm) -> RecentValues | None:
    """The chosen KPI's last values for the chosen segment, in the grain of the objective's period."""
    kpi = form.chosen_kpi
    if kpi is None or not form.reads_kpi:
        return None
    period = form.objective.period
    member = form._value("member") if form.chosen_dimension is not None else None
    if form.chosen_dimension is not None and not member:
        return None
    found = kpi_series_values(
        kpi=kpi, grain=period.grain, dimension=form.chosen_dimension, member=member, end=period.end
    ).reverse()[:RECENT_VALUES]
    values = [(v.period.label, format_value(v.value, kpi.unit, kpi.decimals)) for v in reversed(found)]
    segment = f"{form.chosen_dimension.key}={member}" if form.chosen_dimension is not None else "overall"
    return RecentValues(kpi, segment, values)


@require_POST
def key_result_fields(request: HttpRequest, pk: int) -> HttpResponse:
    """The form's fields for the chosen kind, KPI and segment, re-rendered as they change (htmx)."""
    objective = _objective_for_editing(request, pk)
    key_result = None
    if request.POST.get("key_result", "").isdigit():
        key_result = get_object_or_404(KeyResult, pk=request.POST["key_result"], objective=objective)
    # Unbound, with what was typed as initial data: re-rendering must not flag fields the user has not reached.
    initial = {name: request.POST.get(name) for name in KeyResultForm.base_fields if name in request.POST}
    form = KeyResultForm(objective=objective, key_result=key_result, initial=initial)
    context = {"form": form, "objective": objective, "key_result": key_result, **_form_extras(form)}
    return render(request, "okrs/partials/kr_fields.html", context)


def preview_lines(key_result: KeyResult, preview: Preview) -> tuple[str, str]:
    """The preview in words: what the key result asks for, and where it stands today."""
    fmt = kinds.formatter_of(key_result)
    kind = key_result.kind_rules
    baseline_label = kinds.baseline_origin(key_result) if preview.baseline_period is not None else None
    # The preview resolved the key result's baseline and target from the series (see key_result_preview).
    return kind.asks(key_result, fmt, baseline_label), kind.standing(key_result, preview.reading, fmt)


@require_POST
def key_result_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """What the key result would read and show if saved now (htmx), or what is still missing."""
    objective = _objective_for_editing(request, pk)
    key_result = None
    if request.POST.get("key_result", "").isdigit():
        key_result = get_object_or_404(KeyResult, pk=request.POST["key_result"], objective=objective)
    data = request.POST.copy()
    # Neither the title nor a half-typed guardrail changes the numbers: preview without them.
    data["title"] = data.get("title") or "preview"
    for name in GUARDRAIL_FIELDS:
        data.pop(name, None)
    form = KeyResultForm(data, objective=objective, key_result=key_result)
    context: dict[str, Any] = {"headline": "", "detail": "", "error": "", "status": None}
    if form.is_valid() and form.preview is not None and form.previewed is not None:
        preview = form.preview
        context["headline"], context["detail"] = preview_lines(form.previewed, preview)
        context["status"] = preview.reading.status.value if preview.reading.value is not None else None
    elif "baseline_period" in form.errors or ("kpi" in form.errors and form.chosen_kpi is not None):
        context["error"] = " ".join(str(e) for e in form.errors.get("baseline_period") or form.errors["kpi"])
    return render(request, "okrs/partials/kr_preview.html", context)


urlpatterns: list[URLPattern] = [
    path("planning/", planning, name="planning"),
    path("planning/objectives/new/", objective_create_view, name="objective_create"),
    path("planning/objectives/<int:pk>/edit/", objective_edit, name="objective_edit"),
    path("planning/objectives/<int:pk>/state/", objective_state, name="objective_state"),
    path("planning/objectives/<int:pk>/key-results/new/", key_result_create_view, name="key_result_create"),
    path("planning/objectives/<int:pk>/key-results/fields/", key_result_fields, name="key_result_fields"),
    path("planning/objectives/<int:pk>/key-results/preview/", key_result_preview_view, name="key_result_preview"),
    path("planning/key-results/<int:pk>/edit/", key_result_edit, name="key_result_edit"),
]
