"""Filter forms of the dashboard and the scorecard (GET forms: a bad value is named inline, the page still shows)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser, User

from kpis import periods
from okrs.calendar import span_parse
from okrs.models import Status, Team


class PeriodTeamForm(forms.Form):
    period = forms.CharField(
        label="Period", required=False, max_length=10, strip=True, help_text="2026-Q1, 2026-03, 2026-W09 or 2026"
    )
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="All my teams"
    )

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = Team.objects.visible_to(user).order_by("name")

    def clean_period(self) -> periods.Span | None:
        label: str = self.cleaned_data["period"]
        if not label:
            return None
        try:
            return span_parse(label)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class DashboardFilterForm(PeriodTeamForm):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Status.choices], initial=""
    )
