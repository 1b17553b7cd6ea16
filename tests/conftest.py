"""The fixed cast every test can call on.

- officer: Adoma insertion officer working on the six Nantes residences;
- staff: Adoma residence staff at one of them;
- coach: Adelis job coach (no residence; her account's territory is Nantes Métropole);
- adoma_manager, adelis_manager: a manager of each organisation;
- administrator: manages users and residences, no membership;
- outsider: an insertion officer whose memberships are in another territory (Saint-Nazaire).
"""

import contextlib
import sys
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import override_settings
from zeal import constants as zeal_constants
from zeal import patch as zeal_patch

from o2r.sms import tasks as sms_tasks
from o2r.sms.backends import locmem
from tests import cast as the_cast


def settings_for_tests(current):
    """The settings every test runs with (`current`: the settings they change)."""
    return {
        # Manifest storage needs collectstatic; tests render templates with plain storage and
        # serve static files from the finders, so whitenoise looks for no collected folder.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],  # speed only
        "STORAGES": {
            **current.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # Whitenoise looks a static file up when it is asked for, instead of listing every
        # static file of every app for each test client (40 ms a client): speed only, the
        # tests ask for no static file through it (the browser tests' live server serves them).
        "WHITENOISE_AUTOREFRESH": True,
        # SMS stay in memory (o2r.sms.backends.locmem), emptied for each test; quiet hours stay
        # on: a test that sends at any hour opens them itself.
        "SMS_BACKEND": "locmem",
        # The dashboard computes its figures on every page (tests/dashboard/test_cache.py
        # keeps them): a test's rows are counted at once, whatever another test computed.
        "O2R_DASHBOARD_FIGURES_TTL": 0,
        # The cache in this process's memory: never the machine's Redis, whose clear() is a
        # FLUSHDB that would empty another run's queues.
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    }


@pytest.fixture(autouse=True)
def _test_settings(settings):
    for name, value in settings_for_tests(settings).items():
        setattr(settings, name, value)
    locmem.reset()


# django-zeal patches the ORM as its AppConfig.ready() would: done here rather than through
# INSTALLED_APPS, so that no settings module, production's least of all, ever loads it.
zeal_constants.initialize_app_registry()
zeal_patch.patch()


@pytest.fixture(autouse=True)
def _no_n_plus_one(settings):
    """An N+1 in a request fails the test (zeal.NPlusOneError): a relation or a deferred field
    loaded row by row from one line of code. Zeal's middleware comes first, so that every
    middleware is watched too. A request is the unit: watching a whole test would count a
    service the test calls twice (for two files) as an N+1."""
    settings.MIDDLEWARE = ["zeal.middleware.zeal_middleware", *settings.MIDDLEWARE]
    settings.ZEAL_SHOW_ALL_CALLERS = True  # each call's stack: templates run in site-packages
    # Zeal also counts a `.get()` run twice from one line. Allowed, model by model, where that
    # is a helper loading or locking one row, a count that does not grow with the data:
    settings.ZEAL_ALLOWLIST = [
        # Django's own session read.
        {"model": "sessions.Session", "field": "get()"},
        # get_resident_for_user when a refused form shows the file again;
        # residents.services._lock under a nested service.
        {"model": "residents.Resident", "field": "get()"},
        # reminder_upsert for a placement's four follow-ups (D+7, M1, M3, M6).
        {"model": "reminders.Reminder", "field": "get()"},
        # employment/access.py's page helper fetching its object twice for a refused form.
        {"model": "employment.Introduction", "field": "get()"},
        {"model": "employment.Placement", "field": "get()"},
        # update_or_create per language of a campaign (at most a handful) and per benefit of
        # a file (a handful): bounded by the form, not by the data.
        {"model": "outreach.SmsCampaignVariant", "field": "get()"},
        {"model": "residents.ResidentBenefit", "field": "get()"},
    ]


@contextlib.contextmanager
def _tasks_not_published():
    with (
        mock.patch.object(sms_tasks.dispatch_pending, "delay"),
        mock.patch.object(sms_tasks.send_sms_many, "delay"),
        mock.patch.object(sms_tasks.send_sms, "delay"),
    ):
        yield


@pytest.fixture(autouse=True)
def _sms_tasks_stay_here(request):
    """The outbox's tasks are not published by the tests that do not start a worker: they
    would wait in the machine's broker (or `var/` for `make run`) and reach another test's
    worker. Tests that check what is published patch these themselves; those marked `process`
    publish for real."""
    if request.node.get_closest_marker("process"):
        yield
        return
    with _tasks_not_published():
        yield


def built_once(django_db_blocker, build):
    """For a module-scoped fixture (`yield from built_once(django_db_blocker, build)`): the
    rows `build()` writes, as a test would write them, stay for the module's tests and are
    rolled back after the last one. They are written in a transaction left open while the
    tests run, each in a savepoint of it that pytest-django's `db` fixture rolls back: every
    test starts from the same rows, built once instead of once per test. A test gets its own
    copy of the objects `build()` returns (copy.deepcopy), never the shared ones."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(**settings_for_tests(django_settings)), _tasks_not_published():
                built = build()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def adoma(db):
    return the_cast.adoma()


@pytest.fixture
def adelis(db):
    return the_cast.adelis()


@pytest.fixture
def nantes_residences(db):
    return the_cast.nantes_residences()


@pytest.fixture
def other_territory_residence(db):
    return the_cast.other_territory_residence()


@pytest.fixture
def officer(adoma, nantes_residences):
    return the_cast.officer(adoma, nantes_residences)


@pytest.fixture
def staff(adoma, nantes_residences):
    return the_cast.staff(adoma, nantes_residences)


@pytest.fixture
def coach(adelis):
    return the_cast.coach(adelis)


@pytest.fixture
def adoma_manager(adoma, nantes_residences):
    return the_cast.adoma_manager(adoma, nantes_residences)


@pytest.fixture
def adelis_manager(adelis):
    return the_cast.adelis_manager(adelis)


@pytest.fixture
def administrator(adoma):
    return the_cast.administrator(adoma)


@pytest.fixture
def outsider(adoma, other_territory_residence):
    return the_cast.outsider(adoma, other_territory_residence)


@pytest.fixture
def cast(officer, staff, coach, adoma_manager, adelis_manager, administrator, outsider):
    return {
        "officer": officer,
        "staff": staff,
        "coach": coach,
        "adoma_manager": adoma_manager,
        "adelis_manager": adelis_manager,
        "administrator": administrator,
        "outsider": outsider,
    }
