"""In the browser: an objective title on the dashboard opens the objective page, with its key results, what it
supports, the objectives that support it across teams, and its history; the dashboard's tree folds."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.e2e.test_dashboard import load_demo

pytestmark = [pytest.mark.django_db(transaction=True)]

DEPARTMENT = "Make support effortless for every customer"


@pytest.fixture
def demo(user: User) -> None:
    load_demo(user)


def test_a_title_opens_the_objective_page_and_its_tree_leads_on(signed_in: Page, demo: None) -> None:
    page = signed_in
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/")
    tree = page.locator(".tree").first
    screenshot(page, "dashboard-1440")
    tree.screenshot(path=str(SCREENSHOTS / "dashboard-tree-1440.png"))

    # the tree folds: closing the department's node hides the objectives under it
    department_node = page.locator(".tree > .tree-node > details").first
    department_node.locator("summary").click(position={"x": 4, "y": 8})
    expect(department_node.locator(".tree .tree-title").first).to_be_hidden()

    # when a title is clicked
    page.locator(".objective-card h3 a", has_text=DEPARTMENT).click()

    # then the objective's page: its key results, and the objectives of two teams that support it
    expect(page.get_by_role("heading", level=1)).to_have_text(DEPARTMENT)
    expect(page.locator(".kr-title")).to_have_count(2)
    supported = page.locator("#objective-supported").locator("xpath=..")
    expect(supported.locator(".tree-title")).to_have_count(2)  # Tier 2's stays out of sight
    expect(page.locator("#objective-supports").locator("xpath=..")).to_contain_text("a root of the alignment tree")
    screenshot(page, "objective-1440")

    # and a child's page names the key result it supports, with a link back up
    supported.locator(".tree-title").first.click()
    expect(page.locator("#objective-supports").locator("xpath=..")).to_contain_text(DEPARTMENT)
    screenshot(page, "objective-child-1440")
