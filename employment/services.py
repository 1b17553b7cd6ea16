"""Business rules of the IOD accompaniment. Views, forms, the demo and tasks call these; each is
one transaction that locks the resident's row first (residents.services.resident_lock: the one
lock order of the file, so a consent withdrawal and a move that needs the consent are
serialised). Refusals raise ValidationError with a French message, keyed by field where one is
to blame. A form's token makes a double submission one row (o2r.core.services.once)."""

import datetime
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from employers.enums import (
    DURATION_REQUIRED,
    ContractType,
    OpeningStatus,
    Schedule,
    Sector,
    Weekday,
)
from employers.models import JobOpening, RomeCode
from employers.services import job_opening_close
from o2r import access
from o2r.access import Action
from o2r.core.services import once
from o2r.reminders.models import ReminderKind
from o2r.reminders.services import (
    reminder_delete_by_key,
    reminder_done_by_key,
    reminder_key,
    reminder_upsert,
)
from o2r.sms import quiet, text
from residents.enums import LANGUAGES, ConsentScope, ExitReason, Stage
from residents.models import Consent, Resident
from residents.normalise import printable_text
from residents.services import (
    resident_change_stage,
    resident_history_context,
    resident_lock,
    resident_record_interaction,
)

from .enums import (
    FOLLOW_UP_WITH_PERSON,
    INTRODUCTION_MOVES,
    WITH_PERSON,
    Childcare,
    CoachChannel,
    ContactWith,
    DeclinedReason,
    FollowUpWith,
    IntroductionStatus,
    Milestone,
    NotRetainedReason,
    OrientationStatus,
    PlacementEndReason,
    PostExitSituation,
    Transport,
)
from .models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    IntroductionStep,
    JobWishes,
    Orientation,
    Placement,
)

# Exits in work: the coach still records the job's follow-ups after them.
EXITS_IN_WORK = frozenset({ExitReason.DURABLE_EMPLOYMENT, ExitReason.TRANSITIONAL_EMPLOYMENT})
REMINDER_HOUR = datetime.time(9, 0)
# The resident's SMS the day before an interview, at an hour inside the sending window.
INTERVIEW_SMS_HOUR = datetime.time(10, 0)
# How far ahead a hire may start (a contract signed for next month).
START_AHEAD = datetime.timedelta(days=92)
CONTACT_CLOCK_SKEW = datetime.timedelta(minutes=10)


def _text(value, limit):
    return printable_text((value or "").strip())[:limit]


def _at(day, hour=REMINDER_HOUR):
    """`hour` on `day`, Paris time: 09:00 stays 09:00 across daylight-saving changes."""
    return timezone.make_aware(datetime.datetime.combine(day, hour))


def _is_day(value) -> bool:
    """A date, not a datetime (which is one too, and does not compare with dates)."""
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def _is_moment(value) -> bool:
    """An aware datetime (a naive one does not compare with the clock)."""
    return isinstance(value, datetime.datetime) and timezone.is_aware(value)


def _sharing_stands(resident_id, organisation_id, today=None) -> bool:
    today = today or timezone.localdate()
    return (
        Consent.objects.filter(
            resident_id=resident_id,
            recipient_organisation_id=organisation_id,
            scope=ConsentScope.SHARING,
            given_on__lte=today,
        )
        .exclude(withdrawn_on__lte=today)
        .exists()
    )


def _can_accompany(coach, organisation_id) -> bool:
    return (
        coach is not None
        and coach.is_active
        and coach.organisation_id == organisation_id
        and access.allows(coach, Action.RESIDENT_ACCOMPANY)
    )


def _lock_open_accompaniment(accompaniment) -> Accompaniment:
    """The accompaniment, its resident locked first, refused when closed or suspended."""
    resident_lock(accompaniment.resident_id)
    accompaniment = (
        Accompaniment.objects.select_for_update(of=("self",))
        .select_related("resident", "coach", "organisation")
        .get(pk=accompaniment.pk)
    )
    if not accompaniment.is_open:
        raise ValidationError("Cet accompagnement est terminé : il ne peut plus être modifié.")
    if not _sharing_stands(accompaniment.resident_id, accompaniment.organisation_id):
        raise ValidationError(
            "L'accord de partage de la personne avec votre structure n'est plus valable : "
            "l'accompagnement est suspendu."
        )
    return accompaniment


# --- Orientation --------------------------------------------------------------------------


def orientation_create(
    *, resident: Resident, organisation, reason: str, by, coach=None, token=None
) -> Orientation:
    """The insertion officer orients an engaged person to an employment organisation (or one
    of its coaches), saying why. Needs the sharing consent to that organisation."""
    reason = _text(reason, 1000)
    errors = {}
    if not reason:
        errors["reason"] = "Dites en quelques mots pourquoi vous orientez la personne."
    if organisation is None or organisation.kind != "employment":
        errors["organisation"] = "Choisissez une structure d'accompagnement vers l'emploi."
    elif coach is not None and not _can_accompany(coach, organisation.pk):
        errors["coach"] = f"Choisissez une chargée de mission active de {organisation}."
    if errors:
        raise ValidationError(errors)

    def create():
        locked = resident_lock(resident.pk)
        if locked.stage != Stage.ENGAGED:
            raise ValidationError(
                "Seule une personne remobilisée (accord d'accompagnement recueilli) peut être "
                "orientée vers l'emploi."
            )
        if not _sharing_stands(locked.pk, organisation.pk):
            raise ValidationError(
                {
                    "organisation": "Enregistrez d'abord l'accord de la personne pour le "
                    f"partage avec {organisation}."
                }
            )
        if Accompaniment.objects.filter(resident=locked, ended_on__isnull=True).exists():
            raise ValidationError("Cette personne est déjà accompagnée vers l'emploi.")
        if Orientation.objects.filter(resident=locked, status=OrientationStatus.PENDING).exists():
            raise ValidationError("Une orientation de cette personne attend déjà une réponse.")
        return Orientation.objects.create(
            resident=locked,
            organisation=organisation,
            coach=coach,
            reason=reason,
            oriented_by=by,
            token=token,
        )

    with transaction.atomic(), resident_history_context(by):
        orientation, _ = once(Orientation, token, create)
    return orientation


def _lock_pending(orientation, by) -> Orientation:
    """The orientation, its resident locked first; refused to anyone but its organisation's
    coaches and manager (the table's ORIENTATION_ANSWER)."""
    resident_lock(orientation.resident_id)
    orientation = (
        Orientation.objects.select_for_update(of=("self",))
        .select_related("resident__residence", "organisation", "coach")
        .get(pk=orientation.pk)
    )
    if by.organisation_id != orientation.organisation_id or not access.allows(
        by, Action.ORIENTATION_ANSWER
    ):
        raise ValidationError(
            f"Cette orientation est adressée à {orientation.organisation} : "
            "seules ses chargées de mission et sa responsable y répondent."
        )
    return orientation


def orientation_accept(*, orientation: Orientation, by, coach=None) -> Accompaniment:
    """A coach accepts for herself, or her manager assigns it to a coach: the accompaniment
    opens, the coach is assigned and the person becomes "accompanied". A second click on
    "Accepter" returns the accompaniment the first one opened."""
    coach = coach or by
    with transaction.atomic(), resident_history_context(by):
        orientation = _lock_pending(orientation, by)
        if orientation.status == OrientationStatus.ACCEPTED and orientation.answered_by_id == by.pk:
            existing = Accompaniment.objects.filter(orientation=orientation, coach=coach).first()
            if existing is not None:
                return existing  # the same person's second click
        if orientation.status != OrientationStatus.PENDING:
            raise ValidationError(
                f"Cette orientation a déjà reçu une réponse ({orientation.get_status_display()})."
            )
        if coach != by and not access.allows(by, Action.ORIENTATION_ASSIGN):
            raise ValidationError({"coach": "Vous ne pouvez accepter que pour vous-même."})
        if (
            orientation.coach_id
            and coach.pk != orientation.coach_id
            and not access.allows(by, Action.ORIENTATION_ASSIGN)
        ):
            raise ValidationError(
                f"Cette orientation est proposée à {orientation.coach.get_full_name()} : "
                "elle, ou votre responsable, peut l'accepter."
            )
        if not _can_accompany(coach, orientation.organisation_id):
            raise ValidationError(
                {
                    "coach": "Choisissez une chargée de mission active de "
                    f"{orientation.organisation}."
                }
            )
        resident = orientation.resident
        if not _sharing_stands(resident.pk, orientation.organisation_id):
            raise ValidationError(
                "L'accord de partage de la personne avec votre structure n'est plus valable."
            )
        if resident.stage != Stage.ENGAGED:
            raise ValidationError(
                "La personne n'est plus à l'étape « remobilisée » : l'orientation ne peut pas "
                "être acceptée."
            )
        if Accompaniment.objects.filter(resident=resident, ended_on__isnull=True).exists():
            raise ValidationError("Cette personne a déjà un accompagnement en cours.")
        now = timezone.now()
        accompaniment = Accompaniment.objects.create(
            resident=resident,
            orientation=orientation,
            coach=coach,
            organisation_id=orientation.organisation_id,
            residence_id=resident.residence_id,
            started_on=timezone.localdate(),
        )
        orientation.status = OrientationStatus.ACCEPTED
        orientation.answered_by = by
        orientation.answered_at = now
        orientation.save(update_fields=["status", "answered_by", "answered_at"])
        Resident.objects.filter(pk=resident.pk).update(job_coach=coach, updated_at=now)
        resident_change_stage(
            resident=resident,
            to=Stage.ACCOMPANIED,
            by=by,
            reason=f"Orientation acceptée par {coach.get_full_name()}",
            via="employment",
        )
    return accompaniment


def orientation_decline(*, orientation: Orientation, by, reason: str) -> Orientation:
    """Declined with a reason: the officer who oriented sees it (on the file and in her
    reminders) and the person stays engaged."""
    reason = _text(reason, 500)
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif du refus."})
    with transaction.atomic(), resident_history_context(by):
        orientation = _lock_pending(orientation, by)
        if orientation.status == OrientationStatus.DECLINED and orientation.answered_by_id == by.pk:
            return orientation  # the same person's second click
        if orientation.status != OrientationStatus.PENDING:
            raise ValidationError(
                f"Cette orientation a déjà reçu une réponse ({orientation.get_status_display()})."
            )
        if (
            orientation.coach_id
            and orientation.coach_id != by.pk
            and not access.allows(by, Action.ORIENTATION_ASSIGN)
        ):
            raise ValidationError(
                f"Cette orientation est proposée à {orientation.coach.get_full_name()} : "
                "elle, ou votre responsable, peut y répondre."
            )
        orientation.status = OrientationStatus.DECLINED
        orientation.answered_by = by
        orientation.answered_at = timezone.now()
        orientation.decline_reason = reason
        orientation.save(update_fields=["status", "answered_by", "answered_at", "decline_reason"])
        if orientation.oriented_by.is_active:
            reminder_upsert(
                dedup_key=reminder_key("orientation", orientation.pk, "declined"),
                assignee=orientation.oriented_by,
                resident=orientation.resident,
                title=f"Orientation refusée par {orientation.organisation} : {reason}",
                due_at=orientation.answered_at,
            )
    return orientation


# --- Accompaniment: exit and the situation six months later -------------------------------


def accompaniment_close(
    *,
    accompaniment: Accompaniment,
    by,
    exit_reason: str,
    notes: str = "",
    ended_on: datetime.date | None = None,
    from_stage_change: bool = False,
) -> Accompaniment:
    """Ends the accompaniment with a coded exit reason and moves the person to "exited"
    through the stage service (unless the stage change is what calls this: an officer's
    exit, through settings O2R_STAGE_CHANGE_EFFECTS). Introductions in progress end; six
    months later, a reminder asks the coach for the person's situation then."""
    today = timezone.localdate()
    ended_on = ended_on or today
    notes = _text(notes, 500)
    if exit_reason not in ExitReason.values:
        raise ValidationError({"exit_reason": "Choisissez le motif de sortie."})
    if ended_on > today:
        raise ValidationError({"ended_on": "La date de sortie est au plus tard aujourd'hui."})
    with transaction.atomic(), resident_history_context(by):
        resident_lock(accompaniment.resident_id)
        accompaniment = (
            Accompaniment.objects.select_for_update(of=("self",))
            .select_related("coach")
            .get(pk=accompaniment.pk)
        )
        if not accompaniment.is_open:
            if from_stage_change:
                return accompaniment
            raise ValidationError("Cet accompagnement est déjà terminé.")
        if ended_on < accompaniment.started_on:
            raise ValidationError(
                {
                    "ended_on": "La sortie ne peut pas précéder le début de l'accompagnement "
                    f"({accompaniment.started_on:%d/%m/%Y})."
                }
            )
        accompaniment.ended_on = ended_on
        accompaniment.exit_reason = exit_reason
        accompaniment.exit_notes = notes
        accompaniment.ended_by = by
        accompaniment.save(update_fields=["ended_on", "exit_reason", "exit_notes", "ended_by"])
        if exit_reason not in EXITS_IN_WORK:
            # Out of the programme for another reason than a job: nobody follows the job any
            # more (after an exit in work, the coach still records the follow-ups).
            _cancel_follow_ups(
                FollowUp.objects.filter(placement__accompaniment=accompaniment).pending(), today
            )
        for introduction in accompaniment.introductions.filter(
            status__in=list(INTRODUCTION_MOVES)
        ).select_related("opening"):
            _end_introduction(
                introduction,
                status=IntroductionStatus.DECLINED,
                by=by,
                declined_reason=DeclinedReason.OTHER,
                notes="Fin de l'accompagnement",
            )
        if accompaniment.coach.is_active:
            reminder_upsert(
                dedup_key=reminder_key("accompaniment", accompaniment.pk, "post_exit"),
                assignee=accompaniment.coach,
                resident=accompaniment.resident,
                title="Situation de la personne 6 mois après sa sortie : à relever",
                due_at=_at(accompaniment.post_exit_due_on),
            )
        if not from_stage_change:
            resident_change_stage(
                resident=accompaniment.resident,
                to=Stage.EXITED,
                by=by,
                exit_reason=exit_reason,
                reason=notes,
                via="employment",
            )
    return accompaniment


def accompaniment_record_post_exit(
    *, accompaniment: Accompaniment, by, situation: str
) -> Accompaniment:
    """The person's situation six months after the exit. Once it is recorded, the coach's
    read access to the closed accompaniment ends (she is no longer the person's coach)."""
    if situation not in PostExitSituation.values:
        raise ValidationError({"situation": "Choisissez la situation de la personne."})
    with transaction.atomic(), resident_history_context(by):
        resident_lock(accompaniment.resident_id)
        accompaniment = Accompaniment.objects.select_for_update().get(pk=accompaniment.pk)
        if accompaniment.is_open:
            raise ValidationError(
                "La situation après la sortie se relève une fois la sortie faite."
            )
        due_on = accompaniment.post_exit_due_on
        if timezone.localdate() < due_on:
            raise ValidationError(
                {
                    "situation": "La situation se relève 6 mois après la sortie, à partir du "
                    f"{due_on:%d/%m/%Y}."
                }
            )
        accompaniment.post_exit_situation = situation
        accompaniment.post_exit_recorded_on = timezone.localdate()
        accompaniment.save(update_fields=["post_exit_situation", "post_exit_recorded_on"])
        reminder_done_by_key(dedup_key=reminder_key("accompaniment", accompaniment.pk, "post_exit"))
        still_open = Accompaniment.objects.filter(
            resident_id=accompaniment.resident_id, ended_on__isnull=True
        ).exists()
        if not still_open:
            Resident.objects.filter(
                pk=accompaniment.resident_id, job_coach_id=accompaniment.coach_id
            ).update(job_coach=None, updated_at=timezone.now())
    return accompaniment


# --- The coach's contacts -----------------------------------------------------------------


def coach_contact_add(
    *,
    accompaniment: Accompaniment,
    by,
    with_whom: str,
    channel: str,
    at: datetime.datetime | None = None,
    summary: str = "",
    confidential: bool = False,
    employer=None,
    next_step: str = "",
    next_step_on: datetime.date | None = None,
    token=None,
) -> CoachContact:
    """A meeting or a call with the person, the employer or both. With the person, it is an
    interaction (`last_interaction_at`); a next step becomes a reminder for its author."""
    at = at or timezone.now()
    errors = {}
    if with_whom not in ContactWith.values:
        errors["with_whom"] = "Choisissez avec qui."
    if channel not in CoachChannel.values:
        errors["channel"] = "Choisissez comment."
    if not _is_moment(at):
        errors["at"] = "Indiquez le jour et l'heure du contact."
    elif at > timezone.now() + CONTACT_CLOCK_SKEW:
        errors["at"] = "Un contact se note une fois fait : la date ne peut pas être future."
    if with_whom in (ContactWith.EMPLOYER, ContactWith.BOTH) and employer is None:
        errors["employer"] = "Choisissez l'entreprise."
    if next_step_on and not _is_day(next_step_on):
        errors["next_step_on"] = "Indiquez une date."
    elif next_step_on and next_step_on < timezone.localdate():
        errors["next_step_on"] = "La prochaine étape est à venir."
    if confidential and not by.organisation_id:
        errors["confidential"] = "Une note confidentielle appartient à une organisation."
    if errors:
        raise ValidationError(errors)

    def create():
        locked = _lock_open_accompaniment(accompaniment)
        if timezone.localtime(at).date() < locked.started_on:
            raise ValidationError(
                {
                    "at": "Le contact ne peut pas précéder le début de l'accompagnement "
                    f"({locked.started_on:%d/%m/%Y})."
                }
            )
        contact = CoachContact.objects.create(
            accompaniment=locked,
            resident_id=locked.resident_id,
            with_whom=with_whom,
            employer=employer if with_whom != ContactWith.PERSON else None,
            channel=channel,
            at=at,
            summary=_text(summary, 300),
            confidential=bool(confidential),
            next_step=_text(next_step, 200),
            next_step_on=next_step_on,
            by=by,
            author_organisation_id=by.organisation_id,
            token=token,
        )
        if with_whom in WITH_PERSON:
            resident_record_interaction(resident_id=locked.resident_id, at=at)
        if next_step_on:
            reminder_upsert(
                dedup_key=reminder_key("coach_contact", contact.pk),
                assignee=by,
                resident=locked.resident,
                employer=contact.employer,
                title=contact.next_step or "Prochaine étape de l'accompagnement",
                due_at=_at(next_step_on),
            )
        return contact

    with transaction.atomic(), resident_history_context(by):
        contact, _ = once(CoachContact, token, create)
    return contact


# --- Wishes and constraints ---------------------------------------------------------------

WISH_LISTS = {
    "wanted_sectors": set(Sector.values),
    "available_days": set(Weekday.values),
    "schedules_ok": set(Schedule.values),
    "transport": set(Transport.values),
    "languages": {code for code, _ in LANGUAGES},
}
MAX_CITIES = 30


def _clean_wishes(data: dict) -> dict:
    errors = {}
    clean = {}
    for field, allowed in WISH_LISTS.items():
        values = list(dict.fromkeys(data.get(field) or []))
        if any(value not in allowed for value in values):
            errors[field] = "Choisissez dans la liste."
        clean[field] = [value for value in values if value in allowed]
    codes = [str(code).strip().upper() for code in data.get("wanted_rome") or [] if code]
    codes = list(dict.fromkeys(codes))
    known = set(RomeCode.objects.filter(code__in=codes).values_list("code", flat=True))
    if set(codes) - known:
        errors["wanted_rome"] = "Choisissez les métiers dans la liste ROME."
    clean["wanted_rome"] = [code for code in codes if code in known][:20]
    cities = []
    for city in data.get("reachable_cities") or []:
        city = _text(str(city), 120)
        if city and city.casefold() not in {c.casefold() for c in cities}:
            cities.append(city)
    if len(cities) > MAX_CITIES:
        errors["reachable_cities"] = f"{MAX_CITIES} communes au plus."
    clean["reachable_cities"] = cities[:MAX_CITIES]
    hours = {}
    for field in ("hours_min", "hours_max"):
        value = data.get(field)
        if value in (None, ""):
            hours[field] = None
            continue
        try:
            hours[field] = int(value)
        except (TypeError, ValueError):
            errors[field] = "Indiquez un nombre d'heures."
            continue
        if not 1 <= hours[field] <= 48:
            errors[field] = "Entre 1 et 48 heures par semaine."
    if (
        not errors.keys() & {"hours_min", "hours_max"}
        and hours.get("hours_min")
        and hours.get("hours_max")
        and hours["hours_max"] < hours["hours_min"]
    ):
        errors["hours_max"] = "Le maximum ne peut pas être sous le minimum."
    clean.update(hours)
    commute = data.get("max_commute_minutes")
    if commute in (None, ""):
        clean["max_commute_minutes"] = None
    else:
        try:
            clean["max_commute_minutes"] = int(commute)
        except (TypeError, ValueError):
            errors["max_commute_minutes"] = "Indiquez un nombre de minutes."
        else:
            if not 1 <= clean["max_commute_minutes"] <= 240:
                errors["max_commute_minutes"] = "Entre 1 et 240 minutes."
    childcare = data.get("childcare") or Childcare.NOT_CONCERNED
    if childcare not in Childcare.values:
        errors["childcare"] = "Choisissez dans la liste."
    clean["childcare"] = childcare
    clean["wanted_titles"] = _text(data.get("wanted_titles"), 500)
    clean["not_wanted"] = _text(data.get("not_wanted"), 500)
    clean["experience"] = _text(data.get("experience"), 1000)
    if errors:
        raise ValidationError(errors)
    return clean


def wishes_save(*, accompaniment: Accompaniment, by, data: dict) -> JobWishes:
    """Saves the person's wishes and constraints (one row per person; every version is kept
    by the history triggers: who, when, before, after)."""
    clean = _clean_wishes(data)
    with transaction.atomic(), resident_history_context(by):
        locked = _lock_open_accompaniment(accompaniment)
        wishes, _ = JobWishes.objects.update_or_create(
            resident_id=locked.resident_id, defaults={**clean, "updated_by": by}
        )
    return wishes


# --- Introductions ------------------------------------------------------------------------


def _step(introduction, status, by, detail=""):
    IntroductionStep.objects.create(
        introduction=introduction, status=status, by=by, detail=_text(detail, 300)
    )


def _interview_keys(introduction):
    return (
        reminder_key("introduction", introduction.pk, "interview"),
        reminder_key("introduction", introduction.pk, "sms_eve"),
    )


def introduction_propose(
    *, accompaniment: Accompaniment, opening: JobOpening, by, reasons=None, token=None
) -> Introduction:
    """Puts an open opening to the person. Not twice the same opening; and, with
    O2R_ONE_CANDIDATE_AT_A_TIME, not while another person's introduction to it is in
    progress (the opening's row is locked to decide)."""

    def create():
        locked = _lock_open_accompaniment(accompaniment)
        try:
            target = (
                JobOpening.objects.visible_to(by, Action.OPENING_READ)
                .select_for_update(of=("self",))
                .select_related("employer")
                .get(pk=opening.pk)
            )
        except JobOpening.DoesNotExist:
            raise ValidationError({"opening": "Cette offre n'existe pas ou plus."}) from None
        if target.status != OpeningStatus.OPEN:
            raise ValidationError({"opening": "Cette offre est close : choisissez-en une autre."})
        if Introduction.objects.filter(accompaniment=locked, opening=target).exists():
            raise ValidationError({"opening": "Cette offre a déjà été proposée à la personne."})
        if (
            settings.O2R_ONE_CANDIDATE_AT_A_TIME
            and Introduction.objects.holding_an_opening().filter(opening=target).exists()
        ):
            raise ValidationError(
                {
                    "opening": "Une mise en relation est déjà en cours sur cette offre : "
                    "un seul candidat à la fois."
                }
            )
        introduction = Introduction.objects.create(
            accompaniment=locked,
            resident_id=locked.resident_id,
            opening=target,
            proposed_by=by,
            match_reasons=[str(reason)[:200] for reason in (reasons or [])][:12],
            token=token,
        )
        _step(introduction, IntroductionStatus.PROPOSED, by)
        return introduction

    with transaction.atomic(), resident_history_context(by):
        introduction, _ = once(Introduction, token, create)
    return introduction


def _end_introduction(introduction, *, status, by, declined_reason="", not_retained_reason="",
                      notes=""):  # fmt: skip
    introduction.status = status
    introduction.declined_reason = declined_reason
    introduction.not_retained_reason = not_retained_reason
    introduction.outcome_notes = _text(notes, 300)
    introduction.ended_at = timezone.now()
    introduction.save()
    coach_key, sms_key = _interview_keys(introduction)
    reminder_delete_by_key(dedup_key=coach_key)
    reminder_delete_by_key(dedup_key=sms_key)
    label = (
        DeclinedReason(declined_reason).label
        if declined_reason
        else NotRetainedReason(not_retained_reason).label
        if not_retained_reason
        else ""
    )
    _step(introduction, status, by, " — ".join(p for p in (label, introduction.outcome_notes) if p))


def introduction_move(
    *,
    introduction: Introduction,
    to: str,
    by,
    interview_at: datetime.datetime | None = None,
    interview_place: str = "",
    interview_contact: str = "",
    held_on: datetime.date | None = None,
    reason: str = "",
    notes: str = "",
) -> Introduction:
    """One step of the introduction (INTRODUCTION_MOVES); anything else is refused. "Hired"
    is reached only by recording the placement. Scheduling the meeting upserts a reminder for
    the coach and the resident's SMS the day before."""
    if to == IntroductionStatus.HIRED:
        raise ValidationError({"to": "L'embauche s'enregistre avec le formulaire d'embauche."})
    if to not in IntroductionStatus.values:
        raise ValidationError({"to": "Choisissez l'étape."})
    with transaction.atomic(), resident_history_context(by):
        accompaniment = _lock_open_accompaniment(introduction.accompaniment)
        introduction = (
            Introduction.objects.select_for_update(of=("self",))
            .select_related("opening__employer")
            .get(pk=introduction.pk, accompaniment=accompaniment)
        )
        current = IntroductionStatus(introduction.status)
        if to not in INTRODUCTION_MOVES.get(current, set()):
            raise ValidationError(
                {
                    "to": f"Passage impossible de « {current.label} » à "
                    f"« {IntroductionStatus(to).label} »."
                }
            )
        if to == IntroductionStatus.INTERVIEW_SCHEDULED:
            _schedule(introduction, accompaniment, by, interview_at, interview_place,
                      interview_contact)  # fmt: skip
        elif to == IntroductionStatus.INTERVIEW_HELD:
            held_on = held_on or timezone.localdate()
            if not _is_day(held_on):
                raise ValidationError({"held_on": "Indiquez le jour de la rencontre."})
            if held_on > timezone.localdate():
                raise ValidationError({"held_on": "La rencontre est faite : pas de date future."})
            if introduction.interview_at and held_on < timezone.localdate(
                introduction.interview_at
            ) - datetime.timedelta(days=30):
                raise ValidationError(
                    {"held_on": "Cette date précède de loin la rencontre prévue."}
                )
            introduction.status = to
            introduction.interview_held_on = held_on
            introduction.outcome_notes = _text(notes, 300)
            introduction.save()
            coach_key, sms_key = _interview_keys(introduction)
            reminder_done_by_key(dedup_key=coach_key)
            reminder_delete_by_key(dedup_key=sms_key)
            _step(introduction, to, by, introduction.outcome_notes)
            resident_record_interaction(resident_id=accompaniment.resident_id, at=_at(held_on))
        elif to == IntroductionStatus.NOT_RETAINED:
            if reason not in NotRetainedReason.values:
                raise ValidationError({"reason": "Choisissez le motif de l'employeur."})
            _end_introduction(introduction, status=to, by=by, not_retained_reason=reason,
                              notes=notes)  # fmt: skip
        elif to == IntroductionStatus.DECLINED:
            if reason not in DeclinedReason.values:
                raise ValidationError({"reason": "Choisissez le motif de la personne."})
            _end_introduction(introduction, status=to, by=by, declined_reason=reason,
                              notes=notes)  # fmt: skip
        else:  # accepted by the person
            introduction.status = to
            introduction.save()
            _step(introduction, to, by, notes)
    return introduction


def _schedule(introduction, accompaniment, by, interview_at, place, contact):
    place, contact = _text(place, 300), _text(contact, 150)
    errors = {}
    if not _is_moment(interview_at):
        errors["interview_at"] = "Indiquez le jour et l'heure de la rencontre."
    elif interview_at < timezone.now() - datetime.timedelta(hours=1):
        errors["interview_at"] = "La rencontre est à venir : choisissez une date future."
    elif interview_at > timezone.now() + datetime.timedelta(days=365):
        errors["interview_at"] = "Date trop lointaine."
    if not place:
        errors["interview_place"] = "Indiquez le lieu de la rencontre (le poste de travail)."
    if errors:
        raise ValidationError(errors)
    moved = introduction.status == IntroductionStatus.INTERVIEW_SCHEDULED
    if moved and (
        introduction.interview_at,
        introduction.interview_place,
        introduction.interview_contact,
    ) == (interview_at, place, contact):
        return  # the same meeting submitted twice: nothing moved  # fmt: skip
    introduction.status = IntroductionStatus.INTERVIEW_SCHEDULED
    introduction.interview_at = interview_at
    introduction.interview_place = place
    introduction.interview_contact = contact
    introduction.save()
    local = timezone.localtime(interview_at)
    when = f"{local:%d/%m/%Y à %Hh%M}"
    employer = introduction.opening.employer
    _step(
        introduction,
        IntroductionStatus.INTERVIEW_SCHEDULED,
        by,
        ("Rencontre déplacée au " if moved else "Rencontre le ") + f"{when}, {place}",
    )
    eve = local.date() - datetime.timedelta(days=1)
    coach_key, sms_key = _interview_keys(introduction)
    reminder_upsert(
        dedup_key=coach_key,
        assignee=accompaniment.coach,
        resident=accompaniment.resident,
        employer=employer,
        title=f"Rencontre sur le lieu de travail le {when} : {introduction.opening.title}, "
        f"{employer.name}",
        due_at=_at(eve),
    )
    if local.date() <= timezone.localdate():
        # A meeting today: no message saying "demain" (one planned for another day goes).
        reminder_delete_by_key(dedup_key=sms_key)
        return
    ask = f" Demandez {contact}." if contact else ""
    # The outbox sends it (o2r.reminders hands it over when due); no name in the text. 10:00
    # the day before, or on the last day before it that SMS may go (never later).
    reminder_upsert(
        dedup_key=sms_key,
        assignee=None,
        resident=accompaniment.resident,
        kind=ReminderKind.RESIDENT_MESSAGE,
        title=f"Rappel : rendez-vous {text.french_datetime(interview_at)}, {place}.{ask}",
        due_at=quiet.latest_allowed_at_or_before(eve, INTERVIEW_SMS_HOUR),
    )


# --- Placements ---------------------------------------------------------------------------


def _clean_placement(data: dict, *, accompaniment) -> dict:
    errors = {}
    today = timezone.localdate()
    contract = data.get("contract_type")
    if contract not in ContractType.values:
        errors["contract_type"] = "Choisissez le contrat."
    start_on, end_on = data.get("start_on"), data.get("end_on")
    trial = data.get("trial_period_end_on")
    for field, value in (("end_on", end_on), ("trial_period_end_on", trial)):
        if value and not _is_day(value):
            errors[field] = "Indiquez une date."
    end_on = end_on if _is_day(end_on) else None
    trial = trial if _is_day(trial) else None
    if not _is_day(start_on):
        errors["start_on"] = "Indiquez le premier jour du contrat."
    else:
        if start_on > today + START_AHEAD:
            errors["start_on"] = "Le contrat commence dans plus de trois mois : trop tôt."
        if start_on < accompaniment.started_on:
            errors["start_on"] = (
                "L'embauche ne peut pas précéder l'accompagnement "
                f"({accompaniment.started_on:%d/%m/%Y})."
            )
        if end_on and end_on < start_on:
            errors["end_on"] = "La fin du contrat suit son début."
        if trial and trial < start_on:
            errors["trial_period_end_on"] = "La période d'essai suit le début du contrat."
    if contract == ContractType.CDI and end_on:
        errors["end_on"] = "Un CDI n'a pas de fin prévue."
    if contract in DURATION_REQUIRED and not end_on:
        errors["end_on"] = "Indiquez la fin prévue du contrat."
    try:
        # Kept to the tenth, as stored: 0.04 h is 0.0 h, refused like 0.
        hours = Decimal(str(data.get("weekly_hours"))).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        hours = None
    if hours is None or not hours.is_finite() or not 0 < hours <= 48:
        errors["weekly_hours"] = "La durée hebdomadaire est comprise entre 0 et 48 heures."
    if errors:
        raise ValidationError(errors)
    return {
        "contract_type": contract,
        "start_on": start_on,
        "end_on": end_on or None,
        "trial_period_end_on": trial or None,
        "weekly_hours": hours,
        "job_title": _text(data.get("job_title"), 200),
        "onboarding_first_days": _text(data.get("onboarding_first_days"), 500),
        "onboarding_tasks": _text(data.get("onboarding_tasks"), 500),
        "onboarding_rhythm": _text(data.get("onboarding_rhythm"), 300),
        "onboarding_helper": _text(data.get("onboarding_helper"), 150),
    }


def follow_up_due_on(start_on: datetime.date, milestone: str) -> datetime.date:
    """D+7, M1, M3, M6 after the first day (settings O2R_FOLLOW_UP_MILESTONES). Months count
    as the calendar does: a hire on 31 January has its M1 on 28 (or 29) February."""
    return start_on + relativedelta(**settings.O2R_FOLLOW_UP_MILESTONES[milestone])


def _follow_up_reminder(follow_up, placement):
    reminder_upsert(
        dedup_key=reminder_key("follow_up", follow_up.pk),
        assignee=placement.coach,
        resident=placement.resident,
        employer=placement.employer,
        title=f"Suivi {follow_up.get_milestone_display()} dans l'emploi : "
        f"{placement.job_title}, {placement.employer.name}",
        due_at=_at(follow_up.due_on),
    )


def placement_record(
    *, accompaniment: Accompaniment, by, data: dict, introduction=None, token=None
) -> Placement:
    """Records a hire: the person moves to "employed" (the only way there), the opening loses
    a position (filled when none is left), and the follow-ups at D+7, M1, M3 and M6 are
    scheduled, each a reminder for the coach. `data` holds "employer" (or "opening") and the
    contract; with `introduction`, its opening and employer."""
    clean = _clean_placement(data, accompaniment=accompaniment)

    def create():
        locked = _lock_open_accompaniment(accompaniment)
        resident = Resident.objects.select_related("residence").get(pk=locked.resident_id)
        if resident.stage != Stage.ACCOMPANIED:
            label = Stage(resident.stage).label if resident.stage else "hors programme"
            raise ValidationError(
                f"Une embauche s'enregistre pour une personne accompagnée (elle est « {label} »)."
            )
        intro = None
        opening = data.get("opening")
        if introduction is not None:
            intro = (
                Introduction.objects.select_for_update(of=("self",))
                .select_related("opening")
                .filter(pk=introduction.pk, accompaniment=locked)
                .first()
            )
            if intro is None:
                raise ValidationError(
                    {"introduction": "Cette mise en relation n'est pas celle de la personne."}
                )
            if intro.status != IntroductionStatus.INTERVIEW_HELD:
                raise ValidationError(
                    "L'embauche suit la rencontre sur le lieu de travail : notez d'abord "
                    "qu'elle a eu lieu."
                )
            opening = intro.opening
        employer = data.get("employer")
        if opening is not None:
            opening = (
                JobOpening.objects.visible_to(by, Action.OPENING_READ)
                .select_for_update(of=("self",))
                .select_related("employer")
                .filter(pk=opening.pk)
                .first()
            )
            if opening is None:
                raise ValidationError({"opening": "Cette offre n'existe pas ou plus."})
            if opening.status != OpeningStatus.OPEN:
                raise ValidationError(
                    {"opening": "Cette offre est close : une embauche ne peut plus s'y rattacher."}
                )
            employer = opening.employer
        if employer is None:
            raise ValidationError({"employer": "Choisissez l'employeur."})
        placement = Placement.objects.create(
            resident=resident,
            accompaniment=locked,
            employer=employer,
            opening=opening,
            introduction=intro,
            residence_id=resident.residence_id,
            sex=resident.sex,
            coach_id=locked.coach_id,
            organisation_id=locked.organisation_id,
            created_by=by,
            token=token,
            **{**clean, "job_title": clean["job_title"] or (opening.title if opening else "")
               or "Poste"},
        )  # fmt: skip
        if intro is not None:
            intro.status = IntroductionStatus.HIRED
            intro.ended_at = timezone.now()
            intro.save()
            _step(intro, IntroductionStatus.HIRED, by, placement.get_contract_type_display())
        if opening is not None:
            filled = Placement.objects.filter(opening=opening).count()
            if filled >= opening.positions:
                job_opening_close(
                    by=by,
                    opening=opening,
                    status=OpeningStatus.FILLED,
                    closed_on=max(timezone.localdate(), opening.opened_on),
                    reason="Pourvue par une embauche de l'accompagnement",
                )
        placement.resident = resident
        placement.coach = locked.coach
        for milestone in settings.O2R_FOLLOW_UP_MILESTONES:
            follow_up = FollowUp.objects.create(
                placement=placement,
                milestone=milestone,
                due_on=follow_up_due_on(placement.start_on, milestone),
            )
            _follow_up_reminder(follow_up, placement)
        resident_change_stage(
            resident=resident,
            to=Stage.EMPLOYED,
            by=by,
            reason=f"Embauche : {placement.job_title} ({placement.get_contract_type_display()}), "
            f"{employer.name}",
            via="employment",
        )
        return placement

    with transaction.atomic(), resident_history_context(by):
        placement, _ = once(Placement, token, create)
    return placement


def _cancel_follow_ups(follow_ups, today) -> None:
    pending = list(follow_ups.values_list("pk", flat=True))
    FollowUp.objects.filter(pk__in=pending).update(cancelled_on=today)
    for pk in pending:
        reminder_delete_by_key(dedup_key=reminder_key("follow_up", pk))


def placement_end(
    *, placement: Placement, by, ended_on: datetime.date, reason: str, notes: str = ""
) -> Placement:
    """The job ends early: why, the remaining follow-ups cancelled, and the person back to
    "accompanied" (the only way back)."""
    today = timezone.localdate()
    errors = {}
    if reason not in PlacementEndReason.values:
        errors["reason"] = "Choisissez le motif de la fin du contrat."
    if not _is_day(ended_on):
        errors["ended_on"] = "Indiquez le dernier jour."
    elif ended_on > today:
        errors["ended_on"] = "La fin se note une fois arrivée : pas de date future."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), resident_history_context(by):
        if placement.accompaniment.is_open:
            _lock_open_accompaniment(placement.accompaniment)
        else:
            # After an exit in work the coach still follows the job, and records its end.
            resident_lock(placement.resident_id)
            if not _sharing_stands(placement.resident_id, placement.organisation_id):
                raise ValidationError(
                    "L'accord de partage de la personne avec votre structure n'est plus valable."
                )
        placement = (
            Placement.objects.select_for_update(of=("self",))
            .select_related("resident")
            .get(pk=placement.pk)
        )
        if placement.ended_on is not None:
            return placement
        if ended_on < placement.start_on:
            raise ValidationError(
                {
                    "ended_on": "La fin ne peut pas précéder l'embauche "
                    f"({placement.start_on:%d/%m/%Y})."
                }
            )
        placement.ended_on = ended_on
        placement.end_reason = reason
        placement.end_notes = _text(notes, 300)
        placement.save(update_fields=["ended_on", "end_reason", "end_notes"])
        _cancel_follow_ups(placement.follow_ups.pending(), today)
        if placement.resident.stage == Stage.EMPLOYED:
            resident_change_stage(
                resident=placement.resident,
                to=Stage.ACCOMPANIED,
                by=by,
                reason=f"Fin du contrat : {PlacementEndReason(reason).label}",
                via="employment",
            )
    return placement


def follow_up_record(
    *,
    follow_up: FollowUp,
    by,
    done_on: datetime.date,
    with_whom: str,
    notes: str = "",
    issues: str = "",
    still_employed: bool | None = None,
) -> FollowUp:
    """A follow-up done, on a day between the hire and today. The M6 one says whether the
    person is still in the job: "still employed at 6 months" is counted only from it."""
    today = timezone.localdate()
    errors = {}
    if with_whom not in FollowUpWith.values:
        errors["with_whom"] = "Indiquez avec qui le suivi a été fait."
    if not _is_day(done_on):
        errors["done_on"] = "Indiquez le jour du suivi."
    elif done_on > today:
        errors["done_on"] = "Un suivi se note une fois fait : pas de date future."
    if follow_up.milestone == Milestone.M6 and still_employed is None:
        errors["still_employed"] = "Dites si la personne est toujours en poste."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), resident_history_context(by):
        placement = follow_up.placement
        resident_lock(placement.resident_id)
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("placement")
            .get(pk=follow_up.pk)
        )
        placement = follow_up.placement
        if follow_up.done_on is not None:
            return follow_up  # a second click: the first one wrote it
        if follow_up.cancelled_on is not None:
            raise ValidationError("Ce suivi est annulé : le contrat a pris fin.")
        if not _sharing_stands(placement.resident_id, placement.organisation_id):
            raise ValidationError(
                "L'accord de partage de la personne avec votre structure n'est plus valable."
            )
        if done_on < placement.start_on:
            raise ValidationError(
                {
                    "done_on": "Un suivi ne peut pas précéder l'embauche "
                    f"({placement.start_on:%d/%m/%Y})."
                }
            )
        follow_up.done_on = done_on
        follow_up.with_whom = with_whom
        follow_up.notes = _text(notes, 500)
        follow_up.issues = _text(issues, 500)
        follow_up.still_employed = still_employed
        follow_up.done_by = by
        follow_up.save()
        reminder_done_by_key(dedup_key=reminder_key("follow_up", follow_up.pk))
        if with_whom in FOLLOW_UP_WITH_PERSON:
            resident_record_interaction(resident_id=placement.resident_id, at=_at(done_on))
    return follow_up
