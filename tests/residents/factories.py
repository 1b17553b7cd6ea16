import datetime

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


class ResidentFactory(factory.django.DjangoModelFactory):
    """A resident of a residence; in the programme ("identified") unless `stage=None`.
    Traits: `complete` adds consents, barriers, notes, stage changes and action steps."""

    class Meta:
        model = "residents.Resident"
        skip_postgeneration_save = True

    first_name = factory.Iterator(
        ["Fatoumata", "Ahmad", "Élodie", "Oksana", "Mamadou", "Nguyen", "Samira", "Jean-Luc"]
    )
    last_name = factory.Iterator(
        ["Diallo", "Rahimi", "Martin", "Kovalenko", "Traoré", "Van An", "Benali", "Le Guen"]
    )
    birth_date = factory.Faker("date_of_birth", minimum_age=18, maximum_age=64)
    residence = factory.SubFactory(ResidenceFactory)
    housing_unit = factory.Sequence(lambda n: f"{100 + n % 300}")
    phone = factory.Sequence(lambda n: f"+336{12000000 + n:08d}")
    phone_is_mobile = True
    stage = "identified"

    @factory.lazy_attribute
    def identity_key(self):
        from residents.normalise import identity_key

        return identity_key(first_name=self.first_name, last_name=self.last_name)

    @factory.lazy_attribute
    def search_text(self):
        from residents.normalise import search_text

        return search_text(
            first_name=self.first_name, last_name=self.last_name, phone=str(self.phone)
        )

    @factory.post_generation
    def complete(obj, create, extracted, **kwargs):
        if not (create and extracted):
            return
        from o2r.accounts.models import User
        from residents import models

        author = kwargs.get("author") or User.objects.filter(role="insertion_officer").first()
        # `rows`: how many times over the file holds each kind of row (query budgets).
        rows = kwargs.get("rows", 1)
        today = datetime.date.today()
        for scope in ("accompaniment", "sms", "health"):
            models.Consent.objects.create(
                resident=obj, scope=scope, given_on=today, method="oral", recorded_by=author
            )
        for _ in range(rows - 1):
            models.Consent.objects.create(
                resident=obj, scope="sms", given_on=today, withdrawn_on=today, method="oral",
                recorded_by=author,
            )  # fmt: skip
        for code in ["language", "mobility", "digital", "housing", "debt", "isolation"][: 2 * rows]:
            models.ResidentBarrier.objects.create(resident=obj, code=code)
        for to in ("identified", "engaged") * rows:
            models.StageChange.objects.create(resident=obj, to_stage=to, changed_by=author)
        for i in range(3 * rows):
            models.Note.objects.create(
                resident=obj,
                author=author,
                author_organisation=author.organisation,
                body=f"Rencontre dans le hall n° {i}.",
                confidential=i == 2,
            )
        for _ in range(rows):
            models.ActionStep.objects.create(
                resident=obj,
                objective="Mobilité",
                step="Demander la carte de transport",
                owner="person",
                due_on=today,
                created_by=author,
            )
            models.ExternalReferent.objects.create(
                resident=obj, kind="france_travail", name="M. Roux"
            )
        for benefit in ["rsa", "prime_activite", "ass", "aah"][:rows]:
            models.ResidentBenefit.objects.create(resident=obj, benefit=benefit, since=today)
