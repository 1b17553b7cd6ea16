import datetime
import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from o2r.sms import text
from o2r.sms.enums import LegalBasis
from o2r.sms.services import Draft, phone_skip_reason, sms_cancel, sms_enqueue, sms_key

from .models import DigestSent, Reminder, ReminderKind, ReminderSource

logger = logging.getLogger("o2r.reminders")
SNOOZE_HOUR = datetime.time(9, 0)
# "Reporter" on Mes rappels: to tomorrow, in 3 days, to next Monday (09:00).
SNOOZE_CHOICES = {"tomorrow": "À demain", "3_days": "Dans 3 jours", "next_week": "Lundi prochain"}


def reminder_key(owner: str, owner_id, *parts) -> str:
    """The one way to build a dedup key: reminder_key("placement", 12, "M1") ->
    "placement:12:M1". The owner is a short stable code of the app's own rows."""
    if not owner or ":" in owner or not str(owner_id):
        raise ValueError(f"reminder key: bad owner {owner!r} or id {owner_id!r}")
    return ":".join([owner, str(owner_id), *(str(part) for part in parts)])


def reminder_upsert(
    *,
    dedup_key: str,
    assignee,
    title: str,
    due_at: datetime.datetime,
    resident=None,
    employer=None,
    kind: str = ReminderKind.STAFF_TASK,
    source: str = ReminderSource.AUTOMATIC,
) -> Reminder:
    """Creates the reminder, or moves and renames the one with the same key. One already done
    stays done; but a message to a resident that changed (an appointment moved, or its place)
    opens again: its new SMS goes."""
    title = title[:300]
    with transaction.atomic():
        existing = Reminder.objects.select_for_update().filter(dedup_key=dedup_key).first()
        moved = (
            existing is not None
            and kind == ReminderKind.RESIDENT_MESSAGE
            and (existing.due_at, existing.title) != (due_at, title)
        )
        reminder, _ = Reminder.objects.update_or_create(
            dedup_key=dedup_key,
            defaults={
                "kind": kind,
                "assignee": assignee,
                "title": title,
                "due_at": due_at,
                "resident": resident,
                "employer": employer,
                "source": source,
                **({"done_at": None} if moved else {}),
            },
        )
    return reminder


def reminder_add_once(*, dedup_key: str, **fields) -> Reminder:
    """Creates the reminder unless one of that key exists, left as it is (snoozed, done): for
    a daily scan that finds the same thing to remind every day."""
    existing = Reminder.objects.filter(dedup_key=dedup_key).first()
    return existing or reminder_upsert(dedup_key=dedup_key, **fields)


def end_of_today(now=None) -> datetime.datetime:
    """Midnight tonight, Paris time: "due today or late" is due before it."""
    today = timezone.localdate(now)
    return timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    )


def reminder_done(*, reminder: Reminder, by=None) -> Reminder:
    if reminder.done_at is None:
        Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(done_at=timezone.now())
        reminder.refresh_from_db(fields=["done_at"])
    return reminder


def reminder_done_by_key(*, dedup_key: str) -> None:
    Reminder.objects.filter(dedup_key=dedup_key, done_at__isnull=True).update(
        done_at=timezone.now()
    )


def reminder_reopen_by_key(*, dedup_key: str) -> None:
    Reminder.objects.filter(dedup_key=dedup_key).update(done_at=None)


def reminder_delete_by_key(*, dedup_key: str) -> None:
    """Deletes the open reminder of that key; a message to a resident goes even when already
    handed to the outbox, and its SMS still waiting is cancelled (a cancelled appointment)."""
    reminders = Reminder.objects.filter(dedup_key=dedup_key).filter(
        Q(done_at__isnull=True) | Q(kind=ReminderKind.RESIDENT_MESSAGE)
    )
    for pk in reminders.filter(kind=ReminderKind.RESIDENT_MESSAGE).values_list("pk", flat=True):
        sms_cancel(owner_kind="reminder", owner_id=pk)
    reminders.delete()


def snooze_until(choice: str, today: datetime.date) -> datetime.datetime:
    if choice == "tomorrow":
        day = today + datetime.timedelta(days=1)
    elif choice == "3_days":
        day = today + datetime.timedelta(days=3)
    elif choice == "next_week":
        day = today + datetime.timedelta(days=7 - today.weekday())
    else:
        raise ValueError(choice)
    return timezone.make_aware(datetime.datetime.combine(day, SNOOZE_HOUR))


def reminder_snooze(*, reminder: Reminder, by, choice: str) -> Reminder:
    """Puts an open reminder off to a later morning (its key and its kind stay)."""
    if choice not in SNOOZE_CHOICES:
        raise ValueError(choice)
    due_at = snooze_until(choice, timezone.localdate())
    Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(due_at=due_at)
    reminder.refresh_from_db(fields=["due_at", "done_at"])
    return reminder


# --- Messages to residents: handed to the SMS outbox when due --------------------------------


def message_key(reminder: Reminder) -> str:
    """The SMS of a reminder as it stands: moved or reworded (another time or place), it is
    another message."""
    wording = hashlib.sha256(reminder.title.encode()).hexdigest()[:12]
    return sms_key("reminder", reminder.pk, int(reminder.due_at.timestamp()), wording)


def _draft(reminder: Reminder) -> Draft:
    resident = reminder.resident
    phone = text.e164(resident.phone)
    return Draft(
        resident_id=resident.pk,
        owner_id=reminder.pk,
        to=phone,
        body=text.with_signature(text.normalise(reminder.title)),
        dedup_key=message_key(reminder),
        # A reminder to a person in accompaniment needs her SMS consent (checked at send time).
        legal_basis=LegalBasis.CONSENT,
        skip_reason=phone_skip_reason(resident),
    )


def reminders_dispatch_due(*, now=None, page: int = 200) -> int:
    """The messages to residents that are due become outbox messages (once each, by key) and
    are marked done, in one transaction per page; rows locked by another scan are skipped."""
    now = now or timezone.now()
    handed = 0
    while True:
        with transaction.atomic():
            due = list(
                Reminder.objects.resident_messages_due(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("resident")
                .order_by("due_at")[:page]
            )
            if due:
                sms_enqueue(owner_kind="reminder", drafts=[_draft(r) for r in due])
                Reminder.objects.filter(pk__in=[r.pk for r in due]).update(done_at=now)
        handed += len(due)
        if len(due) < page:
            return handed


# --- The morning digest -----------------------------------------------------------------------


def digest_choose(*, user, wanted: bool) -> None:
    """Whether she gets the morning e-mail (her own choice, on "Mes rappels")."""
    get_user_model().objects.filter(pk=user.pk).update(reminder_digest=wanted)


def digest_send(*, user, today=None) -> bool:
    """One e-mail a day to a member of staff with open reminders due by tonight: each listed
    once, overdue first. Nothing when she turned it off, or when it already went today."""
    today = today or timezone.localdate()
    if not user.reminder_digest or not user.is_active or not user.email:
        return False
    tonight = end_of_today()
    reminders = list(
        Reminder.objects.for_assignee(user).open().due_by(tonight).order_by("due_at", "pk")[:200]
    )
    if not reminders:
        return False
    start_of_today = tonight - datetime.timedelta(days=1)
    context = {
        "user": user,
        "today": today,
        "overdue": [r for r in reminders if r.due_at < start_of_today],
        "today_reminders": [r for r in reminders if r.due_at >= start_of_today],
        "url": settings.O2R_PUBLIC_URL.rstrip("/") + "/rappels/",
    }
    # The day's row and the e-mail together: a failed sending leaves no row, and the next
    # tick of the morning tries again; a second tick finds the row and sends nothing.
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, day=today, reminders=len(reminders))
            send_mail(
                subject=f"O2R — vos rappels du {today:%d/%m/%Y}",
                message=render_to_string("reminders/digest.txt", context),
                from_email=None,
                recipient_list=[user.email],
            )
    except IntegrityError:
        return False  # already sent today
    return True
