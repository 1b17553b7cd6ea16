"""The outbox's personal-data hook (settings O2R_PERSONAL_DATA_SOURCES, o2r/personal_data.py):
the messages sent to the person (number, text, statuses) and the replies matched to her.

Erasure empties a message's number, text and every free field and keeps its coded facts
(owner, language, status, dates) so that the figures hold; the matched replies go. The
opt-outs (numbers not to write to) and the delivery and inbound logs hold no name and no text:
they stay. `purge_unlinked` deletes the inbox's replies older than SMS_INBOX_RETENTION_DAYS."""

import datetime

from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from o2r.personal_data import Rows

from . import text
from .models import InboxMessage, SmsMessage, SmsOptOut

MODELS = [SmsMessage, InboxMessage]
DERIVED = {}


def export(resident, *, user, health) -> dict:
    messages = SmsMessage.objects.filter(resident_id=resident.pk).order_by("created_at")
    replies = InboxMessage.objects.filter(resident_id=resident.pk)
    phone = text.e164(resident.phone)
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
    InboxMessage.objects.filter(resident_id=resident.pk).delete()


def purge_unlinked(now) -> int:
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.SMS_INBOX_RETENTION_DAYS)
    deleted, _ = InboxMessage.objects.filter(received_at__lt=cutoff).delete()
    return deleted
