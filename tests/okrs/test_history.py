"""Audit history: who changed what, before and after, on the key result, objective and KPI pages and in the org
audit log; the actor from the request or set by the code; the system's own figures left out."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from config.audit import acting_as
from kpis.models import Direction, Kpi, Unit
from kpis.services.definitions import kpi_save
from kpis.services.targets import kpi_target_create
from okrs.history import AuditFilter, audit_log, key_result_history, objective_history
from okrs.models import KeyResult, Membership, Objective, Person
from okrs.services.objectives import guardrail_create, key_result_create, key_result_update
from okrs.services.okr_import import okrs_import
from okrs.services.people import membership_role_change, person_deactivate, person_role_set
from okrs.services.recompute import key_result_recompute
from tests.factories import KpiFactory, MeasureFactory
from tests.okrs.factories import MembershipFactory, ObjectiveFactory, TeamFactory, UserFactory, quarter

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> User:
    return UserFactory(username="alice", first_name="Alice", last_name="Archer")


@pytest.fixture
def admin() -> User:
    user = UserFactory(username="olga", first_name="Olga", last_name="Admin")
    Person.objects.create(user=user, org_role=Person.OrgRole.ADMIN)
    return user


@pytest.fixture
def fcr() -> Kpi:
    MeasureFactory(key="escalated_contacts")
    MeasureFactory(key="total_contacts")
    return KpiFactory(key="fcr", name="First Contact Resolution", unit=Unit.PERCENT, direction=Direction.HIGHER)


@pytest.fixture
def key_result(alice: User, fcr: Kpi) -> KeyResult:
    team = TeamFactory(name="Tier 1")
    MembershipFactory(user=alice, team=team, role=Membership.Role.EDITOR)
    objective = ObjectiveFactory(title="Resolve more first time", team=team, owner=alice, period=quarter("2026-Q1"))
    with acting_as(alice):
        return key_result_create(
            objective=objective, title="FCR 70 -> 80", kind="kpi_from_to", kpi=fcr, baseline_value=70, target_value=80
        )


def test_a_target_change_reads_as_a_sentence_in_the_kpis_unit(alice: User, key_result: KeyResult) -> None:
    # when
    with acting_as(alice):
        key_result_update(key_result=key_result, target_value=85)

    # then
    latest = key_result_history(key_result=key_result)[0]
    assert latest.who == "Alice Archer"
    assert latest.text == "changed the target from 80.0 % to 85.0 % of the key result “FCR 70 -> 80”"
    assert latest.sentence.startswith("Alice Archer changed the target from 80.0 % to 85.0 %")
    today = timezone.localdate()
    assert latest.sentence.endswith(f" on {today.day} {today:%b}")


def test_the_recompute_writes_no_history_and_no_one_is_blamed_for_its_figures(key_result: KeyResult) -> None:
    # given
    before = key_result.history.count()  # type: ignore[attr-defined]

    # when the system recomputes progress, status and forecast
    key_result_recompute(key_result=key_result, today=date(2026, 2, 1))

    # then
    assert key_result.history.count() == before  # type: ignore[attr-defined]
    assert {field.name for field in key_result.history.model._meta.fields}.isdisjoint(  # type: ignore[attr-defined]
        {"progress", "current_value", "status", "forecast", "computed_at"}
    )


def test_a_page_edit_is_recorded_as_the_signed_in_person(client: Client, alice: User, key_result: KeyResult) -> None:
    # given
    objective = key_result.objective
    client.force_login(alice)
    data = {
        "title": "Resolve most contacts first time",
        "description": "",
        "team": objective.team_id,
        "owner": alice.pk,
        "period": "2026-Q1",
        "weight": "1",
    }

    # when
    response = client.post(reverse("objective_edit", args=[objective.pk]), data)

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = objective_history(objective=objective)[0]
    assert latest.who == "Alice Archer"
    assert latest.text.startswith("changed the title from “Resolve more first time” to “Resolve most contacts")
    page = client.get(reverse("objective_edit", args=[objective.pk])).content.decode()
    assert "History" in page
    assert "changed the title from" in page


def test_the_key_result_page_shows_its_history_with_guardrails_and_check_ins(
    client: Client, alice: User, key_result: KeyResult, fcr: Kpi
) -> None:
    # given
    with acting_as(alice):
        key_result_update(key_result=key_result, target_value=85)
        guardrail_create(key_result=key_result, kpi=fcr, comparison=">=", threshold=60)
    client.force_login(alice)

    # when
    client.post(reverse("check_in_add", args=[key_result.pk]), {"day": "2026-02-02", "confidence": "6"})
    body = client.get(reverse("key_result_detail", args=[key_result.pk])).content.decode()

    # then
    assert 'id="kr-changes"' in body
    assert "changed the target from 80.0 % to 85.0 %" in body
    assert "created the guardrail" in body
    assert "created the check-in" in body
    assert "created the key result" in body


def test_the_kpi_page_shows_definition_and_target_changes(client: Client, alice: User, fcr: Kpi) -> None:
    # given
    with acting_as(alice):
        fcr.green_min = 75
        kpi_save(kpi=fcr)
        kpi_target_create(kpi=fcr, period_label="2026-Q1", value=80)
    client.force_login(alice)

    # when
    body = client.get(reverse("kpi_detail", args=[fcr.key])).content.decode()

    # then
    assert 'id="kpi-changes"' in body
    assert "Alice Archer</strong> changed the green min from none to 75.0 %" in body
    assert "Alice Archer</strong> created the KPI target" in body


def test_a_derived_target_moved_by_the_recompute_is_not_shown_as_a_persons_change(
    alice: User, key_result: KeyResult
) -> None:
    # given the recompute wrote a target derived from the baseline (as for a relative key result)
    KeyResult.objects.filter(pk=key_result.pk).update(target_source=KeyResult.TargetSource.DERIVED, target_value=90)
    key_result.refresh_from_db()

    # when alice renames it
    with acting_as(alice):
        key_result_update(key_result=key_result, title="FCR up")

    # then her change is the title alone
    assert key_result_history(key_result=key_result)[0].text == (
        "changed the title from “FCR 70 -> 80” to “FCR up” of the key result “FCR up”"
    )


def test_memberships_org_roles_and_deactivation_are_recorded(admin: User, alice: User, client: Client) -> None:
    # given
    membership = MembershipFactory(user=alice, team=TeamFactory(name="Billing"), role=Membership.Role.VIEWER)

    # when
    with acting_as(admin):
        membership_role_change(actor=admin, membership=membership, role=Membership.Role.EDITOR)
        person_role_set(actor=admin, user=alice, org_role=Person.OrgRole.STEWARD)
        person_deactivate(actor=admin, user=alice)

    # then
    texts = [row.text for row in _log(AuditFilter(person=admin))]
    assert any(text.startswith("changed the role from Viewer to Editor of the membership") for text in texts)
    assert any(text.startswith("created the org role") for text in texts)
    assert any(text.startswith("changed active from yes to no of the account") for text in texts)


def test_signing_in_is_not_an_account_change(client: Client, alice: User) -> None:
    # given
    alice.set_password("a-long-password-1")
    alice.save()
    before = alice.history.count()  # type: ignore[attr-defined]

    # when
    response = client.post(reverse("login"), {"username": "alice", "password": "a-long-password-1"})
    assert response.status_code == 302

    # then
    alice.refresh_from_db()
    assert alice.last_login is not None
    assert alice.history.count() == before  # type: ignore[attr-defined]


def test_an_okr_file_replacing_guardrails_records_each_deletion(alice: User, fcr: Kpi) -> None:
    # given an objective of alice's team with a guardrail loaded from a file
    MembershipFactory(team=TeamFactory(name="Tier 1"), user=alice)
    text = """
objectives:
  - title: Resolve more first time
    team: Tier 1
    owner: alice
    period: 2026-Q1
    key_results:
      - title: FCR up
        kind: kpi_from_to
        kpi: fcr
        baseline: 70
        target: 80
        guardrails:
          - fcr >= 60
"""
    okrs_import(text=text, filename="okrs.yaml")

    # when the file is loaded again without the guardrail, as alice
    with acting_as(alice):
        okrs_import(text=text.split("        guardrails:")[0], filename="okrs.yaml")

    # then the guardrail's deletion (a QuerySet delete) is in the history, as hers
    key_result = KeyResult.objects.get(title="FCR up")
    deleted = [row for row in key_result_history(key_result=key_result) if row.text.startswith("deleted the guardrail")]
    assert [row.who for row in deleted] == ["Alice Archer"]


def _log(filters: AuditFilter) -> list[object]:
    from okrs.history import audit_log_rows

    return audit_log_rows(list(audit_log(filters=filters)))  # type: ignore[return-value]


def test_the_audit_log_is_for_org_admins_only(client: Client, alice: User, key_result: KeyResult) -> None:
    client.force_login(alice)

    assert client.get(reverse("audit_log")).status_code == 403


def test_the_audit_log_filters_by_person_object_and_dates_and_pages(
    client: Client, settings: Settings, admin: User, alice: User, key_result: KeyResult
) -> None:
    # given alice's three key-result changes and one objective created by nobody (the factory, the system)
    with acting_as(alice):
        key_result_update(key_result=key_result, target_value=85)
        key_result_update(key_result=key_result, target_value=86)
    settings.AUDIT_LOG_PAGE_SIZE = 2
    client.force_login(admin)
    url = reverse("audit_log")

    # when
    mine = client.get(url, {"person": alice.pk, "kind": "key result"})
    second_page = client.get(url, {"person": alice.pk, "kind": "key result", "page": 2})
    none_yet = client.get(url, {"last_day": "2020-01-01"})
    bad_dates = client.get(url, {"first_day": "2026-03-02", "last_day": "2026-03-01"})

    # then
    body = mine.content.decode()
    assert mine.status_code == 200
    assert "3 changes" in body
    assert "Changed the target from 85.0 % to 86.0 %" in body
    assert "Page 1 of 2" in body
    assert "Created the key result" in second_page.content.decode()
    assert "Created the objective" not in body
    assert "No changes match" in none_yet.content.decode()
    assert bad_dates.status_code == 400
    assert "The last day comes before the first." in bad_dates.content.decode()


def test_the_audit_log_counts_every_kind_in_one_query(admin: User, key_result: KeyResult) -> None:
    # given
    objective = Objective.objects.get()

    # when
    entries = list(audit_log(filters=AuditFilter()))

    # then objectives, key results, teams, memberships and accounts are all there, newest first
    kinds = {kind for kind, _, _ in entries}
    assert {"objective", "key result", "team", "membership", "account"} <= kinds
    assert [moment for _, _, moment in entries] == sorted((moment for _, _, moment in entries), reverse=True)
    assert objective.history.exists()  # type: ignore[attr-defined]
