"""In the browser: every main page at 1440 px and on a 390 px phone, on the demo data.

Each page must fit the window (nothing wider than the document, no action out of reach or clipped), keep its
chart labels readable and its legends labelled, and the navigation must open as a menu on the phone. Screenshots
of every page at both widths go to test-artifacts/screenshots/ (phone-390-*.png, phone-1440-*.png): look at them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from kpis.models import ImportBatch, Kpi
from okrs.api.services import access_token_create
from okrs.exports.delivery import scorecard_subscription_create
from okrs.models import KeyResult, Person, ScorecardSubscription, Team, Webhook
from okrs.services.webhooks import webhook_create
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.e2e.test_dashboard import load_demo

pytestmark = [pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}
NAV_LINKS = ["Dashboard", "Planning", "Scorecard", "KPIs", "Imports", "Teams", "People", "API tokens"]

UPLOAD = (
    "date,team,channel,total_contacts,escalated_contacts,first_contact_resolved\n"
    "2026-01-05,Tier 1,phone,500,50,380\n"
    "2026-01-05,Tier 2,email,1000,200,720\n"
    "2026-01-06,Tier 1,phone,480,41,371\n"
)

# What a person could not reach on the page: a link, button or field outside the window, or cut off by a box that
# hides its overflow. Anything inside a box that scrolls sideways is reachable by scrolling it.
_UNREACHABLE = """
() => {
  const width = window.innerWidth;
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const clips = (el) => ["hidden", "clip"].includes(getComputedStyle(el).overflowX);
  const out = [];
  for (const el of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")) {
    const box = el.getBoundingClientRect();
    if (!el.checkVisibility({ visibilityProperty: true })) continue;  // hidden, or inside a closed menu
    let reachable = box.left >= -1 && box.right <= width + 1;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (scrolls(up)) { reachable = true; break; }
      if (clips(up)) {
        const frame = up.getBoundingClientRect();
        if (box.left < frame.left - 1 || box.right > frame.right + 1) { reachable = false; break; }
      }
    }
    if (!reachable) out.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || "").trim().slice(0, 40)}"`);
  }
  return out;
}
"""

# Chart axis labels drawn smaller than this (in CSS pixels, after the SVG is scaled) are unreadable on a phone.
_SMALLEST_AXIS_LABEL = """
() => Math.min(
  ...[...document.querySelectorAll(".chart svg text.axis")]
    .filter((text) => text.checkVisibility())
    .map((text) => text.getBoundingClientRect().height),
  99
)
"""

# A legend key whose words are hidden or squeezed out: narrower than its swatch plus a few letters.
_LOST_LEGEND_LABELS = """
() => [...document.querySelectorAll(".legend .key")]
  .filter((key) => key.textContent.trim() === "" || key.getBoundingClientRect().width < 24 + 30
    || key.getBoundingClientRect().right > window.innerWidth + 1 || !key.checkVisibility())
  .map((key) => key.textContent.trim())
"""


@pytest.fixture
def site(user: User) -> dict[str, str]:
    """The demo quarter seen by Lena, an org admin and editor in three teams, with an API token, a webhook and a
    scorecard subscription; page name → URL."""
    Person.objects.update_or_create(user=user, defaults={"org_role": Person.OrgRole.ADMIN})
    load_demo(user)
    access_token_create(user=user, name="Helpdesk nightly push", scopes=["read", "push"], expires_in_days=90)
    webhook = webhook_create(
        url="https://hooks.example.com/pacer/customer-service/status-changes",
        events=[Webhook.Event.KEY_RESULT_STATUS_CHANGED, Webhook.Event.IMPORT_FAILED],
        description="Post status changes to the team channel",
        created_by=user,
    )
    team = Team.objects.get(name="Tier 1")
    scorecard_subscription_create(
        person=user,
        team=team,
        format=ScorecardSubscription.Format.PDF,
        frequency=ScorecardSubscription.Frequency.WEEKLY,
        weekday=ScorecardSubscription.Weekday.MONDAY,
        day_of_month=None,
        at=datetime.time(8),
    )
    key_result = KeyResult.objects.get(title__startswith="Decrease escalated", objective__team__name="Tier 1")
    return {
        "dashboard": "/",
        "planning": "/planning/",
        "objective": f"/objectives/{key_result.objective_id}/",
        "key-result": f"/key-results/{key_result.pk}/",
        "key-result-edit": f"/planning/key-results/{key_result.pk}/edit/",
        "objective-new": "/planning/objectives/new/",
        "scorecard": "/scorecard/",
        "kpi-library": "/kpis/",
        "kpi": f"/kpis/{Kpi.objects.get(key='contact_escalation_rate').key}/",
        "kpi-new": "/kpis/new/",
        "imports": "/kpis/imports/",
        "import": f"/kpis/imports/{ImportBatch.objects.get(filename='demo-measurements.csv').pk}/",
        "people": "/people/",
        "person": f"/people/{user.pk}/",
        "invite": "/people/invite/",
        "teams": "/teams/",
        "team": f"/teams/{team.pk}/",
        "audit-log": "/audit/",
        "webhooks": "/webhooks/",
        "webhook": f"/webhooks/{webhook.pk}/",
        "subscriptions": "/scorecard/subscriptions/",
        "api-tokens": "/api/tokens/",
        "password": "/accounts/password/",
    }


# A wide table on a phone: inside the window, scrolling sideways in its own box, its cells not squeezed to wrap.
_TABLE_FIT = """
(selector) => {
  const table = document.querySelector(selector);
  const wrap = table.closest(".table-wrap");
  const card = wrap.closest(".card").getBoundingClientRect();
  const before = wrap.scrollLeft;
  wrap.scrollLeft = wrap.scrollWidth;
  const moved = wrap.scrollLeft - before;
  wrap.scrollLeft = before;
  const lineHeight = parseFloat(getComputedStyle(table.querySelector("td")).lineHeight);
  const wrapped = [...table.querySelectorAll("th, td")].filter(
    (cell) => cell.getBoundingClientRect().height - parseFloat(getComputedStyle(cell).paddingTop)
      - parseFloat(getComputedStyle(cell).paddingBottom) > 1.6 * lineHeight
  ).length;
  return { overflowX: getComputedStyle(wrap).overflowX, moved, wrapped,
           wrapRight: wrap.getBoundingClientRect().right, cardRight: card.right, width: window.innerWidth };
}
"""

# How close each scorecard change figure and word come to the right edge of their card.
_CHANGE_ROOM = """
() => [...document.querySelectorAll(".scorecard-kpis td.change")].map((cell) => {
  const row = cell.closest("tr").getBoundingClientRect();
  const right = Math.max(...[...cell.querySelectorAll(".change-figure, .change-word")].map(
    (part) => part.getBoundingClientRect().right));
  return Math.round(row.right - right);
})
"""


@pytest.fixture
def phone_page(browser: Browser, live_server: object) -> Iterator[Page]:
    """A fresh tab for the signed-out pages, so the sign-in page is seen as a visitor sees it."""
    context = browser.new_context(base_url=str(live_server), viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


def _upload_for_preview(page: Page) -> str:
    """A file uploaded through the form, left in its preview; the preview page's URL."""
    page.goto("/kpis/imports/")
    page.get_by_label("Measurement file").set_input_files(
        {"name": "helpdesk-january.csv", "mimeType": "text/csv", "buffer": UPLOAD.encode()}
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    return f"/kpis/imports/{ImportBatch.objects.get(filename='helpdesk-january.csv').pk}/"


def _problems(page: Page, name: str, width: int) -> list[str]:
    """What is wrong with the page as it stands, in words; empty when it fits and every action is in reach."""
    problems = []
    # Nothing scrolls the page sideways: a wide table or preview scrolls inside its own card instead.
    overflow = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{name} at {width} px: the page scrolls sideways by {overflow} px")
    unreachable = page.evaluate(_UNREACHABLE)
    if unreachable:
        problems.append(f"{name} at {width} px: out of reach {unreachable}")
    smallest = page.evaluate(_SMALLEST_AXIS_LABEL)
    if smallest < 9:
        problems.append(f"{name} at {width} px: chart labels {smallest:.1f} px tall")
    lost = page.evaluate(_LOST_LEGEND_LABELS)
    if lost:
        problems.append(f"{name} at {width} px: legend keys without room for their labels {lost}")
    return problems


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1440"])
def test_every_main_page_fits_the_window_with_every_action_in_reach(
    signed_in: Page, site: dict[str, str], viewport: dict[str, int]
) -> None:
    page = signed_in
    pages = {**site, "import-preview": _upload_for_preview(page)}
    page.set_viewport_size(viewport)
    width = viewport["width"]
    problems: list[str] = []

    for name, url in pages.items():
        # when
        answer = page.goto(url)

        # then
        assert answer is not None
        assert answer.ok, f"{name}: {url} answered {answer.status}"
        problems += _problems(page, name, width)
        screenshot(page, f"phone-{width}-{name}")

    print(f"screenshots in {SCREENSHOTS}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1440"])
def test_the_sign_in_page_fits_the_window(phone_page: Page, user: User, viewport: dict[str, int]) -> None:
    page = phone_page
    page.set_viewport_size(viewport)

    page.goto("/accounts/login/")

    expect(page.get_by_role("button", name="Sign in")).to_be_in_viewport()
    assert _problems(page, "sign-in", viewport["width"]) == []
    screenshot(page, f"phone-{viewport['width']}-sign-in")


@pytest.mark.parametrize("table", ["kpi-values", "import-preview"])
def test_on_a_phone_a_wide_table_scrolls_inside_its_card(signed_in: Page, site: dict[str, str], table: str) -> None:
    page = signed_in
    url, selector = (
        (site["kpi"], ".values-table") if table == "kpi-values" else (_upload_for_preview(page), ".preview-table")
    )
    page.set_viewport_size(PHONE)

    page.goto(url)

    fit = page.evaluate(_TABLE_FIT, selector)
    assert fit["overflowX"] == "auto"
    assert fit["moved"] > 0, "the table is as wide as the window: it was squeezed rather than scrolled"
    assert fit["wrapped"] == 0, "cells wrapped onto a second line: the table was squeezed"
    assert fit["wrapRight"] <= fit["cardRight"] <= fit["width"]
    page.locator(selector).scroll_into_view_if_needed()
    screenshot(page, f"phone-390-{table}-table", full_page=False)


def test_on_a_phone_the_scorecard_change_badges_keep_clear_of_the_card_edge(
    signed_in: Page, site: dict[str, str]
) -> None:
    page = signed_in
    page.set_viewport_size(PHONE)

    page.goto(site["scorecard"])

    room = page.evaluate(_CHANGE_ROOM)
    assert room, "the scorecard shows no KPI changes to check"
    # The card's own padding (16 px) stays between the badge and the edge.
    assert min(room) >= 15, room


def test_on_a_phone_the_navigation_is_a_menu_that_opens_to_every_link(signed_in: Page, site: dict[str, str]) -> None:
    page = signed_in
    page.set_viewport_size(PHONE)
    page.goto("/planning/")
    menu = page.locator(".menu")

    # closed, it is one button in the bar
    toggle = page.locator(".menu > summary")
    expect(toggle).to_be_visible()
    expect(menu.get_by_role("link", name="Imports", exact=True)).to_be_hidden()

    # when
    toggle.click()

    # then every link is there, whole and inside the window, and the current page is marked
    for name in NAV_LINKS:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Planning")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport(ratio=1)
    screenshot(page, "phone-390-menu-open", full_page=False)

    # and a link in it goes where it says
    menu.get_by_role("link", name="Imports", exact=True).click()
    expect(page).to_have_url(site["imports"])
    expect(toggle).to_be_visible()
    expect(menu.get_by_role("link", name="Imports", exact=True)).to_be_hidden()


def test_on_a_wide_screen_the_navigation_shows_every_link_without_a_menu(signed_in: Page, site: dict[str, str]) -> None:
    page = signed_in
    page.set_viewport_size(WIDE)

    page.goto("/")

    expect(page.locator(".menu > summary")).to_be_hidden()
    menu = page.locator(".menu")
    for name in NAV_LINKS:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("viewport", [PHONE, {"width": 820, "height": 1180}, WIDE], ids=["390", "820", "1440"])
def test_every_key_result_on_the_planning_page_has_its_edit_link(
    signed_in: Page, user: User, site: dict[str, str], viewport: dict[str, int]
) -> None:
    page = signed_in
    page.set_viewport_size(viewport)

    page.goto(site["planning"])

    rows = page.locator(".plan-kr")
    # A fresh account: the fixture made Lena an org admin after her person was read.
    expect(rows).to_have_count(KeyResult.objects.visible_to(User.objects.get(pk=user.pk)).count())
    for index in range(rows.count()):
        edit = rows.nth(index).get_by_role("link", name="Edit")
        edit.scroll_into_view_if_needed()
        # Whole, up to a sub-pixel row a fractional layout can leave at the window's edge.
        expect(edit).to_be_in_viewport(ratio=0.95)
    rows.first.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit")
