"""Cell history and undoing an import: the replaced values kept by the upsert, and everything put back as it was."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kpis.models import CellChange, ImportBatch, Kpi, Observation, SeriesValue
from kpis.services.imports import import_batch_create, import_batch_process
from kpis.services.library import kpi_library_load
from kpis.services.series import series_recompute_for_batch
from kpis.services.undo import import_batch_undo
from okrs.models import KeyResult, Person
from okrs.services.recompute import key_result_recompute
from tests.okrs.factories import KeyResultFactory, ObjectiveFactory, UserFactory, quarter

pytestmark = pytest.mark.django_db

HEADER = "date,team,total_contacts,escalated_contacts\n"
# Import A: two teams over two days.
FILE_A = HEADER + "2026-01-05,A,1000,100\n2026-01-05,B,500,50\n2026-01-06,A,1000,100\n"
# Import B: corrects A's escalations on 5 Jan for team A, repeats a cell unchanged, and adds 7 Jan.
FILE_B = HEADER + "2026-01-05,A,1000,300\n2026-01-05,B,500,50\n2026-01-07,A,1000,200\n"
TODAY = dt.date(2026, 1, 20)


@pytest.fixture(autouse=True)
def _library(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    kpi_library_load()


def _import(content: str, name: str = "export.csv") -> ImportBatch:
    batch = import_batch_create(
        path_or_file=io.BytesIO(content.encode()), filename=name, source=ImportBatch.Source.UPLOAD
    )
    batch = import_batch_process(batch=batch)
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    series_recompute_for_batch(batch=batch)
    return batch


def _observations() -> set[tuple[int, dt.date, int, float, int]]:
    return set(Observation.objects.values_list("measure_id", "day", "segment_id", "value", "batch_id"))


def _series() -> set[tuple[int, int, int | None, str, float | None]]:
    return set(SeriesValue.objects.values_list("kpi_id", "period_id", "dimension_id", "member", "value"))


def _escalation_key_result() -> KeyResult:
    kpi = Kpi.objects.get(key="contact_escalation_rate")
    objective = ObjectiveFactory(period=quarter("2026-Q1"))
    return KeyResultFactory(objective=objective, kind="kpi_from_to", kpi=kpi, baseline_value=20, target_value=5)


def test_the_upsert_keeps_the_value_and_batch_of_each_cell_it_replaced() -> None:
    # given
    first = _import(FILE_A)

    # when
    second = _import(FILE_B)

    # then only the replaced cell has a change row: the unchanged one none, the inserted one is the observation
    changes = list(CellChange.objects.values_list("day", "value", "previous_value", "previous_batch_id", "batch_id"))
    assert changes == [(dt.date(2026, 1, 5), 300.0, 100.0, first.pk, second.pk)]
    assert (second.cells_inserted, second.cells_updated) == (2, 1)


def test_undo_puts_back_the_observations_series_and_progress_of_before_the_import() -> None:
    # given import A, its series and a key result read from them
    _import(FILE_A)
    key_result = _escalation_key_result()
    key_result_recompute(key_result=key_result, today=TODAY)
    key_result.refresh_from_db()
    after_a = (_observations(), _series(), key_result.current_value, key_result.progress, key_result.status)
    # and import B, which moved them
    second = _import(FILE_B, "correction.csv")
    key_result_recompute(key_result=key_result, today=TODAY)
    key_result.refresh_from_db()
    assert key_result.current_value != after_a[2]

    # when
    import_batch_undo(batch=second, actor=UserFactory())
    key_result_recompute(key_result=key_result, today=TODAY)
    key_result.refresh_from_db()

    # then
    assert (_observations(), _series(), key_result.current_value, key_result.progress, key_result.status) == after_a
    second.refresh_from_db()
    assert second.status == ImportBatch.Status.UNDONE
    assert second.undone_at is not None


def test_undo_hands_the_key_results_the_series_it_changed_once_committed(
    django_capture_on_commit_callbacks: pytest.FixtureDef[object],
) -> None:
    # given
    _import(FILE_A)
    second = _import(FILE_B)
    handed = []

    # when
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        import_batch_undo(batch=second, actor=UserFactory(), on_commit=handed.append)

    # then
    assert len(handed) == 1
    assert handed[0].kpi_ids
    assert handed[0].first_day == dt.date(2026, 1, 5)


def test_undoing_an_older_batch_under_a_later_one_is_refused_and_writes_nothing() -> None:
    # given A, then B replacing one of A's cells
    first = _import(FILE_A, "first.csv")
    _import(FILE_B, "second.csv")
    before = (_observations(), _series(), CellChange.objects.count())

    # when
    with pytest.raises(ValidationError, match=r"second\.csv .* Undo it first"):
        import_batch_undo(batch=first, actor=UserFactory())

    # then
    assert (_observations(), _series(), CellChange.objects.count()) == before
    first.refresh_from_db()
    assert first.status == ImportBatch.Status.SUCCEEDED


def test_a_later_batch_that_only_replaced_a_cell_the_first_inserted_also_blocks_it() -> None:
    # given A, then a batch changing only the 6 Jan cell A inserted
    first = _import(FILE_A)
    _import(HEADER + "2026-01-06,A,1000,150\n")
    before = _observations()

    # when / then
    with pytest.raises(ValidationError, match="Undo it first"):
        import_batch_undo(batch=first, actor=UserFactory())
    assert _observations() == before


def test_undoing_newest_first_undoes_both() -> None:
    # given
    before = _observations()
    first = _import(FILE_A)
    second = _import(FILE_B)

    # when
    import_batch_undo(batch=second, actor=UserFactory())
    import_batch_undo(batch=first, actor=UserFactory())

    # then
    assert _observations() == before
    assert not SeriesValue.objects.exclude(value=None).filter(period__start__year=2026).exists()


@pytest.mark.parametrize(
    ("status", "dry_run", "message"),
    [
        (ImportBatch.Status.UNDONE, False, "undone already"),
        (ImportBatch.Status.FAILED, False, "this one is Failed"),
        (ImportBatch.Status.SUCCEEDED, True, "validation run wrote nothing"),
    ],
)
def test_a_batch_that_is_not_a_succeeded_import_cannot_be_undone(
    status: ImportBatch.Status, dry_run: bool, message: str
) -> None:
    # given
    batch = _import(FILE_A)
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, dry_run=dry_run)
    before = _observations()

    # when / then
    with pytest.raises(ValidationError, match=message):
        import_batch_undo(batch=batch, actor=UserFactory())
    assert _observations() == before


def test_undo_is_recorded_in_the_batch_history_as_the_person_who_undid_it() -> None:
    # given
    batch = _import(FILE_A)
    steward = UserFactory(username="steward")

    # when
    import_batch_undo(batch=batch, actor=steward)

    # then
    latest = batch.history.latest()  # type: ignore[attr-defined]
    assert (latest.status, latest.history_user) == (ImportBatch.Status.UNDONE, steward)


def _steward() -> User:
    user = UserFactory(username="stella", first_name="Stella", last_name="Steward")
    Person.objects.create(user=user, org_role=Person.OrgRole.STEWARD)
    return user


def test_the_import_page_shows_the_replaced_cells_and_a_steward_undoes_it(client: Client) -> None:
    # given
    _import(FILE_A, "first.csv")
    after_a = _observations()
    second = _import(FILE_B, "second.csv")
    client.force_login(_steward())
    url = reverse("import_detail", args=[second.pk])
    page = client.get(url).content.decode()
    assert "Cells it replaced" in page
    assert "first.csv" in page
    assert "Undo import" in page

    # when
    response = client.post(reverse("import_undo", args=[second.pk]), {"confirm": "yes"})

    # then
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == ImportBatch.Status.UNDONE
    assert _observations() == after_a
    page = client.get(url).content.decode()
    assert "Undone" in page
    assert "by Stella Steward" in page
    assert "Undo import" not in page


def test_undo_without_the_confirmation_changes_nothing(client: Client) -> None:
    # given
    _import(FILE_A)
    second = _import(FILE_B)
    before = _observations()
    client.force_login(_steward())

    # when
    response = client.post(reverse("import_undo", args=[second.pk]), follow=True)

    # then
    assert "Tick the box to confirm the undo" in response.content.decode()
    assert _observations() == before
    second.refresh_from_db()
    assert second.status == ImportBatch.Status.SUCCEEDED


def test_someone_who_is_not_a_data_steward_cannot_undo_an_import(client: Client) -> None:
    # given
    _import(FILE_A)
    second = _import(FILE_B)
    before = _observations()
    client.force_login(UserFactory(username="member"))

    # when
    response = client.post(reverse("import_undo", args=[second.pk]), {"confirm": "yes"})

    # then
    assert response.status_code == 403
    assert _observations() == before
    assert "Undo import" not in client.get(reverse("import_detail", args=[second.pk])).content.decode()


def test_a_refused_undo_says_why_on_the_page(client: Client) -> None:
    # given
    first = _import(FILE_A, "first.csv")
    _import(FILE_B, "second.csv")
    before = _observations()
    client.force_login(_steward())

    # when
    response = client.post(reverse("import_undo", args=[first.pk]), {"confirm": "yes"}, follow=True)

    # then
    assert "Later imports changed numbers this one wrote: second.csv" in response.content.decode()
    assert _observations() == before
