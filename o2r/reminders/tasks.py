"""Beat's scans over the reminders (thin: the services do the work)."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import DigestSent, Reminder
from .services import digest_send, end_of_today, reminders_dispatch_due

logger = logging.getLogger("o2r.reminders")


@shared_task(time_limit=300, soft_time_limit=240)
def dispatch_due_reminders():
    """Every 5 minutes: the messages to residents that are due go to the SMS outbox."""
    return reminders_dispatch_due()


@shared_task(time_limit=900, soft_time_limit=840)
def send_digests():
    """Every quarter of an hour in the morning: one e-mail a day per member of staff with
    reminders due today or late (a tick missed, or an e-mail that failed, is made up by the
    next one; one already sent today is not sent again). One person's failure stops nobody
    else's."""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            reminder_digest=True,
            pk__in=Reminder.objects.open().due_by(end_of_today()).values("assignee"),
        )
        .exclude(pk__in=DigestSent.objects.filter(day=timezone.localdate()).values("user"))
    )
    sent = 0
    for user in users.iterator():
        try:
            sent += digest_send(user=user)
        except Exception:
            logger.exception("reminders digest: not sent to user %s", user.pk)
    return sent
