"""Every URL of the URL configuration, with every method it answers, for each of eight people, against the matrix
in docs/permissions.md.

The URLs come from walking django.urls.get_resolver(), so a new URL without a row in the matrix (or without the
objects its path names, below) fails here. A denied request must answer exactly what the matrix says and change
nothing in the database; an allowed one must succeed (2xx or 3xx, not a detour to sign-in) with the data sent here.
Each request runs in a savepoint that is rolled back, so every person meets the same data.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import Settings
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from kpis.models import Dimension, ImportBatch, Kpi, KpiTarget
from kpis.services.library import kpi_library_load
from kpis.services.targets import kpi_target_create
from okrs.api.services import access_token_create
from okrs.exports.delivery import scorecard_subscription_create
from okrs.models import (
    CheckIn,
    Initiative,
    Invitation,
    KeyResult,
    Membership,
    Objective,
    Person,
    ScorecardSubscription,
    Team,
    Webhook,
)
from okrs.selectors_people import token_hash
from okrs.services.webhooks import webhook_create
from tests.factories import ImportBatchFactory
from tests.okrs.factories import KeyResultFactory, MembershipFactory, ObjectiveFactory, TeamFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = ["anonymous", "no team", "viewer", "editor", "team admin", "other team", "data steward", "org admin"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
INVITATION_TOKEN = "matrix-invitation-token"
WEBHOOK_URL = "http://127.0.0.1:9/"  # the discard port of this machine: nothing listens, nothing leaves it
# Django's admin is for superusers (is_staff), none of the eight people: its URLs are one row of the matrix.
ADMIN_NAMESPACE = "admin"


# The matrix -------------------------------------------------------------------------------------------------------


def _matrix() -> dict[tuple[str, str], dict[str, str]]:
    """(URL name, method) -> {person: expected} from the tables between the matrix markers of docs/permissions.md."""
    text = (ROOT / "docs" / "permissions.md").read_text()
    match = re.search(r"<!-- matrix -->(.*?)<!-- /matrix -->", text, re.S)
    assert match, "docs/permissions.md has no <!-- matrix --> … <!-- /matrix --> section"
    expected: dict[tuple[str, str], dict[str, str]] = {}
    for line in match[1].splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 + len(PERSONAS) or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([^`]+)`", cells[0])
        methods = [method.strip() for method in cells[2].split(",")]
        for name in names:
            for method in methods:
                assert (name, method) not in expected, f"{name} {method} has two rows in the matrix"
                expected[name, method] = dict(zip(PERSONAS, cells[3:], strict=True))
    return expected


MATRIX = _matrix()


@dataclass(frozen=True)
class Route:
    name: str  # the URL name, namespaced; admin URLs without a name use their route
    pattern: URLPattern
    route: str

    @property
    def row(self) -> str:
        """The matrix row: the URL's own, else, for an admin URL, the admin's."""
        if self.name.startswith(f"{ADMIN_NAMESPACE}:") and not any(name == self.name for name, _ in MATRIX):
            return f"{ADMIN_NAMESPACE}:*"
        return self.name

    @property
    def view_class(self) -> Any:
        return getattr(self.pattern.callback, "view_class", None) or getattr(self.pattern.callback, "cls", None)


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner or "")
        else:
            route = prefix + str(entry.pattern)
            name = entry.name or route
            yield Route(f"{namespace}:{name}" if namespace else name, entry, route)


ROUTES = list(_walk(get_resolver()))


def _methods(route: Route) -> list[str]:
    """The methods to try: GET and POST on every URL (a page says by a 405 which it refuses), and PUT, PATCH and
    DELETE where an API view has a handler for them (pages are forms and links: GET and POST)."""
    view_class = route.view_class
    is_api = isinstance(view_class, type) and issubclass(view_class, APIView)
    return ["GET", "POST", *(m for m in ("PUT", "PATCH", "DELETE") if is_api and hasattr(view_class, m.lower()))]


# The admin URLs on the admin's own row (every one but its sign-in and sign-out) are walked in one test, below: they
# are over half the URLs, and every person is refused each of them in the same way.
ADMIN_ROUTES = [route for route in ROUTES if route.row == f"{ADMIN_NAMESPACE}:*"]
CASES = [(route, method) for route in ROUTES if route not in ADMIN_ROUTES for method in _methods(route)]


def test_every_url_has_a_row_in_the_matrix() -> None:
    missing = sorted({route.row for route in ROUTES} - {name for name, _ in MATRIX})
    assert not missing, f"URLs without a row in docs/permissions.md: {missing}"


def test_the_matrix_names_no_url_that_is_gone() -> None:
    known = {route.row for route in ROUTES}
    gone = sorted({name for name, _ in MATRIX} - known)
    assert not gone, f"docs/permissions.md names URLs the URL configuration lacks: {gone}"


# The people and their data ----------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    sessions: dict[str, str]
    team: Team
    objective: Objective
    key_result: KeyResult
    initiative: Initiative
    kpi: Kpi
    kpi_target: KpiTarget
    batch: ImportBatch
    invitation: Invitation
    viewer_membership: Membership
    token_id: int
    webhook: Webhook
    subscription: ScorecardSubscription
    target: User  # the person the people pages act on


def _user(username: str, org_role: str | None = None) -> User:
    user = UserFactory(username=username, first_name=username.capitalize(), email=f"{username}@example.com")
    user.set_password("matrix-password-1")
    user.save()
    if org_role:
        Person.objects.create(user=user, org_role=org_role)
    return user


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Settings) -> None:
    """The matrix asks who may make a request, not how often: its eight people ask one after another from one
    address, for one e-mail address."""
    settings.PASSWORD_RESET_LIMIT = 1000


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[World]:
    """The same data for every request: Tier 1 with a viewer, an editor and an admin and their objective; Tier 2
    with its own editor; a person in no team; a data steward and an org admin (in no team either)."""
    # A fast password hash: the passwords here guard nothing, and the sign-ins and password changes add up.
    fast_hash = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hash, transaction.atomic():
        kpi_library_load()
        Dimension.objects.get_or_create(key="team", defaults={"name": "Team"})
        tier1, tier2 = TeamFactory(name="Tier 1"), TeamFactory(name="Tier 2")
        users: dict[str, User | None] = {
            "anonymous": None,
            "no team": _user("nora"),
            "viewer": _user("vera"),
            "editor": _user("eddie"),
            "team admin": _user("tara"),
            "other team": _user("otto"),
            "data steward": _user("stella", Person.OrgRole.STEWARD),
            "org admin": _user("ada", Person.OrgRole.ADMIN),
        }
        viewer_membership = MembershipFactory(team=tier1, user=users["viewer"], role=Membership.Role.VIEWER)
        MembershipFactory(team=tier1, user=users["editor"], role=Membership.Role.EDITOR)
        MembershipFactory(team=tier1, user=users["team admin"], role=Membership.Role.ADMIN)
        MembershipFactory(team=tier2, user=users["other team"], role=Membership.Role.EDITOR)
        objective = ObjectiveFactory(team=tier1, owner=users["editor"], title="Fewer escalations")
        ObjectiveFactory(team=tier2, owner=users["other team"], title="Tier 2's own")
        key_result = KeyResultFactory(objective=objective, title="Handled in one go")
        CheckIn.objects.create(key_result=key_result, author=users["editor"], day=objective.period.start, value=5)
        initiative = Initiative.objects.create(key_result=key_result, title="Coach the team", owner=users["editor"])
        steward = users["data steward"]
        batch = ImportBatchFactory(created_by=steward, status=ImportBatch.Status.SUCCEEDED, filename="steward.csv")
        invitation = Invitation.objects.create(
            email="newcomer@example.com",
            token_hash=token_hash(INVITATION_TOKEN),
            invited_by=users["org admin"],
            expires_at=timezone.now() + timezone.timedelta(days=7),
        )
        editor = users["editor"]
        assert editor is not None
        token, _ = access_token_create(user=editor, name="matrix", scopes=["read"], expires_in_days=None)
        # Deliveries are sent once a transaction commits, and none here does; were one sent, it would go nowhere.
        webhook = webhook_create(url=WEBHOOK_URL, events=[Webhook.Event.CHECK_IN_ADDED], created_by=users["org admin"])
        kpi = Kpi.objects.get(key="contact_escalation_rate")
        kpi_target = kpi_target_create(kpi=kpi, period_label="2026-01", value=10)
        subscription = scorecard_subscription_create(
            person=editor,
            team=tier1,
            format=ScorecardSubscription.Format.PDF,
            frequency=ScorecardSubscription.Frequency.WEEKLY,
            weekday=ScorecardSubscription.Weekday.MONDAY,
            day_of_month=None,
            at=datetime.time(8),
        )
        sessions = {}
        for persona, user in users.items():
            if user is not None:
                client = Client()
                client.force_login(user)
                sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield World(
            users=users,
            sessions=sessions,
            team=tier1,
            objective=objective,
            key_result=key_result,
            initiative=initiative,
            kpi=kpi,
            kpi_target=kpi_target,
            batch=batch,
            invitation=invitation,
            viewer_membership=viewer_membership,
            token_id=token.pk,
            webhook=webhook,
            subscription=subscription,
            target=users["no team"],  # type: ignore[arg-type]
        )
        transaction.set_rollback(True)


# What each URL's path names, and what an allowed request sends ----------------------------------------------------

Kwargs = Callable[[World], dict[str, Any]]

PATH_ARGUMENTS: dict[str, Kwargs] = {
    "password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "set-password"},
    "api_token_detail": lambda w: {"pk": w.token_id},
    "access_token_revoke": lambda w: {"pk": w.token_id},
    "api_team_detail": lambda w: {"pk": w.team.pk},
    "api_measure_detail": lambda w: {"key": "escalated_contacts"},
    "api_dimension_detail": lambda w: {"key": "team"},
    "api_kpi_detail": lambda w: {"key": w.kpi.key},
    "api_kpi_target_list": lambda w: {"key": w.kpi.key},
    "api_kpi_series": lambda w: {"key": w.kpi.key},
    "api_kpi_target_detail": lambda w: {"key": w.kpi.key, "pk": w.kpi_target.pk},
    "api_webhook_detail": lambda w: {"pk": w.webhook.pk},
    "api_webhook_delivery_list": lambda w: {"pk": w.webhook.pk},
    "kpi_detail": lambda w: {"key": w.kpi.key},
    "kpi_edit": lambda w: {"key": w.kpi.key},
    "kpi_target_add": lambda w: {"key": w.kpi.key},
    "import_detail": lambda w: {"pk": w.batch.pk},
    "import_start": lambda w: {"pk": w.batch.pk},
    "import_progress": lambda w: {"pk": w.batch.pk},
    "import_undo": lambda w: {"pk": w.batch.pk},
    "objective_detail": lambda w: {"pk": w.objective.pk},
    "dashboard_key_results": lambda w: {"pk": w.objective.pk},
    "objective_edit": lambda w: {"pk": w.objective.pk},
    "objective_state": lambda w: {"pk": w.objective.pk},
    "key_result_create": lambda w: {"pk": w.objective.pk},
    "key_result_fields": lambda w: {"pk": w.objective.pk},
    "key_result_preview": lambda w: {"pk": w.objective.pk},
    "key_result_edit": lambda w: {"pk": w.key_result.pk},
    "key_result_detail": lambda w: {"pk": w.key_result.pk},
    "check_in_add": lambda w: {"pk": w.key_result.pk},
    "initiative_add": lambda w: {"pk": w.key_result.pk},
    "initiative_status": lambda w: {"pk": w.initiative.pk},
    "scorecard_key_results": lambda w: {"pk": w.objective.pk},
    "invitation_resend": lambda w: {"pk": w.invitation.pk},
    "invitation_withdraw": lambda w: {"pk": w.invitation.pk},
    "person_detail": lambda w: {"pk": w.target.pk},
    "person_role": lambda w: {"pk": w.target.pk},
    "person_deactivate": lambda w: {"pk": w.target.pk},
    "person_reactivate": lambda w: {"pk": w.target.pk},
    "person_team_add": lambda w: {"pk": w.target.pk},
    "invitation_accept": lambda w: {"token": INVITATION_TOKEN},
    "team_detail": lambda w: {"pk": w.team.pk},
    "team_edit": lambda w: {"pk": w.team.pk},
    "team_member_add": lambda w: {"pk": w.team.pk},
    "membership_role": lambda w: {"pk": w.viewer_membership.pk},
    "membership_remove": lambda w: {"pk": w.viewer_membership.pk},
    "api_import_detail": lambda w: {"pk": w.batch.pk},
    "api_objective_detail": lambda w: {"pk": w.objective.pk},
    "api_key_result_detail": lambda w: {"pk": w.key_result.pk},
    "api_check_in_list": lambda w: {"pk": w.key_result.pk},
    "api_initiative_list": lambda w: {"pk": w.key_result.pk},
    "api_initiative_detail": lambda w: {"pk": w.initiative.pk},
    "webhook_detail": lambda w: {"pk": w.webhook.pk},
    "webhook_toggle": lambda w: {"pk": w.webhook.pk},
    "webhook_edit": lambda w: {"pk": w.webhook.pk},
    "webhook_delete": lambda w: {"pk": w.webhook.pk},
    "scorecard_subscription_delete": lambda w: {"pk": w.subscription.pk},
}
# What a URL's query string must say for an allowed GET to succeed.
QUERY_STRINGS = {"scorecard_download": "?format=xlsx"}

KPI_FORM = {
    "key": "contact_escalation_rate",
    "name": "Contact escalation rate",
    "category": "Issue resolution",
    "formula": "200 * escalated_contacts / total_contacts",
    "unit": "percent",
    "decimals": "1",
    "direction": "lower",
    "indicator": "lagging",
}
CSV = b"date,team,total_contacts,escalated_contacts\n2026-01-05,Tier 1,100,0\n"

Data = Callable[[World], dict[str, Any]]

POST_DATA: dict[str, Data] = {
    "login": lambda w: {"username": "nobody", "password": "wrong"},
    "password_change": lambda w: {
        "old_password": "matrix-password-1",
        "new_password1": "another-long-passphrase-7",
        "new_password2": "another-long-passphrase-7",
    },
    "password_reset": lambda w: {"email": "vera@example.com"},
    "password_reset_confirm": lambda w: {"new_password1": "x", "new_password2": "x"},
    "access_tokens": lambda w: {"name": "from the page", "scopes": ["read"]},
    "kpi_create": lambda w: {**KPI_FORM, "key": "new_kpi", "name": "New KPI"},
    "kpi_edit": lambda w: KPI_FORM,
    "kpi_formula_check": lambda w: {"formula": "100 * escalated_contacts / total_contacts"},
    "kpi_target_add": lambda w: {"period": w.objective.period.label, "value": "5"},
    "import_list": lambda w: {"file": SimpleUploadedFile("tier1.csv", CSV, "text/csv"), "sheet": ""},
    "import_start": lambda w: {"action": "validate"},
    "import_undo": lambda w: {"confirm": "yes"},
    "objective_create": lambda w: {
        "title": "Answer faster",
        "team": w.team.pk,
        "owner": w.objective.owner_id,
        "period": w.objective.period.label,
        "weight": "1",
    },
    "objective_edit": lambda w: {
        "title": "Fewer escalations, sooner",
        "team": w.team.pk,
        "owner": w.objective.owner_id,
        "period": w.objective.period.label,
        "weight": "1",
    },
    "objective_state": lambda w: {"state": "closed"},
    "key_result_create": lambda w: {
        "title": "Calls answered",
        "kind": "manual",
        "baseline_value": "0",
        "target_value": "10",
        "weight": "1",
    },
    "key_result_fields": lambda w: {"kind": "manual"},
    "key_result_preview": lambda w: {"kind": "manual", "baseline_value": "0", "target_value": "10", "weight": "1"},
    "key_result_edit": lambda w: {
        "title": "Handled in one go, mostly",
        "kind": "manual",
        "baseline_value": "0",
        "target_value": "100",
        "weight": "1",
    },
    "check_in_add": lambda w: {"day": w.objective.period.start.isoformat(), "value": "7", "comment": "Going well"},
    "initiative_add": lambda w: {"title": "Shadow the seniors"},
    "initiative_status": lambda w: {"status": "done"},
    "person_invite": lambda w: {"email": "colleague@example.com", "org_role": "member"},
    "person_role": lambda w: {"org_role": "steward"},
    "person_team_add": lambda w: {"team": w.team.pk, "role": "viewer"},
    "invitation_accept": lambda w: {
        "first_name": "New",
        "last_name": "Comer",
        "password": "a-long-enough-passphrase-9",
        "password_again": "a-long-enough-passphrase-9",
    },
    "team_create": lambda w: {"name": "Billing"},
    "team_edit": lambda w: {"name": "Tier One"},
    "team_member_add": lambda w: {"user": w.target.pk, "role": "viewer"},
    "membership_role": lambda w: {"role": "editor"},
    "api_token_list": lambda w: {"name": "from the API", "scopes": ["read"]},
    "api_measurement_push": lambda w: {
        "records": [{"date": "2026-01-05", "team": "Tier 1", "total_contacts": 100, "escalated_contacts": 0}]
    },
    "api_import_list": lambda w: {"file": SimpleUploadedFile("tier1.csv", CSV, "text/csv")},
    "api_objective_list": lambda w: {
        "title": "Answer faster",
        "team": w.team.pk,
        "owner": w.objective.owner.username,
        "period": w.objective.period.label,
    },
    "api_key_result_list": lambda w: {
        "objective": w.objective.pk,
        "title": "Calls answered",
        "kind": "manual",
        "baseline_value": 0,
        "target_value": 10,
    },
    "api_check_in_list": lambda w: {"day": w.objective.period.start.isoformat(), "value": 7, "comment": "Going well"},
    "api_initiative_list": lambda w: {"title": "Shadow the seniors"},
    "api_kpi_target_list": lambda w: {"period": w.objective.period.label, "value": 5},
    "api_webhook_list": lambda w: {"url": WEBHOOK_URL, "events": [Webhook.Event.IMPORT_FINISHED]},
    "scorecard_subscriptions": lambda w: {
        "team": "",
        "format": "xlsx",
        "frequency": "weekly",
        "weekday": str(ScorecardSubscription.Weekday.FRIDAY.value),
        "time": "07:30",
    },
    "webhook_list": lambda w: {"url": WEBHOOK_URL, "events": [Webhook.Event.IMPORT_FINISHED], "description": "Chat"},
    "webhook_edit": lambda w: {"url": WEBHOOK_URL, "events": [Webhook.Event.CHECK_IN_ADDED], "description": "Ops"},
}

# Tables whose rows reading a page may change: the session (its idle clock) and the sign-in counters.
UNWATCHED = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog", "okrs_accesstoken"}


def _fingerprint() -> dict[str, str]:
    """A digest of every row of every watched table, in one query."""
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names(cursor) if t not in UNWATCHED]
        digest = "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {} t)"
        columns = ", ".join(digest.format(connection.ops.quote_name(table)) for table in tables)
        cursor.execute(f"SELECT {columns}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _changed(before: dict[str, str] | None) -> list[str]:
    """The watched tables whose rows differ from the fingerprint taken before (none when there was none)."""
    if before is None:
        return []
    after = _fingerprint()
    return sorted(table for table, digest in before.items() if after[table] != digest)


# One client for every request: a new one builds the middleware chain again on its first request, and WhiteNoise's
# (which indexes every static file) was most of a request's time. Its cookies are set afresh for each request.
_CLIENT = Client()


def _client(world: World, persona: str) -> Client:
    client = _CLIENT
    client.cookies = SimpleCookie()
    if persona in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


def _path(route: Route, world: World) -> str:
    if route.row == f"{ADMIN_NAMESPACE}:*":
        # The admin turns away everyone but staff before it reads the path's arguments.
        return "/" + re.sub(r"<[^>]+>", "1", route.route).replace("^", "").replace("$", "").replace(
            "(?P<app_label>auth|axes|kpis|okrs)", "okrs"
        ).replace("(?P<url>.*)", "nowhere/")
    if route.name == "api_not_found":
        return "/api/nowhere/"
    kwargs = PATH_ARGUMENTS.get(route.name, lambda w: {})(world)
    return reverse(route.name, kwargs=kwargs) + QUERY_STRINGS.get(route.name, "")


def _takes_json(route: Route) -> bool:
    """An API endpoint is sent JSON, unless it parses only uploads (multipart forms)."""
    view_class = route.view_class
    if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
        return False
    return any(issubclass(parser, JSONParser) for parser in view_class.parser_classes)


def _send(client: Client, method: str, path: str, route: Route, world: World) -> Any:
    if method == "GET":
        return client.get(path)
    data = POST_DATA.get(route.name, lambda w: {})(world) if method == "POST" else {}
    if method != "POST" or _takes_json(route):
        return client.generic(method, path, data=json.dumps(data), content_type="application/json")
    return client.post(path, data)


REFUSALS = {"sign-in", "400", "401", "403", "404", "405"}


def _outcome(response: Any) -> str:
    """What a response means in the matrix's words."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308) and "/login/?next=" in response.get("Location", ""):
        return "sign-in"
    if status < 400:
        return "✓"
    return str(status)


def _ask(world: World, persona: str, method: str, path: str, route: Route) -> str:
    return _outcome(_send(_client(world, persona), method, path, route, world))


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), CASES, ids=[f"{route.name}-{method}" for route, method in CASES])
def test_each_person_gets_what_the_matrix_says(world: World, route: Route, method: str) -> None:
    row = MATRIX.get((route.row, method))
    path = _path(route, world)
    # Refusals expected here: with no row, the method must be refused to everyone.
    refused = [p for p in PERSONAS if row is None or row[p] in REFUSALS]
    got: dict[str, str] = {}
    # The refused requests one after another, then one look at the database: none of them may have changed it.
    with transaction.atomic():
        before = _fingerprint() if method != "GET" else None
        for persona in refused:
            got[persona] = _ask(world, persona, method, path, route)
        changed = _changed(before)
        transaction.set_rollback(True)
    assert not changed, f"a refused {method} {path} changed {changed} in the database: {got}"
    # Each allowed request from the same rows as the others.
    for persona in PERSONAS:
        if persona not in refused:
            with transaction.atomic():
                got[persona] = _ask(world, persona, method, path, route)
                transaction.set_rollback(True)
    if row is None:
        answered = {persona: outcome for persona, outcome in got.items() if outcome not in REFUSALS}
        assert not answered, f"{method} {path} ({route.name}) is answered but has no row in the matrix: {got}"
        return
    differences = {
        persona: f"got {got[persona]}, the matrix says {row[persona]}"
        for persona in PERSONAS
        if got[persona] != row[persona]
    }
    assert not differences, f"{method} {path} ({route.name}): {differences}"


@pytest.mark.django_db
def test_every_admin_url_sends_everyone_to_the_admin_sign_in(world: World) -> None:
    """Each admin URL on the admin's row, with each method, for each person, as the test above would ask them;
    every answer is a refusal, so all of them run in one savepoint with one look at the database afterwards."""
    rows = [row for (name, _), row in MATRIX.items() if name == f"{ADMIN_NAMESPACE}:*"]
    assert rows, "the matrix has the admin's row"
    assert all(cell in REFUSALS for row in rows for cell in row.values()), "the admin's row refuses everyone"
    assert len(ADMIN_ROUTES) > 50, "the walk found the admin's URLs"
    differences: dict[str, str] = {}
    with transaction.atomic():
        before = _fingerprint()
        for route in ADMIN_ROUTES:
            path = _path(route, world)
            for method in _methods(route):
                row = MATRIX.get((route.row, method))
                for persona in PERSONAS:
                    got = _ask(world, persona, method, path, route)
                    # With no row, the method must be refused to everyone, as in the test above.
                    as_said = got == row[persona] if row else got in REFUSALS
                    if not as_said:
                        differences[f"{method} {path} ({route.name}) for {persona}"] = f"got {got}"
        changed = _changed(before)
        transaction.set_rollback(True)
    assert not differences, f"admin URLs answered other than the matrix says: {differences}"
    assert not changed, f"refused admin requests changed {changed} in the database"
