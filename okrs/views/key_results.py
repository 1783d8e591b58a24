"""A key result's page: its numbers, the KPI series chart, the segment breakdown, check-ins, initiatives,
guardrails and the progress history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypedDict

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from config.jinja import jinja_html
from kpis import charts, periods
from kpis.formatting import decimals_text
from kpis.models import Dimension, Period, SeriesValue
from kpis.selectors import dimensions_within, kpi_series_values, kpi_values_within
from okrs import kinds, progress
from okrs.calendar import fiscal_start
from okrs.forms_planning import CheckInForm, InitiativeForm, InitiativeStatusForm, errors_onto
from okrs.history import key_result_history
from okrs.lineage import key_result_lineage
from okrs.models import CheckIn, Initiative, KeyResult, Team
from okrs.roles import okr_object
from okrs.selectors import check_ins_for_key_result, progress_history, team_people
from okrs.services.activity import check_in_create, initiative_create, initiative_update
from okrs.templatetags.okr_parts import Badges

_RELATED = ("objective__team", "objective__owner", "objective__period", "kpi", "dimension", "baseline_read_from")


def _key_result(request: HttpRequest, pk: int, *, write: bool = False) -> KeyResult:
    """The key result, if the user sees its team (404 otherwise, so that other teams' plans stay private) and, for
    a write, may change it (403 otherwise)."""
    return okr_object(request, KeyResult.objects.select_related(*_RELATED), write=write, pk=pk)


def _can_edit(request: HttpRequest, key_result: KeyResult) -> bool:
    return KeyResult.objects.editable_by(request.user).filter(pk=key_result.pk).exists()


def _person(request: HttpRequest) -> User:
    # LoginRequiredMiddleware lets only signed-in users this far.
    assert isinstance(request.user, User)
    return request.user


def _weeks(period: Period) -> list[periods.Span]:
    """The weeks that start inside the period: the ones the forecast reads."""
    fy = fiscal_start()
    spans = periods.covering(period.start, period.end - timedelta(days=1), periods.Grain.WEEK, fy)
    return [span for span in spans if period.start <= span.start < period.end]


def _actual_points(key_result: KeyResult, weeks: list[periods.Span], check_ins: list[CheckIn]) -> list[Any]:
    index = {span.start: position for position, span in enumerate(weeks)}
    if key_result.kpi is not None:
        period = key_result.objective.period
        values = kpi_series_values(
            kpi=key_result.kpi,
            grain=periods.Grain.WEEK,
            dimension=key_result.dimension,
            member=key_result.member if key_result.dimension else None,
            start=period.start,
            end=period.end,
        )
        return [(index[v.period.start], v.value) for v in values if v.period.start in index]
    # A manual key result charts its latest check-in of each week.
    by_week: dict[int, float] = {}
    for check_in in sorted(check_ins, key=lambda c: (c.day, c.created_at)):
        week_start = check_in.day - timedelta(days=check_in.day.weekday())
        if check_in.value is not None and week_start in index:
            by_week[index[week_start]] = check_in.value
    return sorted(by_week.items())


def _series_chart(key_result: KeyResult, check_ins: list[CheckIn]) -> charts.Chart | None:
    kind = key_result.kind_rules
    if not kind.charted:
        return None
    period = key_result.objective.period
    weeks = _weeks(period)
    if not weeks:
        return None
    fmt = kinds.formatter_of(key_result)
    last = len(weeks) - 1
    actual = _actual_points(key_result, weeks, check_ins)
    lines = [charts.Line("Weekly value" if key_result.kpi else "Check-ins", actual, "actual")]
    baseline, target = key_result.baseline_value, key_result.target_value
    for line in kind.reference_lines(key_result, fmt):
        lines.append(charts.Line(line.label, [(0, line.value), (last, line.value)], line.style))
    if kind.paced and baseline is not None and target is not None:
        # The pace line: where the value should be at the end of each week to reach the target on time.
        pace = [
            (i, baseline + (target - baseline) * progress.expected(period.start, period.end, week.last_day) / 100)
            for i, week in enumerate(weeks)
        ]
        lines.append(charts.Line("Expected pace", pace, "expected"))
    known = [(x, v) for x, v in actual if v is not None]
    if key_result.forecast is not None and known:
        lines.append(
            charts.Line(f"Forecast {fmt(key_result.forecast)}", [known[-1], (last, key_result.forecast)], "forecast")
        )
        spread = kind.forecast_range_text(key_result, fmt)
        if spread:
            ends = [(last, key_result.forecast_low), (last, key_result.forecast_high)]
            lines.append(charts.Line(f"Likely {spread}", ends, "forecast-range", dots=False))
    return charts.line_chart(lines, [week.label for week in weeks], value_format=kinds.chart_format_of(key_result))


@dataclass(frozen=True)
class SegmentBar:
    member: str
    value: str
    baseline: str
    change: str
    better: bool | None
    width: float
    own: bool


@dataclass(frozen=True)
class SegmentGroup:
    dimension: Dimension
    bars: list[SegmentBar]


def _segment_breakdown(key_result: KeyResult) -> list[SegmentGroup]:
    """The KPI for each member of every dimension over the objective's period, against the baseline period; for a
    key result on a segment (team = Billing), only within that segment: Billing's channels, not every team's."""
    if key_result.kpi is None:
        return []
    period = key_result.objective.period
    baseline_period = key_result.baseline_read_from
    read = [period] + ([baseline_period] if baseline_period else [])
    values: dict[Dimension, dict[str, dict[int, float | None]]] = {}
    if key_result.dimension is None:
        rows = SeriesValue.objects.filter(kpi=key_result.kpi, period__in=read, dimension__isnull=False)
        for row in rows.select_related("dimension").order_by("dimension__name", "member"):
            assert row.dimension is not None
            values.setdefault(row.dimension, {}).setdefault(row.member, {})[row.period_id] = row.value
    else:
        within = (key_result.dimension, key_result.member)
        for dimension in dimensions_within(dimension=key_result.dimension, member=key_result.member):
            for each in read:
                found = kpi_values_within(
                    kpi=key_result.kpi, start=each.start, end=each.end, dimension=dimension, within=within
                )
                for member, value in found.items():
                    values.setdefault(dimension, {}).setdefault(member, {})[each.pk] = value
    fmt = kinds.formatter_of(key_result)
    lower = key_result.effective_direction == "lower"
    groups = []
    for dimension, members in values.items():
        top = max((abs(v.get(period.pk) or 0) for v in members.values()), default=0) or 1
        bars = []
        for member, by_period in members.items():
            now = by_period.get(period.pk)
            before = by_period.get(baseline_period.pk) if baseline_period else None
            change, better = "", None
            if now is not None and before:
                change = kinds.signed_percent(round((now - before) / abs(before) * 100))
                better = (now < before) == lower if now != before else None
            own = key_result.dimension_id == dimension.pk and key_result.member == member
            bars.append(SegmentBar(member, fmt(now), fmt(before), change, better, 100 * abs(now or 0) / top, own))
        groups.append(SegmentGroup(dimension, bars))
    return groups


class SnapshotLine(TypedDict):
    """A day of the progress history, in words, for a table a year long."""

    day: str
    value: str
    progress: str
    expected: str
    badge: str


def _snapshot_lines(snapshots: list[Any]) -> list[SnapshotLine]:
    """The snapshots newest first, with their numbers as `floatformat` writes them and their status badges."""
    badges = Badges()

    def percent(number: float | None) -> str:
        return "—" if number is None else f"{decimals_text(number, 0)} %"

    return [
        {
            "day": f"{snapshot.day:%a} {snapshot.day.day} {snapshot.day:%b}",
            "value": "—" if snapshot.value is None else decimals_text(snapshot.value, 2),
            "progress": percent(snapshot.progress),
            "expected": percent(snapshot.expected),
            "badge": badges(snapshot.status),
        }
        for snapshot in reversed(snapshots)
    ]


def _progress_chart(snapshots: list[Any]) -> charts.Chart:
    lines = [
        charts.Line("Progress", [(i, s.progress) for i, s in enumerate(snapshots)], "actual"),
        charts.Line("Expected", [(i, s.expected) for i, s in enumerate(snapshots)], "expected"),
    ]
    return charts.line_chart(lines, [s.day.strftime("%d %b") for s in snapshots], value_format="{:.0f} %", height=180)


def _team_users(key_result: KeyResult) -> QuerySet[User]:
    return team_people(teams=Team.objects.filter(pk=key_result.objective.team_id))


def _check_in_form(key_result: KeyResult, data: Any = None) -> CheckInForm:
    return CheckInForm(data, key_result=key_result)


def _check_in_context(key_result: KeyResult, form: CheckInForm, can_edit: bool) -> dict[str, Any]:
    check_ins = list(check_ins_for_key_result(key_result=key_result))
    return {"key_result": key_result, "check_in_form": form, "check_ins": check_ins, "can_edit": can_edit}


def _initiative_context(key_result: KeyResult, form: InitiativeForm | None, can_edit: bool) -> dict[str, Any]:
    initiatives = list(key_result.initiatives.select_related("owner").order_by("due_date", "id"))
    return {
        "key_result": key_result,
        "initiatives": initiatives,
        "initiative_form": form or InitiativeForm(users=_team_users(key_result)),
        "initiative_states": Initiative.State.choices,
        "can_edit": can_edit,
    }


@require_GET
def key_result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    key_result = _key_result(request, pk)
    return render(request, "okrs/key_result_detail.html", _detail_context(request, key_result, None))


def _detail_context(
    request: HttpRequest,
    key_result: KeyResult,
    check_in_form: CheckInForm | None,
    initiative_form: InitiativeForm | None = None,
) -> dict[str, Any]:
    can_edit = _can_edit(request, key_result)
    check_ins = _check_in_context(key_result, check_in_form or _check_in_form(key_result), can_edit)
    snapshots = list(progress_history(key_result=key_result))
    snapshot_lines = _snapshot_lines(snapshots)
    return {
        "nav": "planning",
        **check_ins,
        **_initiative_context(key_result, initiative_form, can_edit),
        **_summary_context(key_result),
        "chart": _series_chart(key_result, check_ins["check_ins"]),
        "segments": _segment_breakdown(key_result),
        "guardrails": list(key_result.guardrails.select_related("kpi", "dimension")),
        "snapshots": snapshot_lines,
        "snapshot_rows_html": jinja_html("okrs/rows/snapshots.jinja", {"snapshots": snapshot_lines}),
        "progress_chart": _progress_chart(snapshots) if len(snapshots) > 1 else None,
        "history": key_result_history(key_result=key_result),
        "lineage": key_result_lineage(key_result=key_result, user=request.user),
    }


def _summary_context(key_result: KeyResult) -> dict[str, Any]:
    return {
        "period_last_day": key_result.objective.period.end - timedelta(days=1),
    }


@require_POST
def check_in_add(request: HttpRequest, pk: int) -> HttpResponse:
    key_result = _key_result(request, pk, write=True)
    form = _check_in_form(key_result, request.POST)
    if form.is_valid():
        try:
            check_in_create(key_result=key_result, author=_person(request), **form.check_in_fields())
        except ValidationError as error:
            errors_onto(form, error)
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                return redirect("key_result_detail", pk=key_result.pk)
            key_result = _key_result(request, pk)
            context = {
                **_check_in_context(key_result, _check_in_form(key_result), True),
                **_summary_context(key_result),
            }
            return render(request, "okrs/partials/check_in_section.html", {**context, "refresh_summary": True})
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "okrs/partials/check_in_section.html", _check_in_context(key_result, form, True))
    return render(request, "okrs/key_result_detail.html", _detail_context(request, key_result, form), status=400)


@require_POST
def initiative_add(request: HttpRequest, pk: int) -> HttpResponse:
    key_result = _key_result(request, pk, write=True)
    form: InitiativeForm | None = InitiativeForm(request.POST, users=_team_users(key_result))
    assert form is not None
    if form.is_valid():
        try:
            initiative_create(key_result=key_result, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                return redirect("key_result_detail", pk=key_result.pk)
            form = None
    status = 400 if form is not None else 200
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, "okrs/partials/initiative_section.html", _initiative_context(key_result, form, True), status=status
        )
    return render(
        request, "okrs/key_result_detail.html", _detail_context(request, key_result, None, form), status=status
    )


@require_POST
def initiative_status(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = okr_object(request, Initiative.objects.all(), write=True, pk=pk)
    key_result = _key_result(request, initiative.key_result_id, write=True)
    form = InitiativeStatusForm(request.POST)
    error = ""
    if form.is_valid():
        initiative = initiative_update(initiative=initiative, status=form.cleaned_data["status"])
    else:
        error = "Choose one of the listed states."
    context = {"initiative": initiative, "key_result": key_result, "can_edit": True, "error": error}
    context["initiative_states"] = Initiative.State.choices
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "okrs/partials/initiative_row.html", context, status=400 if error else 200)
    return redirect("key_result_detail", pk=key_result.pk)


urlpatterns: list[URLPattern] = [
    path("key-results/<int:pk>/", key_result_detail, name="key_result_detail"),
    path("key-results/<int:pk>/check-ins/", check_in_add, name="check_in_add"),
    path("key-results/<int:pk>/initiatives/", initiative_add, name="initiative_add"),
    path("initiatives/<int:pk>/status/", initiative_status, name="initiative_status"),
]
