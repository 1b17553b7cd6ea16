"""The rows of the fixed cast (tests/conftest.py says who is who), as plain functions: the
fixtures of tests/conftest.py build them for one test, `cast_world()` builds them all at once
for a module's shared world (tests/conftest.py's `built_once`)."""

from o2r.accounts.enums import Role
from o2r.core.demo import RESIDENCES, TERRITORY
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.residents.factories import ResidenceFactory, ResidenceMembershipFactory

CAST = ["officer", "staff", "coach", "adoma_manager", "adelis_manager", "administrator", "outsider"]


def adoma():
    return OrganisationFactory(adoma=True)


def adelis():
    return OrganisationFactory(adelis=True)


def nantes_residences():
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


def other_territory_residence():
    return ResidenceFactory(
        name="Résidence Les Salines", city="Saint-Nazaire", territory="Saint-Nazaire Agglo"
    )


def _member_of(user, residences):
    for residence in residences:
        ResidenceMembershipFactory(user=user, residence=residence)
    return user


def officer(adoma, nantes_residences):
    user = UserFactory(
        email="samia.benali@adoma.test",
        first_name="Samia",
        last_name="Benali",
        organisation=adoma,
        role=Role.INSERTION_OFFICER,
    )
    return _member_of(user, nantes_residences)


def staff(adoma, nantes_residences):
    user = UserFactory(
        email="marc.legoff@adoma.test",
        first_name="Marc",
        last_name="Le Goff",
        organisation=adoma,
        role=Role.RESIDENCE_STAFF,
    )
    return _member_of(user, nantes_residences[:1])


def coach(adelis):
    return UserFactory(
        email="claire.moreau@adelis.test",
        first_name="Claire",
        last_name="Moreau",
        organisation=adelis,
        role=Role.JOB_COACH,
        territory=TERRITORY,
    )


def adoma_manager(adoma, nantes_residences):
    user = UserFactory(
        email="helene.garnier@adoma.test",
        first_name="Hélène",
        last_name="Garnier",
        organisation=adoma,
        role=Role.MANAGER,
    )
    return _member_of(user, nantes_residences)


def adelis_manager(adelis):
    return UserFactory(
        email="karim.haddad@adelis.test",
        first_name="Karim",
        last_name="Haddad",
        organisation=adelis,
        role=Role.MANAGER,
        territory=TERRITORY,
    )


def administrator(adoma):
    return UserFactory(
        email="sophie.martin@o2r.test",
        first_name="Sophie",
        last_name="Martin",
        organisation=adoma,
        administrator=True,
    )


def outsider(adoma, other_territory_residence):
    user = UserFactory(
        email="yann.kerouac@adoma.test",
        first_name="Yann",
        last_name="Kerouac",
        organisation=adoma,
        role=Role.INSERTION_OFFICER,
    )
    return _member_of(user, [other_territory_residence])


def cast_world() -> dict:
    """Every fixture of tests/conftest.py's cast by its name, built in the order the `cast`
    fixture builds them."""
    w = {"adoma": adoma(), "nantes_residences": nantes_residences()}
    w["officer"] = officer(w["adoma"], w["nantes_residences"])
    w["staff"] = staff(w["adoma"], w["nantes_residences"])
    w["adelis"] = adelis()
    w["coach"] = coach(w["adelis"])
    w["adoma_manager"] = adoma_manager(w["adoma"], w["nantes_residences"])
    w["adelis_manager"] = adelis_manager(w["adelis"])
    w["administrator"] = administrator(w["adoma"])
    w["other_territory_residence"] = other_territory_residence()
    w["outsider"] = outsider(w["adoma"], w["other_territory_residence"])
    w["cast"] = {member: w[member] for member in CAST}
    return w
