"""Outreach's entries on the resident's timeline (settings O2R_TIMELINE_SOURCES): contacts,
for those the table lets read them, and referrals, for those who handle them."""

from o2r import access
from o2r.access import Action
from residents.timeline import Entry

from .models import Contact, Referral


def entries_for(resident, user, *, notes, health, **context):
    entries = []
    contacts = Contact.objects.visible_to(user).filter(resident=resident).select_related("by")
    for contact in contacts[:100]:
        channel = contact.get_channel_display().lower()
        title = f"Contact ({channel}) : {contact.get_outcome_display()}"
        who = contact.by.get_full_name() if contact.by else "reçu par SMS"
        detail = " — ".join(part for part in (contact.summary, who) if part)
        entries.append(Entry(contact.at, "contact", title, detail, label="Contact"))
    if access.allows(user, Action.REFERRAL_HANDLE):
        referrals = Referral.objects.handled_by(user).filter(resident=resident)
        for referral in referrals[:50]:
            entries.append(
                Entry(
                    referral.filed_at,
                    "referral",
                    f"Signalement ({referral.get_source_display().lower()}) : "
                    f"{referral.get_status_display().lower()}",
                    referral.reason[:200],
                    label="Signalement",
                )
            )
    return entries
