import factory

from residents.enums import ResidenceKind
from residents.models import Residence, ResidenceMembership


class ResidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Residence

    name = factory.Sequence(lambda n: f"Résidence n° {n}")
    kind = ResidenceKind.SOCIAL_RESIDENCE
    address = factory.Faker("street_address", locale="fr_FR")
    city = "Nantes"
    territory = "Nantes Métropole"
    capacity = 120


class ResidenceMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidenceMembership

    user = factory.SubFactory("tests.accounts.factories.UserFactory")
    residence = factory.SubFactory(ResidenceFactory)
