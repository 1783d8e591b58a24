"""Benchmark: the recompute after a KPI's formula changed, against the full recompute of that KPI's series.

Run: uv run python bench/formula_change_bench.py [--days 1096] [--repeat 5]
On the series benchmark's data (bench/series_bench.py: 800 segments, 6 measures), Contact Escalation Rate's formula
is switched between `100 * …` and `1000 * …`, and what the task kpis.series_recompute_for_definitions runs is
timed: the formula over the stored measure aggregates, every period, overall and per dimension value. The
reference is the full recompute of the same KPI from its observations (series_recompute over its measures, all
days), what a recompute would cost without the stored aggregates. The script checks the values follow the formula.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from _setup import django_setup, median, timed
from series_bench import _generate

KPI = "contact_escalation_rate"
FORMULAS = ("1000 * escalated_contacts / total_contacts", "100 * escalated_contacts / total_contacts")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=1096)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    django_setup()

    from django.db.models import Count
    from django.utils import timezone

    from kpis.models import Kpi, SeriesValue
    from kpis.services.library import kpi_library_load
    from kpis.services.series import Scope, series_recompute, series_recompute_all, series_recompute_for_definitions

    kpi_library_load()
    observations = _generate(args.days)
    series_recompute_all()
    kpi = Kpi.objects.get(key=KPI)
    measure_ids = frozenset(kpi.measures.values_list("id", flat=True))
    print(f"observations: {observations:,}  KPI: {KPI}  series values: {kpi.series_values.count():,}")

    def full() -> None:
        series_recompute(scope=Scope(measure_ids=measure_ids))

    turn = [0]

    def formula_change() -> None:
        # The edit itself (kpi_save) is a one-row UPDATE; the recompute it enqueues is what is timed.
        formula = FORMULAS[turn[0] % 2]
        turn[0] += 1
        Kpi.objects.filter(pk=kpi.pk).update(formula=formula, recompute_requested_at=timezone.now())
        series_recompute_for_definitions(kpi_ids=[kpi.pk], measure_ids=[])

    reference = _values(kpi, SeriesValue)
    theirs = timed(full, args.repeat)
    ours = timed(formula_change, args.repeat * 2)
    # An even number of switches ends on the original formula; one more switch must multiply every value by 10.
    assert _values(kpi, SeriesValue) == reference
    formula_change()
    scaled = _values(kpi, SeriesValue)
    assert scaled.keys() == reference.keys()
    assert all(
        (reference[key] is None and scaled[key] is None) or math.isclose(scaled[key], 10 * reference[key])
        for key in reference
    )
    assert Kpi.objects.get(pk=kpi.pk).recompute_requested_at is None
    counts = SeriesValue.objects.filter(kpi=kpi).aggregate(n=Count("id"))["n"]
    print(f"values checked: {counts:,} (x10 after the switch, same as before after an even number)")
    print(f"formula change median {median(ours):7.3f} s  runs {', '.join(f'{t:.3f}' for t in ours)}")
    print(f"full recompute median {median(theirs):7.3f} s  runs {', '.join(f'{t:.3f}' for t in theirs)}")
    print(f"ratio formula change / full recompute of the KPI: {median(ours) / median(theirs):.3f}")


def _values(kpi: Any, series_value_model: Any) -> dict[tuple[int, int | None, str], float | None]:
    rows = series_value_model.objects.filter(kpi=kpi).values_list("period_id", "dimension_id", "member", "value")
    return {(period_id, dimension_id, member): value for period_id, dimension_id, member, value in rows}


if __name__ == "__main__":
    main()
