"""Suggested openings: ranked by the constraints they meet, each with its reasons and what it
misses (in French); never one already put to the person, one another person is being
introduced to (one candidate at a time), a closed one, or one outside the coach's territory."""

import datetime

import pytest
from django.utils import timezone

from employers.enums import OpeningStatus, Sector
from employment import services
from employment.enums import IntroductionStatus
from employment.matching import suggest
from employment.models import JobWishes
from o2r.personal_data import event_models
from residents.models import Consent
from tests.employers.factories import EmployerFactory, JobOpeningFactory, rome_title
from tests.employment.factories import (
    AccompanimentFactory,
    IntroductionFactory,
    JobWishesFactory,
)

pytestmark = pytest.mark.django_db
CLEANING = "Agent / Agente de propreté de locaux"  # K2204
STOCK = "Aide-magasinier / Aide-magasinière"  # N1103
DRIVER = "Chauffeur-magasinier / Chauffeuse-magasinière"  # N4105


@pytest.fixture
def wishes(accompaniment, coach):
    return JobWishesFactory(
        resident=accompaniment.resident,
        wanted_rome=["K2204"],
        wanted_sectors=[Sector.LOGISTICS],
        hours_min=20,
        hours_max=35,
        available_days=["mon", "tue", "wed", "thu", "fri"],
        schedules_ok=["early"],
        reachable_cities=["Nantes", "Rezé"],
        transport=["public"],
        languages=["ara"],
        updated_by=coach,
    )


def _opening(employer, title=CLEANING, **fields):
    defaults = {
        "weekly_hours": 30,
        "working_days": ["mon", "tue", "wed"],
        "schedule": ["early"],
        "city": "Rezé",
    }
    return JobOpeningFactory(
        employer=employer, rome_appellation=rome_title(title), **{**defaults, **fields}
    )


def _suggested(accompaniment, coach):
    accompaniment.resident.refresh_from_db()
    return suggest(accompaniment, coach)


def test_a_full_match_ranks_above_a_partial_one_with_reasons_and_what_is_missing(
    accompaniment, coach, wishes
):
    cleaning = EmployerFactory(sector=Sector.CLEANING)
    logistics = EmployerFactory(sector=Sector.LOGISTICS)
    full = _opening(cleaning, languages_useful=["ara"], french_level="a2")
    partial = _opening(
        cleaning,
        weekly_hours=40,
        working_days=["mon", "sat"],
        schedule=["night"],
        city="Saint-Herblain",
        car_needed=True,
        french_level="b2",
    )
    by_sector = _opening(logistics, STOCK)
    _opening(EmployerFactory(sector=Sector.BUILDING), DRIVER)  # neither job nor sector wanted

    suggestions = _suggested(accompaniment, coach)

    assert [s.opening for s in suggestions] == [full, by_sector, partial]
    assert suggestions[0].score > suggestions[1].score > suggestions[2].score
    best, sector, worst = suggestions
    assert best.reasons == [
        "Métier souhaité : Nettoyage de locaux",
        "30 h par semaine, dans ce qu'elle souhaite",
        "Jours travaillés dans ses disponibilités",
        "Horaires acceptés",
        "Rezé : commune accessible",
        "Français demandé (A2 — survie) atteint",
        "Langue utile au poste : Arabe",
    ]
    assert best.missing == []
    assert sector.reasons[0] == "Secteur souhaité : Logistique, transport, entrepôt"
    assert "Pas un des métiers souhaités" in sector.missing
    assert worst.missing == [
        "40 h par semaine, hors de ce qu'elle souhaite",
        "Travaille aussi le samedi",
        "Horaires : de nuit",
        "Saint-Herblain n'est pas dans ses communes accessibles",
        "Français demandé : B2 — avancé",
        "Voiture indispensable",
    ]


def test_what_was_proposed_declined_or_is_being_tried_with_someone_else_is_left_out(
    accompaniment, coach, wishes, settings
):
    employer = EmployerFactory(sector=Sector.CLEANING)
    proposed, declined, busy, free_again, closed, kept = (_opening(employer) for _ in range(6))
    IntroductionFactory(accompaniment=accompaniment, opening=proposed)
    IntroductionFactory(
        accompaniment=accompaniment,
        opening=declined,
        status=IntroductionStatus.DECLINED,
        declined_reason="hours",
    )
    someone_else = AccompanimentFactory(coach=coach)
    sharing = Consent.objects.create(
        resident=someone_else.resident, scope="sharing", given_on=timezone.localdate(),
        recipient_organisation=someone_else.organisation, method="oral", recorded_by=coach,
    )  # fmt: skip
    IntroductionFactory(
        accompaniment=someone_else,
        opening=busy,
        status=IntroductionStatus.INTERVIEW_SCHEDULED,
        interview_at=timezone.now() + datetime.timedelta(days=2),
    )
    IntroductionFactory(
        accompaniment=someone_else,
        opening=free_again,
        status=IntroductionStatus.NOT_RETAINED,
        not_retained_reason="skills",
    )
    closed.status, closed.closed_on = OpeningStatus.FILLED, timezone.localdate()
    closed.save()
    elsewhere = _opening(EmployerFactory(sector=Sector.CLEANING, territory="Saint-Nazaire Agglo"))

    shown = {s.opening for s in _suggested(accompaniment, coach)}
    assert shown == {free_again, kept}

    # A suspended accompaniment (its sharing consent withdrawn) keeps no opening from others.
    Consent.objects.filter(pk=sharing.pk).update(withdrawn_on=timezone.localdate())
    assert {s.opening for s in _suggested(accompaniment, coach)} == {free_again, kept, busy}
    Consent.objects.filter(pk=sharing.pk).update(withdrawn_on=None)

    settings.O2R_ONE_CANDIDATE_AT_A_TIME = False
    shown = {s.opening for s in _suggested(accompaniment, coach)}
    assert shown == {free_again, kept, busy}
    assert elsewhere not in shown


def test_nothing_is_suggested_without_wanted_jobs_or_sectors(accompaniment, coach):
    _opening(EmployerFactory(sector=Sector.CLEANING))
    assert _suggested(accompaniment, coach) == []  # no wishes at all
    JobWishesFactory(
        resident=accompaniment.resident, wanted_rome=[], wanted_sectors=[], updated_by=coach
    )
    assert _suggested(accompaniment, coach) == []


def test_unknown_french_level_and_communes_are_said_missing(accompaniment, coach, wishes):
    wishes.reachable_cities = []
    wishes.save()
    type(accompaniment.resident).objects.filter(pk=accompaniment.resident_id).update(
        french_level=""
    )
    _opening(EmployerFactory(sector=Sector.CLEANING), french_level="b1")

    [suggestion] = _suggested(accompaniment, coach)

    assert "Communes accessibles non renseignées" in suggestion.missing
    assert any("niveau de la personne non renseigné" in m for m in suggestion.missing)


def test_wishes_saved_through_the_service_drive_the_suggestions(accompaniment, coach, opening):
    services.wishes_save(
        accompaniment=accompaniment,
        by=coach,
        data={
            "wanted_rome": [" k2204 ", "K2204"],
            "reachable_cities": ["Nantes", "nantes"],
            "hours_max": "35",
            "transport": ["public"],
            "experience": "Ménage en hôtel",
        },
    )
    wishes = services.wishes_save(
        accompaniment=accompaniment,
        by=coach,
        data={"wanted_rome": ["K2204"], "reachable_cities": ["Nantes"], "hours_max": 30},
    )

    assert JobWishes.objects.get() == wishes
    assert (wishes.wanted_rome, wishes.reachable_cities) == (["K2204"], ["Nantes"])
    assert (wishes.hours_max, wishes.experience) == (30, "")
    [events] = event_models(JobWishes)
    assert events.objects.filter(pgh_obj_id=wishes.pk).count() == 2  # each version kept
    [suggestion] = _suggested(accompaniment, coach)
    assert suggestion.opening == opening
    assert "35 h par semaine, hors de ce qu'elle souhaite" in suggestion.missing
