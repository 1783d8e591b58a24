"""What a batch of key results reads, fetched in a fixed number of queries however many key results there are.

The KPI side stores each KPI's ratio-of-sums value per period and segment (SeriesValue); a recompute needs, per key
result, the value over its objective's period, over its baseline period, its measures' daily parts inside its
period (for the forecast), its guardrail KPIs' values and, for manual key results, its check-ins.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from kpis import aggregation, formula, periods
from kpis.models import Dimension, Kpi, Measure, Period, SeriesValue
from kpis.selectors import DailyParts, measure_daily_parts
from kpis.services.calendar import periods_for
from okrs import forecast
from okrs.calendar import fiscal_start
from okrs.models import CheckIn, Guardrail, KeyResult

SeriesKey = tuple[int, int, int | None, str]  # kpi, period, dimension, member
DaysKey = tuple[int, int | None, str]  # period, dimension, member


def reads_series_baseline(key_result: KeyResult) -> bool:
    return key_result.kind_rules.reads_series_baseline(key_result)


@dataclass
class Inputs:
    series: dict[SeriesKey, float | None] = field(default_factory=dict)
    days: dict[DaysKey, DailyParts] = field(default_factory=dict)
    measures: dict[int, list[Measure]] = field(default_factory=dict)  # by KPI
    check_ins: dict[int, list[tuple[date, float]]] = field(default_factory=lambda: defaultdict(list))
    baseline_periods: dict[int, Period] = field(default_factory=dict)
    guardrails: dict[int, list[Guardrail]] = field(default_factory=lambda: defaultdict(list))
    formulas: dict[int, formula.Formula] = field(default_factory=dict)  # by KPI, parsed once for the batch
    # By KPI, period, dimension, member and day: key results of one KPI and segment share their forecast.
    forecasts: dict[tuple[int, int, int | None, str, date], forecast.Forecast | None] = field(default_factory=dict)

    def value(self, kpi_id: int, period_id: int, dimension_id: int | None, member: str) -> float | None:
        return self.series.get((kpi_id, period_id, dimension_id, member if dimension_id else ""))

    def kpi_forecast(self, key_result: KeyResult, day: date) -> forecast.Forecast | None:
        """The key result's KPI over its segment at its period's end, projected from the days up to `day`."""
        kpi = key_result.kpi
        assert kpi is not None
        period = key_result.objective.period
        segment = (key_result.dimension_id, key_result.member if key_result.dimension_id else "")
        key = (kpi.pk, period.pk, *segment, day)
        if key not in self.forecasts:
            daily = self.days.get((period.pk, *segment)) or {}
            measures = self.measures.get(kpi.pk, [])
            self.forecasts[key] = _kpi_forecast(kpi, measures, daily, period, day, self.formulas)
        return self.forecasts[key]

    def check_in_trend(self, key_result: KeyResult, day: date) -> forecast.Forecast | None:
        """The line through the key result's check-ins in its period up to `day`, read at the period's end."""
        period = key_result.objective.period
        points = [
            (float((each - period.start).days), value)
            for each, value in self.check_ins.get(key_result.pk, [])
            if period.start <= each < period.end and each <= day
        ]
        return forecast.trend(points, at=float((period.end - period.start).days))


def _kpi_forecast(
    kpi: Kpi,
    measures: Sequence[Measure],
    daily: DailyParts,
    period: Period,
    day: date,
    formulas: dict[int, formula.Formula],
) -> forecast.Forecast | None:
    """Each measure's flows (okrs.forecast) day by day from the period's start to its last day with data (by
    `day`); what does not flow (a minimum, a maximum, a level) stays as the days so far left it. `formulas` keeps
    each KPI's parsed formula for the next key result of the batch."""
    known = [each for m in measures for each in daily.get(m.pk, {}) if period.start <= each <= day]
    if not known:
        return None
    by_key = {measure.key: measure for measure in measures}
    parsed = formulas.get(kpi.pk)
    if parsed is None:
        parsed = formulas[kpi.pk] = formula.parse(kpi.formula, by_key)
    last = max(known)
    days: list[dict[str, float]] = [{} for _ in range((last - period.start).days + 1)]
    # Per measure read: its rule, each part's name with its flow's key in the totals (None: a part that stays), and
    # the parts that stay as pooled so far (None: no cell in the days read, so no value, as in the series).
    read: list[tuple[str, aggregation.Rule, list[tuple[str, str | None]], Mapping[str, float | None] | None]] = []
    for key in parsed.measures:
        measure = by_key[key]
        rule = aggregation.rule(measure.aggregation)
        cells = {each: parts for each, parts in daily.get(measure.pk, {}).items() if period.start <= each <= last}
        staying = any(not part.flow for part in rule.parts)
        held = (aggregation.pooled(cells.values()) if staying else {}) if cells else None
        read.append((key, rule, [(p.name, f"{key}:{p.name}" if p.flow else None) for p in rule.parts], held))
        for each, parts in cells.items():
            for part in rule.parts:
                amount = parts[part.name]
                if part.flow and amount is not None:
                    days[(each - period.start).days][f"{key}:{part.name}"] = amount

    def value(totals: Mapping[str, float]) -> float | None:
        return parsed.evaluate(
            {
                key: None
                if held is None
                else rule.value(
                    {name: held.get(name) if flow is None else totals.get(flow, 0.0) for name, flow in parts}
                )
                for key, rule, parts, held in read
            }
        )

    return forecast.ratio_of_sums(days, (period.end - last).days - 1, value)


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


def inputs_load(key_results: Sequence[KeyResult], *, day: date) -> Inputs:
    """Everything `key_results` read, their forecasts from the data up to `day`. Fetches a superset (every member
    of the KPIs and periods involved), which costs far less than one query per key result."""
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
    forecast_inputs_load(inputs, key_results, day=day)
    return inputs


def forecast_inputs_load(inputs: Inputs, key_results: Sequence[KeyResult], *, day: date) -> None:
    """What the key results' forecasts from the data up to `day` read, into `inputs`: their measures' daily parts
    over their periods up to `day` (one query per period, every dimension and member at once; a forecast reads no
    later day, and a period's later days may hold data when `day` lies in the past) and the manual ones'
    check-ins."""
    saved = [kr for kr in key_results if kr.pk is not None]
    with_kpi = [kr for kr in key_results if kr.kpi is not None]
    inputs.measures = {kr.kpi.pk: [] for kr in with_kpi if kr.kpi is not None}
    for kpi_id, measure in _kpi_measures(set(inputs.measures)):
        inputs.measures[kpi_id].append(measure)
    reads: dict[int, tuple[Period, set[Dimension | None], dict[int, Measure]]] = {}
    for kr in with_kpi:
        assert kr.kpi is not None
        period = kr.objective.period
        _, dimensions, measures = reads.setdefault(period.pk, (period, set(), {}))
        dimensions.add(kr.dimension)
        measures.update((m.pk, m) for m in inputs.measures[kr.kpi.pk])
    for period_id, (period, dimensions, measures) in reads.items():
        end = min(period.end, day + timedelta(days=1))
        if end <= period.start:
            continue
        by_member = measure_daily_parts(measures=measures.values(), start=period.start, end=end, dimensions=dimensions)
        for (dimension_id, member), daily in by_member.items():
            inputs.days[(period_id, dimension_id, member)] = daily
    manual = [kr.pk for kr in saved if kr.kpi_id is None]
    if manual:
        check_ins = CheckIn.objects.filter(key_result_id__in=manual).order_by("day", "created_at", "id")
        for key_result_id, day, value in check_ins.values_list("key_result_id", "day", "value"):
            if value is not None:
                inputs.check_ins[key_result_id].append((day, value))


def _kpi_measures(kpi_ids: set[int]) -> list[tuple[int, Measure]]:
    through = Kpi.measures.through.objects.filter(kpi_id__in=kpi_ids).select_related("measure")
    return [(row.kpi_id, row.measure) for row in through.order_by("kpi_id", "measure__key")]
