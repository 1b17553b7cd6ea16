import factory

from o2r.accounts.enums import OrganisationKind, Role
from o2r.accounts.models import Organisation, User

TEST_PASSWORD = "mot-de-passe-de-test-2026"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Association n° {n}")
    kind = OrganisationKind.PARTNER

    class Params:
        adoma = factory.Trait(name="Adoma", kind=OrganisationKind.HOUSING)
        adelis = factory.Trait(name="Adelis — Médiation Emploi", kind=OrganisationKind.EMPLOYMENT)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisatrice{n}@o2r.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    organisation = factory.SubFactory(OrganisationFactory, adoma=True)
    role = Role.INSERTION_OFFICER
    password = factory.django.Password(TEST_PASSWORD)

    class Params:
        administrator = factory.Trait(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
