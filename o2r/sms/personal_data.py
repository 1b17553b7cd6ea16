"""The outbox's personal-data hook (settings O2R_PERSONAL_DATA_SOURCES, o2r/personal_data.py):
the messages sent to the person (number, text, statuses), the replies matched to her and those
of her number waiting to be matched.

Erasure empties a message's number, text and every free field and keeps its coded facts
(owner, language, status, dates) so that the figures hold; her replies go. The
opt-outs (numbers not to write to) and the delivery and inbound logs hold no name and no text:
they stay. `purge_unlinked` deletes the inbox's replies older than SMS_INBOX_RETENTION_DAYS."""

import datetime

from django.conf import settings
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from o2r.personal_data import Rows

from . import text
from .enums import InboxStatus
from .models import InboxMessage, SmsMessage, SmsOptOut

MODELS = [SmsMessage, InboxMessage]
DERIVED = {}


def export(resident, *, user, health) -> dict:
    messages = SmsMessage.objects.filter(resident_id=resident.pk).order_by("created_at")
    phone = text.e164(resident.phone)
    replies = _replies(resident, phone)
    opt_outs = SmsOptOut.objects.filter(phone=phone) if phone else SmsOptOut.objects.none()
    rows = Rows()
    return {
        "SMS envoyés": rows.rows(messages, exclude={"resident"}),
        "Réponses par SMS rattachées": rows.rows(replies, exclude={"resident"}),
        "Oppositions aux SMS (numéro de la personne)": rows.rows(opt_outs),
    }


def erase(resident) -> None:
    SmsMessage.objects.filter(resident_id=resident.pk).update(
        to="",
        body="",
        error="",
        provider_id="",
        resend_reason="",
        dedup_key=Concat(Value("erased:"), F("id")),
    )
    _replies(resident, text.e164(resident.phone)).delete()


def _replies(resident, phone):
    """The replies matched to her, and those of her number still waiting to be matched."""
    waiting = Q(phone=phone, status=InboxStatus.TO_MATCH) if phone else Q(pk__in=[])
    return InboxMessage.objects.filter(Q(resident_id=resident.pk) | waiting)


def purge_unlinked(now) -> int:
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.SMS_INBOX_RETENTION_DAYS)
    deleted, _ = InboxMessage.objects.filter(received_at__lt=cutoff).delete()
    return deleted
