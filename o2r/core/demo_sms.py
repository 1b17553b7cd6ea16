"""The demo's SMS (load_demo): a campaign sent a few days ago in French and Dari to two
residences — delivered, one failed, one uncertain, some left out and why —, a draft waiting
for its preview, a resident's reply on her timeline, a STOP, and a reply from an unknown
number waiting in the inbox. Written through the services once (found again by its token);
the statuses are set as the worker and the provider's delivery reports would have set them."""

import datetime
import uuid

from django.utils import timezone

from o2r.accounts.enums import Role
from o2r.sms import services as sms
from o2r.sms.enums import SmsStatus
from o2r.sms.models import SmsMessage
from outreach import campaigns
from outreach.models import SmsCampaign
from residents import services as residents
from residents.enums import ConsentScope
from residents.models import Resident

FRENCH = (
    "Bonjour {prenom}, Samia, chargée d'insertion d'Adoma, tient une permanence emploi {date} "
    "({lieu}). Venez sans rendez-vous, même pour une simple question !"
)
# Dari (Afghan Persian), for the residents who prefer it.
DARI = "سلام {prenom}، گفتگو درباره کار: {date}، {lieu}. بدون وقت قبلی."
DRAFT = "Bonjour {prenom}, un atelier « premiers pas vers l'emploi » a lieu {date}, {lieu}."


def _token(name):
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://o2r.demo/sms/{name}")


def demo_sms(*, residences, users):
    officer = users[Role.INSERTION_OFFICER]
    if SmsCampaign.objects.filter(token=_token("campaign-sent")).exists():
        return
    today = timezone.localdate()
    now = timezone.now().replace(second=0, microsecond=0)
    people = {r.first_name: r for r in Resident.objects.filter(residence__in=residences)}
    # Some gave their SMS consent at their first meeting.
    for first_name in ("Fatoumata", "Ahmad", "Oksana", "Samira", "Aminata"):
        if first_name in people:
            residents.consent_record(
                resident=people[first_name],
                scope=ConsentScope.SMS,
                given_on=today - datetime.timedelta(days=30),
                method="oral",
                by=officer,
            )
    # One asked for no campaign SMS (her appointments' reminders still go).
    if "Hawa" in people:
        sms.sms_opt_out(
            phone=people["Hawa"].phone.as_e164, scope="campaigns", source="staff", by=officer
        )
    session = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=3), datetime.time(14))
    )
    sent = campaigns.campaign_save(
        by=officer,
        name="Permanence emploi du jeudi",
        residences=residences[:2],
        variants={"fra": FRENCH, "prs": DARI},
        session_at=session,
        session_place="hall de la résidence",
        token=_token("campaign-sent"),
    )
    campaigns.campaign_launch(campaign=sent, by=officer)
    launched_at = now - datetime.timedelta(days=2, hours=3)
    SmsCampaign.objects.filter(pk=sent.pk).update(launched_at=launched_at, created_at=launched_at)
    messages = list(
        SmsMessage.objects.of_owner("campaign", sent.pk)
        .filter(status=SmsStatus.PENDING)
        .order_by("resident__last_name")
    )
    for n, message in enumerate(messages):
        at = launched_at + datetime.timedelta(minutes=1 + n)
        fields = {
            "sent_at": at,
            "queued_at": at,
            "claimed_at": at,
            "attempts": 1,
            "provider_id": f"demo-{n}",
            "not_before": launched_at,
        }
        if n == 1:
            fields.update(status=SmsStatus.FAILED, error="Rapport de l'opérateur : hard_bounce")
        elif n == 2:
            fields.update(status=SmsStatus.UNKNOWN, error="Brevo HTTP 503.")
        else:
            fields.update(
                status=SmsStatus.DELIVERED, delivered_at=at + datetime.timedelta(seconds=20)
            )
        SmsMessage.objects.filter(pk=message.pk).update(**fields)
    campaigns.campaign_save(
        by=officer,
        name="Atelier premiers pas vers l'emploi",
        residences=residences[2:3],
        variants={"fra": DRAFT},
        session_at=session + datetime.timedelta(days=7),
        session_place="salle commune",
        token=_token("campaign-draft"),
    )
    # Replies to the numeric sender: a person's answer, a STOP, and an unknown number.
    answers = [("Fatoumata", "Bonjour, je viendrai jeudi avec ma voisine. Merci !")]
    for first_name, text in answers:
        if first_name in people:
            sms.inbound_receive(
                payload={
                    "from": people[first_name].phone.as_e164,
                    "text": text,
                    "id": f"demo-{first_name}",
                    "date": (now - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
    if "Karim" in people:
        sms.inbound_receive(
            payload={"from": people["Karim"].phone.as_e164, "text": "STOP", "id": "demo-stop"}
        )
    unknown = "Bonjour c'est pour mon frère au 214, il cherche du travail"
    sms.inbound_receive(payload={"from": "+33756781234", "text": unknown, "id": "demo-unknown"})
