"""The resident's timeline. Each app contributes entries through one small function
`entries_for(resident, user, *, notes, health)` listed in settings O2R_TIMELINE_SOURCES, so
that residents imports none of the apps that depend on it. Sources read the resident's
prefetched rows where they can, and leave out what `health` (a HealthView) hides."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from o2r import registry

from .enums import BarrierStatus


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # a short code, used for the icon/badge: stage, note, consent, step, barrier
    title: str
    detail: str = ""
    label: str = ""  # the badge's text, for a kind of another app

    @property
    def kind_label(self):
        return self.label or KIND_LABELS.get(self.kind, self.kind)


KIND_LABELS = {
    "stage": "Étape",
    "note": "Note",
    "consent": "Accord",
    "step": "Plan d'action",
    "barrier": "Frein",
}


def _at(day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def entries_for(resident, user, *, notes, health, **context):
    entries = []
    for change in resident.stage_changes.all():
        detail = health.exit_reason_label(change) if change.exit_reason else change.reason
        title = (
            f"Étape : {change.get_from_stage_display()} → {change.get_to_stage_display()}"
            if change.from_stage
            else f"Entrée dans le programme : {change.get_to_stage_display()}"
        )
        by = change.changed_by.get_full_name()
        entries.append(
            Entry(change.changed_at, "stage", title, f"{detail} — {by}" if detail else by)
        )
    for note in notes:
        entries.append(Entry(note.created_at, "note", f"Note de {note.author}", note.body[:200]))
    for consent in resident.consents.all():
        entries.append(
            Entry(_at(consent.given_on), "consent", f"Accord : {consent.get_scope_display()}")
        )
        if consent.withdrawn_on:
            entries.append(
                Entry(
                    _at(consent.withdrawn_on), "consent", f"Retrait : {consent.get_scope_display()}"
                )
            )
    for step in resident.action_steps.all():
        if step.done_on:
            entries.append(Entry(_at(step.done_on), "step", f"Étape réalisée : {step.step}"))
    for barrier in health.barriers(resident.barriers.all()):
        if barrier.status == BarrierStatus.LIFTED and barrier.lifted_on:
            entries.append(Entry(_at(barrier.lifted_on), "barrier", f"Frein levé : {barrier}"))
    return entries


def timeline(resident, user, *, notes, health, limit=50):
    entries = []
    for source in registry.functions("O2R_TIMELINE_SOURCES"):
        entries.extend(source(resident, user, notes=notes, health=health))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
