"""What each app holds about a resident: the hooks of settings O2R_PERSONAL_DATA_SOURCES, and
the helpers they share.

A hook is a module of the app that holds the data, with:

- `MODELS`: the models it answers for (a test fails when a model that reaches a resident
  through foreign keys is in no hook's MODELS);
- `DERIVED`: {model: (field names)} computed from other fields (a search column): left out of
  the export, gone with their sources on erasure;
- `export(resident, *, user, health) -> {section title: [row as {label: value}]}`: what the
  exporter's organisation holds about the person (right of access), within the access table
  (`user`'s confidential notes, `health` — her residents.health.HealthView of the person);
- `erase(resident) -> None`: its part of the erasure, in the caller's transaction, the resident
  locked: personal text goes, coded facts stay; its history rows (pghistory events) too;
- `purge_unlinked(now) -> int`: its own retention of rows linked to no resident.

`residents.personal_data.resident_anonymise` calls every hook; no app imports another's hook.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.utils import timezone

from o2r import registry
from o2r.display import readable

SETTING = "O2R_PERSONAL_DATA_SOURCES"


def sources() -> list:
    return registry.modules(SETTING)


def derived_fields() -> dict:
    """{model: {field names}} declared derived by every hook."""
    derived = {}
    for source in sources():
        for model, names in getattr(source, "DERIVED", {}).items():
            derived.setdefault(model, set()).update(names)
    return derived


def export_all(resident, *, user, health) -> dict:
    """{section title: rows} of every hook, in the order of the setting. `health` (the
    exporter's residents.health.HealthView of the person) hides health information from an
    export by someone who may not see it, as on every page."""
    sections = {}
    for source in sources():
        exported = source.export(resident, user=user, health=health)
        for title, rows in exported.items():
            if rows:
                sections.setdefault(title, []).extend(rows)
    return sections


class Rows:
    """Rows as a person reads them, JSON-ready: {field label: value}. Related rows are named by
    their str(), looked up once each; a related row no longer there (history) shows its id."""

    def __init__(self):
        self.names = {}

    def _related(self, row, field):
        key = (field.related_model, getattr(row, field.attname))
        if key[1] is None:
            return None
        if key not in self.names:
            try:
                self.names[key] = str(getattr(row, field.name))
            except ObjectDoesNotExist:
                self.names[key] = f"n° {key[1]}"
        return self.names[key]

    def value(self, row, field):
        if field.is_relation:
            return self._related(row, field)
        value = getattr(row, field.attname)
        if value is None:
            return None
        if not field.choices and (
            field.get_internal_type() == "JSONField"
            or (isinstance(value, int | float) and not isinstance(value, bool))
        ):
            return value  # JSON-ready as it is
        return readable(field, value, phone="e164")

    def row(self, row, *, exclude=(), extra=None) -> dict:
        data = dict(extra or {})
        for field in row._meta.concrete_fields:
            if field.primary_key or field.name in exclude:
                continue
            label = str(field.verbose_name)
            if label in data:
                label = f"{label} ({field.name})"
            data[label] = self.value(row, field)
        return data

    def rows(self, queryset, *, exclude=()) -> list[dict]:
        return [self.row(row, exclude=exclude) for row in queryset]


HISTORY_LABELS = {"insert": "ajout", "update": "modification", "delete": "suppression"}


def history_rows(rows: Rows, events, *, exclude=()) -> list[dict]:
    """The versions a pghistory event model keeps, as rows with when and what happened."""
    skip = {"pgh_id", "pgh_obj", "pgh_context", "pgh_label", "pgh_created_at", *exclude}
    return [
        rows.row(
            event,
            exclude=skip,
            extra={
                "le": timezone.localtime(event.pgh_created_at).strftime("%d/%m/%Y %H:%M"),
                "opération": HISTORY_LABELS.get(event.pgh_label, event.pgh_label),
            },
        )
        for event in events
    ]


def event_models(model) -> list:
    """The pghistory event models that keep copies of `model`'s rows (none if untracked)."""
    return list(dict.fromkeys(getattr(model, "pgh_event_models", {}).values()))


def purge_history(model, *, pks=(), resident_id=None) -> int:
    """Deletes the copies the history triggers keep of `model`'s rows `pks`, and of every row
    of `resident_id` (events of rows since deleted included). Run after the erasure's writes:
    the triggers copy every update and delete."""
    deleted = 0
    for event_model in event_models(model):
        condition = Q(pgh_obj_id__in=list(pks))
        if resident_id is not None and "resident" in {f.name for f in event_model._meta.fields}:
            condition |= Q(resident_id=resident_id)
        deleted += event_model._default_manager.filter(condition).delete()[0]
    return deleted
