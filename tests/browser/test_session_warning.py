"""The warning before the session ends, and "Rester connecté", in a real Chromium."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_warning_then_stay_signed_in(log_in, officer, settings, assert_accessible):
    # A short session: the warning comes two seconds after the page loads.
    settings.O2R_SESSION_IDLE_TIMEOUT = 60
    settings.O2R_SESSION_WARNING = 58
    page = log_in(officer)
    warning = page.get_by_role("alert").filter(has_text="Votre session va expirer")
    expect(warning).to_be_visible()
    assert_accessible(page)
    with page.expect_response("**/session/prolonger/") as keepalive:
        warning.get_by_role("button", name="Rester connecté").click()
    assert keepalive.value.status == 200
    assert keepalive.value.json()["idle"] == 60
    expect(warning).to_be_hidden()
    # Still signed in.
    page.reload()
    expect(page.get_by_role("heading", name="Bonjour Samia")).to_be_visible()
