"""A campaign for the chaos tests: many residents of one residence (the SMS bench's), each with
her own mobile number, and what the (file) provider received."""

import json

from o2r.core.bench_sms import add_recipients
from o2r.sms.models import SmsMessage
from outreach import campaigns

TEXT = "Bonjour {prenom}, permanence emploi jeudi 14h au hall. Adoma"


def recipients(residence, count):
    add_recipients(residence, count, surname="Essai")


def launch(officer, residence, name="Permanence"):
    campaign = campaigns.campaign_save(
        by=officer, name=name, residences=[residence], variants={"fra": TEXT}
    )
    campaigns.campaign_launch(campaign=campaign, by=officer)
    return SmsMessage.objects.of_owner(campaigns.OWNER, campaign.pk)


def provider_ids(outbox):
    """The message ids the (file) provider received, one per send."""
    if not outbox.exists():
        return []
    return [json.loads(line)["id"] for line in outbox.read_text().splitlines() if line.strip()]
