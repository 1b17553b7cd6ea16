"""`make smoke`'s reading of the pages (scripts/smoke.py): the navigation bar it walks for each
role is the one the application renders, the first item of a list is a page to read, and a
broken page is named by what is wrong with it. Whether every URL answers each member of the
cast is tests/residents/test_access.py's table; the smoke walks the demo in real processes."""

import importlib.util
from pathlib import Path

from django.urls import reverse

from tests.cast import CAST

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "smoke.py"
spec = importlib.util.spec_from_file_location("smoke", SCRIPT)
smoke = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smoke)


def test_the_navigation_read_from_the_page_is_the_one_each_role_is_given(client, cast):
    account_pages = {
        reverse("password_change"): "Mot de passe",
        reverse("accounts:mfa"): "Double authentification",
    }
    for member in CAST:
        client.force_login(cast[member])
        response = client.get(reverse("home"))
        entries = response.context["nav_entries"]

        links, fragments = smoke.navigation(response.content.decode())

        given = {entry["url"]: entry["label"] for entry in entries} | account_pages
        assert links == given, member
        assert list(links) == list(given), member
        assert fragments == [entry["badge_url"] for entry in entries if entry["badge_url"]]
        assert len(links) >= smoke.MIN_NAVIGATION_LINKS, member


def test_no_navigation_bar_reads_as_no_links():
    body = '<html lang="fr"><nav aria-label="Fil d\'Ariane"><a href="/residents/">R</a></nav>'

    assert smoke.navigation(body) == ({}, [])


def test_the_first_item_of_a_list_is_a_page_to_read_never_an_action():
    body = (
        '<a href="/residents/nouveau/">Nouveau</a>'
        '<a href="/residents/12/modifier/">Modifier</a>'
        '<a href="/entreprises/offres/3/">Offre</a>'
        '<a href="/residents/12/">Awa</a><a href="/residents/13/">Binta</a>'
    )

    assert smoke.first_item(body, "/residents/") == "/residents/12/"
    assert smoke.first_item(body, "/entreprises/") is None
    assert smoke.first_item('<a href="/12/">x</a>', "/") is None


def test_a_working_page_has_no_problem_and_a_broken_one_says_why(client, officer, settings):
    settings.ROOT_URLCONF = "tests.core.urls_failing"
    client.raise_request_exception = False
    client.force_login(officer)
    home = client.get(reverse("home"))
    failing = client.get("/panne/")

    assert smoke.page_problems(200, "http://x/", home.content.decode()) == []
    assert smoke.page_problems(500, "http://x/panne/", failing.content.decode()) == ["statut 500"]
    assert smoke.page_problems(200, "http://x/", "<html><body>Bonjour</body></html>") == [
        'pas une page française (<html lang="fr">)'
    ]
    assert smoke.page_problems(200, "http://x/", '<html lang="fr">Traceback (most recent') == [
        "« Traceback » dans la page"
    ]
    assert smoke.page_problems(0, "", "", fragment=True) == ["statut 0"]
    assert smoke.page_problems(200, "/rappels/badge/", "3", fragment=True) == []


def test_a_page_that_sends_back_to_the_login_is_a_failure(client, db):
    response = client.get(reverse("residents:list"), follow=True)
    url = "http://x" + response.request["PATH_INFO"]

    assert smoke.page_problems(200, url, response.content.decode()) == [
        f"renvoyée vers la connexion ({url})"
    ]


def test_the_server_errors_are_read_from_the_log_of_make_run():
    log = (
        '14:31:43 web.1 | [06/Dec/2026 15:31:43] "GET /residents/ HTTP/1.1" 200 500\n'
        '14:31:43 web.1 | [06/Dec/2026 15:31:43] "GET /nulle-part/ HTTP/1.1" 404 2300\n'
        "14:31:43 web.1 | 2026-12-06 15:31:43,100 ERROR django.request Internal Server Error:"
        " /rappels/\n"
        '14:31:43 web.1 | [06/Dec/2026 15:31:43] "GET /rappels/ HTTP/1.1" 500 145\n'
        '14:31:44 web.1 | [06/Dec/2026 15:31:44] "GET /rappels/badge/ HTTP/1.1" 502 0\n'
    )

    assert smoke.server_errors(log) == {"/rappels/", "/rappels/badge/"}
