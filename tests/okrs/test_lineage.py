"""A key result's lineage: every move of its baseline, target and current value with its cause; provisional and
frozen baselines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from config.audit import acting_as
from kpis.models import ImportBatch, Kpi
from kpis.services import followups
from kpis.services.series import SeriesCause, SeriesChange
from okrs import kinds
from okrs.models import KeyResult, KeyResultChange, Objective
from okrs.services.objectives import key_result_create, key_result_update, objective_state_set
from okrs.services.recompute import key_result_recompute
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, quarter
from tests.okrs.helpers import day_row, measurements_import

pytestmark = pytest.mark.django_db

# 2026-Q4 has not ended on the day these tests are written for; the objective plans the quarter after it.
IN_Q4 = date(2026, 10, 5)
Q4_LAST_DAY = date(2026, 12, 31)
Field, Cause = KeyResultChange.Field, KeyResultChange.Cause


def _escalations(tmp_path: Path, escalated: int, name: str) -> SeriesChange:
    """One day of 2026-Q4 for Tier 1: `escalated` of 400 contacts (50 is 12.5 %, 48 is 12.0 %)."""
    row = day_row(IN_Q4, "Tier 1", total=400, escalated=escalated, resolved=300, aht=300, csat=(100, 90))
    return measurements_import(tmp_path, [row], name=name)


def _relative(lead: User, state: str = Objective.State.ACTIVE, **fields: object) -> KeyResult:
    """ "-20 % escalations vs 2026-Q4" on a 2027-Q1 objective, created by `lead` on the planning page."""
    objective = ObjectiveFactory(period=quarter("2027-Q1"), owner=lead, state=state)
    with acting_as(lead):
        return key_result_create(
            objective=objective,
            title="Cut escalations 20 %",
            kind=KeyResult.Kind.KPI_RELATIVE,
            kpi=Kpi.objects.get(key="contact_escalation_rate"),
            change_percent=-20,
            **fields,
        )


def _moves(key_result: KeyResult, cause: str) -> dict[str, tuple[float | None, float | None]]:
    rows = KeyResultChange.objects.filter(key_result=key_result, cause=cause)
    return {row.field: (row.old_value, row.new_value) for row in rows}


def test_an_import_into_a_running_baseline_quarter_moves_the_target_and_says_so(
    tmp_path: Path, client: Client, lead: User
) -> None:
    # given a relative key result whose baseline quarter, 2026-Q4, is still running: 12.5 %, so a 10.0 % target
    _escalations(tmp_path, 50, "first.csv")
    key_result = _relative(lead)
    assert (key_result.baseline_value, key_result.target_value) == (pytest.approx(12.5), pytest.approx(10.0))

    # when an import corrects a day of 2026-Q4 and the key results follow, as after every import
    change = _escalations(tmp_path, 48, "correction.csv")
    followups.key_results_enqueue(change)

    # then the target moved with the baseline, and the lineage names the import that moved both
    key_result.refresh_from_db()
    assert key_result.target_value == pytest.approx(9.6)
    batch = ImportBatch.objects.get(filename="correction.csv")
    moved = KeyResultChange.objects.filter(key_result=key_result, cause=Cause.IMPORT)
    assert {(row.field, row.import_batch_id, row.read_from_id) for row in moved} == {
        (Field.BASELINE, batch.pk, quarter("2026-Q4").pk),
        (Field.TARGET, batch.pk, quarter("2026-Q4").pk),
    }
    assert _moves(key_result, Cause.IMPORT)[Field.TARGET] == (pytest.approx(10.0), pytest.approx(9.6))

    # and the key-result page shows it, with the baseline marked provisional
    client.force_login(lead)
    page = client.get(reverse("key_result_detail", args=[key_result.pk])).content.decode()
    lineage = page[page.index('id="kr-lineage"') :]
    assert "target 10.0 % \u2192 9.6 %" in lineage
    assert f"import #{batch.pk} corrected 2026-Q4" in lineage
    assert "edited by Lena Lead" in lineage  # its creation: from nothing to 12.5 % and 10.0 %
    assert "read from 2026-Q4 (provisional: runs to 31 Dec 2026)" in page


def test_an_edit_is_recorded_with_the_person_who_made_it(lead: User) -> None:
    # given "FCR from 70 % to 80 %"
    key_result = KeyResultFactory(kind=KeyResult.Kind.MANUAL, baseline_value=70, target_value=80)
    key_result_recompute(key_result=key_result)

    # when Lena moves the target to 85
    with acting_as(lead):
        key_result_update(key_result=key_result, target_value=85)

    # then one move, hers
    row = KeyResultChange.objects.get(key_result=key_result, field=Field.TARGET)
    assert (row.old_value, row.new_value, row.cause, row.user, row.import_batch) == (80, 85, Cause.EDIT, lead, None)


def test_an_edit_on_the_page_is_recorded_as_the_signed_in_user(client: Client, editor: User) -> None:
    # given a manual key result of Ella's team
    objective = ObjectiveFactory(team__name="Tier 1", owner=editor)
    key_result = KeyResultFactory(objective=objective, kind=KeyResult.Kind.MANUAL, baseline_value=0, target_value=40)

    # when she changes its target on the edit page
    data = {"title": key_result.title, "kind": "manual", "weight": 1, "baseline_value": 0, "target_value": 50}
    response = client.post(reverse("key_result_edit", args=[key_result.pk]), data)

    # then the move is hers
    assert response.status_code == 302
    row = KeyResultChange.objects.get(key_result=key_result, field=Field.TARGET)
    assert (row.old_value, row.new_value, row.user) == (40, 50, editor)


def test_nothing_is_recorded_when_no_value_moved(tmp_path: Path, lead: User) -> None:
    # given a key result computed from an import
    change = _escalations(tmp_path, 50, "first.csv")
    key_result = _relative(lead)
    recorded = KeyResultChange.objects.filter(key_result=key_result).count()

    # when it is recomputed again, the same import is handed on again, and its title is edited
    key_result_recompute(key_result=key_result)
    followups.key_results_enqueue(change)
    with acting_as(lead):
        key_result_update(key_result=key_result, title="Cut escalations by a fifth")

    # then no new row
    assert KeyResultChange.objects.filter(key_result=key_result).count() == recorded


def test_a_baseline_is_provisional_until_its_period_has_ended(tmp_path: Path, lead: User) -> None:
    _escalations(tmp_path, 50, "first.csv")
    key_result = KeyResult.objects.select_related("baseline_read_from", "kpi").get(pk=_relative(lead).pk)
    kind = key_result.kind_rules

    assert kind.baseline_provisional(key_result, Q4_LAST_DAY)
    assert not kind.baseline_provisional(key_result, date(2027, 1, 1))
    assert "provisional" in kinds.baseline_origin(key_result, Q4_LAST_DAY)
    assert kinds.baseline_origin(key_result, date(2027, 1, 1)) == "2026-Q4"


def test_a_typed_baseline_is_never_provisional() -> None:
    key_result = KeyResultFactory(
        objective__period=quarter("2027-Q1"), kind=KeyResult.Kind.MANUAL, baseline_value=0, target_value=10
    )
    assert not key_result.kind_rules.baseline_provisional(key_result, IN_Q4)


def test_a_frozen_baseline_stays_through_an_import_into_its_period(tmp_path: Path, lead: User) -> None:
    # given a key result that froze its baseline when it was activated: 12.5 %, so 10.0 %
    _escalations(tmp_path, 50, "first.csv")
    key_result = _relative(lead, freeze_baseline=True)
    assert key_result.baseline_frozen_at is not None

    # when an import corrects its baseline quarter
    followups.key_results_enqueue(_escalations(tmp_path, 48, "correction.csv"))

    # then the baseline and the target are those it froze, no longer provisional, and nothing moved them
    key_result.refresh_from_db()
    assert (key_result.baseline_value, key_result.target_value) == (pytest.approx(12.5), pytest.approx(10.0))
    assert not key_result.kind_rules.baseline_provisional(key_result, IN_Q4)
    assert "frozen" in kinds.baseline_origin(key_result, IN_Q4)
    assert not KeyResultChange.objects.filter(key_result=key_result, cause=Cause.IMPORT).exists()

    # and a change of the percentage derives the new target from the frozen baseline
    with acting_as(lead):
        key_result = key_result_update(key_result=key_result, change_percent=-10, baseline_value=None)
    assert (key_result.baseline_value, key_result.target_value) == (pytest.approx(12.5), pytest.approx(11.25))

    # and unticking the option reads the series again
    with acting_as(lead):
        key_result = key_result_update(key_result=key_result, freeze_baseline=False)
    assert key_result.baseline_value == pytest.approx(12.0)
    assert key_result.baseline_frozen_at is None


def test_a_baseline_freezes_when_its_objective_is_activated_not_before(tmp_path: Path, lead: User) -> None:
    # given a draft objective's key result asking to freeze its baseline
    _escalations(tmp_path, 50, "first.csv")
    key_result = _relative(lead, state=Objective.State.DRAFT, freeze_baseline=True)
    assert key_result.baseline_frozen_at is None

    # while a draft, imports still move it
    followups.key_results_enqueue(_escalations(tmp_path, 48, "correction.csv"))
    key_result_recompute(key_result=key_result)
    key_result.refresh_from_db()
    assert key_result.baseline_value == pytest.approx(12.0)

    # when the objective is activated, the baseline of that moment is kept
    objective_state_set(objective=key_result.objective, state=Objective.State.ACTIVE)
    _escalations(tmp_path, 52, "late.csv")
    key_result_recompute(key_result=key_result)
    key_result.refresh_from_db()
    assert key_result.baseline_frozen_at is not None
    assert key_result.baseline_value == pytest.approx(12.0)


def test_choosing_another_baseline_period_freezes_that_one_instead(tmp_path: Path, lead: User) -> None:
    _escalations(tmp_path, 50, "first.csv")
    key_result = _relative(lead, freeze_baseline=True)
    frozen_at = key_result.baseline_frozen_at

    with acting_as(lead):
        key_result = key_result_update(key_result=key_result, baseline_period=quarter("2026-Q3"))

    # 2026-Q3 has no data: nothing to freeze yet, and the 2026-Q4 value is not kept under the new period's name
    assert key_result.baseline_value is None
    assert key_result.baseline_frozen_at is None
    assert frozen_at is not None


def test_the_series_change_of_an_import_names_its_batch(tmp_path: Path) -> None:
    change = _escalations(tmp_path, 50, "first.csv")
    assert (change.cause, change.batch_id) == (SeriesCause.IMPORT, ImportBatch.objects.get().pk)
