"""Business rules of the resident file. Views, forms, imports and tasks call these; each is one
transaction. Refusals raise ValidationError with a French message (keyed by field where one is
to blame)."""

import datetime
from dataclasses import dataclass

import pghistory
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from o2r import access, registry
from o2r.access import Action
from o2r.reminders.services import (
    reminder_add_once,
    reminder_done_by_key,
    reminder_key,
    reminder_upsert,
)

from .enums import BarrierStatus, ConsentScope, ExitReason, Stage, StepOwner
from .health import HealthView
from .history import changes_since_version
from .models import (
    ActionStep,
    Consent,
    ExternalReferent,
    Note,
    Resident,
    ResidentBarrier,
    ResidentBenefit,
    StageChange,
    insertion_officers,
)
from .normalise import identity_key, search_text
from .validators import normalise_france_travail_id, parse_phone


def _lock(resident_pk) -> Resident:
    """The resident's row, locked until the transaction ends. Every service that decides on
    consent (or changes what depends on it) takes this lock first, before touching any other
    row of the file: one order, so two services never wait on each other in a cycle, and a
    withdrawal and a move that needs the consent are serialised. An anonymised file takes no
    write any more: what an erasure removed never comes back."""
    resident = (
        Resident.objects.select_for_update(of=("self",))
        .select_related("job_coach__organisation")
        .get(pk=resident_pk)
    )
    if resident.anonymised_at is not None:
        raise ValidationError("Ce dossier a été anonymisé : il ne peut plus être modifié.")
    return resident


def resident_lock(resident_pk) -> Resident:
    """The resident's row locked for the caller's transaction (the one lock order of the
    file, see _lock): for the apps whose services decide on consent."""
    return _lock(resident_pk)


def resident_history_context(by):
    """Who, for the history triggers, in another app's service."""
    return _history(by)


def _history(by):
    """Who, for the history triggers (a request already says it; tasks and commands too)."""
    return pghistory.context(user=getattr(by, "pk", None))


# --- The path -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    needs_accompaniment_consent: bool = False
    needs_sharing_consent_and_coach: bool = False
    needs_reason: bool = False
    needs_exit_reason: bool = False
    # The move is made only by that app's service (e.g. "employment": recording a placement,
    # ending it early), never through the stage form.
    only_via: str | None = None


# (from, to) -> what the move requires. Anything absent is refused. DESIGN.md "The path".
PATH = {
    (None, Stage.IDENTIFIED): Transition(),
    (Stage.IDENTIFIED, Stage.ENGAGED): Transition(needs_accompaniment_consent=True),
    # The coach's acceptance of an orientation opens the accompaniment and makes this move.
    (Stage.ENGAGED, Stage.ACCOMPANIED): Transition(
        needs_sharing_consent_and_coach=True, only_via="employment"
    ),
    (Stage.ACCOMPANIED, Stage.EMPLOYED): Transition(only_via="employment"),
    (Stage.EMPLOYED, Stage.ACCOMPANIED): Transition(needs_reason=True, only_via="employment"),
    **{
        (stage, Stage.EXITED): Transition(needs_exit_reason=True)
        for stage in (Stage.IDENTIFIED, Stage.ENGAGED, Stage.ACCOMPANIED, Stage.EMPLOYED)
    },
    (Stage.EXITED, Stage.IDENTIFIED): Transition(needs_reason=True),
}


# Moving into these stages follows a meeting with the person (an accompaniment consent, a
# coach's acceptance, a hire): an interaction. Being identified (a roster, a referral) or
# leaving (lost contact) is not.
INTERACTION_STAGES = frozenset({Stage.ENGAGED, Stage.ACCOMPANIED, Stage.EMPLOYED})

ONLY_VIA_MESSAGES = {
    (Stage.ENGAGED, Stage.ACCOMPANIED): "L'accompagnement commence quand la chargée de "
    "mission emploi accepte l'orientation : orientez la personne depuis son dossier.",
    (Stage.ACCOMPANIED, Stage.EMPLOYED): "« En emploi » s'enregistre en déclarant l'embauche, "
    "dans l'accompagnement vers l'emploi.",
    (Stage.EMPLOYED, Stage.ACCOMPANIED): "Le retour en accompagnement s'enregistre en "
    "déclarant la fin anticipée du contrat, dans l'accompagnement vers l'emploi.",
}


def next_stages(stage, *, via=None):
    """The stages one may move to from `stage` (through the stage form when `via` is None)."""
    return [
        to
        for (frm, to), transition in PATH.items()
        if frm == stage and transition.only_via in (None, via)
    ]


def _standing(resident, scope, organisation_id=None, today=None):
    today = today or timezone.localdate()
    consents = resident.consents.filter(scope=scope, given_on__lte=today).exclude(
        withdrawn_on__lte=today
    )
    if organisation_id is not None:
        consents = consents.filter(recipient_organisation_id=organisation_id)
    return consents.exists()


def resident_change_stage(
    *, resident: Resident, to: str, by, reason: str = "", exit_reason: str = "", via=None
) -> StageChange:
    """`via`: the app whose service makes the move (PATH's `only_via`); None for the form."""
    with transaction.atomic(), _history(by):
        resident = _lock(resident.pk)
        frm = resident.stage
        transition = PATH.get((frm, to))
        if transition is None:
            from_label = Stage(frm).label if frm else "hors programme"
            raise ValidationError(
                {"to": f"Passage impossible de « {from_label} » à « {Stage(to).label} »."}
            )
        if transition.only_via and transition.only_via != via:
            raise ValidationError({"to": ONLY_VIA_MESSAGES[(frm, to)]})
        reason = (reason or "").strip()
        if transition.needs_reason and not reason:
            raise ValidationError({"reason": "Indiquez le motif de ce changement."})
        if transition.needs_exit_reason:
            if exit_reason not in ExitReason.values:
                raise ValidationError({"exit_reason": "Choisissez le motif de sortie."})
        else:
            exit_reason = ""
        if transition.needs_accompaniment_consent and not _standing(
            resident, ConsentScope.ACCOMPANIMENT
        ):
            raise ValidationError(
                {"to": "Enregistrez d'abord l'accord de la personne pour l'accompagnement."}
            )
        if transition.needs_sharing_consent_and_coach:
            if resident.job_coach_id is None:
                raise ValidationError(
                    {"to": "Orientez d'abord la personne vers une chargée de mission emploi."}
                )
            if not _standing(resident, ConsentScope.SHARING, resident.job_coach.organisation_id):
                raise ValidationError(
                    {"to": "L'accord de partage avec la structure emploi est nécessaire."}
                )
        now = timezone.now()
        person = Resident.objects.with_snapshot().get(pk=resident.pk)
        change = StageChange.objects.create(
            resident=resident,
            from_stage=frm,
            to_stage=to,
            reason=reason[:500],
            exit_reason=exit_reason,
            changed_by=by,
            changed_at=now,
            from_stage_since=resident.stage_changed_at if frm else None,
            **person.snapshot(timezone.localdate(now)),
        )
        resident.stage = to
        resident.stage_changed_at = now
        if (
            to == Stage.IDENTIFIED
            and not resident.insertion_officer_id
            and access.allows(by, Action.RESIDENT_FOLLOW)
        ):
            resident.insertion_officer = by
        resident.save(update_fields=["stage", "stage_changed_at", "insertion_officer"])
        if to in INTERACTION_STAGES:
            resident_record_interaction(resident_id=resident.pk, at=now)
        # Every app's effect of the move (settings O2R_STAGE_CHANGE_EFFECTS: an officer's exit
        # closes the accompaniment), in this transaction, the resident locked.
        for effect in registry.functions("O2R_STAGE_CHANGE_EFFECTS"):
            effect(change=change, by=by, via=via)
    return change


# --- Interactions -------------------------------------------------------------------------


def resident_record_interaction(*, resident_id: int, at: datetime.datetime | None = None) -> None:
    """A real interaction with the person (a contact, a meeting, an SMS reply, a consent given
    or withdrawn): moves `last_interaction_at` forward, never back. Every app calls this when
    it records one; it is what "no contact for 30 days" and the 2-year retention read."""
    at = at or timezone.now()
    Resident.objects.filter(pk=resident_id).update(
        last_interaction_at=Greatest(Coalesce(F("last_interaction_at"), Value(at)), Value(at))
    )


def resident_recompute_last_interaction(*, resident: Resident) -> datetime.datetime | None:
    """The latest interaction according to every app's activity source (settings
    O2R_ACTIVITY_SOURCES), written back: for a backfill or after an erasure of rows."""
    latest = [
        at
        for source in registry.functions("O2R_ACTIVITY_SOURCES")
        if (at := source(resident_ids=[resident.pk]).get(resident.pk)) is not None
    ]
    value = max(latest, default=None)
    Resident.objects.filter(pk=resident.pk).update(last_interaction_at=value)
    return value


def _day(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


# --- Identity and personal fields ---------------------------------------------------------

# The fields of the edit form, in its order; a concurrent change of one is a conflict (see
# resident_update).
EDITABLE_FIELDS = [
    "last_name", "first_name", "birth_date", "sex", "phone", "residence", "housing_unit",
    "moved_in_on", "moved_out_on", "preferred_language", "french_level",
    "nationality_group", "international_protection", "right_to_work_document",
    "right_to_work_expires_on", "rqth", "france_travail_status", "france_travail_id",
    "last_referent_contact_on",
]  # fmt: skip


class ResidentConflict(ValidationError):
    """Someone else saved the file since the form was opened. `changes` lists what they
    changed: [(field, label, value then, value now)] in French, health fields left out for
    those who may not see them."""

    def __init__(self, *, changes, by, version):
        self.changes, self.changed_by, self.version = changes, by, version
        who = f" par {by.get_full_name()}" if by else ""
        super().__init__(
            f"Ce dossier a été modifié{who} pendant que vous le modifiiez. Vos saisies sont "
            "conservées ci-dessous : vérifiez-les au regard de ces changements, puis "
            "enregistrez à nouveau."
        )


def _apply(resident, data):
    for field, value in data.items():
        if field == "phone":
            e164, is_mobile = parse_phone(str(value or ""))
            resident.phone_raw = str(value or "")[:40]
            resident.phone = e164
            resident.phone_is_mobile = is_mobile
        elif field == "france_travail_id":
            resident.france_travail_id = normalise_france_travail_id(value)
        else:
            setattr(resident, field, value)
    resident.search_text = search_text(
        first_name=resident.first_name,
        last_name=resident.last_name,
        phone=resident.phone.as_e164 if resident.phone else "",
    )
    resident.identity_key = identity_key(
        first_name=resident.first_name, last_name=resident.last_name
    )


def _check_dates(resident):
    today = timezone.localdate()
    if resident.birth_date and resident.birth_date > today:
        raise ValidationError({"birth_date": "La date de naissance ne peut pas être future."})
    if resident.birth_date and resident.birth_date < datetime.date(1900, 1, 1):
        raise ValidationError({"birth_date": "Date de naissance invraisemblable."})
    if (
        resident.moved_in_on
        and resident.moved_out_on
        and resident.moved_out_on < (resident.moved_in_on)
    ):
        raise ValidationError({"moved_out_on": "La sortie de la résidence suit l'entrée."})


def resident_create(
    *, by, data: dict, enter_programme: bool = True, benefits: dict | None = None
) -> Resident:
    """A new resident. `enter_programme` makes them "identified" at once (a StageChange);
    residents of an imported roster are created without it."""
    resident = Resident(created_by=by)
    _apply(resident, data)
    _check_dates(resident)
    with transaction.atomic(), _history(by):
        resident.save()
        if benefits:
            _set_benefits(resident, benefits)
        if enter_programme:
            resident_change_stage(resident=resident, to=Stage.IDENTIFIED, by=by)
            resident.refresh_from_db()
    return resident


def resident_update(
    *,
    resident: Resident,
    by,
    data: dict,
    benefits: dict | None = None,
    expected_version: int | None = None,
) -> Resident:
    """Saves the edit form. With `expected_version` (the version the form was opened on), a
    save made by someone else in between is not overwritten: ResidentConflict says what they
    changed. The history triggers keep who, when, before and after."""
    with transaction.atomic(), _history(by):
        resident = _lock(resident.pk)
        if expected_version is not None and resident.version != expected_version:
            _raise_conflict(resident, version=expected_version, fields=data, by=by)
        _apply(resident, data)
        _check_dates(resident)
        resident.version = F("version") + 1
        resident.save()
        resident.refresh_from_db(fields=["version"])
        if benefits is not None:
            old = {b.benefit: b.since for b in resident.benefits.all()}
            if old != benefits:
                _set_benefits(resident, benefits)
    return resident


def _raise_conflict(resident, *, version, fields, by):
    changes, changed_by = changes_since_version(
        resident, version=version, fields=[f for f in fields if f in EDITABLE_FIELDS]
    )
    health = HealthView.for_user(by, resident)
    if changes is not None:
        changes = [c for c in changes if health.shows_field(c[0])]
        if not changes:
            return  # only fields outside the form changed (a stage, a coach): nothing to lose
    raise ResidentConflict(changes=changes or [], by=changed_by, version=resident.version)


def _set_benefits(resident, benefits):
    resident.benefits.exclude(benefit__in=list(benefits)).delete()
    for code, since in benefits.items():
        ResidentBenefit.objects.update_or_create(
            resident=resident, benefit=code, defaults={"since": since}
        )


def benefit_set(
    *, resident: Resident, benefit: str, since: datetime.date | None, by
) -> ResidentBenefit:
    """Records a benefit, or changes the date of one already recorded."""
    with transaction.atomic(), _history(by):
        resident = _lock(resident.pk)
        row, _ = ResidentBenefit.objects.update_or_create(
            resident=resident, benefit=benefit, defaults={"since": since}
        )
    return row


def benefit_remove(*, benefit: ResidentBenefit, by) -> None:
    with transaction.atomic(), _history(by):
        _lock(benefit.resident_id)
        benefit.delete()


# --- Consents -----------------------------------------------------------------------------


def consent_record(
    *,
    resident: Resident,
    scope: str,
    given_on: datetime.date,
    method: str,
    by,
    recipient_organisation=None,
) -> Consent:
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": "La date de l'accord ne peut pas être future."})
    if scope in (ConsentScope.SHARING, ConsentScope.HEALTH) and recipient_organisation is None:
        raise ValidationError(
            {"recipient_organisation": "Indiquez la structure avec qui partager."}
        )
    if scope in (ConsentScope.ACCOMPANIMENT, ConsentScope.SMS):
        recipient_organisation = None
    with transaction.atomic(), _history(by):
        _lock(resident.pk)
        standing = Consent.objects.filter(
            resident=resident,
            scope=scope,
            recipient_organisation=recipient_organisation,
            withdrawn_on__isnull=True,
        )
        if standing.exists():
            raise ValidationError({"scope": "Un accord de ce type est déjà enregistré."})
        consent = Consent.objects.create(
            resident=resident,
            scope=scope,
            given_on=given_on,
            method=method,
            recorded_by=by,
            recipient_organisation=recipient_organisation,
        )
        # A consent is given by the person, to someone: an interaction.
        resident_record_interaction(resident_id=resident.pk, at=_day(given_on))
    return consent


def consent_withdraw(*, consent: Consent, by, withdrawn_on: datetime.date | None = None):
    """Effective at once: from today, what depended on the consent is no longer visible, and
    every app's withdrawal effect (settings O2R_CONSENT_WITHDRAWAL_EFFECTS: suspend an
    accompaniment, cancel pending SMS…) runs in the same transaction, after the resident is
    locked — so no move that needs the consent can commit alongside."""
    withdrawn_on = withdrawn_on or timezone.localdate()
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": "Le retrait ne peut pas précéder l'accord."})
    with transaction.atomic(), _history(by):
        _lock(consent.resident_id)
        updated = Consent.objects.filter(pk=consent.pk, withdrawn_on__isnull=True).update(
            withdrawn_on=withdrawn_on, withdrawn_by=by
        )
        if not updated:
            raise ValidationError("Cet accord est déjà retiré.")
        consent.refresh_from_db()
        for effect in registry.functions("O2R_CONSENT_WITHDRAWAL_EFFECTS"):
            effect(consent=consent, by=by)
        resident_record_interaction(resident_id=consent.resident_id)
    return consent


# --- Notes, barriers, referents -----------------------------------------------------------


def note_add(*, resident: Resident, by, body: str, confidential: bool = False) -> Note:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "La note est vide."})
    if confidential and not by.organisation_id:
        raise ValidationError(
            {"confidential": "Une note confidentielle appartient à une organisation : la vôtre "
             "n'est pas renseignée."}
        )  # fmt: skip
    with transaction.atomic(), _history(by):
        _lock(resident.pk)
        note = Note.objects.create(
            resident=resident,
            author=by,
            author_organisation=by.organisation,
            body=body[:2000],
            confidential=confidential,
        )
        # A note records a contact with the person (DOMAIN.md §5.4: notes are factual).
        resident_record_interaction(resident_id=resident.pk)
    return note


def barrier_set(
    *, resident: Resident, code: str, status: str, by, on: datetime.date | None = None
) -> ResidentBarrier:
    """Notes a barrier or its new status. Its dates move only when its status does: saving a
    lifted barrier again keeps the day it was lifted. The health barrier is only for those
    who may see health information."""
    on = on or timezone.localdate()
    with transaction.atomic(), _history(by):
        resident = _lock(resident.pk)
        if not HealthView.for_user(by, resident).shows_barrier_code(code):
            raise ValidationError({"code": "Choisissez un frein dans la liste."})
        barrier, created = ResidentBarrier.objects.select_for_update().get_or_create(
            resident=resident, code=code, defaults={"status": status, "identified_on": on}
        )
        if not created and barrier.status == status:
            return barrier
        barrier.status = status
        if status == BarrierStatus.LIFTED:
            barrier.lifted_on = max(on, barrier.identified_on)
        else:
            barrier.lifted_on = None
        barrier.save()
    return barrier


def referent_add(*, resident: Resident, by, **fields) -> ExternalReferent:
    referent = ExternalReferent(resident=resident, **fields)
    if referent.since and referent.until and referent.until < referent.since:
        raise ValidationError({"until": "La fin du suivi ne peut pas précéder son début."})
    with transaction.atomic(), _history(by):
        _lock(resident.pk)
        referent.save()
    return referent


def referent_end(*, referent: ExternalReferent, by, until=None) -> ExternalReferent:
    today = timezone.localdate()
    if referent.until and referent.until <= today:
        raise ValidationError("Ce suivi est déjà terminé.")
    referent.until = until or today
    if referent.since and referent.until < referent.since:
        raise ValidationError({"until": "La fin du suivi ne peut pas précéder son début."})
    with transaction.atomic(), _history(by):
        _lock(referent.resident_id)
        referent.save(update_fields=["until"])
    return referent


# --- Action plan --------------------------------------------------------------------------

REMINDER_HOUR = datetime.time(9, 0)


def _step_assignee(step, by):
    """The member of staff reminded of a step: its owner when staff, otherwise whoever wrote it
    (a step owned by the person or a partner is followed by the officer who created it)."""
    resident = step.resident
    if step.owner == StepOwner.COACH and resident.job_coach_id:
        return resident.job_coach
    if step.owner == StepOwner.OFFICER and resident.insertion_officer_id:
        return resident.insertion_officer
    return by


def _step_reminder_key(step):
    return reminder_key("action_step", step.pk)


def action_step_add(
    *,
    resident: Resident,
    by,
    objective: str,
    step: str,
    owner: str,
    due_on: datetime.date | None = None,
) -> ActionStep:
    with transaction.atomic(), _history(by):
        # The coach or officer may have changed since the caller loaded the resident.
        _lock(resident.pk)
        resident = Resident.objects.select_related("job_coach", "insertion_officer").get(
            pk=resident.pk
        )
        action = ActionStep.objects.create(
            resident=resident,
            objective=objective.strip()[:200],
            step=step.strip()[:300],
            owner=owner,
            due_on=due_on,
            created_by=by,
        )
        if due_on:
            reminder_upsert(
                dedup_key=_step_reminder_key(action),
                assignee=_step_assignee(action, by),
                resident=resident,
                # No name in the title: the reminder may outlive the assignee's access.
                title=action.step,
                due_at=timezone.make_aware(datetime.datetime.combine(due_on, REMINDER_HOUR)),
            )
    return action


def action_step_done(*, step: ActionStep, by, done_on: datetime.date | None = None):
    with transaction.atomic(), _history(by):
        _lock(step.resident_id)
        ActionStep.objects.filter(pk=step.pk, done_on__isnull=True).update(
            done_on=done_on or timezone.localdate()
        )
        reminder_done_by_key(dedup_key=_step_reminder_key(step))
        step.refresh_from_db()
    return step


# --- Who answers for a resident, and the right-to-work reminder --------------------------------


def officers_for(resident: Resident) -> list:
    """Her insertion officer; or, when none is assigned (or she left), every insertion officer
    of her residence: a reminder about her is never nobody's."""
    officer = resident.insertion_officer
    if officer is not None and officer.is_active:
        return [officer]
    return list(
        get_user_model()
        .objects.filter(
            insertion_officers(), residence_memberships__residence_id=resident.residence_id
        )
        .distinct()
    )


# A right-to-work document expiring within this many days reminds her officer to renew it.
RIGHT_TO_WORK_NOTICE = datetime.timedelta(days=60)


def right_to_work_remind(*, today: datetime.date | None = None) -> int:
    """Daily: a reminder for each document expiring within RIGHT_TO_WORK_NOTICE, due that many
    days before the expiry (at once if later), once per document and officer (its key)."""
    today = today or timezone.localdate()
    expiring = Resident.objects.filter(
        anonymised_at__isnull=True,
        right_to_work_expires_on__gte=today,
        right_to_work_expires_on__lte=today + RIGHT_TO_WORK_NOTICE,
    ).select_related("insertion_officer")
    count = 0
    for resident in expiring.iterator():
        expires_on = resident.right_to_work_expires_on
        due_at = timezone.make_aware(
            datetime.datetime.combine(expires_on - RIGHT_TO_WORK_NOTICE, datetime.time(9))
        )
        for officer in officers_for(resident):
            reminder_add_once(
                dedup_key=reminder_key("right_to_work", resident.pk, expires_on, officer.pk),
                assignee=officer,
                resident=resident,
                title="Titre autorisant le travail à renouveler : il expire le "
                f"{expires_on:%d/%m/%Y}",
                due_at=due_at,
            )
            count += 1
    return count
