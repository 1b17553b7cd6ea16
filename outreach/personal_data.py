"""Outreach's personal-data hook (settings O2R_PERSONAL_DATA_SOURCES, see o2r/personal_data.py):
the contacts with a resident and the referrals about her. Erasure empties their free text and
the referral's identity fields, keeps their coded facts (when, channel, outcome, source,
status) for the figures, and deletes their history rows. A referral linked to no resident
(someone never found) is deleted a year after it was filed."""

import datetime

from o2r.personal_data import Rows, event_models, history_rows, purge_history

from .models import Contact, Referral

MODELS = [Contact, Referral]
DERIVED = {}
UNLINKED_REFERRALS_KEPT = datetime.timedelta(days=365)


def export(resident, *, user, health) -> dict:
    rows = Rows()
    contacts = Contact.objects.visible_to(user).filter(resident=resident).select_related("by")
    referrals = Referral.objects.handled_by(user).filter(resident=resident)
    sections = {
        "Contacts (aller vers)": rows.rows(contacts, exclude={"resident", "token"}),
        "Signalements": rows.rows(referrals, exclude={"resident", "token"}),
    }
    history = []
    for model, allowed in ((Contact, contacts), (Referral, referrals)):
        ids = list(allowed.values_list("pk", flat=True))
        for event_model in event_models(model):
            events = event_model.objects.filter(pgh_obj_id__in=ids).order_by("pgh_id")
            for row in history_rows(rows, events, exclude={"resident", "token"}):
                history.append({"table": str(model._meta.verbose_name), **row})
    sections["Historique (aller vers)"] = history
    return sections


def erase(resident) -> None:
    contacts = list(Contact.objects.filter(resident_id=resident.pk).values_list("pk", flat=True))
    referrals = list(Referral.objects.filter(resident_id=resident.pk).values_list("pk", flat=True))
    Contact.objects.filter(pk__in=contacts).update(summary="")
    Referral.objects.filter(pk__in=referrals).update(
        first_name="", housing_unit="", how_to_reach="", source_name="", reason=""
    )
    purge_history(Contact, pks=contacts, resident_id=resident.pk)
    purge_history(Referral, pks=referrals, resident_id=resident.pk)


def purge_unlinked(now) -> int:
    old = Referral.objects.filter(resident__isnull=True, filed_at__lt=now - UNLINKED_REFERRALS_KEPT)
    ids = list(old.values_list("pk", flat=True))
    deleted, _ = Referral.objects.filter(pk__in=ids).delete()
    purge_history(Referral, pks=ids)
    return deleted
