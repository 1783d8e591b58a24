"""The webhook form: what the webhooks page and the webhooks API (okrs.api.webhooks) check before the services."""

from __future__ import annotations

from typing import Any

from django import forms

from okrs.models import Webhook, validate_webhook_url


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="Payload URL",
        max_length=500,
        assume_scheme="https",
        validators=[validate_webhook_url],
        help_text="Pacer POSTs JSON here.",
    )
    events = forms.MultipleChoiceField(
        choices=Webhook.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one event."},
    )
    description = forms.CharField(required=False, max_length=200, help_text="What it is for, e.g. 'Team chat'.")

    def webhook_fields(self) -> dict[str, Any]:
        """The cleaned form as the arguments of webhook_create and webhook_update."""
        data = self.cleaned_data
        return {"url": data["url"], "events": data["events"], "description": data["description"]}
