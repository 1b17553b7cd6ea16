"""The dashboard's known small world (world.py), built on the fixed cast of tests/conftest.py:
the Adoma manager (Hélène Garnier) is a member of the six Nantes residences, the Adelis manager
(Karim Haddad) works on the Nantes territory."""

import pytest

from .world import build_world


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
