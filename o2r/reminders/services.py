import datetime

from django.db import transaction
from django.utils import timezone

from .models import Reminder, ReminderKind, ReminderSource


def reminder_key(owner: str, owner_id, *parts) -> str:
    """The one way to build a dedup key: reminder_key("placement", 12, "M1") ->
    "placement:12:M1". The owner is a short stable code of the app's own rows."""
    if not owner or ":" in owner or not str(owner_id):
        raise ValueError(f"reminder key: bad owner {owner!r} or id {owner_id!r}")
    return ":".join([owner, str(owner_id), *(str(part) for part in parts)])


def reminder_upsert(
    *,
    dedup_key: str,
    assignee,
    title: str,
    due_at: datetime.datetime,
    resident=None,
    employer=None,
    kind: str = ReminderKind.STAFF_TASK,
    source: str = ReminderSource.AUTOMATIC,
) -> Reminder:
    """Creates the reminder, or moves and renames the one with the same key (a reminder
    already done stays done)."""
    with transaction.atomic():
        reminder, _ = Reminder.objects.update_or_create(
            dedup_key=dedup_key,
            defaults={
                "kind": kind,
                "assignee": assignee,
                "title": title[:300],
                "due_at": due_at,
                "resident": resident,
                "employer": employer,
                "source": source,
            },
        )
    return reminder


def reminder_done(*, reminder: Reminder, by=None) -> Reminder:
    if reminder.done_at is None:
        Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(done_at=timezone.now())
        reminder.refresh_from_db(fields=["done_at"])
    return reminder


def reminder_done_by_key(*, dedup_key: str) -> None:
    Reminder.objects.filter(dedup_key=dedup_key, done_at__isnull=True).update(
        done_at=timezone.now()
    )


def reminder_reopen_by_key(*, dedup_key: str) -> None:
    Reminder.objects.filter(dedup_key=dedup_key).update(done_at=None)


def reminder_delete_by_key(*, dedup_key: str) -> None:
    Reminder.objects.filter(dedup_key=dedup_key, done_at__isnull=True).delete()
