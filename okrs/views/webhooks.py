"""The webhooks pages, for org admins: register a URL and its events, change or delete it, read its delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okrs import webhook_signing
from okrs.forms_planning import errors_onto
from okrs.forms_webhooks import WebhookForm
from okrs.models import Webhook
from okrs.roles import actor_of, org_admin_required
from okrs.services.webhooks import webhook_create, webhook_delete, webhook_set_active, webhook_update

DELIVERIES_PAGE_SIZE = 50


@org_admin_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = webhook_create(created_by=actor_of(request), **form.webhook_fields())
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(
                request, f"Webhook for {webhook.url} registered. Its deliveries are signed with the secret below."
            )
            return redirect("webhook_detail", pk=webhook.pk)
    context = {"nav": "webhooks", "form": form, "webhooks": Webhook.objects.all()}
    return render(request, "okrs/webhooks.html", context, status=400 if form.errors else 200)


@org_admin_required
@require_GET
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    page = Paginator(webhook.deliveries.all(), DELIVERIES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "webhooks",
        "webhook": webhook,
        "page": page,
        "events": dict(Webhook.Event.choices),
        "header": webhook_signing.HEADER,
    }
    response = render(request, "okrs/webhook_detail.html", context)
    response["Cache-Control"] = "no-store"  # the page shows the signing secret
    return response


@org_admin_required
@require_POST
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    webhook_set_active(webhook=webhook, active=not webhook.is_active)
    messages.success(request, f"Webhook for {webhook.url} {'resumed' if webhook.is_active else 'paused'}.")
    return redirect("webhook_detail", pk=webhook.pk)


@org_admin_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    initial = {"url": webhook.url, "events": webhook.events, "description": webhook.description}
    form = WebhookForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhook_update(webhook=webhook, **form.webhook_fields())
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, f"Webhook for {webhook.url} saved. Its secret and deliveries are unchanged.")
            return redirect("webhook_detail", pk=webhook.pk)
    context = {"nav": "webhooks", "form": form, "webhook": webhook}
    return render(request, "okrs/webhook_form.html", context, status=400 if form.errors else 200)


@org_admin_required
@require_POST
def webhook_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The webhook and its delivery log go (the detail page asks first, saying so)."""
    webhook = get_object_or_404(Webhook, pk=pk)
    url = webhook.url
    webhook_delete(webhook=webhook)
    messages.success(request, f"Webhook for {url} deleted with its delivery log.")
    return redirect("webhook_list")


urlpatterns: list[URLPattern] = [
    path("webhooks/", webhook_list, name="webhook_list"),
    path("webhooks/<int:pk>/", webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/toggle/", webhook_toggle, name="webhook_toggle"),
    path("webhooks/<int:pk>/edit/", webhook_edit, name="webhook_edit"),
    path("webhooks/<int:pk>/delete/", webhook_remove, name="webhook_delete"),
]
