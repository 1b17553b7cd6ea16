"""The dashboard's known small world (world.py), built on the fixed cast of tests/conftest.py:
the Adoma manager (Hélène Garnier) is a member of the six Nantes residences, the Adelis manager
(Karim Haddad) works on the Nantes territory."""

import copy

import pytest
import time_machine

from tests import cast as the_cast
from tests.conftest import built_once

from .world import NOW, build_world


@pytest.fixture
def world(
    officer,
    staff,
    coach,
    adoma_manager,
    adelis_manager,
    adelis,
    nantes_residences,
    other_territory_residence,
):
    return build_world(
        officer=officer,
        staff=staff,
        coach=coach,
        adoma_manager=adoma_manager,
        adelis_manager=adelis_manager,
        adelis=adelis,
        nantes_residences=nantes_residences,
        other_territory_residence=other_territory_residence,
    )


@pytest.fixture(scope="module")
def _built_on_now(django_db_setup, django_db_blocker):
    """The cast and the world as of NOW, built once for a module whose tests all run on NOW
    (test_views.py, test_exports.py): each test reads them in a savepoint rolled back after it
    (tests/conftest.py's `built_once`)."""

    def build():
        with time_machine.travel(NOW, tick=False):
            rows = the_cast.cast_world()
            rows["world"] = build_world(
                officer=rows["officer"],
                staff=rows["staff"],
                coach=rows["coach"],
                adoma_manager=rows["adoma_manager"],
                adelis_manager=rows["adelis_manager"],
                adelis=rows["adelis"],
                nantes_residences=rows["nantes_residences"],
                other_territory_residence=rows["other_territory_residence"],
            )
        return rows

    yield from built_once(django_db_blocker, build)


@pytest.fixture
def rows_on_now(db, _built_on_now):
    """This test's copy of the cast and the world built once for the module: a module that
    uses it overrides `world` and `cast` with them."""
    return copy.deepcopy(_built_on_now)
