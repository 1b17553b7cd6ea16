"""Employment's effects on the resident's path, run by residents' registries inside the
transaction that made them, the resident locked:

- a withdrawn sharing consent (settings O2R_CONSENT_WITHDRAWAL_EFFECTS): an orientation waiting
  for that organisation's answer is set aside, and no SMS about an interview goes out. The
  accompaniment is then suspended — derived from the consent, not stored: the coach loses the
  file at once, nothing is deleted, and giving the consent again resumes it;
- an exit recorded through the stage form (settings O2R_STAGE_CHANGE_EFFECTS): the open
  accompaniment closes with the same coded reason, and an orientation still waiting for an
  answer is set aside."""

from django.utils import timezone

from o2r.reminders.services import reminder_delete_by_key, reminder_key
from residents.enums import ConsentScope, Stage

from .enums import OrientationStatus
from .models import Accompaniment, Introduction, Orientation
from .services import accompaniment_close


def on_consent_withdrawn(*, consent, by):
    if consent.scope != ConsentScope.SHARING or consent.recipient_organisation_id is None:
        return
    Orientation.objects.filter(
        resident_id=consent.resident_id,
        organisation_id=consent.recipient_organisation_id,
        status=OrientationStatus.PENDING,
    ).update(status=OrientationStatus.WITHDRAWN, answered_at=timezone.now(), answered_by=by)
    introductions = Introduction.objects.filter(
        accompaniment__resident_id=consent.resident_id,
        accompaniment__organisation_id=consent.recipient_organisation_id,
    ).values_list("pk", flat=True)
    for pk in introductions:
        reminder_delete_by_key(dedup_key=reminder_key("introduction", pk, "sms_eve"))


def on_stage_change(*, change, by, via):
    if change.to_stage != Stage.EXITED:
        return
    # Nobody answers an orientation for a person who left the programme: set aside, it no
    # longer blocks a new one if she comes back.
    Orientation.objects.filter(
        resident_id=change.resident_id, status=OrientationStatus.PENDING
    ).update(status=OrientationStatus.WITHDRAWN, answered_at=timezone.now(), answered_by=by)
    if via == "employment":
        return
    for accompaniment in Accompaniment.objects.filter(
        resident_id=change.resident_id, ended_on__isnull=True
    ):
        accompaniment_close(
            accompaniment=accompaniment,
            by=by,
            exit_reason=change.exit_reason,
            notes=change.reason,
            ended_on=max(timezone.localdate(change.changed_at), accompaniment.started_on),
            from_stage_change=True,
        )
