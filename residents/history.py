"""Reading the history the triggers keep (django-pghistory event tables): the file's history
page, and what changed since a version (for the edit form's conflict message).

Each event row is the whole row after an insert or update, or before a delete; its context
says who (the user id) and on which page. Events written by one request share a context, so
one save of the edit form is one entry however many tables it touched."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from o2r.display import readable

from .models import (
    ActionStep,
    Consent,
    ExternalReferent,
    Resident,
    ResidentBarrier,
    ResidentBenefit,
)

# The models whose history the page shows, with the fields it leaves out (bookkeeping).
# Notes are not edited (only added) and show on the file, within the access table's rules.
SHOWN = {
    Resident: {"id", "created_at", "created_by", "stage_changed_at", "version", "phone_raw",
               "anonymised_at", "phone_is_mobile"},
    ResidentBenefit: {"id", "resident"},
    Consent: {"id", "resident", "recorded_at", "recorded_by", "withdrawn_by"},
    ResidentBarrier: {"id", "resident"},
    ExternalReferent: {"id", "resident"},
    ActionStep: {"id", "resident", "created_at", "created_by"},
}  # fmt: skip
LABELS = {"insert": "ajout", "update": "modification", "delete": "suppression"}
# A row as it was when the history began (migration 0005): a "before", never an entry.
SNAPSHOT = "snapshot"


def event_model(model):
    return model.pgh_event_models["insert"]


def _events_of(model, resident):
    events = event_model(model).objects.select_related("pgh_context")
    if model is Resident:
        return events.filter(pgh_obj_id=resident.pk)
    return events.filter(resident_id=resident.pk)


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    at: datetime.datetime
    by: object  # a User, or None for a write with no known author (plain SQL)
    items: list = field(default_factory=list)  # [(title, [Change])]


def _fields(model):
    """The tracked model's fields the history shows (those its event table copies)."""
    hidden = SHOWN[model]
    copied = {f.name for f in event_model(model)._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if f.name not in hidden and f.name in copied]


class _Display:
    """Values as a person reads them; FK values looked up once per model."""

    def __init__(self):
        self.names = {}

    def prefetch(self, rows, fields):
        wanted = {}
        for f in fields:
            if f.is_relation:
                wanted.setdefault(f.related_model, set()).update(
                    getattr(row, f.attname) for row in rows if getattr(row, f.attname)
                )
        for model, ids in wanted.items():
            for obj in model._default_manager.filter(pk__in=ids):
                self.names[(model, obj.pk)] = str(obj)

    def __call__(self, row, f):
        value = getattr(row, f.attname)
        if f.is_relation:
            return "" if value is None else self.names.get((f.related_model, value), "—")
        return readable(f, value)


def _row_title(model, row, display):
    if model is Resident:
        return "Identité et situation"
    name = model._meta.verbose_name
    if model is ResidentBenefit:
        return f"{name.capitalize()} : {display(row, model._meta.get_field('benefit'))}"
    if model is Consent:
        return f"{name.capitalize()} : {display(row, model._meta.get_field('scope'))}"
    if model is ResidentBarrier:
        return f"{name.capitalize()} : {display(row, model._meta.get_field('code'))}"
    if model is ExternalReferent:
        return f"{name.capitalize()} : {display(row, model._meta.get_field('kind'))}"
    return name.capitalize()


def file_history(resident, *, health, limit=200) -> list[Entry]:
    """The file's history, newest first: one entry per request (or service call), with the
    changes of each row it touched. Health information follows `health` (a HealthView)."""
    display = _Display()
    collected = []  # (pgh_id, model, event, [Change])
    for model in SHOWN:
        events = list(_events_of(model, resident).order_by("pgh_obj_id", "pgh_id"))
        fields = [f for f in _fields(model) if health.shows_field(f.name)]
        display.prefetch(events, fields)
        previous = {}
        for event in events:
            if model is ResidentBarrier and not health.shows_barrier_code(event.code):
                continue
            before = previous.get(event.pgh_obj_id)
            previous[event.pgh_obj_id] = event
            if event.pgh_label == SNAPSHOT:
                continue
            changes = []
            for f in fields:
                after_text = display(event, f)
                if event.pgh_label == "delete":
                    changes.append(Change(f.verbose_name, after_text, ""))
                elif before is None:
                    if after_text:
                        changes.append(Change(f.verbose_name, "", after_text))
                elif display(before, f) != after_text:
                    changes.append(Change(f.verbose_name, display(before, f), after_text))
            if model is Resident and before is None and event.pgh_label == "insert":
                changes = []  # the creation itself: the file shows what it holds
                title = "Création du dossier"
            else:
                title = f"{_row_title(model, event, display)} ({LABELS[event.pgh_label]})"
            if changes or title == "Création du dossier":
                collected.append((event, title, changes))
    return _group(collected, limit)


def _group(collected, limit):
    users = get_user_model()._default_manager
    entries = {}
    newest_first = sorted(collected, key=lambda c: c[0].pgh_created_at, reverse=True)
    for event, title, changes in newest_first:
        context = event.pgh_context
        key = context.pk if context else f"event:{event.pgh_id}"
        entry = entries.get(key)
        if entry is None:
            user_id = (context.metadata or {}).get("user") if context else None
            entry = entries[key] = Entry(at=event.pgh_created_at, by=user_id)
        entry.items.append((title, changes))
    ordered = list(entries.values())[:limit]
    ids = {e.by for e in ordered if e.by}
    people = {u.pk: u for u in users.filter(pk__in=ids)}
    for entry in ordered:
        entry.by = people.get(entry.by)
    return ordered


# --- Conflicts of the edit form -----------------------------------------------------------


def snapshot_at_version(resident, version):
    """The resident's row as it was at `version` (the last event of that version), or None
    when the history of that version is no longer kept."""
    return (
        _events_of(Resident, resident)
        .filter(version=version)
        .exclude(pgh_label="delete")
        .order_by("-pgh_id")
        .first()
    )


def changes_since_version(resident, *, version, fields):
    """([(field, label, value then, value now)], who saved last) for the edit form's
    conflict message, or (None, None) when the version is no longer in the history."""
    then = snapshot_at_version(resident, version)
    if then is None:
        return None, None
    # Who saved the form since: the latest save of a later version (a stage change or a
    # coach assignment in between bumps no version and is not a conflict).
    latest = _events_of(Resident, resident).filter(version__gt=version).order_by("-pgh_id").first()
    display = _Display()
    model_fields = [Resident._meta.get_field(name) for name in fields]
    display.prefetch([then, resident], model_fields)
    changes = [
        (f.name, f.verbose_name, display(then, f), display(resident, f))
        for f in model_fields
        if display(then, f) != display(resident, f)
    ]
    who = None
    if latest and latest.pgh_context and (latest.pgh_context.metadata or {}).get("user"):
        who = (
            get_user_model()._default_manager.filter(pk=latest.pgh_context.metadata["user"]).first()
        )
    return changes, who
