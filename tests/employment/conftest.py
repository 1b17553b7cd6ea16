"""The people of the accompaniment tests, brought where they stand through the services (the
path as the application walks it): an engaged resident with both consents, the orientation to
Adelis, the accompaniment the coach accepted."""

import datetime

import pytest
from django.utils import timezone

from employment import services
from o2r.accounts.enums import Role
from o2r.core.demo import TERRITORY
from residents import services as resident_services
from residents.enums import ConsentMethod, ConsentScope, Stage
from tests.accounts.factories import UserFactory
from tests.employers.factories import EmployerFactory, JobOpeningFactory
from tests.residents.factories import ResidentFactory


def engage(resident, *, officer, adelis, sharing=True):
    """Accompaniment consent, "engaged", and (by default) the sharing consent to Adelis."""
    given = timezone.localdate() - datetime.timedelta(days=20)
    resident_services.consent_record(
        resident=resident,
        scope=ConsentScope.ACCOMPANIMENT,
        given_on=given,
        method=ConsentMethod.SIGNED_FORM,
        by=officer,
    )
    resident_services.resident_change_stage(resident=resident, to=Stage.ENGAGED, by=officer)
    if sharing:
        resident_services.consent_record(
            resident=resident,
            scope=ConsentScope.SHARING,
            given_on=given,
            method=ConsentMethod.SIGNED_FORM,
            by=officer,
            recipient_organisation=adelis,
        )
    resident.refresh_from_db()
    return resident


@pytest.fixture
def engaged(officer, adelis, nantes_residences):
    resident = ResidentFactory(
        first_name="Awa", last_name="Koné", residence=nantes_residences[0], french_level="b1"
    )
    return engage(resident, officer=officer, adelis=adelis)


@pytest.fixture
def orientation(engaged, officer, adelis):
    return services.orientation_create(
        resident=engaged,
        organisation=adelis,
        by=officer,
        reason="Veut travailler le matin, dans la propreté.",
    )


@pytest.fixture
def accompaniment(orientation, coach):
    return services.orientation_accept(orientation=orientation, by=coach)


@pytest.fixture
def employer(coach):
    return EmployerFactory(name="Net'Atlantique", city="Nantes", created_by=coach)


@pytest.fixture
def opening(employer):
    return JobOpeningFactory(employer=employer, positions=1)


@pytest.fixture
def other_coach(adelis):
    """A second coach of Adelis, on the same territory."""
    return UserFactory(
        email="ines.roux@adelis.test",
        first_name="Inès",
        last_name="Roux",
        organisation=adelis,
        role=Role.JOB_COACH,
        territory=TERRITORY,
    )


def hire(accompaniment, coach, *, start_on=None, contract_type="cdi", **data):
    """A placement recorded through the service (by default a 35-hour CDI starting today)."""
    data = {
        "contract_type": contract_type,
        "start_on": start_on or timezone.localdate(),
        "weekly_hours": "35",
        **data,
    }
    if "opening" not in data and "employer" not in data:
        data["employer"] = EmployerFactory(created_by=coach)
    return services.placement_record(accompaniment=accompaniment, by=coach, data=data)


@pytest.fixture
def placement(accompaniment, coach, opening):
    return hire(accompaniment, coach, opening=opening)
