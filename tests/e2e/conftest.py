"""Browser tests: Playwright driving Debian's headless Chromium against pytest-django's live server.

Screenshots go to test-artifacts/screenshots/ so a person can look at every main page after a run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, sync_playwright

from okrs.models import Person

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "correct-horse-battery-staple"
# Without these Chromium reaches out to Google's services at start-up, which this network refuses.
_QUIET_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API refuses to run inside a running event loop; Django's async guard must allow it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=_QUIET_CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def user(transactional_db: None) -> User:
    """Lena, the head of customer service: a data steward, who keeps the KPI library and imports the numbers."""
    lead = User.objects.create_user(
        "lead", email="lead@example.com", password=PASSWORD, first_name="Lena", last_name="Lead"
    )
    Person.objects.update_or_create(user=lead, defaults={"org_role": Person.OrgRole.STEWARD})
    return lead


# Reports what the Content-Security-Policy blocked, in words the console listener below recognises.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`);
});
"""


@pytest.fixture
def page(browser: Browser, live_server: object) -> Iterator[Page]:
    """A browser tab on the live server; the test fails if the page broke its Content-Security-Policy."""
    context = browser.new_context(base_url=str(live_server), viewport={"width": 1366, "height": 900})
    context.add_init_script(_REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error"
            and ("CSP violation" in message.text or "Content Security Policy" in message.text)
            else None
        ),
    )
    yield page
    context.close()
    assert violations == [], f"the page broke its Content-Security-Policy: {violations}"


@pytest.fixture
def signed_in(page: Page, user: User) -> Page:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot a person can review; returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def htmx_settled(page: Page) -> None:
    """Wait until htmx has swapped and settled: an element swapped in is live only once htmx has processed it."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
