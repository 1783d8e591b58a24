from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history import register

from config.audit import history_user, tracked
from kpis.models import Dimension, Direction, ImportBatch, Kpi, Period
from kpis.services.series import SeriesCause
from okrs import kinds, progress, querysets

# Numbers people type are finite and of a size a KPI can have; weights are relative, 0-1000 leaves room enough.
NUMBER_LIMIT = 1e15
BOUNDED = [
    MinValueValidator(-NUMBER_LIMIT, f"Give a number between -{NUMBER_LIMIT:g} and {NUMBER_LIMIT:g}."),
    MaxValueValidator(NUMBER_LIMIT, f"Give a number between -{NUMBER_LIMIT:g} and {NUMBER_LIMIT:g}."),
]
WEIGHT = [
    MinValueValidator(0, "A weight cannot be negative; 0 leaves it out of the roll-up."),
    MaxValueValidator(1000, "A weight is at most 1000: weights only compare with each other."),
]

# A key result's fields only the recompute writes, from the data: read-only in the admin, left out of its
# history (docs/audit.md).
SYSTEM_COMPUTED_FIELDS = (
    "baseline_read_from",
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
    "baseline_frozen_at",
)


class Team(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="okr_teams")
    history = tracked()

    objects = querysets.TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer"
        EDITOR = "editor", "Editor"
        ADMIN = "admin", "Admin"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="okr_memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    history = tracked()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="membership_once_per_team")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


def is_member(user_id: int, team_id: int) -> bool:
    """Whether the user belongs to the team, whatever their role: who may own the team's objectives and
    initiatives."""
    return Membership.objects.filter(user_id=user_id, team_id=team_id).exists()


class Status(models.TextChoices):
    NO_DATA = "no_data", "No data yet"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class Objective(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = querysets.ACTIVE, "Active"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="objectives")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_objectives")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", help_text="A quarter by default.")
    # The alignment tree: an objective supports at most one parent, an objective or a key result of any team.
    parent_objective = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="child_objectives"
    )
    parent_key_result = models.ForeignKey(
        "KeyResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="child_objectives"
    )
    weight = models.FloatField(default=1.0, validators=WEIGHT)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = tracked(excluded=["updated_at"])

    objects = querysets.ObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["period__start", "team__name", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="objective_weight_not_negative"),
            models.CheckConstraint(
                condition=Q(parent_objective__isnull=True) | Q(parent_key_result__isnull=True),
                name="objective_one_parent_at_most",
            ),
            models.CheckConstraint(
                condition=Q(parent_objective__isnull=True) | ~Q(parent_objective=F("id")),
                name="objective_not_its_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.state == querysets.ACTIVE

    def clean(self) -> None:
        if self.team_id and self.owner_id and not is_member(self.owner_id, self.team_id):
            raise ValidationError({"owner": "The owner must be a member of the objective's team."})
        if self.parent_objective_id and self.parent_key_result_id:
            raise ValidationError("An objective aligns to an objective or to a key result, not both.")
        if self.pk and self.parent_objective_id == self.pk:
            raise ValidationError({"parent_objective": "An objective cannot be its own parent."})
        parent_key_result = self.parent_key_result
        if self.pk and parent_key_result is not None and parent_key_result.objective_id == self.pk:
            raise ValidationError({"parent_key_result": "An objective cannot align to one of its own key results."})


class KeyResult(models.Model):
    # The kinds and what each one does live in okrs.kinds; this is their list as the model's choices.
    Kind = models.TextChoices("Kind", kinds.choices())  # type: ignore[call-overload]

    class ThresholdMode(models.TextChoices):
        ABOVE = "above", "Stay above"
        BELOW = "below", "Stay below"
        WITHIN = "within", "Stay within a band"

    class BaselineSource(models.TextChoices):
        TYPED = "typed", "Typed in"
        SERIES = "series", "Read from the KPI series"

    class TargetSource(models.TextChoices):
        TYPED = "typed", "Typed in"
        DERIVED = "derived", "Derived from the baseline and the change"

    class KrDirection(models.TextChoices):
        HIGHER = Direction.HIGHER.value, Direction.HIGHER.label
        LOWER = Direction.LOWER.value, Direction.LOWER.label

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    kpi = models.ForeignKey(Kpi, null=True, blank=True, on_delete=models.PROTECT, related_name="key_results")
    dimension = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    member = models.CharField(max_length=200, blank=True, help_text="The segment, e.g. team = Tier 1.")
    direction = models.CharField(
        max_length=10, choices=KrDirection.choices, blank=True, help_text="Blank: the KPI's direction."
    )
    baseline_value = models.FloatField(null=True, blank=True, validators=BOUNDED)
    baseline_source = models.CharField(max_length=10, choices=BaselineSource.choices, default=BaselineSource.TYPED)
    baseline_period = models.ForeignKey(
        Period,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where a series baseline comes from; blank: the period before the objective's.",
    )
    baseline_read_from = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    change_percent = models.FloatField(
        null=True, blank=True, validators=BOUNDED, help_text="Relative key results: -20 means 20 % less."
    )
    target_value = models.FloatField(
        null=True, blank=True, validators=BOUNDED, help_text="For stay above/below: the threshold."
    )
    target_source = models.CharField(max_length=10, choices=TargetSource.choices, default=TargetSource.TYPED)
    threshold_mode = models.CharField(max_length=10, choices=ThresholdMode.choices, blank=True)
    band_min = models.FloatField(null=True, blank=True, validators=BOUNDED)
    band_max = models.FloatField(null=True, blank=True, validators=BOUNDED)
    weight = models.FloatField(default=1.0, validators=WEIGHT)
    freeze_baseline = models.BooleanField(
        default=False,
        help_text="Keep the baseline read from the series when the objective is activated, whatever later imports "
        "do to its period.",
    )
    # When the recompute froze the baseline (see freeze_baseline); cleared when the option is or the baseline's
    # definition changes, so the next recompute of an active objective freezes it again.
    baseline_frozen_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Computed by okrs.services.recompute; never typed in.
    current_value = models.FloatField(null=True, blank=True, editable=False)
    progress = models.FloatField(null=True, blank=True, editable=False, help_text="0-100 %")
    over_achievement = models.FloatField(null=True, blank=True, editable=False, help_text="Points beyond 100 %")
    expected = models.FloatField(null=True, blank=True, editable=False, help_text="Progress the pace calls for")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NO_DATA, editable=False)
    forecast = models.FloatField(null=True, blank=True, editable=False, help_text="The value projected to period end")
    forecast_low = models.FloatField(null=True, blank=True, editable=False, help_text="The forecast range's low end")
    forecast_high = models.FloatField(null=True, blank=True, editable=False, help_text="The forecast range's high end")
    guardrail_breached = models.BooleanField(default=False, editable=False)
    computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Written by the recompute from the data, not by a person (okrs.services.recompute.COMPUTED_FIELDS less the
    # baseline and target, which a person may type; okrs.history leaves out their derived changes).
    history = tracked(excluded=SYSTEM_COMPUTED_FIELDS)

    objects = querysets.KeyResultQuerySet.as_manager()

    class Meta:
        ordering = ["objective", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="key_result_weight_not_negative"),
            models.CheckConstraint(
                condition=(Q(dimension__isnull=True) & Q(member="")) | (Q(dimension__isnull=False) & ~Q(member="")),
                name="key_result_member_iff_dimension",
            ),
            *kinds.constraints(),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__gte=0, progress__lte=100),
                name="key_result_progress_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_rules(self) -> kinds.Kind:
        """What this key result's kind does (okrs.kinds)."""
        return kinds.kind_of(self)

    @property
    def is_kpi_kind(self) -> bool:
        return self.kind_rules.reads_kpi

    @property
    def effective_direction(self) -> str:
        """The override, else the KPI's direction (okrs.kinds.effective_direction)."""
        return kinds.effective_direction(self)

    @property
    def segment_label(self) -> str:
        return f"{self.dimension.key}={self.member}" if self.dimension else "overall"

    def check_in_days(self) -> tuple[date, date]:
        """The first and the last day a check-in may be dated: within the objective's period, and not after today."""
        span = self.objective.period.span
        return span.start, min(span.last_day, timezone.localdate())

    def clean(self) -> None:
        if kinds.get(self.kind) is None:
            return  # the field's own validation names the unknown kind; rules per kind would only add noise
        errors: dict[str, str] = {}
        if self.is_kpi_kind and self.kpi_id is None:
            errors["kpi"] = "A KPI key result needs a KPI."
        if not self.is_kpi_kind and (self.kpi_id is not None or self.dimension_id is not None):
            errors["kpi"] = "Manual and milestone key results do not read a KPI."
        if (self.dimension_id is None) != (self.member == ""):
            errors["member"] = "A segment needs both a dimension and a member, e.g. team = Tier 1."
        errors.update(self.kind_rules.errors(self))
        if self.is_kpi_kind:
            errors = {**self.kind_rules.impossible_errors(self), **errors}
        if errors:
            raise ValidationError(errors)


class KeyResultChange(models.Model):
    """One move of a key result's baseline, target or current value, and what moved it (its lineage).

    Written by okrs.services.lineage, one INSERT per recompute, only for the values that changed.
    """

    class Field(models.TextChoices):
        BASELINE = "baseline_value", "baseline"
        TARGET = "target_value", "target"
        CURRENT = "current_value", "current value"

    class Cause(models.TextChoices):
        IMPORT = SeriesCause.IMPORT.value, "Import"
        UNDO = SeriesCause.UNDO.value, "Undone import"
        DEFINITION = SeriesCause.DEFINITION.value, "KPI definition change"
        RECOMPUTE = SeriesCause.RECOMPUTE.value, "Nightly recompute"
        EDIT = "edit", "Edit"
        CHECK_IN = "check_in", "Check-in"

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=20, choices=Field.choices)
    old_value = models.FloatField(null=True, blank=True)
    new_value = models.FloatField(null=True, blank=True)
    cause = models.CharField(max_length=12, choices=Cause.choices)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The period the value was read from (a baseline's period, the objective's for the current value), if any.
    read_from = models.ForeignKey(Period, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["key_result", "-at"], name="kr_change_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(field__in=["baseline_value", "target_value", "current_value"]), name="kr_change_field_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_result_id} {self.field}: {self.old_value} → {self.new_value} ({self.cause})"


class Guardrail(models.Model):
    """A condition on another KPI over the objective's period, e.g. CSAT stays >= 85."""

    class Comparison(models.TextChoices):
        AT_LEAST = ">=", "stays at or above"
        AT_MOST = "<=", "stays at or below"

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="guardrails")
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="guardrails")
    dimension = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    member = models.CharField(max_length=200, blank=True)
    comparison = models.CharField(max_length=2, choices=Comparison.choices, default=Comparison.AT_LEAST)
    threshold = models.FloatField(validators=BOUNDED)
    current_value = models.FloatField(null=True, blank=True, editable=False)
    breached = models.BooleanField(default=False, editable=False)
    history = tracked(excluded=["current_value", "breached"])

    objects = querysets.GuardrailQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(dimension__isnull=True) & Q(member="")) | (Q(dimension__isnull=False) & ~Q(member="")),
                name="guardrail_member_iff_dimension",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.key} {self.comparison} {self.threshold:g}"

    def clean(self) -> None:
        if self.kpi_id is not None and (message := self.kpi.impossible(self.threshold)):
            raise ValidationError({"threshold": message})

    def breached_by(self, value: float | None) -> bool:
        """Whether the watched KPI at `value` breaks the guardrail; with no data it is not (yet) breached."""
        return not progress.guardrail_holds(value, self.comparison, self.threshold)


class Initiative(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="okr_initiatives"
    )
    status = models.CharField(max_length=12, choices=State.choices, default=State.PLANNED)
    due_date = models.DateField(null=True, blank=True)
    history = tracked()

    objects = querysets.InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["key_result", "due_date", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.owner_id and self.key_result_id:
            team_id = KeyResult.objects.filter(pk=self.key_result_id).values_list("objective__team_id", flat=True)
            team = team_id.first()
            if team is not None and not is_member(self.owner_id, team):
                raise ValidationError({"owner": "The owner must be a member of the key result's team."})


class CheckIn(models.Model):
    """A person's update on a key result; kept forever, the history is the conversation."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="okr_check_ins")
    day = models.DateField()
    value = models.FloatField(
        null=True, blank=True, validators=BOUNDED, help_text="Manual key results: the number; milestones: 1 done."
    )
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)], help_text="0 (no chance) to 10 (certain)"
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = tracked()

    objects = querysets.CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=10), name="check_in_confidence_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_result} on {self.day}"

    def clean(self) -> None:
        if self.day is None or self.key_result_id is None:
            return
        first, last = self.key_result.check_in_days()
        if first <= self.day <= last:
            return
        span = self.key_result.objective.period.span
        if not span.start <= self.day <= span.last_day:
            raise ValidationError(
                {
                    "day": f"Choose a day within {span.label}, the key result's period "
                    f"({span.start:%-d %b %Y} \u2013 {span.last_day:%-d %b %Y})."
                }
            )
        raise ValidationError(
            {"day": f"Choose a day up to today ({last:%-d %b %Y}): a check-in tells how it went, not how it will."}
        )


class ProgressSnapshot(models.Model):
    """A key result as it stood at the end of one day: the history behind burn-up charts."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()
    value = models.FloatField(null=True, blank=True)
    progress = models.FloatField(null=True, blank=True)
    expected = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NO_DATA)

    class Meta:
        ordering = ["key_result", "day"]
        constraints = [
            models.UniqueConstraint(fields=["key_result", "day"], name="snapshot_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.key_result} {self.day}: {self.progress}"


class AccessToken(models.Model):
    """A personal access token for the API, sent as `Authorization: Bearer pacer_…`.

    Only a SHA-256 digest of the secret is stored: the token is shown once, when it is created. The secret has 256
    random bits, so a fast digest is enough (a slow password hash protects guessable secrets, which these are not)
    and lets a request find its token with one indexed lookup. Revoked tokens are kept, so that a request with one
    is told it was revoked rather than that it is unknown.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read: look at KPIs, series, teams and OKRs"
        WRITE = "write", "Write: create and change what you may edit"
        PUSH = "push", "Push: send measurements"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'Helpdesk nightly push'.")
    prefix = models.CharField(max_length=16, help_text="The token's first characters, to recognise it by.")
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Blank: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], condition=Q(revoked_at__isnull=True), name="access_token_name_once_per_user"
            ),
            models.CheckConstraint(condition=~Q(scopes=[]), name="access_token_has_a_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        scopes = self.scopes if isinstance(self.scopes, list) else None
        if not scopes:
            raise ValidationError({"scopes": "Choose at least one scope."})
        unknown = sorted(set(map(str, scopes)) - set(self.Scope.values))
        if unknown:
            raise ValidationError(
                {"scopes": f"Unknown scope {', '.join(unknown)}; use {', '.join(self.Scope.values)}."}
            )


class Person(models.Model):
    """A user's standing in the organisation. A user without a row is a member; a superuser is an org admin
    whatever the row says (okrs.roles answers both)."""

    class OrgRole(models.TextChoices):
        ADMIN = "admin", "Org admin"
        STEWARD = "steward", "Data steward"
        MEMBER = "member", "Member"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person")
    org_role = models.CharField(max_length=10, choices=OrgRole.choices, default=OrgRole.MEMBER)
    history = tracked()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(org_role__in=["admin", "steward", "member"]), name="person_org_role_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_org_role_display()})"


class Invitation(models.Model):
    """A one-time link that lets a colleague create their account. Only a hash of the link's token is stored;
    resending replaces the token, so an older link stops working."""

    email = models.EmailField(help_text="Kept in lower case, as the username it becomes.")
    org_role = models.CharField(max_length=10, choices=Person.OrgRole.choices, default=Person.OrgRole.MEMBER)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations")
    team_role = models.CharField(max_length=10, choices=Membership.Role.choices, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the link last reached the mail server.")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # An address has at most one invitation waiting; a second one is a resend of the first.
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=Q(org_role__in=["admin", "steward", "member"]), name="invitation_org_role_known"
            ),
            models.CheckConstraint(
                condition=Q(team__isnull=True) | Q(team_role__in=["viewer", "editor", "admin"]),
                name="invitation_team_has_role",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"


class ScorecardSubscription(models.Model):
    """A person's scorecard by e-mail: one team or all theirs, in a format, weekly or monthly at a time of day in
    the org's time zone (settings.TIME_ZONE). Sent by okrs.tasks; the last attempt's outcome is kept to show."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel (XLSX)"
        PPTX = "pptx", "Slides (PPTX)"
        CSV = "csv", "CSV"

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scorecard_subscriptions"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Blank: all my teams."
    )
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.PDF)
    frequency = models.CharField(max_length=7, choices=Frequency.choices, default=Frequency.WEEKLY)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    day_of_month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(28)], help_text="1 to 28"
    )
    time = models.TimeField(help_text="In the organisation's time zone.")
    next_run_at = models.DateTimeField(db_index=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="Failed attempts since the last delivery.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency="weekly", weekday__isnull=False, weekday__lte=6)
                | Q(frequency="monthly", day_of_month__gte=1, day_of_month__lte=28),
                name="scorecard_subscription_has_its_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.frequency} {self.format}"


# Accounts: deactivation and reactivation are recorded; the password hash and the sign-in time are not (sign-ins
# have their own log, pacer.security).
register(
    User,
    app="okrs",
    excluded_fields=["password", "last_login"],
    get_user=history_user,
)


def validate_webhook_url(url: str) -> None:
    """Deliveries are POSTed over HTTP: a URL field takes ftp:// too, which no delivery would reach."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValidationError("Give an http:// or https:// URL.", code="scheme")


class Webhook(models.Model):
    """An org admin's subscription: Pacer POSTs the events picked to the URL, signed with the webhook's secret."""

    class Event(models.TextChoices):
        IMPORT_FINISHED = "import.finished", "An import finished"
        IMPORT_FAILED = "import.failed", "An import failed"
        KEY_RESULT_STATUS_CHANGED = "key_result.status_changed", "A key result's status changed"
        CHECK_IN_ADDED = "check_in.added", "A check-in was added"

    url = models.URLField(
        max_length=500, validators=[validate_webhook_url], help_text="Where the events are POSTed, http:// or https://."
    )
    events = models.JSONField(default=list, help_text="The events sent, from Webhook.Event.")
    # Kept as it is (not a digest): every delivery is signed with it. Shown to org admins on the webhooks page.
    secret = models.CharField(max_length=64, editable=False)
    description = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(events=[]), name="webhook_has_an_event")]

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        events = self.events if isinstance(self.events, list) else None
        if not events:
            raise ValidationError({"events": "Pick at least one event."})
        unknown = sorted(set(map(str, events)) - set(self.Event.values))
        if unknown:
            raise ValidationError({"events": f"Unknown event {', '.join(unknown)}."})


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook, with what its receiver answered."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=Webhook.Event.choices)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The last attempt's HTTP status")
    error = models.CharField(max_length=500, blank=True, help_text="Why the last attempt failed")
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    resent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep for stuck deliveries last queued it again"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook.url} ({self.state})"
