"""Chromium driven by Playwright against pytest-django's live server.

Playwright cannot download its own browser here: it drives Debian's Chromium
(`scripts/ensure-chromium` installs it; O2R_CHROMIUM overrides the path). Every page is watched
for Content Security Policy violations and JavaScript errors, which fail the test.

`assert_accessible(page)` runs axe-core (tests/browser/vendor/, test-only) on the page as it
stands and fails on any serious or critical violation. axe is evaluated through the DevTools
protocol (`page.evaluate`), which the page's Content Security Policy does not govern; the
policy itself stays in force and watched."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are
# still synchronous and sequential.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("O2R_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# What fails a test; "moderate" and "minor" findings are left to review.
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class PageProblems(list):
    def check(self):
        assert not self, "\n".join(self)


@pytest.fixture
def page_problems():
    return PageProblems()


@pytest.fixture
def new_page(browser, live_server, page_problems):
    """Opens pages of a given viewport, each failing the test on any CSP violation, script
    error or resource that does not load."""
    contexts = []

    def _new_page(viewport):
        context = browser.new_context(viewport=viewport, locale="fr-FR", base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        _watch(page, page_problems)
        return page

    yield _new_page
    for context in contexts:
        context.close()
    page_problems.check()


def _watch(page, page_problems):
    page.set_default_timeout(10_000)

    def on_console(message):
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text
            or "Refused to" in text
            or "Uncaught" in text
            or "Failed to load resource" in text  # a missing static file, a broken link
        ):
            page_problems.append(f"console: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_problems.append(f"pageerror: {error}"))


@pytest.fixture
def phone(new_page):
    """A page on a 360-px-wide phone."""
    return new_page(PHONE)


@pytest.fixture
def desktop(new_page):
    """A page on a desktop screen, where the navigation bar is unfolded."""
    return new_page(DESKTOP)


def log_in_on(page, user):
    from tests.accounts.factories import TEST_PASSWORD

    page.goto("/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    return page


@pytest.fixture
def log_in(phone):
    return lambda user: log_in_on(phone, user)


@pytest.fixture(scope="session")
def axe_source():
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, axe_source, *, include=None, rules=None):
    """axe's violations on the page as it stands (or on the elements matching the CSS selector
    `include`), as dicts (id, impact, help, nodes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    return page.evaluate(
        """([include, options]) => axe.run(include ? {include: [include]} : document, options)
            .then(results => results.violations)""",
        [include, options],
    )


def describe_violations(violations):
    return "\n".join(
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        + "\n".join(
            f"    {' > '.join(map(str, node['target']))}: {node.get('failureSummary', '')}"
            for node in violation["nodes"]
        )
        for violation in violations
    )


@pytest.fixture
def assert_accessible(axe_source):
    """Fails on any serious or critical axe violation of the page, naming each node."""

    def _assert_accessible(page, **kwargs):
        violations = axe_violations(page, axe_source, **kwargs)
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"{page.url}\n{describe_violations(blocking)}"
        return violations

    return _assert_accessible
