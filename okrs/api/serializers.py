"""Serializers for tokens, the signed-in person and teams."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from okrs.api import tokens
from okrs.api.services import MAX_LIFETIME_DAYS
from okrs.models import AccessToken, Membership, Team


class AccessTokenSerializer(serializers.ModelSerializer[AccessToken]):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=AccessToken.Scope.choices))
    state = serializers.SerializerMethodField()

    class Meta:
        model = AccessToken
        fields = ["id", "name", "prefix", "scopes", "state", "created_at", "expires_at", "last_used_at", "revoked_at"]

    @extend_schema_field(serializers.ChoiceField(choices=AccessToken.State.choices))
    def get_state(self, token: AccessToken) -> AccessToken.State:
        return tokens.state_at(token, timezone.now())


class CreatedAccessTokenSerializer(AccessTokenSerializer):
    token = serializers.CharField(help_text="The secret: shown this once, never again. Send it as a Bearer token.")

    class Meta(AccessTokenSerializer.Meta):
        fields = [*AccessTokenSerializer.Meta.fields, "token"]


class AccessTokenCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, help_text="What the token is for, e.g. 'Helpdesk nightly push'.")
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=AccessToken.Scope.choices),
        min_length=1,
        max_length=len(AccessToken.Scope.values),
        help_text="`read` (GET), `write` (changes), `push` (measurements).",
    )
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=MAX_LIFETIME_DAYS, allow_null=True, default=90, help_text="Null: never expires."
    )


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")

    class Meta:
        model = Membership
        fields = ["username", "name", "role"]


class TeamSerializer(serializers.ModelSerializer[Team]):
    members = MembershipSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "description", "members"]


class MeSerializer(serializers.Serializer[User]):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()
    is_superuser = serializers.BooleanField()
    authenticated_with = serializers.SerializerMethodField(help_text="`token` or `session`.")
    token = serializers.SerializerMethodField(help_text="The token this request was sent with; null with a session.")

    @extend_schema_field(serializers.ChoiceField(choices=["token", "session"]))
    def get_authenticated_with(self, user: User) -> str:
        return "token" if isinstance(self.context["request"].auth, AccessToken) else "session"

    @extend_schema_field(AccessTokenSerializer(allow_null=True))
    def get_token(self, user: User) -> dict[str, Any] | None:
        token = self.context["request"].auth
        return AccessTokenSerializer(token).data if isinstance(token, AccessToken) else None
