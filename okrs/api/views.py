"""API endpoints for the signed-in person, their tokens, and teams; plus the JSON 404 for unknown API paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from kpis.api.schema import bad_request, error_response, read_endpoint
from kpis.api.throttling import ScopedThrottle
from okrs.api import examples
from okrs.api.selectors import access_tokens_for_user
from okrs.api.serializers import (
    AccessTokenCreateSerializer,
    AccessTokenSerializer,
    CreatedAccessTokenSerializer,
    MeSerializer,
    TeamSerializer,
)
from okrs.api.services import access_token_create, access_token_revoke
from okrs.models import AccessToken, Membership, Team


class NotFoundNamed:
    # Detail views say what they could not find instead of DRF's generic sentence.

    noun = "object"

    def get_object(self) -> Any:
        try:
            return super().get_object()  # type: ignore[misc]
        except Http404:
            raise NotFound(f"No {self.noun} with the id {self.kwargs['pk']}, or not one you may see.") from None  # type: ignore[attr-defined]


@extend_schema(
    summary="Who am I",
    description="The person the request is authenticated as, and the token it was sent with. Handy to check a token.",
    responses=MeSerializer,
    examples=[OpenApiExample("With a token", value=examples.ME, response_only=True)],
)
class Me(APIView):
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(cast(User, request.user), context={"request": request}).data)


class _Tokens:
    throttle_classes: Sequence[type[BaseThrottle]] = [ScopedThrottle]
    throttle_scope = "tokens"

    def get_queryset(self) -> QuerySet[AccessToken]:
        return access_tokens_for_user(user=self.request.user)  # type: ignore[attr-defined]


@extend_schema_view(
    get=extend_schema(
        summary="List your tokens",
        description="Your personal access tokens, newest first, revoked and expired ones included; never the secret.",
        examples=[OpenApiExample("Your tokens", value=examples.TOKEN, response_only=True)],
    ),
    post=extend_schema(
        summary="Create a token",
        description="Needs a signed-in session (the browser, with its CSRF token): a token cannot make more tokens. "
        "The answer holds the secret, this once.",
        request=AccessTokenCreateSerializer,
        responses={
            201: CreatedAccessTokenSerializer,
            400: bad_request(
                ("Name taken", "name", "You already have a token named 'Helpdesk push'; revoke it or pick another."),
                ("Unknown scope", "scopes.0", '"admin" is not a valid choice.'),
            ),
            403: error_response(
                403,
                "Sent with a token instead of a session, or without the session's CSRF token.",
                (
                    "With a token",
                    {
                        "status": 403,
                        "code": "session_required",
                        "detail": "Tokens are created in the browser, on the API tokens page: not with another token.",
                        "errors": [
                            {
                                "field": None,
                                "code": "session_required",
                                "message": "Tokens are created in the browser, on the API tokens page: "
                                "not with another token.",
                            }
                        ],
                    },
                ),
            ),
        },
        examples=[
            OpenApiExample("A read-only token", value=examples.TOKEN_REQUEST, request_only=True),
            OpenApiExample("Created", value=examples.CREATED_TOKEN, response_only=True, status_codes=[201]),
        ],
    ),
)
class TokenList(_Tokens, generics.ListCreateAPIView[AccessToken]):
    serializer_class = AccessTokenSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if isinstance(request.auth, AccessToken):
            raise PermissionDenied(
                "Tokens are created in the browser, on the API tokens page: not with another token.",
                code="session_required",
            )
        given = AccessTokenCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        token, secret = access_token_create(user=request.user, **given.validated_data)  # type: ignore[arg-type]
        token.token = secret  # type: ignore[attr-defined]
        return Response(CreatedAccessTokenSerializer(token).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="Get one of your tokens",
        examples=[OpenApiExample("A token", value=examples.TOKEN, response_only=True)],
    ),
    delete=extend_schema(
        summary="Revoke one of your tokens",
        description="From now on the token answers 401 `token_revoked`. Revoking it again changes nothing.",
    ),
)
class TokenDetail(_Tokens, NotFoundNamed, generics.RetrieveDestroyAPIView[AccessToken]):
    serializer_class = AccessTokenSerializer
    noun = "token"

    def perform_destroy(self, instance: AccessToken) -> None:
        access_token_revoke(token=instance)


_TEAMS = Prefetch("memberships", queryset=Membership.objects.select_related("user").order_by("user__username"))


@read_endpoint(
    "List teams",
    examples.TEAM,
    description="The teams you belong to (every team for an org admin), with their members and roles.",
)
class TeamList(generics.ListAPIView[Team]):
    serializer_class = TeamSerializer
    ordering_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Team]:
        return Team.objects.visible_to(self.request.user).prefetch_related(_TEAMS)


@read_endpoint("Get a team", examples.TEAM)
class TeamDetail(NotFoundNamed, generics.RetrieveAPIView[Team]):
    serializer_class = TeamSerializer
    noun = "team"

    def get_queryset(self) -> QuerySet[Team]:
        return Team.objects.visible_to(self.request.user).prefetch_related(_TEAMS)


class NotFoundView(APIView):
    """Any other path under /api/: a JSON 404 in the error shape, not the site's HTML page.

    A path that only lacks its trailing slash is redirected with 308, which (unlike Django's APPEND_SLASH 301)
    keeps the method and the body.
    """

    schema = None
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.path_info.endswith("/") and _is_api_view(request.path_info + "/"):
            query = request.META.get("QUERY_STRING", "")
            location = request.path + "/" + (f"?{query}" if query else "")
            return HttpResponsePermanentRedirect(location, preserve_request=True)
        return super().dispatch(request, *args, **kwargs)

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound(f"No API endpoint at {request.path_info}; /api/v1/docs/ lists the ones there are.")

    get = post = put = patch = delete = options = _not_found


def _is_api_view(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "view_class", None) is not NotFoundView
