"""A campaign's recipients for the chaos tests: many residents of one residence, each with her
own mobile number, made in one insert."""

import json

from o2r.sms.models import SmsMessage
from outreach import campaigns
from residents.models import Resident
from residents.normalise import identity_key, search_text

TEXT = "Bonjour {prenom}, permanence emploi jeudi 14h au hall. Adoma"


def recipients(residence, count):
    rows = []
    for n in range(count):
        first, last = f"Prénom{n}", f"Essai{n}"
        rows.append(
            Resident(
                first_name=first,
                last_name=last,
                residence=residence,
                phone=f"+3367{n:07d}",
                phone_is_mobile=True,
                stage="identified",
                search_text=search_text(first_name=first, last_name=last, phone=""),
                identity_key=identity_key(first_name=first, last_name=last),
            )
        )
    Resident.objects.bulk_create(rows, batch_size=2000)


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
