"""Business rules of outreach. Views, the demo and tasks call these; each is one transaction.
Refusals raise ValidationError with a French message (keyed by field where one is to blame).

A form carries a token (a UUID made when it is shown): a double tap or a retried request on a
slow connection waits for the first one (a lock on the token) and finds the row it wrote,
instead of writing a second; a unique constraint on the token stands behind it."""

import contextlib
import datetime
import uuid

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from o2r import access
from o2r.access import Action
from o2r.core.services import once, token_lock
from o2r.reminders.services import reminder_key, reminder_upsert
from residents import services as residents
from residents.enums import ConsentMethod, ConsentScope, Stage
from residents.models import Residence, Resident
from residents.normalise import name_key, printable_text
from residents.validators import parse_phone

from .enums import (
    ENGAGING_OUTCOMES,
    ActionKind,
    Channel,
    Outcome,
    ReferralOutcome,
    ReferralStatus,
)
from .models import SUMMARY_MAX, Contact, OutreachAction, Referral

REMINDER_HOUR = datetime.time(9, 0)


def _history(by):
    return pghistory.context(user=getattr(by, "pk", None))


def _check_residence(by, residence, action):
    if not (
        access.allows(by, action)
        and Residence.objects.for_user(by).filter(pk=residence.pk).exists()
    ):
        raise ValidationError({"residence": "Vous ne travaillez pas sur cette résidence."})


def _clean_text(value, limit):
    return printable_text(value or "")[:limit].strip()


# --- Actions ------------------------------------------------------------------------------


def outreach_action_start(
    *,
    by,
    residence: Residence,
    kind: str = ActionKind.HALL_SESSION,
    started_at: datetime.datetime | None = None,
    token: uuid.UUID | None = None,
) -> OutreachAction:
    _check_residence(by, residence, Action.OUTREACH_LOG)
    if kind not in ActionKind.values or kind == ActionKind.SMS_CAMPAIGN:
        raise ValidationError({"kind": "Choisissez le type d'action."})
    started_at = started_at or timezone.now()
    if started_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"started_at": "Une action ne commence pas dans le futur."})

    def create():
        action = OutreachAction.objects.create(
            kind=kind, residence=residence, started_at=started_at, created_by=by, token=token
        )
        action.staff.add(by)
        return action

    with transaction.atomic(), _history(by):
        action, _ = once(OutreachAction, token, create)
    return action


def outreach_action_close(
    *, action: OutreachAction, by, ended_at: datetime.datetime | None = None, notes: str = ""
) -> OutreachAction:
    ended_at = ended_at or timezone.now()
    with transaction.atomic(), _history(by):
        action = OutreachAction.objects.select_for_update().get(pk=action.pk)
        if ended_at < action.started_at:
            raise ValidationError({"ended_at": "La fin ne peut pas précéder le début."})
        if action.ended_at is None:
            action.ended_at = ended_at
        if notes:
            action.notes = _clean_text(notes, 2000)
        action.save(update_fields=["ended_at", "notes"])
    return action


def outreach_action_count_unnamed(*, action: OutreachAction, by, delta: int = 1) -> int:
    """Someone met who gave no name: the action's counter (never below zero)."""
    with transaction.atomic():
        OutreachAction.objects.filter(pk=action.pk).update(
            unnamed_count=Greatest(F("unnamed_count") + delta, Value(0))
        )
        return OutreachAction.objects.get(pk=action.pk).unnamed_count


# --- Contacts -----------------------------------------------------------------------------


def contact_log(
    *,
    by,
    resident: Resident,
    outcome: str,
    channel: str = Channel.HALL,
    action: OutreachAction | None = None,
    at: datetime.datetime | None = None,
    summary: str = "",
    next_step_on: datetime.date | None = None,
    accompaniment_consent: bool = False,
    token: uuid.UUID | None = None,
) -> Contact:
    """A contact with a resident. A resident out of the programme is identified by it (the
    residents' path service); "interested" or "appointment set" may record the accompaniment
    consent and engage the person in the same step; a next-step date reminds the officer; the
    contact is an interaction of the file (last_interaction_at)."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choisissez la suite donnée."})
    if channel not in Channel.values:
        raise ValidationError({"channel": "Choisissez le canal."})
    at = at or timezone.now()
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": "Un contact ne peut pas être dans le futur."})
    if accompaniment_consent and outcome not in ENGAGING_OUTCOMES:
        raise ValidationError(
            {"accompaniment_consent": "L'accord se recueille auprès d'une personne intéressée."}
        )
    if action is not None and action.residence_id != resident.residence_id:
        raise ValidationError({"resident": "Cette personne n'habite pas la résidence de l'action."})
    if not Resident.objects.visible_to(by, Action.OUTREACH_LOG).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": "Choisissez un résident de vos résidences."})

    def create():
        return Contact.objects.create(
            resident=resident,
            action=action,
            residence_id=resident.residence_id,
            channel=channel,
            at=at,
            by=by,
            outcome=outcome,
            summary=_clean_text(summary, SUMMARY_MAX),
            next_step_on=next_step_on,
            token=token,
        )

    with transaction.atomic(), _history(by):
        contact, created = once(Contact, token, create)
        if not created:
            return contact
        resident = Resident.objects.get(pk=resident.pk)
        if resident.stage is None:
            residents.resident_change_stage(
                resident=resident, to=Stage.IDENTIFIED, by=by, reason="Contact d'aller vers"
            )
        if accompaniment_consent:
            _engage(resident, by=by, on=timezone.localdate(at))
        if contact.is_two_way:  # the rule the activity source and "reached" use
            residents.resident_record_interaction(resident_id=resident.pk, at=at)
        if next_step_on:
            reminder_upsert(
                dedup_key=reminder_key("contact", contact.pk),
                assignee=by,
                resident=resident,
                # No name in the title: the reminder may outlive the assignee's access.
                title="Prochaine étape après un contact d'aller vers",
                due_at=timezone.make_aware(datetime.datetime.combine(next_step_on, REMINDER_HOUR)),
            )
    return contact


def _engage(resident, *, by, on):
    """The accompaniment consent, then "identified → engaged" when the person is there."""
    standing = resident.consents.filter(
        scope=ConsentScope.ACCOMPANIMENT, withdrawn_on__isnull=True
    ).exists()
    if not standing:
        residents.consent_record(
            resident=resident,
            scope=ConsentScope.ACCOMPANIMENT,
            given_on=on,
            method=ConsentMethod.ORAL,
            by=by,
        )
    resident.refresh_from_db()
    if resident.stage == Stage.IDENTIFIED:
        residents.resident_change_stage(
            resident=resident, to=Stage.ENGAGED, by=by, reason="Accord recueilli en aller vers"
        )


def contact_correct(*, contact: Contact, by, outcome: str, summary: str = "") -> Contact:
    """A line of the session's list, corrected (the wrong button, a typo)."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choisissez la suite donnée."})
    with transaction.atomic(), _history(by):
        Contact.objects.filter(pk=contact.pk).update(
            outcome=outcome, summary=_clean_text(summary, SUMMARY_MAX)
        )
    contact.refresh_from_db()
    return contact


def resident_meet_new(
    *, by, action: OutreachAction, first_name: str, housing_unit: str = "", **contact
) -> Contact:
    """Someone met for the first time, with a first name and a unit only: a new file of the
    action's residence (identified by the contact), then the contact."""
    first_name = _clean_text(first_name, 100)
    if not first_name:
        raise ValidationError({"first_name": "Indiquez au moins le prénom."})
    token = contact.get("token")
    with transaction.atomic(), _history(by):
        if token is not None:
            # Two taps racing: the second waits here, then finds the first one's contact,
            # instead of making a second file.
            token_lock(token)
            if done := Contact.objects.filter(token=token).first():
                return done
        resident = residents.resident_create(
            by=by,
            data={
                "first_name": first_name,
                "last_name": "",
                "residence": action.residence,
                "housing_unit": _clean_text(housing_unit, 30),
            },
            enter_programme=False,
        )
        return contact_log(by=by, resident=resident, action=action, **contact)


# --- Referrals ----------------------------------------------------------------------------


def referral_file(
    *,
    by,
    residence: Residence,
    reason: str,
    first_name: str = "",
    housing_unit: str = "",
    how_to_reach: str = "",
    source: str = "",
    source_name: str = "",
    resident: Resident | None = None,
    token: uuid.UUID | None = None,
) -> Referral:
    _check_residence(by, residence, Action.REFERRAL_FILE)
    reason = _clean_text(reason, 500)
    if not reason:
        raise ValidationError({"reason": "Dites en quelques mots pourquoi."})
    first_name = _clean_text(first_name, 100)
    if resident is None and not first_name:
        raise ValidationError({"first_name": "Indiquez au moins le prénom de la personne."})
    if source not in {choice for choice, _ in Referral._meta.get_field("source").choices}:
        raise ValidationError({"source": "Choisissez qui signale."})

    def create():
        return Referral.objects.create(
            residence=residence,
            resident=resident,
            first_name=first_name,
            housing_unit=_clean_text(housing_unit, 30),
            how_to_reach=_clean_text(how_to_reach, 200),
            source=source,
            source_name=_clean_text(source_name, 150) or by.get_full_name(),
            reason=reason,
            filed_by=by,
            token=token,
        )

    with transaction.atomic(), _history(by):
        referral, _ = once(Referral, token, create)
    return referral


def _locked_referral(referral, by):
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _check_residence(by, referral.residence, Action.REFERRAL_HANDLE)
    return referral


class ReferralMayBeKnown(ValidationError):
    """The person referred may already have a file: the officer chooses it, or confirms that
    she is someone new (the resident file's duplicate check, for a referral)."""

    def __init__(self, candidates):
        self.candidates = candidates
        super().__init__("Cette personne a peut-être déjà un dossier dans la résidence.")


def referral_candidates(referral: Referral) -> list[Resident]:
    """Residents of the referral's residence who may be the person: the same first name
    (folded, as the duplicate check compares names) in the same unit, or the same phone."""
    phone = ""
    with contextlib.suppress(ValidationError):  # "le soir, au logement" is no number
        phone, _ = parse_phone(referral.how_to_reach)
    unit = " ".join(referral.housing_unit.split()).casefold()
    same = Q(housing_unit__iexact=referral.housing_unit) if unit else Q(pk__in=[])
    if phone:
        same |= Q(phone=phone)
    found = Resident.objects.filter(
        same, residence_id=referral.residence_id, anonymised_at__isnull=True
    ).order_by("last_name", "first_name")[:10]
    wanted = name_key(referral.first_name)
    return [
        resident
        for resident in found
        if (phone and resident.phone and resident.phone.as_e164 == phone)
        or name_key(resident.first_name) == wanted
    ]


def referral_take(
    *, referral: Referral, by, resident: Resident | None = None, new_person: bool = False
) -> Referral:
    """The officer takes the referral: linked to a resident of the residence (chosen, or the
    one already named), or — after the duplicate check, or when she says it is someone new —
    a new file with what staff wrote."""
    with transaction.atomic(), _history(by):
        referral = _locked_referral(referral, by)
        if referral.status == ReferralStatus.CLOSED:
            raise ValidationError("Ce signalement est déjà clos.")
        if resident is None and referral.resident_id is None and not new_person:
            candidates = referral_candidates(referral)
            if candidates:
                raise ReferralMayBeKnown(candidates)
        if resident is not None:
            if resident.residence_id != referral.residence_id:
                raise ValidationError({"resident": "Ce résident n'habite pas cette résidence."})
            referral.resident = resident
        if referral.resident_id is None:
            referral.resident = residents.resident_create(
                by=by,
                data={
                    "first_name": referral.first_name,
                    "last_name": "",
                    "residence": referral.residence,
                    "housing_unit": referral.housing_unit,
                },
            )
        elif referral.resident.stage is None:
            residents.resident_change_stage(
                resident=referral.resident, to=Stage.IDENTIFIED, by=by, reason="Signalement"
            )
        if referral.status == ReferralStatus.NEW:
            referral.status = ReferralStatus.IN_PROGRESS
            referral.taken_by = by
            referral.taken_at = timezone.now()
        referral.save()
    return referral


def referral_close(*, referral: Referral, by, outcome: str) -> Referral:
    if outcome not in ReferralOutcome.values:
        raise ValidationError({"outcome": "Choisissez l'issue du signalement."})
    with transaction.atomic(), _history(by):
        referral = _locked_referral(referral, by)
        if referral.status == ReferralStatus.CLOSED:
            return referral
        referral.status = ReferralStatus.CLOSED
        referral.outcome = outcome
        referral.closed_at = timezone.now()
        if referral.taken_by_id is None:
            referral.taken_by, referral.taken_at = by, referral.closed_at
        referral.save()
    return referral
