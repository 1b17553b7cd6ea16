"""Beat's scans over the reminders (thin: the services do the work)."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Reminder
from .services import digest_send, reminders_dispatch_due


@shared_task(time_limit=300, soft_time_limit=240)
def dispatch_due_reminders():
    """Every 5 minutes: the messages to residents that are due go to the SMS outbox."""
    return reminders_dispatch_due()


@shared_task(time_limit=900, soft_time_limit=840)
def send_digests():
    """Every morning: one e-mail per member of staff with reminders due today or late."""
    tonight = timezone.localtime().replace(hour=23, minute=59, second=59)
    users = get_user_model().objects.filter(
        is_active=True,
        reminder_digest=True,
        pk__in=Reminder.objects.open().due_by(tonight).values("assignee"),
    )
    return sum(digest_send(user=user) for user in users.iterator())
