from __future__ import annotations

from typing import Any

from django import forms

from okrs.models import AccessToken

# Offered lifetimes, in days; blank: never expires.
LIFETIMES = [("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("366", "1 year"), ("", "No expiry")]


class AccessTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What it is for, so you know which one to revoke later.",
        widget=forms.TextInput(attrs={"placeholder": "Helpdesk nightly push", "autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        choices=AccessToken.Scope.choices,
        initial=[AccessToken.Scope.READ],
        widget=forms.CheckboxSelectMultiple,
        help_text="Give a script only what it needs.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires after",
        choices=LIFETIMES,
        initial="90",
        coerce=int,
        empty_value=None,
        required=False,
    )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "scopes": data["scopes"], "expires_in_days": data["expires_in_days"]}
