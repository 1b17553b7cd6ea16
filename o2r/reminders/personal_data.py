"""The reminders app's personal-data hook (settings O2R_PERSONAL_DATA_SOURCES, see
o2r/personal_data.py). A reminder's title describes what is to be done with the person: on
erasure the resident's reminders are deleted (they are nobody's figure)."""

from o2r.personal_data import Rows

from .models import Reminder

MODELS = [Reminder]
DERIVED = {}


def export(resident, *, user, health) -> dict:
    """The reminders about the person that the exporter's organisation holds: its members'."""
    reminders = Reminder.objects.filter(
        resident_id=resident.pk, assignee__organisation=user.organisation_id
    ).select_related("assignee")
    return {"Rappels": Rows().rows(reminders, exclude={"resident"})}


def erase(resident) -> None:
    Reminder.objects.filter(resident_id=resident.pk).delete()


def purge_unlinked(now) -> int:
    """A reminder linked to no resident is a member of staff's own task: not this purge's."""
    return 0
