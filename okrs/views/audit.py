"""The org audit log: every recorded change, filtered by person, object and dates; for org admins."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from okrs.forms_audit import AuditFilterForm
from okrs.history import AuditFilter, audit_log, audit_log_rows
from okrs.roles import is_org_admin


@require_GET
def audit_log_page(request: HttpRequest) -> HttpResponse:
    if not is_org_admin(request.user):
        raise PermissionDenied("Only org admins read the audit log.")
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else AuditFilter()
    page = Paginator(audit_log(filters=filters), settings.AUDIT_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"nav": "audit", "form": form, "page": page, "rows": audit_log_rows(page), "query": query.urlencode()}
    return render(request, "okrs/audit_log.html", context, status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [path("audit/", audit_log_page, name="audit_log")]
