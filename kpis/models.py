from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from config.audit import tracked
from kpis import periods
from kpis.periods import Grain
from kpis.status import Range

KEY_HELP = "Lower-case letters, digits and underscores; used in files, formulas and the API."


class Aggregation(models.TextChoices):
    SUM = "sum", "Sum"
    AVERAGE = "average", "Average"
    MINIMUM = "minimum", "Minimum"
    MAXIMUM = "maximum", "Maximum"
    LAST = "last", "Last value in the period"


class Measure(models.Model):
    """A raw quantity that files report per day and segment, such as `total_contacts`."""

    key = models.SlugField(max_length=64, unique=True, help_text=KEY_HELP)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True, help_text="contacts, seconds, responses …")
    aggregation = models.CharField(max_length=10, choices=Aggregation.choices, default=Aggregation.SUM)
    allows_negative = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    history = tracked()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class Dimension(models.Model):
    """A way to segment data: team, channel, region, customer tier."""

    key = models.SlugField(max_length=64, unique=True, help_text=KEY_HELP)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    history = tracked()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class Segment(models.Model):
    """One combination of dimension values an observation carries; the empty combination is "unsegmented"."""

    key = models.CharField(max_length=1000, unique=True, help_text="Canonical form: channel=phone;team=Tier 1")
    # The keys of its dimensions, `channel,team`: a measure's cells of one day all have the same (its granularity),
    # which a trigger on observations enforces (migration 0004) so that no group of segments counts a day twice.
    dimensions = models.CharField(max_length=1000, blank=True, help_text="Its dimension keys: channel,team")

    def __str__(self) -> str:
        return self.key or "(unsegmented)"

    @staticmethod
    def dimensions_of(keys: Iterable[str]) -> str:
        return ",".join(sorted(keys))

    @staticmethod
    def dimensions_label(dimensions: str) -> str:
        """A granularity in words: "channel and team", or "no dimensions" for the unsegmented."""
        keys = [key for key in dimensions.split(",") if key]
        if not keys:
            return "no dimensions"
        return keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])} and {keys[-1]}"


class SegmentMember(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "dimension"], name="segment_member_once"),
        ]
        indexes = [models.Index(fields=["dimension", "value"])]

    def __str__(self) -> str:
        return f"{self.dimension.key}={self.value}"


class Unit(models.TextChoices):
    PERCENT = "percent", "Percent"
    SECONDS = "seconds", "Seconds"
    COUNT = "count", "Count"
    CURRENCY = "currency", "Currency"
    SCORE = "score", "Score"


# What a KPI of each unit can take when it sets no bounds of its own.
_UNIT_RANGE: dict[Unit, tuple[float | None, float | None]] = {
    Unit.PERCENT: (0.0, 100.0),
    Unit.SECONDS: (0.0, None),
    Unit.COUNT: (0.0, None),
}


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"
    BAND = "band", "Within a band"


class Indicator(models.TextChoices):
    LEADING = "leading", "Leading"
    LAGGING = "lagging", "Lagging"


class Kpi(models.Model):
    """A KPI: a formula over measures, applied after they are aggregated (ratio of sums).

    Status thresholds are ranges: a value inside the green range is green, else inside the amber range amber,
    else red. Either end of a range may be open, which expresses all three directions with the same four fields.
    """

    key = models.SlugField(max_length=64, unique=True, help_text=KEY_HELP)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    formula = models.TextField(help_text="Arithmetic over measure keys, e.g. 100 * escalated_contacts / total_contacts")
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.COUNT)
    decimals = models.PositiveSmallIntegerField(default=1)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    indicator = models.CharField(max_length=10, choices=Indicator.choices, default=Indicator.LAGGING)
    green_min = models.FloatField(null=True, blank=True)
    green_max = models.FloatField(null=True, blank=True)
    amber_min = models.FloatField(null=True, blank=True)
    amber_max = models.FloatField(null=True, blank=True)
    possible_min = models.FloatField(
        null=True, blank=True, help_text="The lowest value the KPI can take. Blank: 0 for percent, seconds and counts"
    )
    possible_max = models.FloatField(
        null=True, blank=True, help_text="The highest value the KPI can take. Blank: 100 for percent, else none"
    )
    measures = models.ManyToManyField(Measure, related_name="kpis", blank=True, editable=False)
    related = models.ManyToManyField("self", blank=True)
    is_builtin = models.BooleanField(default=False, editable=False)
    # Set in the transaction that changed what the series is computed from (a new KPI, its formula, a measure's
    # aggregation), cleared in the one that recomputed it: until then pages say "Recomputing…", not old numbers.
    recompute_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    # What a person defines about a KPI, besides its key and related KPIs; the rest is derived from these.
    DEFINITION_FIELDS = (
        "name",
        "category",
        "description",
        "formula",
        "unit",
        "decimals",
        "direction",
        "indicator",
        "green_min",
        "green_max",
        "amber_min",
        "amber_max",
        "possible_min",
        "possible_max",
    )
    history = tracked()

    class Meta:
        ordering = ["category", "name"]
        verbose_name = "KPI"
        constraints = [
            models.CheckConstraint(
                condition=Q(green_min__isnull=True) | Q(green_max__isnull=True) | Q(green_min__lte=F("green_max")),
                name="kpi_green_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(amber_min__isnull=True) | Q(amber_max__isnull=True) | Q(amber_min__lte=F("amber_max")),
                name="kpi_amber_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(possible_min__isnull=True)
                | Q(possible_max__isnull=True)
                | Q(possible_min__lt=F("possible_max")),
                name="kpi_possible_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def possible_range(self) -> Range:
        """The values the KPI can take at all: its own bounds, else its unit's (a percent rate 0 to 100, a duration
        or a count at least 0). Thresholds, targets, baselines and bands outside it are impossible."""
        low, high = _UNIT_RANGE.get(Unit(self.unit), (None, None))
        return Range(
            low if self.possible_min is None else self.possible_min,
            high if self.possible_max is None else self.possible_max,
        )

    def impossible(self, value: float | None) -> str | None:
        """Why `value` cannot be a value of this KPI, in words for the field it was typed in; None if it can."""
        bounds = self.possible_range()
        if value is None or value in bounds:
            return None
        unit = {Unit.PERCENT: " %", Unit.SECONDS: " s"}.get(Unit(self.unit), "")
        if bounds.low is not None and value < bounds.low:
            return f"{self.name} cannot be below {bounds.low:g}{unit}."
        return f"{self.name} cannot be above {bounds.high:g}{unit}."

    def clean(self) -> None:
        low, high = self.possible_min, self.possible_max
        if low is not None and high is not None and low >= high:
            raise ValidationError({"possible_max": "The highest possible value must be above the lowest."})
        errors = {
            name: message
            for name in ("green_min", "green_max", "amber_min", "amber_max")
            if (message := self.impossible(getattr(self, name)))
        }
        if errors:
            raise ValidationError(errors)


class Benchmark(models.Model):
    """A published reference figure for a KPI, with where it comes from."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="benchmarks")
    label = models.CharField(max_length=200, help_text="e.g. 'Inbound calls' or 'Good'")
    low = models.FloatField(null=True, blank=True)
    high = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=300)
    history = tracked()

    class Meta:
        ordering = ["kpi", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(low__isnull=False) | Q(high__isnull=False), name="benchmark_has_a_figure"
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=F("high")),
                name="benchmark_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.key}: {self.label}"


class Period(models.Model):
    """A measurement period, [start, end), of one grain; created on demand as data arrives."""

    grain = models.CharField(max_length=10, choices=Grain.choices)
    start = models.DateField()
    end = models.DateField()
    label = models.CharField(max_length=10)

    class Meta:
        ordering = ["grain", "start"]
        constraints = [
            models.UniqueConstraint(fields=["grain", "start"], name="period_once_per_grain"),
            models.UniqueConstraint(fields=["grain", "label"], name="period_label_once_per_grain"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="period_start_before_end"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def span(self) -> periods.Span:
        """The period as calendar arithmetic (kpis.periods) reads it."""
        return periods.Span(self.start, self.end, periods.Grain(self.grain), self.label)


class CalendarDay(models.Model):
    """Which period of each grain a day belongs to; lets aggregation group days by a plain equi-join."""

    day = models.DateField()
    grain = models.CharField(max_length=10, choices=Grain.choices)
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "grain"], name="calendar_day_once_per_grain")]

    def __str__(self) -> str:
        return f"{self.day} in {self.period.label}"


class ImportBatch(models.Model):
    """One file or API push of measurements; every observation remembers the batch that last wrote it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Upload"
        COMMAND = "command", "Command line"
        API = "api", "API"

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    sheet = models.CharField(max_length=100, blank=True, help_text="The sheet to read, in a workbook with several")
    file_format = models.CharField(max_length=20, blank=True, help_text="Detected layout: wide, long or rows")
    dry_run = models.BooleanField(default=False)
    replace = models.BooleanField(
        default=False,
        help_text="Delete the stored cells of the file's measures and days that are at another set of dimensions",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the worker while it runs the import; a running batch whose heartbeat stopped has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many times a worker started it")
    # Set in the transaction that wrote the KPI series: until then a succeeded import's data is in, its series not.
    series_recomputed_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    cells_inserted = models.PositiveIntegerField(default=0)
    cells_updated = models.PositiveIntegerField(default=0)
    cells_unchanged = models.PositiveIntegerField(default=0)
    cells_replaced = models.PositiveIntegerField(default=0, help_text="Cells at another set of dimensions deleted")
    errors = models.JSONField(default=list, blank=True, help_text="[{line, column, message}]")
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text="The cells this batch changed, as recompute scope: {measures: [id], days: [iso], segments: [id]}",
    )
    # The worker's own bookkeeping while it runs is left out; who started, how it ended and its undoing are kept.
    history = tracked(
        excluded=["heartbeat_at", "attempts", "started_at", "errors", "changes", "series_recomputed_at", "file"]
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class Observation(models.Model):
    """The single source of truth: one value per measure, day and segment.

    Imports write millions of these at a time, so the table carries one index and no per-row triggers: the cell
    itself is the primary key (uniqueness, upserts and reads by measure and day all use it), and the references
    are kept by the import, which resolves every id inside its own transaction, and by PROTECT, which refuses to
    delete a measure, segment or batch that observations point to. Per-row foreign-key checks measured 58 % of an
    import's upsert time, plus server memory growing with the file until commit.
    """

    pk = models.CompositePrimaryKey("measure", "day", "segment")
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    value = models.FloatField()
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )

    def __str__(self) -> str:
        return f"{self.measure.key} {self.day} {self.segment}: {self.value}"


class CellChange(models.Model):
    """A cell an import replaced: the value it had and the batch that had written it, next to the new value.

    Written by the import's own upsert, in the same statement (kpis.services.imports), for replaced cells only: a
    cell a batch inserted is an observation still carrying that batch. Together they let a batch be undone
    (kpis.services.undo) and a number show where each of its values came from. Keyed by the cell first, so that a
    number's history and a batch's changes within its scope are both reads of the one index; no foreign-key
    constraints, for the reason Observation has none.
    """

    pk = models.CompositePrimaryKey("measure", "day", "segment", "batch")
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    value = models.FloatField(help_text="What the batch wrote")
    previous_value = models.FloatField()
    previous_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )

    def __str__(self) -> str:
        return f"{self.measure_id} {self.day} {self.segment_id}: {self.previous_value} -> {self.value}"


def _segment_constraints(prefix: str, owner: str, *, noun: str) -> list[models.BaseConstraint]:
    """Overall (no dimension, empty member) is unique per owner and period; so is each dimension value. `noun`
    names one row in the refusal a form shows (conditional constraints otherwise say "Constraint … is violated")."""
    return [
        models.CheckConstraint(
            condition=(Q(dimension__isnull=True) & Q(member="")) | (Q(dimension__isnull=False) & ~Q(member="")),
            name=f"{prefix}_member_iff_dimension",
        ),
        models.UniqueConstraint(
            fields=[owner, "period"],
            condition=Q(dimension__isnull=True),
            name=f"{prefix}_overall_once",
            violation_error_message=f"There is already {noun} for this period overall.",
        ),
        models.UniqueConstraint(
            fields=[owner, "period", "dimension", "member"],
            condition=Q(dimension__isnull=False),
            name=f"{prefix}_member_once",
            violation_error_message=f"There is already {noun} for this period and segment.",
        ),
    ]


def _segment_label(dimension: Dimension | None, member: str) -> str:
    return f"{dimension.key}={member}" if dimension else "overall"


class MeasureValue(models.Model):
    """A measure aggregated over a period, overall or for one dimension value: the inputs behind a KPI value."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    dimension = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    member = models.CharField(max_length=200, blank=True)
    value = models.FloatField(null=True)
    observations = models.PositiveIntegerField()

    class Meta:
        constraints = [
            *_segment_constraints("measure_value", "measure", noun="a measure value"),
        ]

    def __str__(self) -> str:
        return f"{self.measure.key} {self.period.label} {_segment_label(self.dimension, self.member)}: {self.value}"


class SeriesValue(models.Model):
    """A KPI's value for one period, overall or for one dimension value; None when the denominator is zero."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="series_values")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    dimension = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    member = models.CharField(max_length=200, blank=True)
    value = models.FloatField(null=True)

    class Meta:
        constraints = [
            *_segment_constraints("series_value", "kpi", noun="a KPI value"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.key} {self.period.label} {_segment_label(self.dimension, self.member)}: {self.value}"


class KpiTarget(models.Model):
    """What a KPI should reach in a period, overall or for one dimension value: a value or a band.

    A value target is met when the KPI is at least as good as the value in the KPI's direction; within
    `tolerance` of it the status is amber.
    """

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="targets")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    dimension = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    member = models.CharField(max_length=200, blank=True)
    value = models.FloatField(null=True, blank=True)
    band_min = models.FloatField(null=True, blank=True)
    band_max = models.FloatField(null=True, blank=True)
    tolerance = models.FloatField(default=0)
    history = tracked()

    class Meta:
        constraints = [
            *_segment_constraints("kpi_target", "kpi", noun="a target"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(band_min__isnull=False) | Q(band_max__isnull=False),
                name="kpi_target_has_a_figure",
            ),
            models.CheckConstraint(
                condition=Q(band_min__isnull=True) | Q(band_max__isnull=True) | Q(band_min__lte=F("band_max")),
                name="kpi_target_band_ordered",
            ),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="kpi_target_tolerance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.key} {self.period.label} {_segment_label(self.dimension, self.member)}: {self.value}"

    def clean(self) -> None:
        if self.kpi_id is None:
            return
        errors = {
            name: message
            for name in ("value", "band_min", "band_max")
            if (message := self.kpi.impossible(getattr(self, name)))
        }
        if errors:
            raise ValidationError(errors)


class PushKey(models.Model):
    """An `Idempotency-Key` a client sent with a measurement push, and the answer it got.

    A retried push with the same key (and the same body) is answered from here, so its cells are applied once; the
    same key with another body is refused. Only pushes that were applied are kept: a refused one changed nothing,
    and sending it again gives the same refusal.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    body_digest = models.CharField(max_length=64, help_text="SHA-256 of the request body")
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="+")
    response = models.JSONField(help_text="The body of the 202 the push was answered with")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="push_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.key} → batch {self.batch_id}"
