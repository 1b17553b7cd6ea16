"""Chromium driven by Playwright against pytest-django's live server.

Playwright cannot download its own browser here: it drives Debian's Chromium
(`scripts/ensure-chromium` installs it; O2R_CHROMIUM overrides the path). Every page is watched
for Content Security Policy violations and JavaScript errors, which fail the test."""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are
# still synchronous and sequential.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("O2R_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}


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
def phone(browser, live_server, page_problems):
    """A page on a 360-px-wide phone, failing the test on any CSP violation, script error or
    resource that does not load."""
    context = browser.new_context(viewport=PHONE, locale="fr-FR", base_url=live_server.url)
    page = context.new_page()
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
    yield page
    context.close()
    page_problems.check()


@pytest.fixture
def log_in(phone):
    from tests.accounts.factories import TEST_PASSWORD

    def _log_in(user):
        phone.goto("/connexion/")
        phone.get_by_label("Adresse e-mail").fill(user.email)
        phone.get_by_label("Mot de passe").fill(TEST_PASSWORD)
        phone.get_by_role("button", name="Se connecter").click()
        phone.wait_for_url("**/")
        return phone

    return _log_in
