import datetime

from django.db import transaction
from django.utils import timezone

from .models import Reminder, ReminderSource


def reminder_upsert(
    *, dedup_key: str, assignee, title: str, due_at: datetime.datetime, resident=None,
    source: str = ReminderSource.AUTOMATIC,
) -> Reminder:  # fmt: skip
    """Creates the reminder, or moves and renames the one with the same key (a reminder
    already done stays done)."""
    with transaction.atomic():
        reminder, _ = Reminder.objects.update_or_create(
            dedup_key=dedup_key,
            defaults={
                "assignee": assignee,
                "title": title[:300],
                "due_at": due_at,
                "resident": resident,
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
