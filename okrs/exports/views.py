"""Scorecard downloads: `/scorecard.csv`, `.xlsx`, `.pdf`, `.pptx` (or `/scorecard/download?format=`), with the
page's period, team and as-of parameters, for the teams the caller can see."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import URLPattern, path

from okrs.exports.document import export_document
from okrs.exports.formats import FORMATS
from okrs.forms import ScorecardFilterForm
from okrs.views.dashboard import chosen_period


def _errors(form: ScorecardFilterForm) -> str:
    return " ".join(f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items())


def scorecard_download(request: HttpRequest, extension: str | None = None) -> HttpResponse:
    key = extension or request.GET.get("format", "")
    export_format = FORMATS.get(key)
    if export_format is None:
        choices = ", ".join(FORMATS)
        return HttpResponseBadRequest(f"Unknown format {key!r}: choose one of {choices}.", content_type="text/plain")
    form = ScorecardFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        # A file must not silently hold another period or team than the one asked for.
        return HttpResponseBadRequest(_errors(form), content_type="text/plain; charset=utf-8")
    document = export_document(
        user=request.user,
        period=chosen_period(form),
        team=form.cleaned_data.get("team"),
        as_of=form.cleaned_data.get("as_of"),
    )
    response = HttpResponse(export_format.write(document), content_type=export_format.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_format.filename(document)}"'
    return response


urlpatterns: list[URLPattern] = [
    path("scorecard/download", scorecard_download, name="scorecard_download"),
    *(path(f"scorecard.{key}", scorecard_download, {"extension": key}, name=f"scorecard_{key}") for key in FORMATS),
]
