"""The attacks of issue 8, each tried as the person who tried it then: now refused, and nothing changed."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kpis import tasks
from kpis.models import Dimension, ImportBatch, Kpi, KpiTarget, Observation
from kpis.services import imports
from kpis.services.library import kpi_library_load
from okrs.models import Initiative, KeyResult, Membership, Objective, Team
from okrs.okr_file import OkrFileError
from okrs.services.activity import initiative_create
from okrs.services.objectives import key_result_create, objective_create
from okrs.services.okr_import import okrs_import
from tests.okrs.factories import MembershipFactory, ObjectiveFactory, TeamFactory, UserFactory, data_steward, quarter

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

# Tier 1 escalated 43 of 100 contacts in January: its key result (at most 20 %) is far from done.
TIER1 = "date,team,total_contacts,escalated_contacts\n2026-01-05,Tier 1,100,43\n"
# What the team-B member uploaded: Tier 1 rows with no escalation at all.
FORGED = "date,team,total_contacts,escalated_contacts\n" + "".join(
    f"2026-01-{day:02d},Tier 1,100,0\n" for day in range(5, 25)
)


def _import(csv: str, django_capture_on_commit_callbacks: Capture) -> None:
    batch = imports.import_batch_create(
        path_or_file=io.BytesIO(csv.encode()), filename="contacts.csv", source=ImportBatch.Source.COMMAND
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.import_batch_process_task.delay(batch.pk)


@pytest.fixture
def tier1() -> Team:
    return TeamFactory(name="Tier 1")


@pytest.fixture
def tier1_editor(tier1: Team) -> User:
    user = UserFactory(username="eddie", first_name="Eddie")
    MembershipFactory(team=tier1, user=user, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def team_b_member() -> User:
    """Bea, an editor of team B, and of nothing else."""
    user = UserFactory(username="bea", first_name="Bea")
    MembershipFactory(team=TeamFactory(name="Team B"), user=user, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def escalation_key_result(tier1_editor: User, tier1: Team, django_capture_on_commit_callbacks: Capture) -> KeyResult:
    """Tier 1's escalation key result, computed from the January data a data steward imported."""
    kpi_library_load()
    _import(TIER1, django_capture_on_commit_callbacks)
    objective = ObjectiveFactory(team=tier1, owner=tier1_editor, period=quarter("2026-Q1"))
    with django_capture_on_commit_callbacks(execute=True):
        key_result = key_result_create(
            objective=objective,
            title="Escalate at most 20 % of Tier 1's contacts",
            kind=KeyResult.Kind.KPI_THRESHOLD,
            kpi=Kpi.objects.get(key="contact_escalation_rate"),
            dimension=Dimension.objects.get(key="team"),
            member="Tier 1",
            threshold_mode=KeyResult.ThresholdMode.BELOW,
            target_value=20,
        )
    key_result.refresh_from_db()
    assert key_result.current_value == pytest.approx(43)
    return key_result


def _signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _reading(key_result: KeyResult) -> tuple[Any, ...]:
    key_result.refresh_from_db()
    return key_result.current_value, key_result.progress, key_result.status, key_result.computed_at


def test_a_team_b_member_cannot_upload_tier_1_numbers(
    client: Client,
    team_b_member: User,
    escalation_key_result: KeyResult,
    django_capture_on_commit_callbacks: Capture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given
    before = (_reading(escalation_key_result), ImportBatch.objects.count(), list(Observation.objects.values()))
    caplog.set_level(logging.WARNING, logger="pacer.security")

    # when
    upload = SimpleUploadedFile("tier1.csv", FORGED.encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = _signed_in(client, team_b_member).post(reverse("import_list"), {"file": upload, "sheet": ""})

    # then
    assert response.status_code == 403
    assert (_reading(escalation_key_result), ImportBatch.objects.count(), list(Observation.objects.values())) == before
    assert [r.event for r in caplog.records if r.name == "pacer.security"] == ["denied"]  # type: ignore[attr-defined]


def test_a_team_b_member_cannot_start_an_import_someone_else_uploaded(
    client: Client, team_b_member: User, escalation_key_result: KeyResult
) -> None:
    # given a forged file a data steward uploaded but did not start
    batch = imports.import_batch_create(
        path_or_file=io.BytesIO(FORGED.encode()), filename="forged.csv", source=ImportBatch.Source.UPLOAD
    )
    before = (_reading(escalation_key_result), Observation.objects.count())

    # when
    response = _signed_in(client, team_b_member).post(reverse("import_start", args=[batch.pk]), {"action": "import"})

    # then
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PENDING
    assert (_reading(escalation_key_result), Observation.objects.count()) == before


def _kpi_form(kpi: Kpi, **changes: str) -> dict[str, Any]:
    fields = ["key", "name", "category", "description", "formula", "unit", "decimals", "direction", "indicator"]
    return {**{name: getattr(kpi, name) for name in fields}, **changes}


def test_a_person_in_no_team_cannot_change_the_fcr_formula(client: Client) -> None:
    # given
    kpi_library_load()
    fcr = Kpi.objects.get(key="first_contact_resolution_rate")
    before = Kpi.objects.values().get(pk=fcr.pk)
    nobody = UserFactory(username="nobody")

    # when
    form = _kpi_form(fcr, formula="200 * " + fcr.formula)
    response = _signed_in(client, nobody).post(reverse("kpi_edit", args=[fcr.key]), form)

    # then
    assert response.status_code == 403
    assert Kpi.objects.values().get(pk=fcr.pk) == before


@pytest.mark.parametrize("role", [None, *Membership.Role])
def test_only_data_stewards_create_kpis_and_set_kpi_targets(client: Client, role: Membership.Role | None) -> None:
    # given anyone but a data steward or an org admin: in no team, or with any team role
    kpi_library_load()
    kpi = Kpi.objects.get(key="contact_escalation_rate")
    person = UserFactory(username="someone")
    if role is not None:
        MembershipFactory(team=TeamFactory(name="Tier 1"), user=person, role=role)
    signed_in = _signed_in(client, person)
    kpis_before, targets_before = Kpi.objects.count(), KpiTarget.objects.count()

    # when
    created = signed_in.post(reverse("kpi_create"), _kpi_form(kpi, key="my_kpi", name="My KPI"))
    target = signed_in.post(reverse("kpi_target_add", args=[kpi.key]), {"period": "2026-Q1", "value": "1"})
    form = signed_in.get(reverse("kpi_create"))
    page = signed_in.get(reverse("kpi_detail", args=[kpi.key]))

    # then
    assert (created.status_code, target.status_code, form.status_code) == (403, 403, 403)
    assert (Kpi.objects.count(), KpiTarget.objects.count()) == (kpis_before, targets_before)
    # the KPI's page still reads, without the forms that would be refused
    assert page.status_code == 200
    assert reverse("kpi_target_add", args=[kpi.key]) not in page.content.decode()
    assert reverse("kpi_edit", args=[kpi.key]) not in page.content.decode()


def test_a_data_steward_sets_a_kpi_target(client: Client) -> None:
    kpi_library_load()
    kpi = Kpi.objects.get(key="contact_escalation_rate")

    response = _signed_in(client, data_steward()).post(
        reverse("kpi_target_add", args=[kpi.key]), {"period": "2026-Q1", "value": "8"}
    )

    assert response.status_code == 302
    assert KpiTarget.objects.get(kpi=kpi).value == 8


def test_another_persons_import_is_not_readable(client: Client, tier1_editor: User) -> None:
    # given an import a data steward ran
    steward = data_steward("stella", first_name="Stella", last_name="Steward")
    batch = imports.import_batch_create(
        path_or_file=io.BytesIO(TIER1.encode()),
        filename="tier1-january.csv",
        source=ImportBatch.Source.UPLOAD,
        created_by=steward,
    )
    signed_in = _signed_in(client, tier1_editor)

    # when
    pages = [
        signed_in.get(reverse("import_detail", args=[batch.pk])),
        signed_in.get(reverse("import_progress", args=[batch.pk])),
        signed_in.get(reverse("import_list")),
    ]

    # then
    for page in pages:
        assert page.status_code == 403
        assert "tier1-january.csv" not in page.content.decode()
        assert "Stella" not in page.content.decode()
    assert reverse("import_list") not in signed_in.get(reverse("dashboard")).content.decode()


def test_the_owner_pickers_list_only_the_teams_members(client: Client, tier1: Team, tier1_editor: User) -> None:
    # given Tier 1 with a viewer, and people outside it
    viewer = UserFactory(username="vera", first_name="Vera")
    MembershipFactory(team=tier1, user=viewer, role=Membership.Role.VIEWER)
    UserFactory(username="outsider", first_name="Otto")
    MembershipFactory(team=TeamFactory(name="Tier 2"), user=UserFactory(username="tier2"))
    objective = ObjectiveFactory(team=tier1, owner=tier1_editor)
    key_result = key_result_create(objective=objective, title="Calls", kind="manual", baseline_value=0, target_value=1)
    signed_in = _signed_in(client, tier1_editor)

    # when
    objective_form = signed_in.get(reverse("objective_create"), {"team": tier1.pk}).context["form"]
    edit_form = signed_in.get(reverse("objective_edit", args=[objective.pk])).context["form"]
    initiative_form = signed_in.get(reverse("key_result_detail", args=[key_result.pk])).context["initiative_form"]

    # then
    for form in (objective_form, edit_form, initiative_form):
        assert sorted(user.username for user in form.fields["owner"].queryset) == ["eddie", "vera"]


def test_an_objective_owned_by_someone_outside_the_team_is_refused(
    client: Client, tier1: Team, tier1_editor: User, team_b_member: User
) -> None:
    # when the editor names a team-B member as the owner of a Tier 1 objective
    data = {"title": "Answer faster", "team": tier1.pk, "owner": team_b_member.pk, "period": "2026-Q1", "weight": 1}
    response = _signed_in(client, tier1_editor).post(reverse("objective_create"), data)

    # then the form says so on the owner field, and nothing is created
    assert response.status_code == 200
    assert "must be a member" in response.context["form"].errors["owner"][0]
    assert not Objective.objects.exists()
    # the service refuses it too, for every caller (the API, the OKR file import)
    with pytest.raises(ValidationError) as refused:
        objective_create(title="Answer faster", team=tier1, owner=team_b_member, period=quarter("2026-Q1"))
    assert "owner" in refused.value.message_dict
    assert not Objective.objects.exists()


def test_an_objective_cannot_be_moved_to_an_owner_outside_its_team(
    client: Client, tier1: Team, tier1_editor: User, team_b_member: User
) -> None:
    objective = ObjectiveFactory(team=tier1, owner=tier1_editor, period=quarter("2026-Q1"))
    data = {"title": objective.title, "team": tier1.pk, "owner": team_b_member.pk, "period": "2026-Q1", "weight": 1}

    response = _signed_in(client, tier1_editor).post(reverse("objective_edit", args=[objective.pk]), data)

    assert "must be a member" in response.context["form"].errors["owner"][0]
    objective.refresh_from_db()
    assert objective.owner == tier1_editor


def test_an_initiative_owned_by_someone_outside_the_team_is_refused(
    client: Client, tier1: Team, tier1_editor: User, team_b_member: User
) -> None:
    objective = ObjectiveFactory(team=tier1, owner=tier1_editor)
    key_result = key_result_create(objective=objective, title="Calls", kind="manual", baseline_value=0, target_value=1)

    response = _signed_in(client, tier1_editor).post(
        reverse("initiative_add", args=[key_result.pk]), {"title": "Coach", "owner": team_b_member.pk}
    )

    assert response.status_code == 400
    assert not Initiative.objects.exists()
    with pytest.raises(ValidationError) as refused:
        initiative_create(key_result=key_result, title="Coach", owner=team_b_member)
    assert "owner" in refused.value.message_dict
    assert not Initiative.objects.exists()


def test_the_okr_file_import_refuses_an_owner_outside_the_team(tier1: Team, team_b_member: User) -> None:
    quarter("2026-Q1")
    text = "objectives:\n  - title: Answer faster\n    team: Tier 1\n    owner: bea\n    period: 2026-Q1\n"

    with pytest.raises(OkrFileError) as refused:
        okrs_import(text=text, filename="okrs.yaml")

    assert "line 4: owner: The owner must be a member of the objective's team." in str(refused.value)
    assert not Objective.objects.exists()
