"""Demo data: the six residences of the Nantes programme, the two organisations and one user
per role. Invented people and addresses; only `load_demo` writes them, never production."""

from django.conf import settings
from django.db import transaction

from o2r.accounts.enums import OrganisationKind, Role
from o2r.accounts.models import Organisation, User
from residents.enums import ResidenceKind
from residents.models import Residence, ResidenceMembership

TERRITORY = "Nantes Métropole"

ORGANISATIONS = {
    "adoma": ("Adoma", OrganisationKind.HOUSING),
    "adelis": ("Adelis — Médiation Emploi", OrganisationKind.EMPLOYMENT),
}

RESIDENCES = [
    # name, kind, address, city, capacity
    (
        "Résidence Les Dervallières",
        ResidenceKind.SOCIAL_RESIDENCE,
        "12 rue Auguste Renoir",
        "Nantes",
        148,
    ),
    (
        "Résidence Malakoff",
        ResidenceKind.SOCIAL_RESIDENCE,
        "5 boulevard de Sarrebruck",
        "Nantes",
        120,
    ),
    ("Résidence Bellevue", ResidenceKind.WORKERS_HOSTEL, "40 rue du Jamet", "Nantes", 210),
    (
        "Pension de famille Chantenay",
        ResidenceKind.FAMILY_BOARDING_HOUSE,
        "18 rue des Salorges",
        "Nantes",
        25,
    ),
    (
        "Résidence Île de Nantes",
        ResidenceKind.SOCIAL_RESIDENCE,
        "7 quai François Mitterrand",
        "Nantes",
        96,
    ),
    ("Résidence Pont-Rousseau", ResidenceKind.SOCIAL_RESIDENCE, "3 rue Jean Jaurès", "Rezé", 132),
]

DEMO_PASSWORD = "o2r-demo-2026"  # noqa: S105 - a demo password, printed on purpose

# email, first name, last name, organisation key, role, residences (indexes into RESIDENCES)
USERS = [
    ("samia.benali@adoma.demo", "Samia", "Benali", "adoma", Role.INSERTION_OFFICER, range(6)),
    ("marc.legoff@adoma.demo", "Marc", "Le Goff", "adoma", Role.RESIDENCE_STAFF, [0]),
    ("claire.moreau@adelis.demo", "Claire", "Moreau", "adelis", Role.JOB_COACH, []),
    ("helene.garnier@adoma.demo", "Hélène", "Garnier", "adoma", Role.MANAGER, range(6)),
    ("karim.haddad@adelis.demo", "Karim", "Haddad", "adelis", Role.MANAGER, []),
    ("sophie.martin@o2r.demo", "Sophie", "Martin", "adoma", Role.ADMINISTRATOR, []),
]


class DemoRefused(Exception):
    pass


@transaction.atomic
def demo_load():
    """Creates what is missing and resets the demo passwords; running it twice changes nothing."""
    if settings.PRODUCTION:
        raise DemoRefused("Les données de démonstration ne sont jamais chargées en production.")
    organisations = {
        key: Organisation.objects.update_or_create(name=name, defaults={"kind": kind})[0]
        for key, (name, kind) in ORGANISATIONS.items()
    }
    residences = [
        Residence.objects.update_or_create(
            territory=TERRITORY,
            name=name,
            defaults={"kind": kind, "address": address, "city": city, "capacity": capacity},
        )[0]
        for name, kind, address, city, capacity in RESIDENCES
    ]
    logins = []
    for email, first_name, last_name, org_key, role, residence_indexes in USERS:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "organisation": organisations[org_key],
                "role": role,
                "is_active": True,
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
            },
        )
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        for index in residence_indexes:
            ResidenceMembership.objects.get_or_create(user=user, residence=residences[index])
        logins.append((user, DEMO_PASSWORD))
    return logins
