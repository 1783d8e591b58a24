"""The KPI library pages: the list, a KPI's page, targets, and creating and editing KPIs."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kpis import tasks
from kpis.models import Direction, ImportBatch, Kpi, KpiTarget, Period, Unit
from kpis.services import imports
from kpis.services.library import kpi_library_load
from tests.factories import KpiFactory
from tests.okrs.factories import data_steward

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

# January pools 250 escalated of 1,500 contacts (16.7 %, amber); February 30 of 600 (5.0 %, green).
MEASUREMENTS = (
    "date,team,channel,total_contacts,escalated_contacts\n"
    "2026-01-05,Tier 1,phone,500,50\n"
    "2026-01-06,Tier 2,email,1000,200\n"
    "2026-02-02,Tier 1,phone,600,30\n"
)


@pytest.fixture
def signed_in(client: Client) -> Client:
    client.force_login(data_steward(first_name="Ana"))
    return client


@pytest.fixture
def library(db: None, django_capture_on_commit_callbacks: Capture) -> None:
    kpi_library_load()
    batch = imports.import_batch_create(
        path_or_file=io.BytesIO(MEASUREMENTS.encode()), filename="contacts.csv", source=ImportBatch.Source.COMMAND
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.import_batch_process_task.delay(batch.pk)


def _kpi_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "key": "tier1_escalation",
        "name": "Tier 1 escalation",
        "category": "Issue resolution",
        "description": "",
        "formula": "100 * escalated_contacts / total_contacts",
        "unit": Unit.PERCENT,
        "decimals": "1",
        "direction": Direction.LOWER,
        "indicator": "lagging",
        "green_min": "",
        "green_max": "8",
        "amber_min": "",
        "amber_max": "15",
    }
    data.update(overrides)
    return data


def test_the_library_needs_a_signed_in_user(client: Client) -> None:
    # when
    response = client.get(reverse("kpi_list"))

    # then
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_library_lists_every_kpi_by_category_with_its_latest_value_and_status(
    signed_in: Client, library: None
) -> None:
    # when
    response = signed_in.get(reverse("kpi_list"))

    # then
    assert response.status_code == 200
    rows = response.context["categories"]
    assert sum(len(kpis) for kpis in rows.values()) == Kpi.objects.count() == 17
    assert len(rows) == 4
    escalation = next(row for kpis in rows.values() for row in kpis if row.kpi.key == "contact_escalation_rate")
    assert (escalation.latest_label, escalation.latest, escalation.status) == ("2026-02", pytest.approx(5.0), "green")
    assert escalation.sparkline.startswith("M")
    html = response.content.decode()
    assert "5.0 %" in html
    assert "Issue Resolution" in html or "Issue resolution" in html
    assert "Lower is better" in html


@pytest.mark.parametrize("kpis", [3, 30])
def test_the_library_reads_a_bounded_number_of_queries_however_many_kpis(
    signed_in: Client, library: None, kpis: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    # given
    KpiFactory.create_batch(kpis)

    # when / then: session, user, KPIs, the latest month, the recent values, the KPIs' last days with data
    with django_assert_max_num_queries(6):
        response = signed_in.get(reverse("kpi_list"))
    assert response.status_code == 200


def test_a_kpi_page_shows_its_definition_thresholds_benchmarks_and_values(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.get(reverse("kpi_detail", args=["contact_escalation_rate"]))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "100 * escalated_contacts / total_contacts" in html
    assert "≤ 10.0 %" in html
    assert "≤ 20.0 %" in html
    assert "Escalated Calls KPI write-up" in html
    assert "Lagging" in html
    assert "First Contact Resolution" in html  # a related KPI
    rows = response.context["value_rows"]
    assert [(row.period.label, round(row.value, 1), row.status) for row in rows] == [
        ("2026-02", 5.0, "green"),
        ("2026-01", 16.7, "amber"),
    ]
    # the aggregated measures behind January's value, in the order of the KPI's measures
    measures = [measure.key for measure in response.context["measures"]]
    january = dict(zip(measures, rows[1].inputs, strict=True))
    assert january == {"escalated_contacts": 250, "total_contacts": 1500}
    assert "16.7 %" in html


def test_a_kpi_page_shows_a_grain_by_segment(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.get(
        reverse("kpi_detail", args=["contact_escalation_rate"]), {"grain": "quarter", "by": "team"}
    )

    # then every member is its own ratio of sums
    assert response.status_code == 200
    assert [(row.member, [round(v, 1) for v in row.values]) for row in response.context["segment_rows"]] == [
        ("Tier 1", [round(100 * 80 / 1100, 1)]),
        ("Tier 2", [20.0]),
    ]
    assert [row.period.label for row in response.context["value_rows"]] == ["2026-Q1"]
    assert 'aria-current="page"' in response.content.decode()


def test_an_unknown_grain_or_dimension_falls_back_to_months_overall(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.get(reverse("kpi_detail", args=["contact_escalation_rate"]), {"grain": "decade", "by": "x"})

    # then
    assert response.status_code == 200
    assert response.context["grain"] == "month"
    assert response.context["dimension"] is None


def test_an_unknown_kpi_is_not_found(signed_in: Client, library: None) -> None:
    assert signed_in.get(reverse("kpi_detail", args=["no_such_kpi"])).status_code == 404


@pytest.mark.parametrize("extra_kpis", [3, 30])
def test_a_kpi_page_reads_a_bounded_number_of_queries(
    signed_in: Client, library: None, extra_kpis: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    # given more KPIs and targets that the page does not show
    KpiFactory.create_batch(extra_kpis)
    kpi = Kpi.objects.get(key="contact_escalation_rate")
    for month in ("2026-01", "2026-02"):
        KpiTarget.objects.create(kpi=kpi, period=Period.objects.get(label=month), value=12)

    # when / then
    # 14, and 5 for the History section: three history tables and, per model, the objects they name.
    with django_assert_max_num_queries(19):
        response = signed_in.get(reverse("kpi_detail", args=[kpi.key]), {"by": "team"})
    assert response.status_code == 200


def test_it_creates_a_kpi_and_records_the_measures_its_formula_reads(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.post(reverse("kpi_create"), _kpi_post())

    # then
    assert response.status_code == 302
    kpi = Kpi.objects.get(key="tier1_escalation")
    assert response["Location"] == reverse("kpi_detail", args=[kpi.key])
    assert sorted(kpi.measures.values_list("key", flat=True)) == ["escalated_contacts", "total_contacts"]


def test_it_rejects_a_formula_over_unknown_measures_inline_and_writes_nothing(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.post(reverse("kpi_create"), _kpi_post(formula="100 * escalations / total_contacts"))

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["formula"] == ["Unknown measure: escalations (at character 7)"]
    assert "Unknown measure: escalations (at character 7)" in response.content.decode()
    assert not Kpi.objects.filter(key="tier1_escalation").exists()


def test_it_rejects_a_formula_that_is_not_arithmetic_inline(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.post(reverse("kpi_create"), _kpi_post(formula="__import__('os')"))

    # then
    assert response.status_code == 400
    assert "formula" in response.context["form"].errors
    assert not Kpi.objects.filter(key="tier1_escalation").exists()


@pytest.mark.parametrize(
    ("direction", "thresholds", "field", "message"),
    [
        (Direction.LOWER, {"green_max": "15", "amber_max": "8"}, "amber_max", "must sit above the green one"),
        (Direction.LOWER, {"green_min": "5", "green_max": "", "amber_max": ""}, "green_max", "upper end"),
        (
            Direction.HIGHER,
            {"green_min": "70", "green_max": "", "amber_min": "80", "amber_max": ""},
            "amber_min",
            "must sit below the green one",
        ),
        (
            Direction.BAND,
            {"green_min": "85", "green_max": "90", "amber_min": "86", "amber_max": "95"},
            "amber_min",
            "must surround the green one",
        ),
        (Direction.LOWER, {"green_max": "", "amber_max": "15"}, "green_min", "Set the green range before"),
        (Direction.LOWER, {"green_min": "9", "green_max": "8", "amber_max": ""}, "green_max", "ends below"),
    ],
)
def test_it_rejects_thresholds_that_disagree_with_the_direction(
    signed_in: Client, library: None, direction: str, thresholds: dict[str, str], field: str, message: str
) -> None:
    # when
    response = signed_in.post(reverse("kpi_create"), _kpi_post(direction=direction, **thresholds))

    # then
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Kpi.objects.filter(key="tier1_escalation").exists()


def test_it_rejects_a_key_already_taken(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.post(reverse("kpi_create"), _kpi_post(key="contact_escalation_rate"))

    # then
    assert response.status_code == 400
    assert "key" in response.context["form"].errors
    assert Kpi.objects.get(key="contact_escalation_rate").name == "Contact Escalation Rate"


def test_it_edits_a_kpi_but_keeps_its_key(signed_in: Client, library: None) -> None:
    # given
    kpi = Kpi.objects.get(key="contact_escalation_rate")
    form = signed_in.get(reverse("kpi_edit", args=[kpi.key])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name != "related"}
    data.update(name="Escalation rate", key="renamed", green_max="9", related=[])

    # when
    response = signed_in.post(reverse("kpi_edit", args=[kpi.key]), data)

    # then
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.key, kpi.name, kpi.green_max) == ("contact_escalation_rate", "Escalation rate", 9)


def test_the_formula_check_names_the_measures_a_formula_reads(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.post(
        reverse("kpi_formula_check"), {"formula": "100 * escalated_contacts / total_contacts"}, HTTP_HX_REQUEST="true"
    )

    # then
    assert response.status_code == 200
    assert "Reads: escalated_contacts, total_contacts" in response.content.decode()


def test_the_formula_check_explains_what_is_wrong(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.post(reverse("kpi_formula_check"), {"formula": "100 * escalated_contacts /"})

    # then
    assert response.status_code == 200
    assert "The formula ends before it is complete (at character 27)" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_it_adds_a_target_and_shows_its_status(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.post(
        reverse("kpi_target_add", args=["contact_escalation_rate"]),
        {"period": "2026-01", "value": "15", "tolerance": "2"},
    )

    # then January's 16.7 % misses 15 % by less than the tolerance
    assert response.status_code == 302
    page = signed_in.get(response["Location"])
    [result] = page.context["target_results"]
    assert (result.target.period.label, result.target.value, result.status) == ("2026-01", 15, "amber")
    assert "≤ 15.0 %" in page.content.decode()


def test_it_adds_a_target_for_one_segment(signed_in: Client, library: None) -> None:
    # given
    team = signed_in.get(reverse("kpi_detail", args=["contact_escalation_rate"])).context["dimensions"]
    team_id = next(d.pk for d in team if d.key == "team")

    # when
    response = signed_in.post(
        reverse("kpi_target_add", args=["contact_escalation_rate"]),
        {"period": "2026-Q1", "dimension": team_id, "member": "Tier 2", "band_min": "5", "band_max": "15"},
    )

    # then
    assert response.status_code == 302
    target = KpiTarget.objects.get()
    assert (target.member, target.band_min, target.band_max) == ("Tier 2", 5, 15)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"period": "2026-13", "value": "10"}, "period", "names no month"),
        ({"period": "Q1 2026", "value": "10"}, "period", "is not a period label"),
        ({"period": "2026-01"}, "value", "Give a target value, or a band."),
        ({"period": "2026-01", "band_min": "9", "band_max": "3"}, "band_max", "ends below"),
        ({"period": "2026-01", "value": "10", "member": "Tier 1"}, "dimension", "Pick the dimension"),
        ({"period": "2026-01", "value": "10", "tolerance": "-1"}, "tolerance", "greater than or equal to 0"),
        ({"period": "2026-01", "value": "ten"}, "value", "Enter a number."),
    ],
)
def test_it_rejects_a_bad_target_inline_and_writes_nothing(
    signed_in: Client, library: None, data: dict[str, str], field: str, message: str
) -> None:
    # when
    response = signed_in.post(reverse("kpi_target_add", args=["contact_escalation_rate"]), data)

    # then
    assert response.status_code == 400
    assert message in " ".join(response.context["target_form"].errors[field])
    assert 'class="field-error"' in response.content.decode()
    assert not KpiTarget.objects.exists()


def test_it_rejects_a_second_target_for_the_same_period_and_segment(signed_in: Client, library: None) -> None:
    # given
    url = reverse("kpi_target_add", args=["contact_escalation_rate"])
    signed_in.post(url, {"period": "2026-01", "value": "15"})

    # when
    response = signed_in.post(url, {"period": "2026-01", "value": "12"})

    # then
    assert response.status_code == 400
    assert response.context["target_form"].non_field_errors()
    assert list(KpiTarget.objects.values_list("value", flat=True)) == [15]


def test_the_formula_check_says_nothing_for_an_empty_formula(signed_in: Client, library: None) -> None:
    # when
    response = signed_in.post(reverse("kpi_formula_check"), {"formula": "  "})

    # then
    assert response.status_code == 200
    assert response.content.decode().strip() == ""
