"""The form to subscribe to a scorecard by e-mail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from okrs.models import ScorecardSubscription, Team


class ScorecardSubscriptionForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All my teams")
    format = forms.ChoiceField(choices=ScorecardSubscription.Format.choices)
    frequency = forms.ChoiceField(choices=ScorecardSubscription.Frequency.choices)
    weekday = forms.TypedChoiceField(
        label="On", choices=ScorecardSubscription.Weekday.choices, coerce=int, required=False, empty_value=None
    )
    day_of_month = forms.IntegerField(
        label="Or on day", min_value=1, max_value=28, required=False, help_text="Monthly: 1 to 28"
    )
    time = forms.TimeField(label="At", widget=forms.TimeInput(attrs={"type": "time"}), help_text="Organisation time")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = Team.objects.visible_to(user).order_by("name")
