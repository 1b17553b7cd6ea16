"""The fixed cast every test can call on.

- officer: Adoma insertion officer working on the six Nantes residences;
- staff: Adoma residence staff at one of them;
- coach: Adelis job coach (no residence; her account's territory is Nantes Métropole);
- adoma_manager, adelis_manager: a manager of each organisation;
- administrator: manages users and residences, no membership;
- outsider: an insertion officer whose memberships are in another territory (Saint-Nazaire).
"""

from unittest import mock

import pytest

from o2r.accounts.enums import Role
from o2r.core.demo import RESIDENCES, TERRITORY
from o2r.sms import tasks as sms_tasks
from o2r.sms.backends import locmem
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.residents.factories import ResidenceFactory, ResidenceMembershipFactory


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Manifest storage needs collectstatic; tests render templates with plain storage and serve
    # static files from the finders, so whitenoise looks for no collected folder.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # SMS stay in memory (o2r.sms.backends.locmem), emptied for each test; quiet hours stay on:
    # a test that sends at any hour opens them itself.
    settings.SMS_BACKEND = "locmem"
    locmem.reset()


@pytest.fixture(autouse=True)
def _sms_tasks_stay_here(request):
    """The outbox's tasks are not published by the tests that do not start a worker: they
    would wait in the machine's broker (or `var/` for `make run`) and reach another test's
    worker. Tests that check what is published patch these themselves; those marked `process`
    publish for real."""
    if request.node.get_closest_marker("process"):
        yield
        return
    with (
        mock.patch.object(sms_tasks.dispatch_pending, "delay"),
        mock.patch.object(sms_tasks.send_sms_many, "delay"),
        mock.patch.object(sms_tasks.send_sms, "delay"),
    ):
        yield


@pytest.fixture
def adoma(db):
    return OrganisationFactory(adoma=True)


@pytest.fixture
def adelis(db):
    return OrganisationFactory(adelis=True)


@pytest.fixture
def nantes_residences(db):
    return [
        ResidenceFactory(
            name=name,
            kind=kind,
            address=address,
            city=city,
            capacity=capacity,
            territory=TERRITORY,
        )
        for name, kind, address, city, capacity in RESIDENCES
    ]


@pytest.fixture
def other_territory_residence(db):
    return ResidenceFactory(
        name="Résidence Les Salines", city="Saint-Nazaire", territory="Saint-Nazaire Agglo"
    )


def _member_of(user, residences):
    for residence in residences:
        ResidenceMembershipFactory(user=user, residence=residence)
    return user


@pytest.fixture
def officer(adoma, nantes_residences):
    user = UserFactory(
        email="samia.benali@adoma.test",
        first_name="Samia",
        last_name="Benali",
        organisation=adoma,
        role=Role.INSERTION_OFFICER,
    )
    return _member_of(user, nantes_residences)


@pytest.fixture
def staff(adoma, nantes_residences):
    user = UserFactory(
        email="marc.legoff@adoma.test",
        first_name="Marc",
        last_name="Le Goff",
        organisation=adoma,
        role=Role.RESIDENCE_STAFF,
    )
    return _member_of(user, nantes_residences[:1])


@pytest.fixture
def coach(adelis):
    return UserFactory(
        email="claire.moreau@adelis.test",
        first_name="Claire",
        last_name="Moreau",
        organisation=adelis,
        role=Role.JOB_COACH,
        territory=TERRITORY,
    )


@pytest.fixture
def adoma_manager(adoma, nantes_residences):
    user = UserFactory(
        email="helene.garnier@adoma.test",
        first_name="Hélène",
        last_name="Garnier",
        organisation=adoma,
        role=Role.MANAGER,
    )
    return _member_of(user, nantes_residences)


@pytest.fixture
def adelis_manager(adelis):
    return UserFactory(
        email="karim.haddad@adelis.test",
        first_name="Karim",
        last_name="Haddad",
        organisation=adelis,
        role=Role.MANAGER,
        territory=TERRITORY,
    )


@pytest.fixture
def administrator(adoma):
    return UserFactory(
        email="sophie.martin@o2r.test",
        first_name="Sophie",
        last_name="Martin",
        organisation=adoma,
        administrator=True,
    )


@pytest.fixture
def outsider(adoma, other_territory_residence):
    user = UserFactory(
        email="yann.kerouac@adoma.test",
        first_name="Yann",
        last_name="Kerouac",
        organisation=adoma,
        role=Role.INSERTION_OFFICER,
    )
    return _member_of(user, [other_territory_residence])


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
