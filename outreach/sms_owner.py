"""Outreach's part in the SMS outbox (settings O2R_SMS_OWNERS["campaign"], and the default
reply handler O2R_SMS_REPLY_HANDLER): names the campaigns' messages, stops those of a cancelled
campaign at send time, and makes a reply an SMS contact with a reminder."""

from o2r.sms.enums import SkipReason

from .campaigns import reply_record
from .enums import CampaignStatus
from .models import SmsCampaign

LABEL = "Campagne SMS"
# A campaigns-only opt-out stops these (an appointment's reminder still goes).
CAMPAIGN = True


def describe(owner_ids) -> dict:
    names = SmsCampaign.objects.filter(pk__in=owner_ids).values_list("pk", "name")
    return {pk: f"Campagne « {name} »" for pk, name in names}


def blocker(message):
    status = SmsCampaign.objects.filter(pk=message.owner_id).values_list("status", flat=True)
    if status.first() != CampaignStatus.LAUNCHED:
        return SkipReason.NOT_RELEVANT
    return None


def on_reply(*, resident, text, received_at, message, by):
    return reply_record(
        resident=resident, text_received=text, received_at=received_at, message=message, by=by
    )
