import re

import pytest
from playwright.sync_api import expect

from o2r.core import tasks
from o2r.core.models import WorkerPing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_logs_in_on_a_phone_and_finds_her_residences(log_in, officer, assert_accessible):
    page = log_in(officer)
    expect(page.get_by_role("heading", name="Bonjour Samia")).to_be_visible()
    expect(page.get_by_role("list").get_by_text("Résidence Malakoff")).to_be_visible()
    assert_accessible(page)
    # On 360 px the menu is folded behind the toggler (Bootstrap's script, loaded as a file).
    logout = page.get_by_role("button", name="Se déconnecter")
    expect(logout).to_be_hidden()
    page.get_by_role("button", name="Ouvrir le menu").click()
    expect(logout).to_be_visible()
    assert_accessible(page)  # the unfolded menu's links included
    # Nothing wider than the phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    logout.click()
    expect(page).to_have_url(re.compile(r"/connexion/$"))
    assert_accessible(page)


def test_a_wrong_password_is_explained_in_french(phone, officer, assert_accessible):
    phone.goto("/connexion/")
    phone.get_by_label("Adresse e-mail").fill(officer.email)
    phone.get_by_label("Mot de passe").fill("pas-le-bon")
    phone.get_by_role("button", name="Se connecter").click()
    expect(phone.get_by_text("Adresse e-mail ou mot de passe incorrect")).to_be_visible()
    expect(phone.get_by_label("Adresse e-mail")).to_have_value(officer.email)
    assert_accessible(phone)


def test_worker_button_row_appears_then_updates_without_reload(
    log_in, administrator, assert_accessible
):
    page = log_in(administrator)
    assert_accessible(page)
    page.goto("/systeme/worker/")
    assert_accessible(page)
    page.evaluate("window.o2rMarker = 'même page'")
    page.get_by_role("button", name="Tester le worker").click()
    row = page.locator("tr[data-ping]").first
    expect(row).to_contain_text("En attente du worker")
    ping = WorkerPing.objects.get()
    tasks.answer_worker_ping.run(ping.pk)  # what the worker does; smoke runs the real one
    expect(row).to_contain_text("Traité le", timeout=10_000)
    assert page.evaluate("window.o2rMarker") == "même page"  # htmx swapped, no reload
    assert_accessible(page)


def test_expired_session_sends_an_htmx_request_to_the_login_page(
    log_in, administrator, assert_accessible
):
    page = log_in(administrator)
    page.goto("/systeme/worker/")
    page.context.clear_cookies(name="sessionid")  # the session expired; the CSRF cookie stays
    page.get_by_role("button", name="Tester le worker").click()
    page.wait_for_url(re.compile(r"/connexion/\?next=%2Fsysteme%2Fworker%2F$"))
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert page.locator("#pings").count() == 0
    assert not WorkerPing.objects.exists()
    assert_accessible(page)


def test_the_admin_works_under_the_content_security_policy(
    log_in, administrator, assert_accessible
):
    page = log_in(administrator)
    page.goto("/admin/residents/residence/")
    expect(page.get_by_role("heading", name=re.compile("résidence", re.I)).first).to_be_visible()
    assert_accessible(page)
