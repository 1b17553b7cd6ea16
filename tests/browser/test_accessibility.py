"""axe-core on every page each member of the fixed cast reaches by GET, at phone and desktop
widths: no serious or critical violation (WCAG 2 A/AA rules and axe's best practices).

On the phone the menu is unfolded before axe runs, so that the navigation bar's links are
checked too (folded, they are hidden and axe leaves them out)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from o2r.reminders.models import Reminder
from residents import roster, roster_services, services
from residents.enums import ConsentScope, Stage
from tests.browser.conftest import DESKTOP, PHONE, axe_violations, describe_violations, log_in_on
from tests.residents.factories import ResidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROSTER_CSV = (
    "nom;prénom;date de naissance;logement\nKeita;Moussa;12/03/1984;214\nSans;Date;;215\n"
).encode()


@pytest.fixture
def resident(officer, coach, adelis, nantes_residences):
    """A full file in the officer's residence, shared with the coach (so that both managers,
    the officer and the coach open it), with a reminder and a roster preview for the officer."""
    resident = ResidentFactory(
        first_name="Fatoumata",
        last_name="Diallo",
        residence=nantes_residences[0],
        stage=Stage.ENGAGED,
        job_coach=coach,
        insertion_officer=officer,
        complete=True,
        complete__author=officer,
    )
    services.consent_record(
        resident=resident,
        scope=ConsentScope.SHARING,
        given_on=timezone.localdate(),
        method="oral",
        by=officer,
        recipient_organisation=adelis,
    )
    Reminder.objects.create(
        assignee=officer,
        resident=resident,
        title="Rappeler Fatoumata",
        due_at=timezone.now(),
        dedup_key="test:axe",
    )
    return resident


@pytest.fixture
def roster_import(officer, nantes_residences):
    return roster_services.roster_preview_create(
        by=officer,
        residence=nantes_residences[2],
        file_name="liste.csv",
        rows=roster.parse_roster(ROSTER_CSV, "liste.csv", today=timezone.localdate()),
    )


# Who reaches which page (residents/access.py, tests/residents/test_access.py): every page is
# asserted to answer 200 to those named, so that the sweep cannot pass on a page it never saw.
EVERYONE = {"officer", "staff", "coach", "adoma_manager", "adelis_manager", "administrator"}
FILE_READERS = {"officer", "coach", "adoma_manager", "adelis_manager"}
FILE_EDITORS = {"officer", "coach"}
PAGES = [
    ("home", lambda w: reverse("home"), EVERYONE),
    ("residents", lambda w: reverse("residents:list"), EVERYONE - {"staff"}),
    ("new file", lambda w: reverse("residents:create"), {"officer"}),
    ("file", lambda w: w["resident"].get_absolute_url(), FILE_READERS),
    ("edit", lambda w: reverse("residents:edit", args=[w["resident"].pk]), FILE_EDITORS),
    ("history", lambda w: reverse("residents:history", args=[w["resident"].pk]), FILE_EDITORS),
    ("reminders", lambda w: reverse("reminders:mine"), EVERYONE),
    ("roster upload", lambda w: reverse("residents:roster_upload"), {"officer"}),
    (
        "roster preview",
        lambda w: reverse("residents:roster_preview", args=[w["roster_import"].pk]),
        {"officer"},
    ),
    ("password", lambda w: reverse("password_change"), EVERYONE),
    ("worker", lambda w: reverse("worker_check"), {"administrator"}),
]
VIEWPORTS = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]


def _unfold_menu(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.count() and toggler.is_visible():
        toggler.click()
        page.locator("#nav-principale.collapse.show").wait_for()


def _visit(page, url, *, status=200):
    response = page.goto(url)
    assert response.status == status, f"{url}: {response.status}"
    assert page.url.endswith(url), f"{url} led to {page.url}"
    _unfold_menu(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("member", sorted(EVERYONE))
def test_every_page_a_member_reaches_has_no_serious_violation(
    new_page, assert_accessible, cast, resident, roster_import, member, viewport
):
    world = {"resident": resident, "roster_import": roster_import}
    page = log_in_on(new_page(viewport), cast[member])
    seen = []
    for name, url, members in PAGES:
        if member not in members:
            continue
        _visit(page, url(world))
        assert_accessible(page)
        seen.append(name)
    assert "home" in seen and "password" in seen


def test_an_unknown_page_has_no_serious_violation(
    new_page, page_problems, assert_accessible, officer
):
    page = log_in_on(new_page(PHONE), officer)
    _visit(page, "/cette-page-n-existe-pas/", status=404)
    # Chromium reports the 404 of the page itself as a resource that did not load.
    page_problems[:] = [p for p in page_problems if "status of 404" not in p]
    expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_login_page_has_no_serious_violation(new_page, assert_accessible, viewport):
    page = new_page(viewport)
    _visit(page, reverse("login"))
    assert_accessible(page)


def test_the_navigation_bar_keeps_its_contrast_on_hover_focus_and_when_pressed(
    desktop, axe_source, officer
):
    page = log_in_on(desktop, officer)
    page.emulate_media(reduced_motion="reduce")  # no colour transition to wait for
    page.goto(reverse("residents:list"))
    items = page.locator("nav .nav-link")
    names = items.all_inner_texts()
    assert {"Accueil", "Résidents", "Mes rappels", "Mot de passe", "Se déconnecter"} <= set(names)
    assert page.locator("nav .nav-link.active").inner_text() == "Résidents"
    for index in range(items.count()):
        item = items.nth(index)
        for state in ("hover", "focus"):
            getattr(item, state)()
            violations = axe_violations(page, axe_source, include="nav", rules=["color-contrast"])
            assert not violations, f"{names[index]} ({state}):\n{describe_violations(violations)}"
    # Pressed: the logout button is held down, not released (which would log out).
    page.get_by_role("button", name="Se déconnecter").hover()
    page.mouse.down()
    violations = axe_violations(page, axe_source, include="nav", rules=["color-contrast"])
    page.mouse.move(0, 0)
    page.mouse.up()
    assert not violations, f"Se déconnecter (pressed):\n{describe_violations(violations)}"


def test_a_contrast_failure_on_the_navigation_bar_fails_the_check(
    desktop, assert_accessible, officer
):
    """The check itself: the grey links Bootstrap's navbar-dark gives on bg-primary fail."""
    page = log_in_on(desktop, officer)
    page.evaluate(
        """() => {
            const nav = document.querySelector('nav.navbar');
            nav.style.setProperty('background-color', '#0d6efd');
            nav.style.setProperty('--bs-navbar-color', 'rgba(255, 255, 255, 0.55)');
        }"""
    )
    with pytest.raises(AssertionError, match="color-contrast \\(serious\\)") as failure:
        assert_accessible(page)
    assert ".navbar-text" in str(failure.value)  # the user line, among the nodes named
