"""Objectives, key results (every kind, with guardrails), initiatives and check-ins through the API.

No rule of the API's own: a write fills the very form the planning and key-result pages use (okrs.forms_planning)
and saves through the same services, so a value the page refuses is refused here with the same words, on the
field it names. The JSON names things as the rest of the API does (a KPI or a dimension by its key, a person by
their username, a period by its label); those are turned into the form's values and nothing else. Who may see and
change what comes from okrs.api.permissions. Objectives, key results and check-ins are not deleted, here as on the
pages: an objective is closed instead, and check-ins are the key result's history.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kpis.api.errors import form_errors
from kpis.api.schema import bad_request
from kpis.models import Dimension, Kpi
from okrs.api import examples
from okrs.api.filters import KeyResultFilter, ObjectiveFilter
from okrs.api.permissions import team_write_required
from okrs.api.views import NotFoundNamed
from okrs.forms_planning import CheckInForm, InitiativeForm, InitiativeStatusForm, KeyResultForm, ObjectiveForm
from okrs.forms_planning import key_result_initial as form_initial
from okrs.models import CheckIn, Guardrail, Initiative, KeyResult, Membership, Objective
from okrs.selectors import check_ins_for_key_result
from okrs.services.activity import check_in_create, initiative_create, initiative_update
from okrs.services.objectives import (
    current_quarter,
    objective_create,
    objective_state_set,
    objective_update,
)

# --- Answers -------------------------------------------------------------------------------------------------------


class GuardrailSerializer(serializers.ModelSerializer[Guardrail]):
    kpi = serializers.CharField(source="kpi.key")
    dimension = serializers.CharField(source="dimension.key", allow_null=True, default=None)

    class Meta:
        model = Guardrail
        fields = ["id", "kpi", "dimension", "member", "comparison", "threshold", "current_value", "breached"]


class KeyResultSerializer(serializers.ModelSerializer[KeyResult]):
    objective = serializers.IntegerField(source="objective_id")
    kpi = serializers.CharField(source="kpi.key", allow_null=True, default=None, help_text="The KPI's key.")
    dimension = serializers.CharField(source="dimension.key", allow_null=True, default=None)
    baseline_period = serializers.CharField(source="baseline_period.label", allow_null=True, default=None)
    guardrails = GuardrailSerializer(many=True, read_only=True)

    class Meta:
        model = KeyResult
        fields = [
            "id",
            "objective",
            "title",
            "kind",
            "kpi",
            "dimension",
            "member",
            "direction",
            "baseline_value",
            "baseline_source",
            "baseline_period",
            "freeze_baseline",
            "baseline_frozen_at",
            "change_percent",
            "target_value",
            "target_source",
            "threshold_mode",
            "band_min",
            "band_max",
            "weight",
            "current_value",
            "progress",
            "over_achievement",
            "expected",
            "status",
            "forecast",
            "forecast_low",
            "forecast_high",
            "guardrail_breached",
            "computed_at",
            "guardrails",
        ]


class ObjectiveSerializer(serializers.ModelSerializer[Objective]):
    team = serializers.IntegerField(source="team_id")
    owner = serializers.CharField(source="owner.username", help_text="The owner's username.")
    period = serializers.CharField(source="period.label", help_text="e.g. 2026-Q3.")
    parent_objective = serializers.IntegerField(source="parent_objective_id", allow_null=True)
    parent_key_result = serializers.IntegerField(source="parent_key_result_id", allow_null=True)
    key_results = serializers.SerializerMethodField(help_text="The ids of its key results.")

    class Meta:
        model = Objective
        fields = [
            "id",
            "title",
            "description",
            "team",
            "owner",
            "period",
            "parent_objective",
            "parent_key_result",
            "weight",
            "state",
            "key_results",
            "created_at",
            "updated_at",
        ]

    def get_key_results(self, objective: Objective) -> list[int]:
        return [key_result.pk for key_result in objective.key_results.all()]


class CheckInSerializer(serializers.ModelSerializer[CheckIn]):
    key_result = serializers.IntegerField(source="key_result_id")
    author = serializers.CharField(source="author.username")

    class Meta:
        model = CheckIn
        fields = ["id", "key_result", "author", "day", "value", "confidence", "comment", "created_at"]


class InitiativeSerializer(serializers.ModelSerializer[Initiative]):
    key_result = serializers.IntegerField(source="key_result_id")
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)

    class Meta:
        model = Initiative
        fields = ["id", "key_result", "title", "owner", "status", "due_date"]


# --- Requests (for the schema; the forms check them) ---------------------------------------------------------------


class ObjectiveWriteSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True)
    team = serializers.IntegerField(help_text="A team you are an editor or admin of.")
    owner = serializers.CharField(required=False, help_text="A username; default: you.")
    period = serializers.CharField(required=False, help_text="e.g. 2026-Q3; default: the current quarter.")
    parent_objective = serializers.IntegerField(required=False, allow_null=True)
    parent_key_result = serializers.IntegerField(required=False, allow_null=True)
    weight = serializers.FloatField(required=False, min_value=0)
    state = serializers.ChoiceField(
        choices=Objective.State.choices, required=False, help_text="On a change: draft → active → closed."
    )


class GuardrailWriteSerializer(serializers.Serializer[Any]):
    kpi = serializers.CharField(help_text="The KPI the guardrail watches, by key.")
    comparison = serializers.ChoiceField(choices=Guardrail.Comparison.choices, required=False)
    threshold = serializers.FloatField()


class KeyResultWriteSerializer(serializers.Serializer[Any]):
    objective = serializers.IntegerField(help_text="On create only.")
    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=KeyResult.Kind.choices)
    kpi = serializers.CharField(required=False, allow_null=True, help_text="The KPI's key (KPI kinds).")
    dimension = serializers.CharField(required=False, allow_null=True, help_text="A dimension's key: a segment.")
    member = serializers.CharField(required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=KeyResult.KrDirection.choices, required=False, allow_blank=True)
    baseline_source = serializers.ChoiceField(choices=KeyResult.BaselineSource.choices, required=False)
    baseline_value = serializers.FloatField(required=False, allow_null=True)
    baseline_period = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    freeze_baseline = serializers.BooleanField(
        required=False, help_text="Series baselines: keep the baseline read when the objective is activated."
    )
    change_percent = serializers.FloatField(required=False, allow_null=True)
    target_value = serializers.FloatField(required=False, allow_null=True)
    threshold_mode = serializers.ChoiceField(choices=KeyResult.ThresholdMode.choices, required=False, allow_blank=True)
    band_min = serializers.FloatField(required=False, allow_null=True)
    band_max = serializers.FloatField(required=False, allow_null=True)
    weight = serializers.FloatField(required=False, min_value=0)
    guardrail = GuardrailWriteSerializer(required=False, help_text="A guardrail to add (KPI kinds).")
    initiatives = serializers.ListField(child=serializers.CharField(), required=False, help_text="On create only.")


class CheckInWriteSerializer(serializers.Serializer[Any]):
    day = serializers.DateField(required=False, help_text="Default: today.")
    value = serializers.FloatField(required=False, allow_null=True, help_text="Manual key results: the number.")
    done = serializers.ChoiceField(choices=[0, 1], required=False, allow_null=True, help_text="Milestones.")
    confidence = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True)


class InitiativeWriteSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=300)
    owner = serializers.CharField(required=False, allow_null=True, help_text="A team member's username.")
    due_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Initiative.State.choices, required=False, help_text="On a change.")


# --- From JSON to the form's values --------------------------------------------------------------------------------


def _names(serializer: type[serializers.Serializer[Any]]) -> set[str]:
    return set(serializer().fields.keys())


def _body(request: Request, allowed: set[str]) -> dict[str, Any]:
    data = request.data
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    for name, value in data.items():
        if isinstance(value, dict | list) and name not in ("guardrail", "initiatives"):
            raise ValidationError({name: ["Give a single value."]})
        if _holds_nul(value):
            # Looked up by key or username before the form sees it: PostgreSQL text cannot hold NUL.
            raise ValidationError({name: ["Null characters are not allowed."]})
    return dict(data)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _pk_of(model: Any, field: str, value: Any) -> Any:
    """The primary key the form's choice field expects, for a key or a username; the raw value when unknown, so
    that the form refuses it in its own words."""
    if value in (None, ""):
        return ""
    found = model.objects.filter(**{field: value}).values_list("pk", flat=True).first()
    return found if found is not None else f"unknown:{value}"


def _user_pk(value: Any) -> Any:
    return _pk_of(User, "username", value)


def _form_value(value: Any) -> Any:
    return "" if value is None else value


def _bad(form: Any, names: dict[str, str] | None = None) -> ValidationError:
    return form_errors(form, names)


def _service_errors(error: DjangoValidationError, names: dict[str, str] | None = None) -> ValidationError:
    names = names or {}
    if not hasattr(error, "error_dict"):
        return ValidationError({"non_field_errors": error.messages})
    return ValidationError({names.get(name, name): messages for name, messages in error.message_dict.items()})


# --- Objectives ----------------------------------------------------------------------------------------------------


def _objectives(user: Any) -> QuerySet[Objective]:
    return (
        Objective.objects.visible_to(user)
        .select_related("team", "owner", "period")
        .prefetch_related(Prefetch("key_results", queryset=KeyResult.objects.only("id", "objective_id")))
    )


_OBJECTIVE_FIELDS = _names(ObjectiveWriteSerializer)


def _objective_form(request: Request, objective: Objective | None) -> tuple[ObjectiveForm, str | None]:
    given = _body(request, _OBJECTIVE_FIELDS)
    state = given.pop("state", None)
    if objective is None:
        team_write_required(request.user, given.get("team"))
        # The current quarter (a Period row, made when first asked for) only when no period is given.
        period = given.get("period") or current_quarter().label
        data: dict[str, Any] = {"owner": request.user.pk, "period": period, "weight": 1}
    else:
        data = {
            "title": objective.title,
            "description": objective.description,
            "team": objective.team_id,
            "owner": objective.owner_id,
            "period": objective.period.label,
            "parent_objective": _form_value(objective.parent_objective_id),
            "parent_key_result": _form_value(objective.parent_key_result_id),
            "weight": objective.weight,
        }
    for name, value in given.items():
        data[name] = _user_pk(value) if name == "owner" else _form_value(value)
    form = ObjectiveForm(data, user=request.user, objective=objective)
    return form, state


@extend_schema_view(
    get=extend_schema(
        summary="List objectives",
        description="The objectives of your teams (every team's for an org admin).",
        examples=[OpenApiExample("An objective", value=examples.OBJECTIVE, response_only=True)],
    ),
    post=extend_schema(
        summary="Create an objective",
        description="A draft in one of the teams you plan for, checked as on the planning page; another team's "
        "answers 403, as there.",
        request=ObjectiveWriteSerializer,
        responses={
            201: ObjectiveSerializer,
            400: bad_request(
                ("No such team", "team", "You cannot plan for this team: only its editors and admins can.")
            ),
        },
        examples=[
            OpenApiExample("A new objective", value=examples.OBJECTIVE_REQUEST, request_only=True),
            OpenApiExample("Created", value=examples.OBJECTIVE, response_only=True, status_codes=[201]),
        ],
    ),
)
class ObjectiveList(generics.ListCreateAPIView[Objective]):
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilter
    ordering_fields = ["title", "updated_at"]
    ordering = ["title"]

    def get_queryset(self) -> QuerySet[Objective]:
        return _objectives(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form, state = _objective_form(request, None)
        if state not in (None, Objective.State.DRAFT):
            raise ValidationError({"state": ["A new objective is a draft; activate it with a change afterwards."]})
        if not form.is_valid():
            raise _bad(form)
        try:
            objective = objective_create(**form.objective_fields())
        except DjangoValidationError as error:
            raise _service_errors(error) from None
        body = ObjectiveSerializer(_objectives(request.user).get(pk=objective.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="Get an objective",
        examples=[OpenApiExample("An objective", value=examples.OBJECTIVE, response_only=True)],
    ),
    patch=extend_schema(
        summary="Change an objective",
        description="Give only the fields to change. `state` moves it: draft → active (its key results are "
        "computed), active → closed or draft, closed → active.",
        request=ObjectiveWriteSerializer,
        responses={
            200: ObjectiveSerializer,
            400: bad_request(("Bad move", "state", "A draft objective cannot become closed.")),
        },
        examples=[
            OpenApiExample("Activate", value={"state": "active"}, request_only=True),
            OpenApiExample("Changed", value=examples.OBJECTIVE | {"state": "active"}, response_only=True),
        ],
    ),
)
class ObjectiveDetail(NotFoundNamed, generics.RetrieveAPIView[Objective]):
    serializer_class = ObjectiveSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Objective]:
        return _objectives(self.request.user)

    noun = "objective"

    def patch(self, request: Request, pk: int) -> Response:
        objective = self.get_object()
        team_write_required(request.user, objective.team_id)
        form, state = _objective_form(request, objective)
        if not form.is_valid():
            raise _bad(form)
        try:
            with transaction.atomic():
                fields = form.objective_fields()
                changed = {name: value for name, value in fields.items() if getattr(objective, name) != value}
                if changed:
                    objective_update(objective=objective, **changed)
                if state is not None and state != objective.state:
                    objective_state_set(objective=objective, state=state)
        except DjangoValidationError as error:
            raise _service_errors(error) from None
        return Response(ObjectiveSerializer(_objectives(request.user).get(pk=objective.pk)).data)


# --- Key results ---------------------------------------------------------------------------------------------------


def _key_results(user: Any) -> QuerySet[KeyResult]:
    return (
        KeyResult.objects.visible_to(user)
        .select_related("objective__team", "objective__period", "kpi", "dimension", "baseline_period")
        .prefetch_related(Prefetch("guardrails", queryset=Guardrail.objects.select_related("kpi", "dimension")))
    )


_KEY_RESULT_FIELDS = _names(KeyResultWriteSerializer)
_GUARDRAIL_NAMES = {
    "guardrail_kpi": "guardrail.kpi",
    "guardrail_comparison": "guardrail.comparison",
    "guardrail_threshold": "guardrail.threshold",
}


def _key_result_form(request: Request, objective: Objective, key_result: KeyResult | None) -> KeyResultForm:
    given = _body(request, _KEY_RESULT_FIELDS)
    given.pop("objective", None)
    data: dict[str, Any] = (
        {"weight": 1}
        if key_result is None
        else {name: _form_value(value) for name, value in form_initial(key_result).items()}
    )
    if key_result is not None and "kind" in given and given["kind"] != key_result.kind:
        # Another kind reads other fields: start from none of the old kind's.
        data = {"title": key_result.title, "weight": key_result.weight}
    for name, value in given.items():
        if name == "kpi":
            data["kpi"] = _pk_of(Kpi, "key", value)
        elif name == "dimension":
            data["dimension"] = _pk_of(Dimension, "key", value)
        elif name == "guardrail":
            if not isinstance(value, dict):
                raise ValidationError({"guardrail": ["Give an object: {kpi, comparison, threshold}."]})
            data["guardrail_kpi"] = _pk_of(Kpi, "key", value.get("kpi"))
            data["guardrail_comparison"] = _form_value(value.get("comparison"))
            data["guardrail_threshold"] = _form_value(value.get("threshold"))
        elif name == "freeze_baseline":
            if not isinstance(value, bool):
                raise ValidationError({"freeze_baseline": ["Give true or false."]})
            data["freeze_baseline"] = value
        elif name == "initiatives":
            if key_result is not None:
                raise ValidationError({"initiatives": ["Add initiatives to an existing key result one at a time."]})
            if not isinstance(value, list) or not all(isinstance(title, str) for title in value):
                raise ValidationError({"initiatives": ["Give a list of titles."]})
            data["initiatives"] = "\n".join(value)
        else:
            data[name] = _form_value(value)
    return KeyResultForm(data, objective=objective, key_result=key_result)


def _key_result_saved(form: KeyResultForm, objective: Objective, key_result: KeyResult | None) -> KeyResult:
    if not form.is_valid():
        raise _bad(form, _GUARDRAIL_NAMES)
    try:
        return form.save(objective=objective, key_result=key_result)
    except DjangoValidationError as error:
        raise _service_errors(error) from None


@extend_schema_view(
    get=extend_schema(
        summary="List key results",
        description="The key results of the objectives you may see, with their progress, status and guardrails.",
        examples=[OpenApiExample("A relative key result", value=examples.KEY_RESULT, response_only=True)],
    ),
    post=extend_schema(
        summary="Create a key result",
        description="Of any kind, checked as on the planning page (the fields each kind reads, the KPI's "
        "direction, a baseline the series has); computed at once from the data already there.",
        request=KeyResultWriteSerializer,
        responses={
            201: KeyResultSerializer,
            400: bad_request(
                ("Wrong way", "change_percent", "This key result's direction calls for a decrease (a negative change).")
            ),
        },
        examples=[
            OpenApiExample("Relative to last quarter", value=examples.KEY_RESULT_REQUEST, request_only=True),
            OpenApiExample("Created", value=examples.KEY_RESULT, response_only=True, status_codes=[201]),
        ],
    ),
)
class KeyResultList(generics.ListCreateAPIView[KeyResult]):
    serializer_class = KeyResultSerializer
    filterset_class = KeyResultFilter
    ordering_fields = ["title"]
    ordering = ["objective_id"]

    def get_queryset(self) -> QuerySet[KeyResult]:
        return _key_results(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        objective_id = request.data.get("objective") if isinstance(request.data, dict) else None
        if not isinstance(objective_id, int) or isinstance(objective_id, bool):
            raise ValidationError({"objective": ["Give the id of the objective, a whole number."]})
        objective = Objective.objects.visible_to(request.user).select_related("period").filter(pk=objective_id).first()
        if objective is None:
            raise ValidationError({"objective": [f"No objective with the id {objective_id}, or not one you may see."]})
        team_write_required(request.user, objective.team_id)
        key_result = _key_result_saved(_key_result_form(request, objective, None), objective, None)
        return Response(KeyResultSerializer(_key_results(request.user).get(pk=key_result.pk)).data, status=201)


@extend_schema_view(
    get=extend_schema(
        summary="Get a key result",
        examples=[OpenApiExample("A key result", value=examples.KEY_RESULT, response_only=True)],
    ),
    patch=extend_schema(
        summary="Change a key result",
        description="Give only the fields to change; a new `kind` starts from none of the old kind's fields. A "
        "`guardrail` given is added.",
        request=KeyResultWriteSerializer,
        responses={200: KeyResultSerializer},
        examples=[
            OpenApiExample("A new weight", value={"weight": 2}, request_only=True),
            OpenApiExample("Changed", value=examples.KEY_RESULT | {"weight": 2.0}, response_only=True),
        ],
    ),
)
class KeyResultDetail(NotFoundNamed, generics.RetrieveAPIView[KeyResult]):
    serializer_class = KeyResultSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[KeyResult]:
        return _key_results(self.request.user)

    noun = "key result"

    def patch(self, request: Request, pk: int) -> Response:
        key_result = self.get_object()
        objective = key_result.objective
        team_write_required(request.user, objective.team_id)
        _key_result_saved(_key_result_form(request, objective, key_result), objective, key_result)
        return Response(KeyResultSerializer(_key_results(request.user).get(pk=key_result.pk)).data)


class _UnderKeyResult:
    def key_result(self) -> KeyResult:
        view: Any = self
        found = _key_results(view.request.user).filter(pk=view.kwargs["pk"]).first()
        if found is None:
            raise NotFound(f"No key result with the id {view.kwargs['pk']}, or not one you may see.")
        return found


@extend_schema_view(
    get=extend_schema(
        summary="List a key result's check-ins",
        description="Newest first.",
        examples=[OpenApiExample("A check-in", value=examples.CHECK_IN, response_only=True)],
    ),
    post=extend_schema(
        summary="Add a check-in",
        description="As on the key result's page: a manual key result takes a `value`, a milestone `done` (0 or 1), "
        "any kind a `confidence` (0-10) and a `comment`; at least one of them.",
        request=CheckInWriteSerializer,
        responses={
            201: CheckInSerializer,
            400: bad_request(("Nothing said", "comment", "Say how it is going: a comment, a confidence or a value.")),
        },
        examples=[
            OpenApiExample("Confidence and a comment", value=examples.CHECK_IN_REQUEST, request_only=True),
            OpenApiExample("Added", value=examples.CHECK_IN, response_only=True, status_codes=[201]),
        ],
    ),
)
class CheckInList(_UnderKeyResult, generics.ListCreateAPIView[CheckIn]):
    serializer_class = CheckInSerializer
    ordering: list[str] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[CheckIn]:
        if getattr(self, "swagger_fake_view", False):
            return CheckIn.objects.none()
        return check_ins_for_key_result(key_result=self.key_result()).select_related("author")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key_result = self.key_result()
        team_write_required(request.user, key_result.objective.team_id)
        given = _body(request, _names(CheckInWriteSerializer))
        data = {"day": timezone.localdate().isoformat()} | {k: _form_value(v) for k, v in given.items()}
        form = CheckInForm(data, key_result=key_result)
        if not form.is_valid():
            raise _bad(form)
        try:
            check_in = check_in_create(key_result=key_result, author=request.user, **form.check_in_fields())  # type: ignore[arg-type]
        except DjangoValidationError as error:
            raise _service_errors(error) from None
        return Response(CheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)


def _team_users(key_result: KeyResult) -> QuerySet[User]:
    members = Membership.objects.filter(team_id=key_result.objective.team_id).values("user_id")
    return User.objects.filter(pk__in=members)


@extend_schema_view(
    get=extend_schema(
        summary="List a key result's initiatives",
        examples=[OpenApiExample("An initiative", value=examples.INITIATIVE, response_only=True)],
    ),
    post=extend_schema(
        summary="Add an initiative",
        description="The owner, if any, is a member of the objective's team.",
        request=InitiativeWriteSerializer,
        responses={201: InitiativeSerializer},
        examples=[
            OpenApiExample(
                "An initiative", value={"title": "Macro for refund questions", "owner": "mia"}, request_only=True
            ),
            OpenApiExample("Added", value=examples.INITIATIVE, response_only=True, status_codes=[201]),
        ],
    ),
)
class InitiativeList(_UnderKeyResult, generics.ListCreateAPIView[Initiative]):
    serializer_class = InitiativeSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Initiative]:
        if getattr(self, "swagger_fake_view", False):
            return Initiative.objects.none()
        return self.key_result().initiatives.select_related("owner").order_by("due_date", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key_result = self.key_result()
        team_write_required(request.user, key_result.objective.team_id)
        given = _body(request, {"title", "owner", "due_date"})
        data = {name: _user_pk(v) if name == "owner" else _form_value(v) for name, v in given.items()}
        form = InitiativeForm(data, users=_team_users(key_result))
        if not form.is_valid():
            raise _bad(form)
        try:
            initiative = initiative_create(key_result=key_result, **form.cleaned_data)
        except DjangoValidationError as error:
            raise _service_errors(error) from None
        return Response(InitiativeSerializer(initiative).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="Get an initiative",
        examples=[OpenApiExample("An initiative", value=examples.INITIATIVE, response_only=True)],
    ),
    patch=extend_schema(
        summary="Change an initiative",
        request=InitiativeWriteSerializer,
        responses={200: InitiativeSerializer},
        examples=[
            OpenApiExample("Done", value={"status": "done"}, request_only=True),
            OpenApiExample("Changed", value=examples.INITIATIVE | {"status": "done"}, response_only=True),
        ],
    ),
)
class InitiativeDetail(NotFoundNamed, generics.RetrieveAPIView[Initiative]):
    serializer_class = InitiativeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Initiative]:
        visible = _key_results(self.request.user).values("pk")
        return Initiative.objects.filter(key_result__in=visible).select_related("owner", "key_result__objective")

    noun = "initiative"

    def patch(self, request: Request, pk: int) -> Response:
        initiative = self.get_object()
        key_result = initiative.key_result
        team_write_required(request.user, key_result.objective.team_id)
        given = _body(request, _names(InitiativeWriteSerializer))
        fields: dict[str, Any] = {}
        if "status" in given:
            status_form = InitiativeStatusForm({"status": _form_value(given.pop("status"))})
            if not status_form.is_valid():
                raise _bad(status_form)
            fields["status"] = status_form.cleaned_data["status"]
        if given:
            data = {
                "title": initiative.title,
                "owner": _form_value(initiative.owner_id),
                "due_date": _form_value(initiative.due_date),
            } | {name: _user_pk(v) if name == "owner" else _form_value(v) for name, v in given.items()}
            form = InitiativeForm(data, users=_team_users(key_result))
            if not form.is_valid():
                raise _bad(form)
            fields.update({name: form.cleaned_data[name] for name in given})
        try:
            initiative = initiative_update(initiative=initiative, **fields)
        except DjangoValidationError as error:
            raise _service_errors(error) from None
        return Response(InitiativeSerializer(initiative).data)
