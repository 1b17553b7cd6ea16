import datetime

import factory
from django.utils import timezone

from employers.enums import (
    ContractType,
    NetworkStatus,
    OpeningStatus,
    ProspectingKind,
    ProspectingOutcome,
    Sector,
)
from employers.models import Employer, EmployerContact, JobOpening, ProspectingAction
from employers.services import employer_name_key
from o2r.core.demo import TERRITORY
from residents.normalise import fold

# Valid SIRETs, one per factory row: a SIREN with its Luhn key, NIC 0001 and the SIRET's key.


def _luhn_key(digits: str) -> str:
    """The digit that makes `digits` + it pass the Luhn check."""
    for key in "0123456789":
        total = 0
        for index, digit in enumerate(int(d) for d in reversed(digits + key)):
            if index % 2:
                digit *= 2
                if digit > 9:
                    digit -= 9
            total += digit
        if total % 10 == 0:
            return key
    raise AssertionError("unreachable")


def valid_siret(n: int) -> str:
    """A 14-digit SIRET whose SIREN (9 digits) and whole number pass the Luhn check (as
    python-stdnum requires), different for each n."""
    siren = f"{80000000 + n:08d}"
    siren += _luhn_key(siren)
    base = siren + "0001"
    return base + _luhn_key(base)


class EmployerFactory(factory.django.DjangoModelFactory):
    """A company of the Nantes territory; `status=` any NetworkStatus."""

    class Meta:
        model = Employer

    name = factory.Iterator(
        [
            "Boulangerie Le Fournil d'Erdre",
            "Nettoyage Atlantique Services",
            "Logistique des Pays de Loire",
            "Restaurant Le Lieu Unique",
            "Aide et Domicile Nantes Sud",
            "Bâtiment Kerbrat et Fils",
        ]
    )
    name_key = factory.LazyAttribute(lambda o: employer_name_key(o.name))
    siret = factory.Sequence(valid_siret)
    sector = Sector.CLEANING
    city = "Nantes"
    city_key = factory.LazyAttribute(lambda o: fold(o.city))
    postcode = "44000"
    territory = TERRITORY
    status = NetworkStatus.PROSPECT
    created_by = factory.SubFactory("tests.accounts.factories.UserFactory")
    owner = factory.LazyAttribute(lambda o: o.created_by)


class EmployerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerContact

    employer = factory.SubFactory(EmployerFactory)
    first_name = "Nathalie"
    last_name = "Guérin"
    role = "Gérante"
    phone = "+33240000000"
    email = "n.guerin@example.fr"


class ProspectingActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProspectingAction

    employer = factory.SubFactory(EmployerFactory)
    kind = ProspectingKind.VISIT
    outcome = ProspectingOutcome.MET
    at = factory.LazyFunction(timezone.now)
    by = factory.LazyAttribute(lambda o: o.employer.created_by)


def rome_title(label="Agent / Agente de propreté de locaux"):
    """A ROME title; loads the reference first if a transactional test flushed it."""
    from employers.models import RomeAppellation, RomeCode
    from employers.rome import load_rome

    if not RomeAppellation.objects.filter(label=label).exists():
        load_rome(RomeCode, RomeAppellation)
    return RomeAppellation.objects.select_related("rome").get(label=label)


class JobOpeningFactory(factory.django.DjangoModelFactory):
    """An open CDI of 35 hours; `status=OpeningStatus.FILLED` needs `closed_on`."""

    class Meta:
        model = JobOpening

    employer = factory.SubFactory(EmployerFactory)
    rome_appellation = factory.LazyFunction(rome_title)
    rome = factory.LazyAttribute(lambda o: o.rome_appellation.rome)
    title = factory.LazyAttribute(lambda o: o.rome_appellation.label)
    contract_type = ContractType.CDI
    weekly_hours = 35
    full_time = True
    city = "Nantes"
    postcode = "44000"
    hidden_market = True
    status = OpeningStatus.OPEN
    opened_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    created_by = factory.LazyAttribute(lambda o: o.employer.created_by)
