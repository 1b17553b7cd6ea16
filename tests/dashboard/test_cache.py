"""The dashboard's kept figures (o2r/dashboard/cache.py), on the known world of world.py.

Proved here: a selection's figures are computed once and then read back, equal, without a
query on the programme's tables; the page says when they were computed and "Actualiser"
computes them again at once; a row written since is counted after that (and not before: the
figures are kept, the page says so); each scope has its own; the links of kept figures are
still the reader's own; the exports read the same figures; a cache that fails leaves the
page as it was without it; the beat's warming computes each reader's opening selection.
"""

import re
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache as django_cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from o2r.dashboard import cache
from o2r.dashboard.tasks import warm_dashboards
from residents.enums import Stage
from residents.models import StageChange
from tests.residents.factories import ResidentFactory

from .test_views import YEAR, get, links, shown
from .world import NOW, at

pytestmark = pytest.mark.django_db
HOME = reverse("dashboard:home")
# The programme's tables: a page served from kept figures reads none of them.
PROGRAMME = re.compile(
    r'FROM "(residents_stagechange|outreach_\w+|employment_\w+|employers_\w+|sms_\w+)"'
)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world(rows_on_now):
    return rows_on_now["world"]


@pytest.fixture(autouse=True)
def _kept(settings):
    settings.O2R_DASHBOARD_FIGURES_TTL = 600
    django_cache.clear()
    yield
    django_cache.clear()


def _page(client, user, params=YEAR):
    with CaptureQueriesContext(connection) as queries:
        response = get(client, user, HOME, params)
    assert response.status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if PROGRAMME.search(q["sql"])]
    return response, reads


def _new_engaged_person(world):
    residence = world.in_qpv
    person = ResidentFactory(residence=residence, stage=Stage.ENGAGED)
    StageChange.objects.create(
        resident=person,
        to_stage=Stage.ENGAGED,
        changed_by=world.officer,
        changed_at=at(2025, 6, 3),
        residence=residence,
    )


def test_the_second_page_reads_the_kept_figures_without_counting_again(client, world):
    first, first_reads = _page(client, world.housing_manager)
    second, second_reads = _page(client, world.housing_manager)

    assert first_reads, "the first page computes its figures"
    assert second_reads == []
    assert shown(second) == shown(first)
    assert first.context["computed"].from_cache is False
    assert second.context["computed"].from_cache is True
    text = second.content.decode()
    assert "Chiffres calculés le 15/01/2026 à" in text
    assert "ils sont recalculés toutes les 10 minutes" in text
    assert "actualiser=1" in text


def test_a_row_written_since_is_counted_after_actualiser(client, world):
    before, _ = _page(client, world.housing_manager)
    _new_engaged_person(world)

    kept, _ = _page(client, world.housing_manager)
    fresh, fresh_reads = _page(client, world.housing_manager, {**YEAR, "actualiser": "1"})
    after, after_reads = _page(client, world.housing_manager)

    engaged = "Remobilisées (accord d'accompagnement)"
    assert kept.context["computed"].from_cache
    assert shown(kept)["parcours"][engaged] == shown(before)["parcours"][engaged]
    assert fresh_reads and fresh.context["computed"].from_cache is False
    assert shown(fresh)["parcours"][engaged][0] == shown(before)["parcours"][engaged][0] + 1
    # The fresh figures are the kept ones now; the links carry no "actualiser".
    assert after_reads == []
    assert shown(after) == shown(fresh)
    urls = [url for row in links(fresh, "parcours").values() for url in row if url]
    assert urls and not any("actualiser" in url for url in urls)


def test_kept_figures_equal_figures_computed_now(client, world):
    get(client, world.housing_manager, HOME, YEAR)
    kept, _ = _page(client, world.housing_manager)

    with mock.patch.object(cache, "_get", return_value=None):
        computed, _ = _page(client, world.housing_manager)

    assert kept.context["computed"].from_cache
    assert shown(kept) == shown(computed)


def test_each_scope_has_its_own_figures(client, world):
    """The Adelis manager's scope (her territory, her organisation's job side) is not the
    Adoma manager's: kept figures of one are never the other's."""
    housing, _ = _page(client, world.housing_manager)
    employment, employment_reads = _page(client, world.employment_manager)
    housing_selection = housing.context["selection"]
    employment_selection = employment.context["selection"]

    assert housing_selection != employment_selection
    assert cache.key_for(housing_selection, NOW.date()) != cache.key_for(
        employment_selection, NOW.date()
    )
    assert employment_reads, "computed for her scope, not read from the other's"
    assert employment.context["computed"].from_cache is False
    with mock.patch.object(cache, "_get", return_value=None):
        computed, _ = _page(client, world.employment_manager)
    assert shown(employment) == shown(computed)


def test_kept_figures_hold_no_link_the_reader_gets_her_own(client, world):
    """The figures are shared by the readers of a selection: what is kept names indicators,
    never URLs; which cells link to a list is decided for each reader and request."""
    first, _ = _page(client, world.housing_manager)
    kept, _ = _page(client, world.housing_manager)
    tables = cache.tables_for(kept.context["selection"], today=NOW.date())

    assert tables.from_cache
    indicators = [link for t in tables.tables for row in t.rows for link in (row.links or [])]
    assert indicators and not any((link or "").startswith("/") for link in indicators)
    assert links(kept, "contacts") == links(first, "contacts")
    assert any(url for urls in links(kept, "contacts").values() for url in urls)


def test_a_day_later_the_figures_are_computed_again(client, world, time_machine):
    _page(client, world.housing_manager)
    time_machine.move_to(NOW + timezone.timedelta(days=1), tick=False)

    response, reads = _page(client, world.housing_manager)

    assert reads
    assert response.context["computed"].from_cache is False


def test_the_export_reads_the_figures_the_page_shows(client, world):
    _page(client, world.housing_manager)
    _new_engaged_person(world)

    csv = get(client, world.housing_manager, reverse("dashboard:export", args=["csv"]), YEAR)
    fresh = get(
        client,
        world.housing_manager,
        reverse("dashboard:export", args=["csv"]),
        {**YEAR, "actualiser": "1"},
    )

    text, fresh_text = csv.content.decode("utf-8-sig"), fresh.content.decode("utf-8-sig")
    assert "Chiffres calculés le;15/01/2026 à" in text
    assert text != fresh_text, "the kept figures predate the new row; actualiser counts it"


def test_a_cache_that_fails_leaves_the_page_computed(client, world, caplog):
    with (
        mock.patch.object(cache.cache, "get", side_effect=ConnectionError("cache down")),
        mock.patch.object(cache.cache, "set", side_effect=ConnectionError("cache down")),
    ):
        response, reads = _page(client, world.housing_manager)

    assert reads
    assert response.context["computed"].from_cache is False
    assert "Chiffres calculés le 15/01/2026" in response.content.decode()
    messages = [r.getMessage() for r in caplog.records if r.name == "o2r.dashboard"]
    assert "dashboard cache unavailable (read): figures computed for the request" in messages
    assert "dashboard cache unavailable (write): figures not kept" in messages


def test_without_a_ttl_nothing_is_kept(client, world, settings):
    settings.O2R_DASHBOARD_FIGURES_TTL = 0
    _page(client, world.housing_manager)

    response, reads = _page(client, world.housing_manager)

    assert reads
    assert response.context["computed"].from_cache is False
    assert "actualiser=1" not in response.content.decode()


def _signed_in_lately(*users):
    for user in users:
        user.last_login = NOW - timezone.timedelta(days=3)
        user.save(update_fields=["last_login"])


def test_the_warming_computes_each_readers_opening_figures(client, world):
    _signed_in_lately(world.housing_manager, world.employment_manager)

    warmed = warm_dashboards()

    housing, housing_reads = _page(client, world.housing_manager, {})
    employment, employment_reads = _page(client, world.employment_manager, {})
    assert warmed == 2
    assert housing_reads == [] and employment_reads == []
    assert housing.context["computed"].from_cache
    assert employment.context["computed"].from_cache


def test_the_warming_leaves_out_readers_gone_for_a_month_the_night_and_a_ttl_of_0(
    client, world, settings, time_machine
):
    _signed_in_lately(world.housing_manager)
    world.employment_manager.last_login = NOW - timezone.timedelta(days=31)
    world.employment_manager.save(update_fields=["last_login"])

    assert warm_dashboards() == 1
    settings.O2R_DASHBOARD_FIGURES_TTL = 0
    assert warm_dashboards() == 0
    settings.O2R_DASHBOARD_FIGURES_TTL = 600
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 1, 15, 23, 30)), tick=False)
    assert warm_dashboards() == 0


def test_a_failing_selection_stops_no_other_warming_but_the_time_limit_stops_all(world, caplog):
    _signed_in_lately(world.housing_manager, world.employment_manager)
    calls = []

    def warm(selection, **_):
        calls.append(selection)
        if len(calls) == 1:
            raise RuntimeError("boom")

    with mock.patch.object(cache, "warm", side_effect=warm):
        assert warm_dashboards() == 2

    assert len(calls) == 2
    assert any("dashboard warm: selection of user" in r.getMessage() for r in caplog.records)
    with (
        mock.patch.object(cache, "warm", side_effect=SoftTimeLimitExceeded()),
        pytest.raises(SoftTimeLimitExceeded),
    ):
        warm_dashboards()
