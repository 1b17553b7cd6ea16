"""The reminders' part in the SMS outbox (settings O2R_SMS_OWNERS["reminder"]): a message to a
resident at a reminder's time (an interview's reminder the day before). At send time it is
still relevant only if its reminder is still there (a cancelled meeting deletes it), at the
same time (a moved meeting is another message), and not a day past it."""

import datetime

from django.utils import timezone

from o2r.sms.enums import SkipReason

from .models import Reminder, ReminderKind
from .services import message_key

LABEL = "Rappel de rendez-vous"
CAMPAIGN = False
STALE_AFTER = datetime.timedelta(days=1)


def describe(owner_ids) -> dict:
    return dict.fromkeys(owner_ids, LABEL)


def blocker(message):
    reminder = Reminder.objects.filter(
        pk=message.owner_id, kind=ReminderKind.RESIDENT_MESSAGE
    ).first()
    if reminder is None or message_key(reminder) != message.dedup_key:
        return SkipReason.NOT_RELEVANT
    if timezone.now() > reminder.due_at + STALE_AFTER:
        return SkipReason.NOT_RELEVANT
    return None
