"""Forms of the KPI pages: a KPI, a KPI target, an import upload."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from kpis import periods
from kpis.models import Dimension, Direction, Kpi
from kpis.previews import Preview, preview_read
from kpis.services.definitions import kpi_formula_check
from kpis.services.targets import TargetFields

UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


class KpiForm(forms.ModelForm):
    """A KPI's definition; the formula itself is checked by kpis.services.definitions.kpi_save on save."""

    class Meta:
        model = Kpi
        fields = ["key", *Kpi.DEFINITION_FIELDS, "related"]
        labels = {
            "green_min": "Green from",
            "green_max": "Green up to",
            "amber_min": "Amber from",
            "amber_max": "Amber up to",
            "possible_min": "Lowest possible",
            "possible_max": "Highest possible",
            "related": "Related KPIs",
            "indicator": "Leading or lagging",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "formula": forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off"}),
            "related": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        related = self.fields["related"]
        assert isinstance(related, forms.ModelMultipleChoiceField)
        related.queryset = Kpi.objects.exclude(pk=self.instance.pk).order_by("name")
        if self.instance.pk:
            # Files, formulas and the API name the KPI by its key: renaming it would break them silently.
            self.fields["key"].disabled = True
            self.fields["key"].help_text = "The key cannot change: files, formulas and the API use it."

    def clean_formula(self) -> str:
        # The service's own check, shown next to the field: unknown measure, bad syntax.
        try:
            return kpi_formula_check(text=self.cleaned_data["formula"]).text
        except ValidationError as error:
            raise ValidationError(error.message_dict["formula"]) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        green_min, green_max = data.get("green_min"), data.get("green_max")
        amber_min, amber_max = data.get("amber_min"), data.get("amber_max")
        for colour, low, high in (("green", green_min, green_max), ("amber", amber_min, amber_max)):
            if low is not None and high is not None and low > high:
                self.add_error(f"{colour}_max", f"The {colour} range ends below where it starts ({low} > {high}).")
        if self.errors:
            return data
        green_set = green_min is not None or green_max is not None
        amber_set = amber_min is not None or amber_max is not None
        if amber_set and not green_set:
            self.add_error("green_min", "Set the green range before the amber one: amber is what falls short of green.")
            return data
        if green_set:
            self._check_direction(data.get("direction"), green_min, green_max, amber_min, amber_max, amber_set)
        return data

    def _check_direction(
        self,
        direction: str | None,
        green_min: float | None,
        green_max: float | None,
        amber_min: float | None,
        amber_max: float | None,
        amber_set: bool,
    ) -> None:
        if direction == Direction.LOWER:
            if green_max is None:
                self.add_error("green_max", "Lower is better: give the green range an upper end (green up to …).")
            elif amber_set and (amber_max is None or amber_max <= green_max):
                self.add_error(
                    "amber_max",
                    f"Lower is better: the amber range must sit above the green one, so 'amber up to' must be "
                    f"more than {green_max:g}.",
                )
        elif direction == Direction.HIGHER:
            if green_min is None:
                self.add_error("green_min", "Higher is better: give the green range a lower end (green from …).")
            elif amber_set and (amber_min is None or amber_min >= green_min):
                self.add_error(
                    "amber_min",
                    f"Higher is better: the amber range must sit below the green one, so 'amber from' must be "
                    f"less than {green_min:g}.",
                )
        elif direction == Direction.BAND:
            if green_min is None or green_max is None:
                self.add_error("green_min", "Within a band: give the green range both ends.")
            elif amber_set and (
                amber_min is None or amber_max is None or amber_min > green_min or amber_max < green_max
            ):
                self.add_error(
                    "amber_min",
                    f"Within a band: the amber range must surround the green one ({green_min:g} to {green_max:g}), "
                    "with both ends set.",
                )


class KpiTargetForm(forms.Form):
    period = forms.CharField(label="Period", max_length=10, help_text="2026-W09, 2026-03, 2026-Q1 or 2026", strip=True)
    dimension = forms.ModelChoiceField(
        queryset=Dimension.objects.order_by("name"), required=False, empty_label="Overall", label="Segment"
    )
    member = forms.CharField(label="Member", max_length=200, required=False, help_text="e.g. Tier 1")
    value = forms.FloatField(label="Target value", required=False)
    band_min = forms.FloatField(label="Band from", required=False)
    band_max = forms.FloatField(label="Band up to", required=False)
    tolerance = forms.FloatField(
        label="Tolerance", required=False, min_value=0, help_text="Amber when missed by no more than this"
    )

    def clean_period(self) -> str:
        label: str = self.cleaned_data["period"]
        try:
            periods.parse_label(label)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return label

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("dimension") is not None and not data.get("member"):
            self.add_error("member", "Name the member of the segment, e.g. Tier 1.")
        if data.get("dimension") is None and data.get("member"):
            self.add_error("dimension", "Pick the dimension this member belongs to, or leave the member blank.")
        value, low, high = data.get("value"), data.get("band_min"), data.get("band_max")
        if value is None and low is None and high is None and not self.has_error("value"):
            self.add_error("value", "Give a target value, or a band.")
        if low is not None and high is not None and low > high:
            self.add_error("band_max", f"The band ends below where it starts ({low:g} > {high:g}).")
        return data

    def target_fields(self) -> TargetFields:
        """The cleaned form as the arguments of kpi_target_create and kpi_target_update."""
        data = self.cleaned_data
        return {
            "period_label": data["period"],
            "dimension": data["dimension"],
            "member": data["member"],
            "value": data["value"],
            "band_min": data["band_min"],
            "band_max": data["band_max"],
            "tolerance": data["tolerance"] or 0,
        }


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Measurement file",
        help_text="CSV (UTF-8, comma or semicolon) or an XLSX workbook",
        error_messages={"required": "Choose a CSV or XLSX file to import.", "empty": "The file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
    )
    sheet = forms.CharField(
        label="Sheet",
        required=False,
        max_length=100,
        help_text="Only for a workbook with several data sheets: the name of the one to import",
    )
    replace = forms.BooleanField(
        label="Replace cells stored at other dimensions",
        required=False,
        help_text="For the file's measures and days, delete the cells stored at another set of dimensions (say per "
        "team and channel, for a file per team) and keep the file's. Without it such a file is refused.",
    )

    # The head of the file as read while checking it, kept for the batch's preview: the upload is parsed once.
    preview: Preview | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload: UploadedFile | None = data.get("file")
        if upload is None or self.has_error("file"):
            return data
        name = upload.name or "file"
        self.preview = preview_read(upload, name, sheet=data.get("sheet") or "")
        message = self.preview.unreadable
        if message:
            text = f"{name} {message}." if message.startswith("is ") else message
            self.add_error("sheet" if self.preview.sheet_unclear else "file", text)
        return data

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        name = upload.name or "file"
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"{name} is {filesizeformat(upload.size)}; files up to {filesizeformat(limit)} can be imported."
            )
        if PurePath(name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(
                f"{name} is neither a CSV file nor an XLSX workbook (save it as .csv or .xlsx)."
            )
        return upload
