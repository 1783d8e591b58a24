"""What a batch of key results reads, fetched in a fixed number of queries however many key results there are.

The KPI side stores each KPI's ratio-of-sums value per period and segment (SeriesValue); a recompute needs, per key
result, the value over its objective's period, over its baseline period, the weekly values inside its period (for
the forecast), its guardrail KPIs' values and, for manual key results, its check-ins.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from kpis import periods
from kpis.models import Period, SeriesValue
from kpis.services.calendar import periods_for
from okrs.calendar import fiscal_start
from okrs.models import CheckIn, Guardrail, KeyResult

SeriesKey = tuple[int, int, int | None, str]  # kpi, period, dimension, member
SegmentKey = tuple[int, int | None, str]  # kpi, dimension, member


def reads_series_baseline(key_result: KeyResult) -> bool:
    return key_result.kind_rules.reads_series_baseline(key_result)


@dataclass
class Inputs:
    series: dict[SeriesKey, float | None] = field(default_factory=dict)
    weeks: dict[SegmentKey, list[tuple[date, float]]] = field(default_factory=lambda: defaultdict(list))
    check_ins: dict[int, list[tuple[date, float]]] = field(default_factory=lambda: defaultdict(list))
    baseline_periods: dict[int, Period] = field(default_factory=dict)
    guardrails: dict[int, list[Guardrail]] = field(default_factory=lambda: defaultdict(list))

    def value(self, kpi_id: int, period_id: int, dimension_id: int | None, member: str) -> float | None:
        return self.series.get((kpi_id, period_id, dimension_id, member if dimension_id else ""))


def _baseline_periods(key_results: Sequence[KeyResult]) -> dict[int, Period]:
    """Each series-baseline key result's baseline period: the chosen one, else the one before the objective's."""
    fy = fiscal_start()
    defaults = {
        kr.pk: periods.preceding(kr.objective.period.span, fy)
        for kr in key_results
        if reads_series_baseline(kr) and kr.baseline_period is None
    }
    rows = periods_for(spans=defaults.values())
    return {
        kr.pk: kr.baseline_period or rows[defaults[kr.pk]]
        for kr in key_results
        if reads_series_baseline(kr) and (kr.baseline_period is not None or kr.pk in defaults)
    }


def inputs_load(key_results: Sequence[KeyResult]) -> Inputs:
    """Everything `key_results` read. Fetches a superset (every member of the KPIs and periods involved), which
    costs far less than one query per key result."""
    inputs = Inputs(baseline_periods=_baseline_periods(key_results))
    # The planning form previews a key result before it is saved: an unsaved one has no guardrails or check-ins.
    saved = [kr for kr in key_results if kr.pk is not None]
    for guardrail in Guardrail.objects.filter(key_result__in=saved).select_related("kpi", "dimension"):
        inputs.guardrails[guardrail.key_result_id].append(guardrail)
    kpi_ids = {kr.kpi_id for kr in key_results if kr.kpi_id is not None}
    period_ids = {kr.objective.period_id for kr in key_results} | {p.pk for p in inputs.baseline_periods.values()}
    guard_kpi_ids = {g.kpi_id for rails in inputs.guardrails.values() for g in rails}
    if kpi_ids | guard_kpi_ids:
        rows = SeriesValue.objects.filter(kpi_id__in=kpi_ids | guard_kpi_ids, period_id__in=period_ids)
        for kpi_id, period_id, dimension_id, member, value in rows.values_list(
            "kpi_id", "period_id", "dimension_id", "member", "value"
        ):
            inputs.series[(kpi_id, period_id, dimension_id, member)] = value
    with_kpi = [kr for kr in key_results if kr.kpi_id is not None]
    if with_kpi:
        weeks = SeriesValue.objects.filter(
            kpi_id__in=kpi_ids,
            period__grain=periods.Grain.WEEK,
            period__start__gte=min(kr.objective.period.start for kr in with_kpi),
            period__start__lt=max(kr.objective.period.end for kr in with_kpi),
        ).order_by("period__start")
        for kpi_id, dimension_id, member, start, value in weeks.values_list(
            "kpi_id", "dimension_id", "member", "period__start", "value"
        ):
            if value is not None:
                inputs.weeks[(kpi_id, dimension_id, member)].append((start, value))
    manual = [kr.pk for kr in saved if kr.kpi_id is None]
    if manual:
        check_ins = CheckIn.objects.filter(key_result_id__in=manual).order_by("day", "created_at", "id")
        for key_result_id, day, value in check_ins.values_list("key_result_id", "day", "value"):
            if value is not None:
                inputs.check_ins[key_result_id].append((day, value))
    return inputs
