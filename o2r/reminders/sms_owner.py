"""The reminders' part in the SMS outbox (settings O2R_SMS_OWNERS["reminder"]): a message to a
resident at a reminder's time (an interview's reminder the day before). At send time it is
still relevant only if its reminder is still there (a cancelled meeting deletes it), at the
same time and wording (a moved meeting is another message), and on its day."""

from django.utils import timezone

from o2r.sms.enums import SkipReason

from .models import Reminder, ReminderKind
from .services import message_key

LABEL = "Rappel de rendez-vous"
CAMPAIGN = False


def describe(owner_ids) -> dict:
    return dict.fromkeys(owner_ids, LABEL)


def blocker(message):
    reminder = Reminder.objects.filter(
        pk=message.owner_id, kind=ReminderKind.RESIDENT_MESSAGE
    ).first()
    if reminder is None or message_key(reminder) != message.dedup_key:
        return SkipReason.NOT_RELEVANT
    # Its day only: held by quiet hours past it, it would reach the person on the morning of
    # the appointment, or after.
    if timezone.localdate() != timezone.localdate(reminder.due_at):
        return SkipReason.NOT_RELEVANT
    return None
