"""The residents app's personal-data hook (settings O2R_PERSONAL_DATA_SOURCES, see
o2r/personal_data.py), and the services that call every hook: the anonymisation of a resident
(erasure on request, retention) and the retention scan.

Anonymising keeps the coded facts, so that past figures hold (stage and its changes with their
dates, sex, nationality group, categories, benefits, barriers, consents' scope and dates, the
birth year), and removes everything that names or describes the person: names, contacts,
notes, free text. The history triggers copy every row version: the person's history rows are
deleted last, in the same transaction.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from o2r import personal_data
from o2r.personal_data import Rows, event_models, history_rows, purge_history

from .enums import ErasureReason
from .models import (
    HEALTH_FIELDS,
    STAGE_CHANGE_HEALTH_FIELDS,
    ActionStep,
    Consent,
    ExternalReferent,
    Note,
    Resident,
    ResidentBarrier,
    ResidentBenefit,
    RosterImport,
    StageChange,
    confidential_notes_q,
)
from .normalise import identity_key, search_text
from .roster_services import roster_purge_expired
from .services import _history, _lock

logger = logging.getLogger(__name__)

# The models this hook answers for. RosterImport holds no foreign key to a resident: its rows
# (JSON) name the resident they matched ("resident_id").
MODELS = [
    Resident, ResidentBenefit, Consent, ResidentBarrier, ExternalReferent, Note, StageChange,
    ActionStep, RosterImport,
]  # fmt: skip
# Computed from the names and the phone: not exported, recomputed on erasure.
DERIVED = {Resident: ("search_text", "identity_key")}

ANONYMOUS_FIRST_NAME = "Anonyme"
CHILDREN = [ResidentBenefit, Consent, ResidentBarrier, ExternalReferent, StageChange, ActionStep]


# --- Export -------------------------------------------------------------------------------


def notes_for(user):
    """The notes the exporter's organisation holds: the shared ones, and the confidential ones
    the access table gives her (her organisation's) — the rule of Note.objects.readable_by."""
    return Q(confidential=False) | confidential_notes_q(user)


def _roster_rows(resident):
    """The lines of roster imports that matched the resident (never the other lines)."""
    found = []
    for roster_import in RosterImport.objects.filter(rows__contains=[{"resident_id": resident.pk}]):
        for line in roster_import.rows:
            if line.get("resident_id") == resident.pk:
                found.append(
                    {
                        "fichier": roster_import.file_name,
                        "envoyé le": Rows().value(
                            roster_import, RosterImport._meta.get_field("uploaded_at")
                        ),
                        "ligne": line,
                    }
                )
    return found


def export(resident, *, user, health) -> dict:
    """The file as the exporter's organisation holds it: everything, health information when
    she may see it, the notes shared and her organisation's confidential ones; and the history
    the triggers keep, within the same rule for notes."""
    rows = Rows()
    resident = Resident.objects.get(pk=resident.pk)
    own = {"resident"}
    hidden = set() if health.visible else set(HEALTH_FIELDS)
    # A stage change keeps the health categories of its day (for the figures): hidden alike.
    hidden_snapshot = set() if health.visible else set(STAGE_CHANGE_HEALTH_FIELDS)
    notes = Note.objects.filter(resident=resident).filter(notes_for(user))
    sections = {
        "Identité et situation": [rows.row(resident, exclude=(*DERIVED[Resident], *hidden))],
        **{
            model._meta.verbose_name_plural.capitalize(): rows.rows(
                health.rows(model._default_manager.filter(resident=resident)),
                exclude=own | (hidden_snapshot if model is StageChange else set()),
            )
            for model in CHILDREN
        },
        "Notes": rows.rows(notes.select_related("author"), exclude=own),
        "Imports de listes de résidents": _roster_rows(resident),
    }
    history = []
    for model in [Resident, *CHILDREN, Note]:
        for event_model in event_models(model):
            if model is Resident:
                events = event_model.objects.filter(pgh_obj_id=resident.pk)
            else:
                events = event_model.objects.filter(resident_id=resident.pk)
            if model is Note:
                events = events.filter(notes_for(user))
            events = health.rows(events, model=model)
            exclude = own | (hidden if model is Resident else set())
            for row in history_rows(rows, events.order_by("pgh_id"), exclude=exclude):
                history.append({"table": str(model._meta.verbose_name), **row})
    sections["Historique des modifications"] = history
    return sections


# --- Erasure ------------------------------------------------------------------------------


def _forget_roster_lines(resident_id):
    """Removes the lines naming the resident from the roster imports; an import left with no
    line goes."""
    for roster_import in RosterImport.objects.select_for_update().filter(
        rows__contains=[{"resident_id": resident_id}]
    ):
        kept = [line for line in roster_import.rows if line.get("resident_id") != resident_id]
        if kept:
            roster_import.rows = kept
            roster_import.save(update_fields=["rows"])
        else:
            roster_import.delete()


def erase(resident) -> None:
    """This app's part: the resident's row anonymised, notes deleted, free text blanked, roster
    lines forgotten, then every history row of the person deleted. The caller holds the lock."""
    pk = resident.pk
    tracked_ids = {
        model: list(model._default_manager.filter(resident_id=pk).values_list("pk", flat=True))
        for model in [*CHILDREN, Note]
    }
    Note.objects.filter(resident_id=pk).delete()
    StageChange.objects.filter(resident_id=pk).update(reason="")
    ActionStep.objects.filter(resident_id=pk).update(objective="", step="")
    ExternalReferent.objects.filter(resident_id=pk).update(name="", contact="")
    _forget_roster_lines(pk)

    def month(day):
        # Exact dates, with the residence, would single a person out in a small residence.
        return day.replace(day=1) if day else None

    birth_date = resident.birth_date
    Resident.objects.filter(pk=pk).update(
        moved_in_on=month(resident.moved_in_on),
        moved_out_on=month(resident.moved_out_on),
        right_to_work_expires_on=month(resident.right_to_work_expires_on),
        version=F("version") + 1,
        first_name=ANONYMOUS_FIRST_NAME,
        last_name="",
        phone="",
        phone_raw="",
        phone_is_mobile=False,
        housing_unit="",
        france_travail_id="",
        birth_date=datetime.date(birth_date.year, 1, 1) if birth_date else None,
        search_text=search_text(first_name=ANONYMOUS_FIRST_NAME, last_name="", phone=""),
        identity_key=identity_key(first_name=ANONYMOUS_FIRST_NAME, last_name=""),
        anonymised_at=timezone.now(),
    )
    # Last: the writes above were copied by the triggers.
    purge_history(Resident, pks=[pk])
    for model, ids in tracked_ids.items():
        purge_history(model, pks=ids, resident_id=pk)


def purge_unlinked(now) -> int:
    """Roster imports (they name people not yet known): gone after a day."""
    return roster_purge_expired(now=now)


def resident_anonymise(*, resident: Resident, by=None, reason: str) -> Resident:
    """Erases what names or describes the person in every app (each hook of settings
    O2R_PERSONAL_DATA_SOURCES does its part), in one transaction, the resident locked first.
    `reason`: an ErasureReason (logged with the id, never a name). Cannot be undone."""
    if reason not in ErasureReason.values:
        raise ValueError(f"unknown erasure reason {reason!r}")
    with transaction.atomic(), _history(by):
        # The roster imports that name her first, then her row: the order roster_confirm
        # takes them in (import, residence, residents), so the two never wait on each other.
        list(
            RosterImport.objects.select_for_update()
            .filter(rows__contains=[{"resident_id": resident.pk}])
            .values_list("pk", flat=True)
        )
        locked = _lock(resident.pk)
        if locked.anonymised_at is not None:
            raise ValidationError("Ce dossier est déjà anonymisé.")
        for source in personal_data.sources():
            source.erase(locked)
    logger.info("resident %s anonymised (%s)", resident.pk, reason)
    return Resident.objects.get(pk=resident.pk)


# --- Retention ----------------------------------------------------------------------------


def inactive_residents(*, now=None):
    """Residents with no interaction (or, never contacted, created) for
    O2R_RETENTION_INACTIVE_DAYS, not yet anonymised (DOMAIN.md §5.8: 2 years)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.O2R_RETENTION_INACTIVE_DAYS)
    # COALESCE(last_interaction_at, created_at) < cutoff, written so that the index on
    # last_interaction_at serves the first branch.
    return (
        Resident.objects.filter(anonymised_at__isnull=True)
        .filter(
            Q(last_interaction_at__lt=cutoff)
            | Q(last_interaction_at__isnull=True, created_at__lt=cutoff)
        )
        .order_by("pk")
    )


def residents_anonymise_inactive(*, wet_run: bool, now=None) -> tuple[list[int], int]:
    """([ids of the inactive residents], rows purged by the hooks' purge_unlinked). Without
    `wet_run`, only says which residents would go, and changes nothing."""
    now = now or timezone.now()
    ids = list(inactive_residents(now=now).values_list("pk", flat=True))
    if not wet_run:
        return ids, 0
    for pk in ids:
        with transaction.atomic():
            _lock(pk)
            # An interaction or an erasure may have come since the scan: the row decides.
            if inactive_residents(now=now).filter(pk=pk).exists():
                resident_anonymise(resident=Resident(pk=pk), reason=ErasureReason.RETENTION)
    purged = sum(source.purge_unlinked(now) for source in personal_data.sources())
    return ids, purged
