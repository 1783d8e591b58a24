"""Outgoing webhooks through the API, for org admins, as on the webhooks pages: register, change, pause, delete,
and read each webhook's delivery log. Checked by the page's form (okrs.forms_webhooks) and written by the same
services (okrs.services.webhooks)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kpis.api.errors import form_errors
from kpis.api.schema import bad_request
from okrs.api import examples
from okrs.api.permissions import IsOrgAdmin
from okrs.api.views import NotFoundNamed
from okrs.forms_webhooks import WebhookForm
from okrs.models import Webhook, WebhookDelivery
from okrs.services.webhooks import webhook_create, webhook_delete, webhook_set_active, webhook_update


class WebhookSerializer(serializers.ModelSerializer[Webhook]):
    events = serializers.ListField(child=serializers.ChoiceField(choices=Webhook.Event.choices))
    secret = serializers.CharField(
        read_only=True, help_text="Deliveries are signed with it (HMAC-SHA256 of `t.body`); keep it private."
    )
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "description", "is_active", "secret", "created_by", "created_at"]


class WebhookWriteSerializer(serializers.Serializer[Any]):
    """A webhook's fields as sent; the page's form checks them (this describes them in the schema)."""

    url = serializers.URLField(max_length=500, help_text="Where Pacer POSTs the events, http:// or https://.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Webhook.Event.choices), min_length=1, help_text="At least one."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    is_active = serializers.BooleanField(required=False, help_text="False pauses it: no deliveries until resumed.")


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "state",
            "attempts",
            "response_code",
            "error",
            "created_at",
            "last_attempt_at",
            "delivered_at",
            "payload",
        ]


_FIELDS = set(WebhookWriteSerializer().fields)
_BAD_WEBHOOK = bad_request(
    ("Not http", "url", "Give an http:// or https:// URL."),
    ("No event", "events", "Pick at least one event."),
)


def _saved(request: Request, webhook: Webhook | None) -> Webhook:
    given = _given(request)
    active = given.pop("is_active", None)
    data: dict[str, Any] = (
        {} if webhook is None else {"url": webhook.url, "events": webhook.events, "description": webhook.description}
    )
    data.update({name: "" if value is None else value for name, value in given.items()})
    form = WebhookForm(data)
    if not form.is_valid():
        raise form_errors(form)
    with transaction.atomic():
        if webhook is None:
            webhook = webhook_create(created_by=request.user, **form.webhook_fields())  # type: ignore[arg-type]
        else:
            webhook = webhook_update(webhook=webhook, **form.webhook_fields())
        if active is not None and active != webhook.is_active:
            webhook_set_active(webhook=webhook, active=active)
    return webhook


def _given(request: Request) -> dict[str, Any]:
    """The JSON object sent, each field of the type the form reads: `events` a list of names, `is_active` a
    boolean, anything else a single value."""
    data = request.data
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    errors: dict[str, list[str]] = {name: ["Unknown field."] for name in sorted(set(data) - _FIELDS)}
    events = data.get("events", [])
    if not isinstance(events, list) or not all(isinstance(event, str) for event in events):
        errors["events"] = ["Give a list of event names."]
    if not isinstance(data.get("is_active", False), bool):
        errors["is_active"] = ["Give true or false."]
    errors.update({name: ["Give a single value."] for name in ("url", "description") if _is_many(data.get(name))})
    if errors:
        raise ValidationError(errors)
    return dict(data)


def _is_many(value: object) -> bool:
    return isinstance(value, dict | list)


@extend_schema_view(
    get=extend_schema(
        summary="List webhooks",
        description="For org admins: every registered webhook, newest first, with its signing secret.",
        examples=[OpenApiExample("A webhook", value=examples.WEBHOOK, response_only=True)],
    ),
    post=extend_schema(
        summary="Register a webhook",
        description="For org admins, checked as on the webhooks page. The answer holds the signing secret.",
        request=WebhookWriteSerializer,
        responses={201: WebhookSerializer, 400: _BAD_WEBHOOK},
        examples=[
            OpenApiExample("Team chat", value=examples.WEBHOOK_REQUEST, request_only=True),
            OpenApiExample("Registered", value=examples.WEBHOOK, response_only=True, status_codes=[201]),
        ],
    ),
)
class WebhookList(generics.ListCreateAPIView[Webhook]):
    serializer_class = WebhookSerializer
    permission_classes = [*generics.ListCreateAPIView.permission_classes, IsOrgAdmin]
    queryset = Webhook.objects.select_related("created_by")
    ordering = ["-created_at"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        webhook = _saved(request, None)
        return Response(WebhookSerializer(webhook).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="Get a webhook", examples=[OpenApiExample("A webhook", value=examples.WEBHOOK, response_only=True)]
    ),
    patch=extend_schema(
        summary="Change a webhook",
        description="Give only the fields to change; `is_active: false` pauses it, `true` resumes it. The secret "
        "stays.",
        request=WebhookWriteSerializer(partial=True),
        responses={200: WebhookSerializer, 400: _BAD_WEBHOOK},
        examples=[
            OpenApiExample("Pause", value={"is_active": False}, request_only=True),
            OpenApiExample("Paused", value=examples.WEBHOOK | {"is_active": False}, response_only=True),
        ],
    ),
    delete=extend_schema(
        summary="Delete a webhook", description="With its delivery log; deliveries not yet sent are not sent."
    ),
)
class WebhookDetail(NotFoundNamed, generics.RetrieveDestroyAPIView[Webhook]):
    serializer_class = WebhookSerializer
    permission_classes = [*generics.RetrieveDestroyAPIView.permission_classes, IsOrgAdmin]
    queryset = Webhook.objects.select_related("created_by")
    http_method_names = ["get", "patch", "delete", "head", "options"]
    noun = "webhook"

    def patch(self, request: Request, pk: int) -> Response:
        return Response(WebhookSerializer(_saved(request, self.get_object())).data)

    def perform_destroy(self, instance: Webhook) -> None:
        webhook_delete(webhook=instance)


@extend_schema_view(
    get=extend_schema(
        summary="List a webhook's deliveries",
        description="For org admins: newest first, each with its state (pending, delivered, failed), the receiver's "
        "last answer and the payload sent.",
        examples=[OpenApiExample("A delivery", value=examples.WEBHOOK_DELIVERY, response_only=True)],
    )
)
class WebhookDeliveryList(generics.ListAPIView[WebhookDelivery]):
    serializer_class = WebhookDeliverySerializer
    permission_classes = [*generics.ListAPIView.permission_classes, IsOrgAdmin]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        webhook = Webhook.objects.filter(pk=self.kwargs["pk"]).first()
        if webhook is None:
            raise NotFound(f"No webhook with the id {self.kwargs['pk']}, or not one you may see.")
        return webhook.deliveries.all()
