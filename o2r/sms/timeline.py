"""The outbox's entries on the resident's timeline (settings O2R_TIMELINE_SOURCES): the SMS
that went to her. A campaign's SMS is a touch, not a contact: it does not make her "reached";
her reply, if any, is a contact (outreach's entry)."""

from o2r import access
from o2r.access import Action
from residents.access import can
from residents.timeline import Entry

from . import owners
from .enums import SmsStatus
from .models import SmsMessage

SHOWN = (SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.FAILED, SmsStatus.UNKNOWN)


def entries_for(resident, user, *, notes, health, **context):
    if not (
        access.allows(user, Action.SMS_OUTBOX_READ) and can(user, Action.SMS_OUTBOX_READ, resident)
    ):
        return []
    messages = list(
        SmsMessage.objects.filter(resident=resident, status__in=SHOWN).order_by("-created_at")[:50]
    )
    names = owners.descriptions(messages)
    entries = []
    for message in messages:
        status = message.get_status_display().lower()
        entries.append(
            Entry(
                message.sent_at or message.created_at,
                "sms",
                f"SMS ({status}) : {names[(message.owner_kind, message.owner_id)]}",
                message.body[:200],
                label="SMS",
            )
        )
    return entries
