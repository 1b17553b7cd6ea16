"""Suggested openings for a person: the open openings of the coach's territory whose job or
sector she wants, ranked by how many of her constraints they meet, each with the reasons of
the match and the conditions it misses. No routing service: "reachable" is the list of
communes her wishes name.

The ranking is computed by PostgreSQL (one query, whatever the number of openings); the
reasons of the few shown are worded here from the same rules."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Lower

from employers.enums import Schedule, Sector, Weekday
from employers.models import JobOpening, RomeCode
from o2r.access import Action
from residents.enums import LANGUAGES, FrenchLevel

from .enums import Transport
from .models import Introduction, hours_label

FRENCH_ORDER = [
    FrenchLevel.NONE, FrenchLevel.A1, FrenchLevel.A2, FrenchLevel.B1, FrenchLevel.B2,
    FrenchLevel.C1, FrenchLevel.C2, FrenchLevel.NATIVE,
]  # fmt: skip
LANGUAGE_LABELS = dict(LANGUAGES)
SUGGESTIONS_SHOWN = 20


@dataclass
class Suggestion:
    opening: JobOpening
    score: int
    reasons: list = field(default_factory=list)
    missing: list = field(default_factory=list)


def _levels_up_to(level):
    if level not in FRENCH_ORDER:
        return []
    return [str(lvl) for lvl in FRENCH_ORDER[: FRENCH_ORDER.index(level) + 1]]


def _conditions(wishes, resident):
    """{name: Q} of the constraints an opening may meet (only those the wishes say)."""
    conditions = {}
    if wishes.hours_min:
        conditions["hours_min"] = Q(weekly_hours__gte=wishes.hours_min)
    if wishes.hours_max:
        conditions["hours_max"] = Q(weekly_hours__lte=wishes.hours_max)
    if wishes.available_days:
        conditions["days"] = Q(working_days__contained_by=wishes.available_days)
    conditions["schedule"] = Q(schedule__contained_by=wishes.schedules_ok or [])
    if wishes.reachable_cities:
        conditions["city"] = Q(city_folded__in=[c.casefold() for c in wishes.reachable_cities])
    if resident.french_level:
        conditions["french"] = Q(french_level="") | Q(
            french_level__in=_levels_up_to(resident.french_level)
        )
    if Transport.CAR not in (wishes.transport or []):
        conditions["car"] = Q(car_needed=False)
    return conditions


def candidates(accompaniment, user):
    """The openings one may suggest: open, in the user's territory, wanted by job or sector,
    not yet proposed to the person, and (one candidate at a time) with no introduction of
    someone else in progress."""
    wishes = getattr(accompaniment.resident, "job_wishes", None)
    if wishes is None or not (wishes.wanted_rome or wishes.wanted_sectors):
        return JobOpening.objects.none(), wishes
    wanted = Q(rome_id__in=wishes.wanted_rome) | Q(employer__sector__in=wishes.wanted_sectors)
    queryset = (
        JobOpening.objects.visible_to(user, Action.OPENING_READ)
        .open()
        .filter(wanted)
        # Not proposed to her before, in this accompaniment or an earlier one.
        .exclude(Exists(Introduction.objects.filter(resident=accompaniment.resident_id,
                                                    opening=OuterRef("pk"))))
    )  # fmt: skip
    if settings.O2R_ONE_CANDIDATE_AT_A_TIME:
        queryset = queryset.exclude(
            Exists(Introduction.objects.holding_an_opening().filter(opening=OuterRef("pk")))
        )
    return queryset, wishes


def suggest(accompaniment, user, *, limit=SUGGESTIONS_SHOWN) -> list[Suggestion]:
    queryset, wishes = candidates(accompaniment, user)
    if wishes is None:
        return []
    resident = accompaniment.resident
    conditions = _conditions(wishes, resident)
    score = Case(When(rome_id__in=wishes.wanted_rome or ["-"], then=Value(3)), default=Value(1))
    for condition in conditions.values():
        score = score + Case(When(condition, then=Value(1)), default=Value(0))
    if wishes.languages:
        score = score + Case(
            When(languages_useful__overlap=wishes.languages, then=Value(1)), default=Value(0)
        )
    ranked = (
        queryset.annotate(city_folded=Lower("city"))
        .annotate(score=score)
        .annotate(
            **{
                f"meets_{name}": Case(
                    When(c, then=Value(1)), default=Value(0), output_field=IntegerField()
                )
                for name, c in conditions.items()
            }
        )
        .select_related("employer", "rome")
        .order_by("-score", "-opened_on", "-pk")[:limit]
    )
    return [_explain(opening, wishes, resident, conditions) for opening in ranked]


def _explain(opening, wishes, resident, conditions) -> Suggestion:
    reasons, missing = [], []
    if opening.rome_id in wishes.wanted_rome:
        reasons.append(f"Métier souhaité : {opening.rome.label}")
    else:
        reasons.append(f"Secteur souhaité : {Sector(opening.employer.sector).label}")
        missing.append("Pas un des métiers souhaités")
    hours = f"{hours_label(opening.weekly_hours)} h par semaine"
    if "hours_min" in conditions or "hours_max" in conditions:
        if getattr(opening, "meets_hours_min", 1) and getattr(opening, "meets_hours_max", 1):
            reasons.append(f"{hours}, dans ce qu'elle souhaite")
        else:
            missing.append(f"{hours}, hors de ce qu'elle souhaite")
    if "days" in conditions:
        if opening.meets_days:
            reasons.append("Jours travaillés dans ses disponibilités")
        else:
            extra = [Weekday(d).label for d in opening.working_days
                     if d not in wishes.available_days]  # fmt: skip
            missing.append("Travaille aussi le " + ", ".join(extra).lower())
    if opening.schedule:
        if opening.meets_schedule:
            reasons.append("Horaires acceptés")
        else:
            refused = [Schedule(s).label for s in opening.schedule if s not in wishes.schedules_ok]
            missing.append("Horaires : " + ", ".join(refused).lower())
    if "city" in conditions:
        if opening.meets_city:
            reasons.append(f"{opening.city} : commune accessible")
        else:
            missing.append(f"{opening.city} n'est pas dans ses communes accessibles")
    else:
        missing.append("Communes accessibles non renseignées")
    if opening.french_level and opening.french_level != FrenchLevel.NONE:
        needed = FrenchLevel(opening.french_level).label
        if "french" not in conditions:
            missing.append(f"Français demandé : {needed} (niveau de la personne non renseigné)")
        elif opening.meets_french:
            reasons.append(f"Français demandé ({needed}) atteint")
        else:
            missing.append(f"Français demandé : {needed}")
    if opening.car_needed:
        if "car" in conditions:
            missing.append("Voiture indispensable")
        else:
            reasons.append("Voiture indispensable : elle en a une")
    common = [LANGUAGE_LABELS.get(code, code) for code in opening.languages_useful
              if code in (wishes.languages or [])]  # fmt: skip
    if common:
        reasons.append("Langue utile au poste : " + ", ".join(common))
    return Suggestion(opening=opening, score=opening.score, reasons=reasons, missing=missing)


def rome_labels(codes) -> dict:
    return dict(RomeCode.objects.filter(code__in=codes).values_list("code", "label"))
