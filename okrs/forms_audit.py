"""The org audit log's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from okrs.history import KINDS, AuditFilter, audit_people


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return user.get_full_name() or user.get_username()


class AuditFilterForm(forms.Form):
    person = _PersonChoice(queryset=User.objects.none(), required=False, empty_label="Anyone")
    kind = forms.ChoiceField(
        label="Object", required=False, choices=[("", "Everything"), *((kind, kind.capitalize()) for kind in KINDS)]
    )
    first_day = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = audit_people()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and first > last:
            self.add_error("last_day", "The last day comes before the first.")
        return data

    def filters(self) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(
            person=data.get("person"),
            object_type=data.get("kind") or "",
            first_day=data.get("first_day"),
            last_day=data.get("last_day"),
        )
