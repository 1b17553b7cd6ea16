"""Business rules of the resident file. Views, forms, imports and tasks call these; each is one
transaction. Refusals raise ValidationError with a French message (keyed by field where one is
to blame)."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from o2r.accounts.enums import OrganisationKind, Role
from o2r.reminders.services import (
    reminder_delete_by_key,
    reminder_done_by_key,
    reminder_upsert,
)

from .enums import BarrierStatus, ConsentScope, ExitReason, Stage, StepOwner
from .models import (
    ActionStep,
    Consent,
    ExternalReferent,
    Note,
    Resident,
    ResidentBarrier,
    ResidentBenefit,
    ResidentChange,
    StageChange,
)
from .normalise import search_text
from .validators import normalise_france_travail_id, parse_phone

# --- The path -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    needs_accompaniment_consent: bool = False
    needs_sharing_consent_and_coach: bool = False
    needs_reason: bool = False
    needs_exit_reason: bool = False


# (from, to) -> what the move requires. Anything absent is refused. DESIGN.md "The path".
PATH = {
    (None, Stage.IDENTIFIED): Transition(),
    (Stage.IDENTIFIED, Stage.ENGAGED): Transition(needs_accompaniment_consent=True),
    (Stage.ENGAGED, Stage.ACCOMPANIED): Transition(needs_sharing_consent_and_coach=True),
    (Stage.ACCOMPANIED, Stage.EMPLOYED): Transition(),
    (Stage.EMPLOYED, Stage.ACCOMPANIED): Transition(needs_reason=True),
    **{
        (stage, Stage.EXITED): Transition(needs_exit_reason=True)
        for stage in (Stage.IDENTIFIED, Stage.ENGAGED, Stage.ACCOMPANIED, Stage.EMPLOYED)
    },
    (Stage.EXITED, Stage.IDENTIFIED): Transition(needs_reason=True),
}


def next_stages(stage):
    return [to for (frm, to) in PATH if frm == stage]


def _standing(resident, scope, organisation_id=None, today=None):
    today = today or timezone.localdate()
    consents = resident.consents.filter(scope=scope, given_on__lte=today).exclude(
        withdrawn_on__lte=today
    )
    if organisation_id is not None:
        consents = consents.filter(recipient_organisation_id=organisation_id)
    return consents.exists()


def resident_change_stage(
    *, resident: Resident, to: str, by, reason: str = "", exit_reason: str = ""
) -> StageChange:
    with transaction.atomic():
        resident = Resident.objects.select_for_update().get(pk=resident.pk)
        frm = resident.stage
        transition = PATH.get((frm, to))
        if transition is None:
            from_label = Stage(frm).label if frm else "hors programme"
            raise ValidationError(
                {"to": f"Passage impossible de « {from_label} » à « {Stage(to).label} »."}
            )
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
        change = StageChange.objects.create(
            resident=resident, from_stage=frm, to_stage=to, reason=reason[:500],
            exit_reason=exit_reason, changed_by=by, changed_at=now,
        )  # fmt: skip
        resident.stage = to
        resident.stage_changed_at = now
        if to == Stage.IDENTIFIED and not resident.insertion_officer_id and by.is_insertion_officer:
            resident.insertion_officer = by
        resident.save(update_fields=["stage", "stage_changed_at", "insertion_officer"])
    return change


# --- Identity and personal fields ---------------------------------------------------------


def _display(resident, field):
    value = getattr(resident, field)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if field == "phone":
        return value.as_national
    choices_display = getattr(resident, f"get_{field}_display", None)
    if choices_display:
        return str(choices_display())
    return str(value)


def _snapshot(resident):
    return {field: _display(resident, field) for field in Resident.TRACKED_FIELDS}


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


def _record_change(resident, before, by):
    after = _snapshot(resident)
    diff = {f: [before[f], after[f]] for f in Resident.TRACKED_FIELDS if before[f] != after[f]}
    if diff:
        ResidentChange.objects.create(resident=resident, changed_by=by, diff=diff)
    return diff


def resident_create(
    *, by, data: dict, enter_programme: bool = True, benefits: dict | None = None
) -> Resident:
    """A new resident. `enter_programme` makes them "identified" at once (a StageChange);
    residents of an imported roster are created without it."""
    resident = Resident(created_by=by)
    _apply(resident, data)
    _check_dates(resident)
    with transaction.atomic():
        resident.save()
        if benefits:
            _set_benefits(resident, benefits)
        if enter_programme:
            resident_change_stage(resident=resident, to=Stage.IDENTIFIED, by=by)
            resident.refresh_from_db()
    return resident


def resident_update(
    *, resident: Resident, by, data: dict, benefits: dict | None = None
) -> Resident:
    with transaction.atomic():
        resident = Resident.objects.select_for_update().get(pk=resident.pk)
        before = _snapshot(resident)
        _apply(resident, data)
        _check_dates(resident)
        resident.save()
        diff = _record_change(resident, before, by)
        if benefits is not None:
            old = {b.benefit: b.since for b in resident.benefits.all()}
            if old != benefits:
                _set_benefits(resident, benefits)
                ResidentChange.objects.create(
                    resident=resident, changed_by=by,
                    diff={"benefits": [_benefits_text(old), _benefits_text(benefits)]},
                )  # fmt: skip
                diff["benefits"] = True
    return resident


def _benefits_text(benefits):
    from .enums import Benefit

    parts = []
    for code, since in sorted(benefits.items()):
        label = Benefit(code).label
        parts.append(f"{label} depuis le {since:%d/%m/%Y}" if since else label)
    return ", ".join(parts)


def _set_benefits(resident, benefits):
    resident.benefits.exclude(benefit__in=list(benefits)).delete()
    for code, since in benefits.items():
        ResidentBenefit.objects.update_or_create(
            resident=resident, benefit=code, defaults={"since": since}
        )


def benefit_set(
    *, resident: Resident, benefit: str, since: datetime.date | None, by
) -> ResidentBenefit:
    """Records a benefit, or changes the date of one already recorded; the change is kept in
    the file's history."""
    with transaction.atomic():
        resident = Resident.objects.select_for_update().get(pk=resident.pk)
        old = {b.benefit: b.since for b in resident.benefits.all()}
        row, _ = ResidentBenefit.objects.update_or_create(
            resident=resident, benefit=benefit, defaults={"since": since}
        )
        new = {**old, benefit: since}
        if new != old:
            ResidentChange.objects.create(
                resident=resident, changed_by=by,
                diff={"benefits": [_benefits_text(old), _benefits_text(new)]},
            )  # fmt: skip
    return row


def benefit_remove(*, benefit: ResidentBenefit, by) -> None:
    with transaction.atomic():
        resident = Resident.objects.select_for_update().get(pk=benefit.resident_id)
        old = {b.benefit: b.since for b in resident.benefits.all()}
        benefit.delete()
        new = {code: since for code, since in old.items() if code != benefit.benefit}
        ResidentChange.objects.create(
            resident=resident, changed_by=by,
            diff={"benefits": [_benefits_text(old), _benefits_text(new)]},
        )  # fmt: skip


def resident_assign_coach(*, resident: Resident, coach, by) -> Resident:
    if coach.role != Role.JOB_COACH or not coach.is_active:
        raise ValidationError({"coach": "Choisissez une chargée de mission emploi active."})
    if not coach.organisation_id or coach.organisation.kind != OrganisationKind.EMPLOYMENT:
        raise ValidationError({"coach": "Cette personne n'appartient pas à la structure emploi."})
    if not _standing(resident, ConsentScope.SHARING, coach.organisation_id):
        raise ValidationError(
            {
                "coach": "Enregistrez d'abord l'accord de la personne pour le partage avec "
                f"{coach.organisation}."
            }
        )
    with transaction.atomic():
        resident = Resident.objects.select_for_update().get(pk=resident.pk)
        before = _snapshot(resident)
        resident.job_coach = coach
        resident.save(update_fields=["job_coach", "updated_at"])
        _record_change(resident, before, by)
    return resident


# --- Consents -----------------------------------------------------------------------------


def consent_record(
    *, resident: Resident, scope: str, given_on: datetime.date, method: str, by,
    recipient_organisation=None,
) -> Consent:  # fmt: skip
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": "La date de l'accord ne peut pas être future."})
    if scope in (ConsentScope.SHARING, ConsentScope.HEALTH) and recipient_organisation is None:
        raise ValidationError(
            {"recipient_organisation": "Indiquez la structure avec qui partager."}
        )
    if scope in (ConsentScope.ACCOMPANIMENT, ConsentScope.SMS):
        recipient_organisation = None
    with transaction.atomic():
        Resident.objects.select_for_update().get(pk=resident.pk)
        standing = Consent.objects.filter(
            resident=resident, scope=scope, recipient_organisation=recipient_organisation,
            withdrawn_on__isnull=True,
        )  # fmt: skip
        if standing.exists():
            raise ValidationError({"scope": "Un accord de ce type est déjà enregistré."})
        return Consent.objects.create(
            resident=resident, scope=scope, given_on=given_on, method=method,
            recorded_by=by, recipient_organisation=recipient_organisation,
        )  # fmt: skip


def consent_withdraw(*, consent: Consent, by, withdrawn_on: datetime.date | None = None):
    """Effective at once: from today, what depended on the consent is no longer visible."""
    withdrawn_on = withdrawn_on or timezone.localdate()
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": "Le retrait ne peut pas précéder l'accord."})
    with transaction.atomic():
        updated = Consent.objects.filter(pk=consent.pk, withdrawn_on__isnull=True).update(
            withdrawn_on=withdrawn_on, withdrawn_by=by
        )
        if not updated:
            raise ValidationError("Cet accord est déjà retiré.")
        consent.refresh_from_db()
    return consent


# --- Notes, barriers, referents -----------------------------------------------------------


def note_add(*, resident: Resident, author, body: str, confidential: bool = False) -> Note:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "La note est vide."})
    return Note.objects.create(
        resident=resident, author=author, author_organisation=author.organisation,
        body=body[:2000], confidential=confidential,
    )  # fmt: skip


def barrier_set(
    *, resident: Resident, code: str, status: str, by, on: datetime.date | None = None
) -> ResidentBarrier:
    on = on or timezone.localdate()
    with transaction.atomic():
        barrier, created = ResidentBarrier.objects.select_for_update().get_or_create(
            resident=resident, code=code, defaults={"status": status, "identified_on": on}
        )
        if not created:
            barrier.status = status
        barrier.lifted_on = on if status == BarrierStatus.LIFTED else None
        if barrier.lifted_on and barrier.lifted_on < barrier.identified_on:
            barrier.lifted_on = barrier.identified_on
        barrier.save()
    return barrier


def referent_add(*, resident: Resident, by, **fields) -> ExternalReferent:
    referent = ExternalReferent(resident=resident, **fields)
    if referent.since and referent.until and referent.until < referent.since:
        raise ValidationError({"until": "La fin du suivi ne peut pas précéder son début."})
    referent.save()
    return referent


def referent_end(*, referent: ExternalReferent, by, until=None) -> ExternalReferent:
    today = timezone.localdate()
    if referent.until and referent.until <= today:
        raise ValidationError("Ce suivi est déjà terminé.")
    referent.until = until or today
    if referent.since and referent.until < referent.since:
        raise ValidationError({"until": "La fin du suivi ne peut pas précéder son début."})
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
    return f"action_step:{step.pk}"


def action_step_add(
    *, resident: Resident, by, objective: str, step: str, owner: str,
    due_on: datetime.date | None = None,
) -> ActionStep:  # fmt: skip
    with transaction.atomic():
        # The coach or officer may have changed since the caller loaded the resident.
        resident = Resident.objects.select_related("job_coach", "insertion_officer").get(
            pk=resident.pk
        )
        action = ActionStep.objects.create(
            resident=resident, objective=objective.strip()[:200], step=step.strip()[:300],
            owner=owner, due_on=due_on, created_by=by,
        )  # fmt: skip
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
    with transaction.atomic():
        ActionStep.objects.filter(pk=step.pk, done_on__isnull=True).update(
            done_on=done_on or timezone.localdate()
        )
        reminder_done_by_key(dedup_key=_step_reminder_key(step))
        step.refresh_from_db()
    return step


def action_step_delete(*, step: ActionStep, by) -> None:
    with transaction.atomic():
        reminder_delete_by_key(dedup_key=_step_reminder_key(step))
        step.delete()
