"""The outbox's effect on a consent withdrawal (settings O2R_CONSENT_WITHDRAWAL_EFFECTS), run
inside the withdrawal's transaction, the resident locked: a withdrawn SMS consent cancels every
message still waiting to go to the person (the send-time check stops one being claimed)."""

from residents.enums import ConsentScope

from .services import sms_cancel_for_resident


def on_consent_withdrawn(*, consent, by):
    if consent.scope == ConsentScope.SMS:
        sms_cancel_for_resident(resident_id=consent.resident_id)
