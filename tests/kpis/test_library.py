from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from kpis import formula, library
from kpis.models import Benchmark, Dimension, Direction, Kpi, Measure
from kpis.services.library import kpi_library_load

pytestmark = pytest.mark.django_db

PUBLIC_MEASURES = {
    "total_contacts",
    "escalated_contacts",
    "first_contact_resolved",
    "handle_time_seconds",
    "csat_responses",
    "csat_satisfied",
}


def _snapshot() -> dict[str, object]:
    """Everything the library writes, with row ids, so that a rewrite shows up even when values are the same."""
    return {
        "measures": list(Measure.objects.values().order_by("id")),
        "dimensions": list(Dimension.objects.values().order_by("id")),
        "kpis": list(Kpi.objects.values().order_by("id")),
        "benchmarks": list(Benchmark.objects.values().order_by("id")),
        "related": sorted(Kpi.related.through.objects.values_list("from_kpi_id", "to_kpi_id")),
        "kpi_measures": sorted(Kpi.measures.through.objects.values_list("kpi_id", "measure_id")),
    }


def test_it_loads_the_public_keys_with_their_formulas() -> None:
    # when
    kpi_library_load()

    # then
    assert set(Measure.objects.values_list("key", flat=True)) >= PUBLIC_MEASURES
    assert {"team", "channel"} <= set(Dimension.objects.values_list("key", flat=True))
    formulas = dict(Kpi.objects.values_list("key", "formula"))
    assert formulas["contact_escalation_rate"] == "100 * escalated_contacts / total_contacts"
    assert formulas["first_contact_resolution_rate"] == "100 * first_contact_resolved / total_contacts"
    assert formulas["average_handle_time"] == "handle_time_seconds / total_contacts"
    assert formulas["csat"] == "100 * csat_satisfied / csat_responses"
    escalation = Kpi.objects.get(key="contact_escalation_rate")
    assert (escalation.unit, escalation.direction, escalation.is_builtin) == ("percent", "lower", True)
    assert set(escalation.measures.values_list("key", flat=True)) == {"escalated_contacts", "total_contacts"}
    assert Kpi.objects.get(key="average_handle_time").unit == "seconds"


def test_it_covers_the_seeds_four_groups_with_at_least_twelve_kpis() -> None:
    # when
    kpi_library_load()

    # then
    assert Kpi.objects.filter(is_builtin=True).count() >= 12
    assert set(Kpi.objects.values_list("category", flat=True)) == set(library.CATEGORIES)


def test_its_benchmarks_carry_the_seeds_figures_and_sources() -> None:
    # when
    kpi_library_load()

    # then
    figures = {(b.kpi.key, b.low, b.high) for b in Benchmark.objects.select_related("kpi")}
    assert ("average_handle_time", 60, 120) in figures
    assert ("first_contact_resolution_rate", 80, None) in figures
    assert ("csat", 85, 90) in figures
    assert ("net_promoter_score", 50, None) in figures
    assert ("customer_effort_score", 4, None) in figures
    assert ("repeat_contact_rate", None, 10) in figures
    assert ("reopened_ticket_rate", None, 10) in figures
    assert ("self_service_rate", 20, None) in figures
    assert ("agent_utilization", 85, 90) in figures
    assert ("schedule_adherence", 90, 95) in figures
    assert ("contact_escalation_rate", 10, 10) in figures
    assert ("contact_escalation_rate", 20, 20) in figures
    assert all(b.source for b in Benchmark.objects.all())


def test_every_formula_is_a_ratio_over_additive_library_measures() -> None:
    measure_keys = {spec.key for spec in library.MEASURES}

    for spec in library.KPIS:
        # when
        parsed = formula.parse(spec.formula, measure_keys)

        # then: a division at the top makes it a ratio of sums once measures are summed per period
        assert isinstance(parsed.tree, formula.BinaryOp)
        assert parsed.tree.op == "/", spec.key


def test_its_thresholds_agree_with_each_kpis_direction() -> None:
    for spec in library.KPIS:
        if spec.direction == Direction.LOWER:
            assert spec.green_min is None, spec.key
            assert spec.amber_min is None, spec.key
            if spec.green_max is not None and spec.amber_max is not None:
                assert spec.green_max <= spec.amber_max, spec.key
        elif spec.direction == Direction.HIGHER:
            assert spec.green_max is None, spec.key
            assert spec.amber_max is None, spec.key
            if spec.green_min is not None and spec.amber_min is not None:
                assert spec.green_min >= spec.amber_min, spec.key
        else:
            assert None not in (spec.green_min, spec.green_max, spec.amber_min, spec.amber_max), spec.key


def test_its_related_kpis_are_linked_both_ways() -> None:
    # when
    kpi_library_load()

    # then
    escalation = Kpi.objects.get(key="contact_escalation_rate")
    assert "first_contact_resolution_rate" in set(escalation.related.values_list("key", flat=True))
    fcr = Kpi.objects.get(key="first_contact_resolution_rate")
    assert "contact_escalation_rate" in set(fcr.related.values_list("key", flat=True))


def test_a_second_load_changes_nothing() -> None:
    # given
    first = kpi_library_load()
    before = _snapshot()

    # when
    second = kpi_library_load()

    # then
    assert first.changed
    assert not second.changed
    assert second.kpis.unchanged == len(library.KPIS)
    assert _snapshot() == before


def test_it_keeps_a_users_tuned_threshold_unless_asked_to_update() -> None:
    # given
    kpi_library_load()
    Kpi.objects.filter(key="csat").update(green_min=90)

    # when
    kept = kpi_library_load()

    # then
    assert kept.kpis.kept == 1
    assert Kpi.objects.get(key="csat").green_min == 90

    # when
    updated = kpi_library_load(update=True)

    # then
    assert updated.kpis.updated == 1
    assert Kpi.objects.get(key="csat").green_min == 85


def test_it_restores_a_deleted_kpi_and_its_relations() -> None:
    # given
    kpi_library_load()
    Kpi.objects.filter(key="csat").delete()

    # when
    summary = kpi_library_load()

    # then
    assert summary.kpis.created == 1
    csat = Kpi.objects.get(key="csat")
    assert csat.benchmarks.count() == 1
    assert "net_promoter_score" in set(csat.related.values_list("key", flat=True))


def test_the_command_prints_what_it_did() -> None:
    # given
    out = StringIO()

    # when
    call_command("load_kpi_library", stdout=out)
    call_command("load_kpi_library", stdout=out)

    # then
    lines = out.getvalue().splitlines()
    assert lines[2] == f"KPIs: {len(library.KPIS)} created, 0 updated, 0 unchanged, 0 kept"
    assert lines[5] == f"KPIs: 0 created, 0 updated, {len(library.KPIS)} unchanged, 0 kept"
