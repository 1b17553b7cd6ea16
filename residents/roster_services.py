"""The residence roster import: a preview kept for a day, then one confirmation that writes
the valid rows in one transaction (residents/roster.py reads and matches the file).

Logs carry the import's id and counts, never a cell of the file."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from o2r import access
from o2r.access import Action

from . import roster
from .models import Residence, Resident, RosterImport
from .roster import RowStatus
from .services import resident_create, resident_update

logger = logging.getLogger(__name__)

# An import not confirmed within a day is forgotten (it holds personal data from the file).
RETENTION = datetime.timedelta(days=1)

RESIDENT_FIELDS = [
    "id", "first_name", "last_name", "birth_date", "phone", "housing_unit", "moved_in_on",
    "moved_out_on",
]  # fmt: skip


def _check_scope(by, residence):
    if not access.allows(by, Action.ROSTER_IMPORT) or not (
        Residence.objects.for_user(by).filter(pk=residence.pk).exists()
    ):
        raise ValidationError({"residence": "Vous ne travaillez pas sur cette résidence."})


def _residents_of(residence):
    """The residence's residents as dicts: one query, whatever the number of rows."""
    residents = []
    for resident in Resident.objects.filter(residence=residence).values(*RESIDENT_FIELDS):
        phone = resident["phone"]
        resident["phone"] = phone.as_e164 if phone else ""
        residents.append(resident)
    return residents


def roster_preview_create(*, by, residence: Residence, file_name: str, rows: list) -> RosterImport:
    """Match the file's rows (roster.parse_roster) with the residence's residents and keep them
    for the preview page. Nothing is written to the residents."""
    _check_scope(by, residence)
    matched = roster.match_rows(rows, _residents_of(residence))
    roster_import = RosterImport.objects.create(
        residence=residence,
        uploaded_by=by,
        file_name=roster.printable(file_name or "")[:255],
        rows=roster.to_stored(matched),
    )
    logger.info("roster import %s previewed: %s", roster_import.pk, roster.count_statuses(matched))
    return roster_import


def roster_confirm(*, roster_import: RosterImport, by) -> RosterImport:
    """Write the valid rows, in one transaction: new residents (no stage: roster residents are
    not programme participants) and the changes of matched ones. The rows are matched again
    against the residents as they are now, so that what changed since the preview (another
    import, an edit) is taken into account. A second confirmation writes nothing."""
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
        if locked.uploaded_by_id != by.pk:
            raise ValidationError("Cet import ne vous appartient pas.")
        if locked.confirmed_at is not None:
            raise ValidationError(
                "Cet import a déjà été enregistré : rien n'a été écrit deux fois."
            )
        # One import at a time per residence: two identical files confirmed at once would
        # otherwise both create the same people.
        residence = Residence.objects.select_for_update().get(pk=locked.residence_id)
        _check_scope(by, residence)
        rows = roster.match_rows(locked.rows, _residents_of(residence))
        for row in rows:
            try:
                _write(row, residence=residence, by=by)
            except (ValidationError, IntegrityError) as error:
                # Each service call runs in its own savepoint: the row is undone, the rest goes on.
                reasons = getattr(error, "messages", None) or ["Enregistrement refusé."]
                row.update(status=RowStatus.INVALID, errors=reasons, changes=[], note="")
                row.pop("_update", None)
        locked.rows = roster.to_stored(rows)
        counts = roster.count_statuses(rows)
        locked.summary = {
            "created": counts[RowStatus.NEW],
            "updated": counts[RowStatus.UPDATE],
            "unchanged": counts[RowStatus.UNCHANGED],
            "invalid": counts[RowStatus.INVALID],
        }
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["rows", "summary", "confirmed_at"])
    logger.info("roster import %s confirmed: %s", locked.pk, locked.summary)
    return locked


def _write(row, *, residence, by):
    values = row.get("values")
    if row["status"] == RowStatus.NEW:
        resident = resident_create(
            by=by,
            data={
                "last_name": values["last_name"],
                "first_name": values["first_name"],
                "birth_date": datetime.date.fromisoformat(values["birth_date"]),
                "phone": values["phone_raw"] if values["phone"] else "",
                "residence": residence,
                "housing_unit": values["housing_unit"],
                "moved_in_on": (
                    datetime.date.fromisoformat(values["moved_in_on"])
                    if values["moved_in_on"]
                    else None
                ),
            },
            enter_programme=False,
        )
        row["resident_id"] = resident.pk
    elif row["status"] == RowStatus.UPDATE:
        resident_update(
            resident=Resident(pk=row["resident_id"]), by=by, data=dict(row.pop("_update"))
        )


def roster_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete the imports older than RETENTION, confirmed or not. Safe to run at any time, as
    often as wanted."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _ = RosterImport.objects.filter(uploaded_at__lt=cutoff).delete()
    if deleted:
        logger.info("purged %d roster imports older than %s", deleted, RETENTION)
    return deleted
