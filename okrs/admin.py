from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User

from okrs.models import (
    SYSTEM_COMPUTED_FIELDS,
    CheckIn,
    Guardrail,
    Initiative,
    KeyResult,
    Membership,
    Objective,
    Person,
    ProgressSnapshot,
    Team,
)
from okrs.services.people import admins_kept_check

COMPUTED = SYSTEM_COMPUTED_FIELDS


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = ["title", "kind", "kpi", "weight", "progress", "status"]
    readonly_fields = ["progress", "status"]
    show_change_link = True


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "period", "owner", "state", "weight"]
    list_filter = ["state", "team", "period"]
    search_fields = ["title", "description"]
    raw_id_fields = ["parent_objective", "parent_key_result"]
    inlines = [KeyResultInline]


class GuardrailInline(admin.TabularInline):
    model = Guardrail
    extra = 0
    readonly_fields = ["current_value", "breached"]


class InitiativeInline(admin.TabularInline):
    model = Initiative
    extra = 0


class CheckInInline(admin.TabularInline):
    model = CheckIn
    extra = 0


@admin.register(KeyResult)
class KeyResultAdmin(admin.ModelAdmin):
    list_display = ["title", "objective", "kind", "kpi", "member", "progress", "expected", "status"]
    list_filter = ["kind", "status", "guardrail_breached", "objective__period", "objective__team"]
    search_fields = ["title", "objective__title"]
    readonly_fields = COMPUTED
    inlines = [GuardrailInline, InitiativeInline, CheckInInline]


@admin.register(Guardrail)
class GuardrailAdmin(admin.ModelAdmin):
    list_display = ["key_result", "kpi", "comparison", "threshold", "current_value", "breached"]
    readonly_fields = ["current_value", "breached"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "key_result", "owner", "status", "due_date"]
    list_filter = ["status"]
    search_fields = ["title"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["key_result", "day", "author", "value", "confidence"]
    list_filter = ["day"]
    date_hierarchy = "day"


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(admin.ModelAdmin):
    list_display = ["key_result", "day", "value", "progress", "expected", "status"]
    list_filter = ["status"]
    date_hierarchy = "day"


class _UserChangeForm(UserChangeForm):
    """Django's own form, refusing what the people page refuses: leaving no active org admin or superuser."""

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        user, given = self.instance, self.cleaned_data
        admins_kept_check(
            user=user,
            active=given.get("is_active", user.is_active),
            superuser=given.get("is_superuser", user.is_superuser),
            org_admin=Person.objects.filter(user=user, org_role=Person.OrgRole.ADMIN).exists(),
        )
        return cleaned


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = _UserChangeForm
