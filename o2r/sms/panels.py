"""The outbox's part of the resident's file (settings O2R_FILE_PANELS): whether she may get
SMS (a mobile number, her oppositions), the link to what went to her, and the form to record
her opposition, for those the table allows."""

from o2r import access
from o2r.access import Action
from residents.access import can

from . import text
from .enums import OptOutScope
from .forms import OptOutForm
from .models import SmsOptOut

TEMPLATE = "sms/_file_panel.html"


def panel_for(resident, user, *, health):
    if not (
        access.allows(user, Action.SMS_OUTBOX_READ) and can(user, Action.SMS_OUTBOX_READ, resident)
    ):
        return None
    phone = text.e164(resident.phone)
    opt_outs = list(SmsOptOut.objects.filter(phone=phone)) if phone else []
    resolves = access.allows(user, Action.SMS_RESOLVE) and can(user, Action.SMS_RESOLVE, resident)
    missing = [s for s in OptOutScope if s not in {o.scope for o in opt_outs}]
    return {
        "template": TEMPLATE,
        "resident": resident,
        "phone": phone,
        "opt_outs": opt_outs,
        "form": OptOutForm(scopes=missing) if resolves and phone and missing else None,
        "can_resolve": resolves,
    }
