"""Forms of quarter planning and the key-result page: objectives, key results of every kind, check-ins and
initiatives. They parse input; the rules live in the models and services (okrs.services.*), whose errors the views
put back on these forms' fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse

from kpis.models import Dimension, Kpi
from kpis.services.calendar import period_for_label
from okrs import kinds
from okrs.calendar import span_parse
from okrs.models import Guardrail, Initiative, KeyResult, Objective, Team
from okrs.selectors import kpi_segment_members, team_people
from okrs.services.objectives import key_result_save
from okrs.services.preview import Preview, key_result_preview

NEGATIVE_WEIGHT = "A weight cannot be negative; 0 leaves it out of the roll-up."
SEGMENT_FIELDS = list(kinds.SEGMENT_FIELDS)
# The fields some kind of key result reads (okrs.kinds); the form shows and keeps only the chosen kind's.
KIND_FIELDS = {name for kind in kinds.KINDS for name in kind.form_fields} | {"baseline_period"}
GUARDRAIL_FIELDS = ["guardrail_kpi", "guardrail_comparison", "guardrail_threshold"]
# Choosing these changes which fields, segment members or recent values the form shows: it is re-rendered.
RERENDER_FIELDS = ["kind", "kpi", "dimension", "member", "baseline_source", "threshold_mode"]


def period_label_clean(label: str) -> str:
    try:
        return span_parse(label).label
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None


class PersonField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class ParentObjectiveField(forms.ModelChoiceField[Objective]):
    def label_from_instance(self, obj: Objective) -> str:
        return f"{obj.period.label} · {obj.team.name} · {obj.title}"


class ParentKeyResultField(forms.ModelChoiceField[KeyResult]):
    def label_from_instance(self, obj: KeyResult) -> str:
        return f"{obj.objective.team.name} · {obj.objective.title}: {obj.title}"


class DimensionField(forms.ModelChoiceField[Dimension]):
    def label_from_instance(self, obj: Dimension) -> str:
        return obj.name


class ObjectiveForm(forms.Form):
    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        error_messages={"invalid_choice": "You cannot plan for this team: only its editors and admins can."},
    )
    owner = PersonField(
        queryset=User.objects.none(),
        help_text="A member of the team.",
        error_messages={"invalid_choice": "The owner must be a member of the objective's team."},
    )
    period = forms.CharField(help_text="A quarter such as 2026-Q3; also 2026-09, 2026-W36 or 2026.")
    parent_objective = ParentObjectiveField(
        queryset=Objective.objects.none(), required=False, label="Supports objective", empty_label="None"
    )
    parent_key_result = ParentKeyResultField(
        queryset=KeyResult.objects.none(), required=False, label="Or supports key result", empty_label="None"
    )
    weight = forms.FloatField(
        initial=1.0,
        min_value=0,
        error_messages={"min_value": NEGATIVE_WEIGHT},
        help_text="Its share in the team's progress.",
    )

    def __init__(self, *args: Any, user: User | AnonymousUser, objective: Objective | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = Team.objects.editable_by(user)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = team_people(teams=self._teams_offered(team.queryset, objective))
        visible = (
            Objective.objects.visible_to(user)
            .select_related("team", "period")
            .order_by("-period__start", "team__name", "title")
        )
        if objective is not None:
            visible = visible.exclude(pk=objective.pk)
        parent = self.fields["parent_objective"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = visible
        parent_kr = self.fields["parent_key_result"]
        assert isinstance(parent_kr, forms.ModelChoiceField)
        key_results = KeyResult.objects.filter(objective__in=visible.values("pk")).select_related(
            "objective__team", "objective__period"
        )
        if objective is not None:
            key_results = key_results.exclude(objective=objective)
        parent_kr.queryset = key_results.order_by("-objective__period__start", "objective__title", "id")

    def _teams_offered(self, editable: QuerySet[Team], objective: Objective | None) -> QuerySet[Team]:
        """The team whose people the owner picker lists: the one chosen (or the objective's), else every team the
        user plans for; the service checks the owner against the team finally chosen."""
        chosen = str(self.data.get("team") or self.initial.get("team") or (objective.team_id if objective else ""))
        if chosen.isdigit() and editable.filter(pk=chosen).exists():
            return editable.filter(pk=chosen)
        return editable

    def clean_period(self) -> str:
        return period_label_clean(self.cleaned_data["period"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("parent_objective") and data.get("parent_key_result"):
            self.add_error("parent_key_result", "Align to an objective or to a key result, not both.")
        return data

    def objective_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["period"] = period_for_label(label=data["period"])
        return data


class KeyResultForm(forms.Form):
    title = forms.CharField(max_length=300)
    kind = forms.ChoiceField(
        choices=[(kind.value, kind.form_label) for kind in kinds.KINDS],
        initial=kinds.DEFAULT.value,
        label="Kind",
    )
    kpi = forms.ModelChoiceField(queryset=Kpi.objects.order_by("name"), required=False, label="KPI")
    dimension = DimensionField(
        queryset=Dimension.objects.order_by("name"), required=False, label="Segment by", empty_label="Overall"
    )
    member = forms.ChoiceField(choices=[], required=False, label="Member")
    direction = forms.ChoiceField(
        choices=[("", "The KPI's direction"), *KeyResult.KrDirection.choices],
        required=False,
        label="Direction",
        help_text="Override only when this key result should move against the KPI's usual direction.",
    )
    baseline_source = forms.ChoiceField(
        choices=KeyResult.BaselineSource.choices,
        initial=KeyResult.BaselineSource.TYPED,
        required=False,
        label="Baseline",
    )
    baseline_value = forms.FloatField(required=False, label="Baseline value")
    baseline_period = forms.CharField(
        required=False, label="Baseline period", help_text="Blank: the period before the objective's."
    )
    change_percent = forms.FloatField(required=False, label="Change (%)", help_text="-20 means 20 % less.")
    target_value = forms.FloatField(required=False, label="Target value")
    threshold_mode = forms.ChoiceField(
        choices=[("", "Choose…"), *KeyResult.ThresholdMode.choices], required=False, label="Condition"
    )
    band_min = forms.FloatField(required=False, label="Band from")
    band_max = forms.FloatField(required=False, label="Band up to")
    weight = forms.FloatField(initial=1.0, min_value=0, error_messages={"min_value": NEGATIVE_WEIGHT})
    guardrail_kpi = forms.ModelChoiceField(
        queryset=Kpi.objects.order_by("name"), required=False, label="Guardrail KPI", empty_label="No guardrail"
    )
    guardrail_comparison = forms.ChoiceField(
        choices=Guardrail.Comparison.choices, initial=Guardrail.Comparison.AT_LEAST, required=False, label="Must"
    )
    guardrail_threshold = forms.FloatField(required=False, label="Threshold")
    initiatives = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="One per line; optional."
    )

    def __init__(self, *args: Any, objective: Objective, key_result: KeyResult | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.objective = objective
        self.key_result = key_result
        self.preview: Preview | None = None
        self.previewed: KeyResult | None = None  # the unsaved key result the preview evaluated
        if key_result is not None:
            del self.fields["initiatives"]
        rerender = {
            "hx-post": reverse("key_result_fields", args=[objective.pk]),
            "hx-trigger": "change",
            "hx-target": "#kr-fields",
            "hx-swap": "outerHTML",
        }
        for name in RERENDER_FIELDS:
            if name in self.fields:
                self.fields[name].widget.attrs.update(rerender)
        self.chosen = kinds.get(self._value("kind")) or kinds.DEFAULT
        self.chosen_kind = self.chosen.value
        reads_kpi = self.chosen.reads_kpi
        kpi_id, dimension_id = (self._value("kpi"), self._value("dimension")) if reads_kpi else ("", "")
        self.chosen_kpi = Kpi.objects.filter(pk=kpi_id).first() if kpi_id.isdigit() else None
        self.chosen_dimension = Dimension.objects.filter(pk=dimension_id).first() if dimension_id.isdigit() else None
        members: list[str] = []
        if self.chosen_kpi is not None and self.chosen_dimension is not None:
            members = list(kpi_segment_members(kpi=self.chosen_kpi, dimension=self.chosen_dimension))
        member = self.fields["member"]
        assert isinstance(member, forms.ChoiceField)
        member.choices = [("", "Choose…" if members else "No data for this segment"), *((m, m) for m in members)]
        # Fields another kind reads are dropped: neither shown nor validated (a stale KPI under a milestone).
        shown = set(self.kind_fields)
        for name in KIND_FIELDS:
            if name not in shown:
                del self.fields[name]
        if not self.reads_kpi:
            for name in GUARDRAIL_FIELDS:
                del self.fields[name]
        for name, (label, help_text) in self.chosen.field_labels.items():
            if name in self.fields:
                self.fields[name].label, self.fields[name].help_text = label, help_text

    def _value(self, name: str) -> str:
        """The raw value of a field from the data, else the initial: which fields to show depends on it."""
        if self.is_bound:
            return str(self.data.get(name, "") or "")
        value = self.initial.get(name, self.base_fields[name].initial)
        return "" if value is None else str(getattr(value, "pk", value))

    @property
    def kind_fields(self) -> list[str]:
        return self.chosen.shown_fields(self._value)

    def shown(self, names: list[str]) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.kind_fields]

    @property
    def segment_fields(self) -> list[forms.BoundField]:
        return self.shown(SEGMENT_FIELDS)

    @property
    def target_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.kind_fields if name not in SEGMENT_FIELDS]

    @property
    def reads_kpi(self) -> bool:
        return self.chosen.reads_kpi

    def clean_baseline_period(self) -> str:
        label: str = self.cleaned_data.get("baseline_period", "")
        return period_label_clean(label) if label.strip() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if self.reads_kpi and data.get("kpi") is None:
            self.add_error("kpi", "Pick the KPI this key result follows.")
        if data.get("dimension") is not None and not data.get("member"):
            self.add_error("member", "Pick the member of the segment, e.g. Tier 1.")
        self._guardrail_clean(data)
        if self.errors:
            return data
        key_result = self.key_result_unsaved()
        try:
            key_result.clean()
        except ValidationError as error:
            errors_onto(self, error)
            return data
        self.preview = key_result_preview(key_result=key_result)
        self.previewed = key_result
        if self.preview.missing_baseline:
            assert key_result.kpi is not None
            assert self.preview.baseline_period is not None
            self.add_error(
                "baseline_period" if "baseline_period" in self.kind_fields else "kpi",
                f"{key_result.kpi.name} has no data for {key_result.segment_label} in "
                f"{self.preview.baseline_period.label}, so there is no baseline to start from. Pick another "
                "baseline period or segment, or type the baseline in.",
            )
        elif read_errors := self.chosen.read_errors(key_result):
            errors_onto(self, ValidationError(read_errors))
        return data

    def _guardrail_clean(self, data: dict[str, Any]) -> None:
        if not self.reads_kpi:
            return
        if data.get("guardrail_kpi") is not None and data.get("guardrail_threshold") is None:
            self.add_error("guardrail_threshold", "Give the guardrail's threshold, e.g. 85 for CSAT ≥ 85.")
        if data.get("guardrail_kpi") is None and data.get("guardrail_threshold") is not None:
            self.add_error("guardrail_kpi", "Pick the KPI the guardrail watches, or clear its threshold.")
        if data.get("guardrail_kpi") is not None and data.get("guardrail_threshold") is not None:
            try:
                Guardrail(kpi=data["guardrail_kpi"], threshold=data["guardrail_threshold"]).clean()
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    self.add_error(f"guardrail_{name}", messages)

    def key_result_fields(self) -> dict[str, Any]:
        """The service's arguments: the fields this kind reads; the others cleared so none linger from another kind."""
        data = self.cleaned_data
        wanted = set(self.kind_fields)
        fields: dict[str, Any] = {
            "title": data["title"],
            "kind": self.chosen_kind,
            "weight": data["weight"],
            "kpi": data.get("kpi") if "kpi" in wanted else None,
            "dimension": data.get("dimension") if "dimension" in wanted else None,
            "member": (data.get("member") or "") if data.get("dimension") is not None and "member" in wanted else "",
            "direction": (data.get("direction") or "") if "direction" in wanted else "",
        }
        for name in ("baseline_value", "change_percent", "target_value", "band_min", "band_max"):
            fields[name] = data.get(name) if name in wanted else None
        fields["threshold_mode"] = (data.get("threshold_mode") or "") if "threshold_mode" in wanted else ""
        series = self.chosen.always_series or "baseline_period" in wanted
        fields["baseline_source"] = KeyResult.BaselineSource.SERIES if series else KeyResult.BaselineSource.TYPED
        label = data.get("baseline_period") if "baseline_period" in wanted else ""
        fields["baseline_period"] = period_for_label(label=label) if label else None
        return fields

    def key_result_unsaved(self) -> KeyResult:
        key_result = KeyResult(objective=self.objective, pk=self.key_result.pk if self.key_result else None)
        for name, value in self.key_result_fields().items():
            setattr(key_result, name, value)
        return key_result

    def guardrail(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not self.reads_kpi or data.get("guardrail_kpi") is None:
            return None
        return {
            "kpi": data["guardrail_kpi"],
            "comparison": data.get("guardrail_comparison") or Guardrail.Comparison.AT_LEAST,
            "threshold": data["guardrail_threshold"],
        }

    def initiative_titles(self) -> list[str]:
        text = self.cleaned_data.get("initiatives") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def save(self, *, objective: Objective, key_result: KeyResult | None) -> KeyResult:
        """The valid form through the one service, for the page and the API alike: the key result with its guardrail
        and initiatives, all or nothing."""
        return key_result_save(
            objective=objective,
            key_result=key_result,
            fields=self.key_result_fields(),
            guardrail=self.guardrail(),
            initiative_titles=self.initiative_titles() if "initiatives" in self.fields else (),
        )


def key_result_initial(key_result: KeyResult) -> dict[str, Any]:
    """An existing key result as the form's initial data."""
    return {
        "title": key_result.title,
        "kind": key_result.kind,
        "kpi": key_result.kpi_id,
        "dimension": key_result.dimension_id,
        "member": key_result.member,
        "direction": key_result.direction,
        "baseline_source": key_result.baseline_source,
        "baseline_value": key_result.baseline_value if key_result.baseline_source == "typed" else None,
        "baseline_period": key_result.baseline_period.label if key_result.baseline_period else "",
        "change_percent": key_result.change_percent,
        "target_value": key_result.target_value if key_result.target_source == "typed" else None,
        "threshold_mode": key_result.threshold_mode,
        "band_min": key_result.band_min,
        "band_max": key_result.band_max,
        "weight": key_result.weight,
    }


def errors_onto(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on the named field when the form has it, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class CheckInForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.FloatField(required=False)
    done = forms.TypedChoiceField(
        choices=[("", "—"), ("0", "Not done yet"), ("1", "Done")],
        coerce=int,
        empty_value=None,
        required=False,
        label="Milestone",
    )
    confidence = forms.TypedChoiceField(
        choices=[("", "—"), *((str(n), str(n)) for n in range(11))],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="0 no chance · 10 certain",
    )
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, key_result: KeyResult, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.key_result = key_result
        # The browser offers only the days a check-in may carry (CheckIn.clean refuses the others) and starts at
        # the latest of them: today, or the last day of a period that has ended.
        first, last = key_result.check_in_days()
        self.fields["day"].widget.attrs.update(min=first.isoformat(), max=last.isoformat())
        self.fields["day"].initial = last
        self.value_field = key_result.kind_rules.check_in_field
        if self.value_field != "value":
            del self.fields["value"]
        else:
            self.fields["value"].required = True
            self.fields["value"].error_messages["required"] = "Give the new number."
            self.fields["value"].label = "New value"
        if self.value_field != "done":
            del self.fields["done"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        said = [data.get(name) for name in ("value", "done", "confidence")]
        if not self.errors and all(item is None for item in said) and not data.get("comment"):
            self.add_error("comment", "Say how it is going: a comment, a confidence or a value.")
        return data

    def check_in_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        value = data.get(self.value_field) if self.value_field else None
        return {
            "day": data["day"],
            "value": None if value is None else float(value),
            "confidence": data.get("confidence"),
            "comment": data.get("comment", ""),
        }


class InitiativeForm(forms.Form):
    title = forms.CharField(max_length=300, label="New initiative")
    owner = PersonField(queryset=User.objects.none(), required=False, empty_label="No owner")
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due")

    def __init__(self, *args: Any, users: QuerySet[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = users


class InitiativeStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Initiative.State.choices)
