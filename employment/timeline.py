"""Employment's entries on the resident's timeline (settings O2R_TIMELINE_SOURCES): the
orientation and its answer, the accompaniment opened, suspended and closed, the coach's
contacts, each step of the introductions, the hires, the follow-ups done and the jobs ended
early — for whoever the table lets follow the accompaniment (the insertion officer reads it,
without the coach's confidential working notes)."""

import datetime

from django.db.models import Q
from django.utils import timezone

from o2r import access
from o2r.access import Action
from residents.models import Resident
from residents.timeline import Entry

from .enums import IntroductionStatus
from .models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    IntroductionStep,
    Orientation,
    Placement,
    hours_label,
)

LABEL = "Emploi"


def _day(day, moment=None):
    """When a fact of `day` goes on the timeline: `moment` (when it was recorded) if that was
    the same day — so a step and what it caused keep their order —, else noon."""
    if moment is not None and timezone.localdate(moment) == day:
        return moment
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def entries_for(resident, user, *, notes, health, **context):
    if not access.allows(user, Action.ACCOMPANIMENT_READ):
        return []
    # Most files have no part in the accompaniment (yet): one query says so.
    if (
        not Resident.objects.filter(pk=resident.pk)
        .filter(Q(orientations__isnull=False) | Q(accompaniments__isnull=False))
        .exists()
    ):
        return []
    entries = []
    action = Action.ACCOMPANIMENT_READ
    for orientation in (
        Orientation.objects.visible_to(user, action)
        .filter(resident=resident)
        .select_related("organisation", "oriented_by", "answered_by")
    ):
        entries.append(
            Entry(orientation.oriented_at, "orientation",
                  f"Orientation vers {orientation.organisation}",
                  f"{orientation.reason[:200]} — {orientation.oriented_by.get_full_name()}",
                  label=LABEL)
        )  # fmt: skip
        if orientation.answered_at and orientation.status == "declined":
            entries.append(
                Entry(orientation.answered_at, "orientation", "Orientation refusée",
                      orientation.decline_reason, label=LABEL)
            )  # fmt: skip
    for accompaniment in (
        Accompaniment.objects.visible_to(user, action).filter(resident=resident)
        .select_related("coach", "orientation")
    ):  # fmt: skip
        accepted_at = accompaniment.orientation.answered_at if accompaniment.orientation else None
        started = _day(accompaniment.started_on, accepted_at)
        entries.append(
            Entry(started, "accompaniment", "Accompagnement vers l'emploi commencé",
                  accompaniment.coach.get_full_name(), label=LABEL)
        )  # fmt: skip
        if accompaniment.ended_on:
            reason = health.exit_reason_label(accompaniment) or ""
            entries.append(
                Entry(_day(accompaniment.ended_on), "accompaniment",
                      "Accompagnement terminé", reason, label=LABEL)
            )  # fmt: skip
        elif accompaniment.is_suspended:
            entries.append(
                Entry(timezone.now(), "accompaniment",
                      "Accompagnement suspendu — accord de partage retiré", label=LABEL)
            )  # fmt: skip
    contacts = (
        CoachContact.objects.visible_to(user, action).filter(resident=resident)
        .select_related("by", "employer")
    )  # fmt: skip
    readable = set(contacts.summary_readable_by(user).values_list("pk", flat=True))
    for contact in contacts[:100]:
        title = f"Contact emploi ({contact.get_channel_display().lower()}) : " + (
            contact.get_with_whom_display().lower()
        )
        if contact.employer:
            title += f", {contact.employer.name}"
        summary = contact.summary if contact.pk in readable else "Note de travail confidentielle"
        detail = " — ".join(p for p in (summary, contact.by.get_full_name()) if p)
        entries.append(Entry(contact.at, "coach_contact", title, detail, label=LABEL))
    # Her steps first: the planner then reads this resident's steps, not all of them.
    steps = IntroductionStep.objects.filter(
        introduction__resident=resident, introduction__in=_visible_introductions(user, resident)
    ).select_related("introduction__opening__employer", "by")
    for step in steps[:200]:
        opening = step.introduction.opening
        title = (
            f"Mise en relation — {step.get_status_display().lower()} : {opening.title}, "
            f"{opening.employer.name}"
        )
        if step.status == IntroductionStatus.PROPOSED:
            title = f"Offre proposée : {opening.title}, {opening.employer.name}"
        entries.append(Entry(step.at, "introduction", title, step.detail, label=LABEL))
    placements = (
        Placement.objects.visible_to(user, action).filter(resident=resident)
        .select_related("employer")
    )  # fmt: skip
    for placement in placements:
        kind = "emploi durable" if placement.is_durable else "emploi de transition"
        hours = hours_label(placement.weekly_hours)
        entries.append(
            Entry(_day(placement.start_on, placement.created_at), "placement",
                  f"Embauche : {placement.job_title}, {placement.employer.name}",
                  f"{placement.get_contract_type_display()}, {hours} h par semaine — {kind}",
                  label=LABEL)
        )  # fmt: skip
        if placement.ended_on:
            entries.append(
                Entry(_day(placement.ended_on), "placement", "Fin anticipée du contrat",
                      placement.get_end_reason_display(), label=LABEL)
            )  # fmt: skip
    follow_ups = FollowUp.objects.visible_to(user, action).filter(
        placement__resident=resident, done_on__isnull=False
    )
    for follow_up in follow_ups:
        detail = follow_up.get_with_whom_display()
        if follow_up.still_employed is not None:
            detail += " — toujours en poste" if follow_up.still_employed else " — plus en poste"
        entries.append(
            Entry(_day(follow_up.done_on), "follow_up",
                  f"Suivi {follow_up.get_milestone_display()} dans l'emploi fait", detail,
                  label=LABEL)
        )  # fmt: skip
    return entries


def _visible_introductions(user, resident):
    return Introduction.objects.visible_to(user, Action.ACCOMPANIMENT_READ).filter(
        resident=resident
    )
