"""Forms of the people pages. They parse what was typed; the rules live in okrs.services.people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from okrs.models import Membership, Person, Team

STATUS_CHOICES = [("", "Everyone"), ("active", "Active"), ("deactivated", "Deactivated")]


class PersonChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    role = forms.ChoiceField(label="Org role", required=False, choices=[("", "Any role"), *Person.OrgRole.choices])
    team = forms.ModelChoiceField(label="Team", required=False, queryset=Team.objects.all(), empty_label="Any team")
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": "Name, username or e-mail", "type": "search"})


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail", help_text="It becomes their username.")
    org_role = forms.ChoiceField(
        label="Org role", choices=Person.OrgRole.choices, initial=Person.OrgRole.MEMBER, widget=forms.RadioSelect
    )
    team = forms.ModelChoiceField(label="Team", required=False, queryset=Team.objects.all(), empty_label="No team yet")
    team_role = forms.ChoiceField(
        label="Role in the team", required=False, choices=Membership.Role.choices, initial=Membership.Role.EDITOR
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "placeholder": "name@example.com"})


class InvitationAcceptForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again and password != again:
            raise ValidationError({"password_again": "The two passwords differ."})
        return cleaned


class OrgRoleForm(forms.Form):
    org_role = forms.ChoiceField(label="Org role", choices=Person.OrgRole.choices)


class MembershipAddForm(forms.Form):
    user = PersonChoiceField(label="Person", queryset=User.objects.none(), empty_label="Choose a person")
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial=Membership.Role.EDITOR)

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people  # type: ignore[attr-defined]


class TeamChoiceAddForm(forms.Form):
    """On a person's page: the team to add them to."""

    team = forms.ModelChoiceField(label="Team", queryset=Team.objects.none(), empty_label="Choose a team")
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial=Membership.Role.EDITOR)

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices)


class TeamForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}))
