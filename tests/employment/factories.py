"""Rows of the IOD accompaniment. Factories build rows directly (the marker test and the
counting tests need them); the services are what the behaviour tests call."""

import datetime

import factory
from django.utils import timezone

from employers.enums import ContractType
from employment.enums import CoachChannel, ContactWith, IntroductionStatus, Milestone
from employment.models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    IntroductionStep,
    JobWishes,
    Orientation,
    Placement,
)
from tests.accounts.factories import UserFactory
from tests.employers.factories import EmployerFactory, JobOpeningFactory
from tests.residents.factories import ResidentFactory


class OrientationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Orientation

    resident = factory.SubFactory(ResidentFactory, stage="engaged")
    organisation = factory.SubFactory("tests.accounts.factories.OrganisationFactory", adelis=True)
    reason = "Souhaite travailler dans la propreté, disponible le matin."
    oriented_by = factory.SubFactory(UserFactory)


class AccompanimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accompaniment

    resident = factory.SubFactory(ResidentFactory, stage="accompanied")
    coach = factory.SubFactory(
        UserFactory,
        role="job_coach",
        organisation=factory.SubFactory(
            "tests.accounts.factories.OrganisationFactory", adelis=True
        ),
    )
    organisation = factory.LazyAttribute(lambda o: o.coach.organisation)
    residence = factory.LazyAttribute(lambda o: o.resident.residence)
    started_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))


class JobWishesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobWishes

    resident = factory.SubFactory(ResidentFactory)
    wanted_rome = factory.LazyFunction(lambda: ["K2204"])
    wanted_titles = "Agent d'entretien"
    hours_min = 20
    hours_max = 35
    available_days = factory.LazyFunction(lambda: ["mon", "tue", "wed", "thu", "fri"])
    reachable_cities = factory.LazyFunction(lambda: ["Nantes", "Rezé"])
    updated_by = factory.SubFactory(UserFactory)


class CoachContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachContact

    accompaniment = factory.SubFactory(AccompanimentFactory)
    resident = factory.LazyAttribute(lambda o: o.accompaniment.resident)
    with_whom = ContactWith.PERSON
    channel = CoachChannel.MEETING
    at = factory.LazyFunction(timezone.now)
    summary = "Point sur les horaires possibles."
    by = factory.LazyAttribute(lambda o: o.accompaniment.coach)


class IntroductionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Introduction

    accompaniment = factory.SubFactory(AccompanimentFactory)
    resident = factory.LazyAttribute(lambda o: o.accompaniment.resident)
    opening = factory.SubFactory(JobOpeningFactory)
    status = IntroductionStatus.PROPOSED
    proposed_by = factory.LazyAttribute(lambda o: o.accompaniment.coach)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # The marker test's walk passes opening=None when no opening exists yet.
        if kwargs.get("opening") is None:
            kwargs["opening"] = JobOpeningFactory()
        return kwargs


class IntroductionStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntroductionStep

    introduction = factory.SubFactory(IntroductionFactory)
    status = IntroductionStatus.PROPOSED
    by = factory.LazyAttribute(lambda o: o.introduction.proposed_by)


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    accompaniment = factory.SubFactory(AccompanimentFactory)
    resident = factory.LazyAttribute(lambda o: o.accompaniment.resident)
    employer = factory.SubFactory(EmployerFactory)
    job_title = "Agent de propreté"
    contract_type = ContractType.CDI
    start_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    weekly_hours = 35
    residence = factory.LazyAttribute(lambda o: o.accompaniment.residence)
    coach = factory.LazyAttribute(lambda o: o.accompaniment.coach)
    organisation = factory.LazyAttribute(lambda o: o.accompaniment.organisation)
    created_by = factory.LazyAttribute(lambda o: o.accompaniment.coach)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # The marker test's walk passes employer=None when no employer exists yet.
        if kwargs.get("employer") is None:
            kwargs["employer"] = EmployerFactory()
        return kwargs


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    placement = factory.SubFactory(PlacementFactory)
    milestone = Milestone.D7
    due_on = factory.LazyAttribute(lambda o: o.placement.start_on + datetime.timedelta(days=7))
