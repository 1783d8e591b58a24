"""Scorecard downloads: `/scorecard.csv`, `.xlsx`, `.pdf`, `.pptx` (or `/scorecard/download?format=`), with the
page's period, team and as-of parameters, for the teams the caller can see; and scheduled scorecards by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okrs.calendar import chosen_period
from okrs.exports.delivery import scorecard_subscription_create, scorecard_subscription_delete
from okrs.exports.document import export_document
from okrs.exports.formats import FORMATS, ExportFormat
from okrs.exports.forms import ScorecardSubscriptionForm
from okrs.forms import ScorecardFilterForm
from okrs.models import ScorecardSubscription


def unknown_format(key: str) -> str:
    return f"Unknown format {key!r}: choose one of {', '.join(FORMATS)}."


def scorecard_file(user: User | AnonymousUser, export_format: ExportFormat, form: ScorecardFilterForm) -> HttpResponse:
    """The download for a valid filter form: the page's, the REST API's, one step and one set of rules."""
    document = export_document(
        user=user,
        period=chosen_period(form.data.get("period")).period,
        team=form.cleaned_data.get("team"),
        as_of=form.cleaned_data.get("as_of"),
    )
    response = HttpResponse(export_format.write(document), content_type=export_format.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_format.filename(document)}"'
    return response


def _errors(form: ScorecardFilterForm) -> str:
    return " ".join(f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items())


@require_GET
def scorecard_download(request: HttpRequest, extension: str | None = None) -> HttpResponse:
    key = extension or request.GET.get("format", "")
    export_format = FORMATS.get(key)
    if export_format is None:
        return HttpResponseBadRequest(unknown_format(key), content_type="text/plain")
    form = ScorecardFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        # A file must not silently hold another period or team than the one asked for.
        return HttpResponseBadRequest(_errors(form), content_type="text/plain; charset=utf-8")
    return scorecard_file(request.user, export_format, form)


urlpatterns: list[URLPattern] = [
    path("scorecard/download", scorecard_download, name="scorecard_download"),
    *(path(f"scorecard.{key}", scorecard_download, {"extension": key}, name=f"scorecard_{key}") for key in FORMATS),
]


@require_http_methods(["GET", "POST"])
def scorecard_subscriptions(request: HttpRequest) -> HttpResponse:
    """The person's scheduled scorecards, how the last delivery went, and a form to add one."""
    assert isinstance(request.user, User)
    form = ScorecardSubscriptionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scorecard_subscription_create(
                person=request.user,
                team=data["team"],
                format=data["format"],
                frequency=data["frequency"],
                weekday=data["weekday"],
                day_of_month=data["day_of_month"],
                at=data["time"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "Subscribed: the scorecard will arrive by e-mail.")
            return redirect("scorecard_subscriptions")
    subscriptions = ScorecardSubscription.objects.filter(person=request.user).select_related("team")
    context = {"nav": "scorecard", "form": form, "subscriptions": subscriptions, "time_zone": settings.TIME_ZONE}
    return render(request, "okrs/exports/subscriptions.html", context, status=400 if form.errors else 200)


@require_POST
def scorecard_subscription_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    assert isinstance(request.user, User)
    if not scorecard_subscription_delete(person=request.user, pk=pk):
        raise Http404("No such subscription of yours.")
    messages.success(request, "Unsubscribed.")
    return redirect("scorecard_subscriptions")


urlpatterns += [
    path("scorecard/subscriptions/", scorecard_subscriptions, name="scorecard_subscriptions"),
    path(
        "scorecard/subscriptions/<int:pk>/delete/",
        scorecard_subscription_delete_view,
        name="scorecard_subscription_delete",
    ),
]
