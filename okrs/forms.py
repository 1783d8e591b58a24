"""Filter forms of the dashboard and the scorecard (GET forms: a bad value is named inline, the page still shows)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from kpis import periods
from okrs.calendar import fiscal_start, span_parse
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


class ScorecardFilterForm(PeriodTeamForm):
    """The scorecard's period and team, and the day its numbers stand on (blank: today, or a finished period's
    last day). Shared by the page and its downloads, so that a file says what the page said."""

    as_of = forms.DateField(
        label="As of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The scorecard as it stood at the end of this day.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        as_of = cleaned.get("as_of")
        if as_of is None or "period" in self.errors:
            return cleaned
        today = timezone.localdate()
        span = cleaned.get("period") or periods.containing(today, periods.Grain.QUARTER, fiscal_start())
        if as_of > today:
            self.add_error("as_of", f"Choose a day up to today ({today:%-d %b %Y}); the future has no numbers yet.")
        elif not span.start <= as_of <= span.last_day:
            self.add_error(
                "as_of",
                f"Choose a day within {span.label} ({span.start:%-d %b %Y} \u2013 {span.last_day:%-d %b %Y}).",
            )
        return cleaned
