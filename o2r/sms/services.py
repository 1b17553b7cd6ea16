"""The outbox's rules (../shared/SMS_AND_TASKS.md §1): enqueue, dispatch, claim and send,
reconcile, cancel, opt-outs, staff resends, delivery reports and replies.

Guarantees, and where each is kept:
- at most one message per business key: `dedup_key` is unique and rows are created with
  ON CONFLICT DO NOTHING (a relaunch, a double click, a rerun are no-ops);
- at most one provider call per row: the sender claims the row (queued → sending, committed in
  autocommit) before calling; a second delivery of the task finds it claimed and stops;
- nothing resent when the outcome is unknown: a timeout or a 5xx leaves the row `unknown` for
  a person; only "not sent" answers go back to pending, with a later `not_before`;
- nothing lost with the broker down: rows are in PostgreSQL; the dispatcher (beat every minute)
  queues what is due and re-queues what stayed `queued` too long; the reconciler turns rows
  left `sending` by a dead worker into `unknown`;
- opt-outs, consent, relevance and quiet hours are checked again at send time.
Every status move is an UPDATE … WHERE status = <from>: when it changes no row, another
process moved the row first, and this one leaves it alone.
"""

import datetime
import hashlib
import json
import logging
import re
import time
import unicodedata
from dataclasses import dataclass
from functools import partial

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from residents.enums import ConsentScope
from residents.models import Consent, Resident
from residents.normalise import printable_text
from residents.validators import parse_phone

from . import owners, quiet, tasks, text
from .backends import OutgoingSms, SmsNotSent, SmsOutcomeUnknown, SmsRejected, get_backend
from .enums import (
    WAITING,
    InboundOutcome,
    InboxStatus,
    LegalBasis,
    OptOutScope,
    OptOutSource,
    SkipReason,
    SmsStatus,
)
from .models import DeliveryEvent, InboundEvent, InboxMessage, SmsMessage, SmsOptOut

logger = logging.getLogger("o2r.sms")


def sms_key(owner_kind: str, owner_id, *parts) -> str:
    """The one way to build a message's unique key: sms_key("campaign", 12, "resident", 34)
    -> "campaign:12:resident:34"."""
    if not owner_kind or ":" in owner_kind or not str(owner_id):
        raise ValueError(f"sms key: bad owner {owner_kind!r} or id {owner_id!r}")
    return ":".join([owner_kind, str(owner_id), *(str(part) for part in parts)])


# --- Enqueue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """One message to create: the owner's app renders the text; the outbox adds the rest."""

    resident_id: int
    owner_id: int
    to: str
    body: str  # the final text, signature included
    dedup_key: str
    legal_basis: str
    language: str = "fra"
    not_before: datetime.datetime | None = None
    skip_reason: str = ""  # not sent, kept so that the figures see why


def sms_enqueue(*, owner_kind: str, drafts, by=None) -> int:
    """Creates the messages in the caller's transaction, once per key (a second call with the
    same keys creates nothing: ON CONFLICT DO NOTHING), and nudges the dispatcher once it
    commits. Returns the number of drafts offered."""
    if owner_kind not in settings.O2R_SMS_OWNERS:
        raise ValueError(f"unknown SMS owner {owner_kind!r}")
    now = timezone.now()
    drafts = list(drafts)
    residences = dict(
        Resident.objects.filter(pk__in={d.resident_id for d in drafts}).values_list(
            "pk", "residence_id"
        )
    )
    rows = []
    for draft in drafts:
        measure = text.measure(draft.body)
        rows.append(
            SmsMessage(
                resident_id=draft.resident_id,
                residence_id=residences.get(draft.resident_id),
                owner_kind=owner_kind,
                owner_id=draft.owner_id,
                to=draft.to,
                body=draft.body,
                language=draft.language,
                encoding=measure.encoding,
                segments=measure.segments,
                legal_basis=draft.legal_basis,
                status=SmsStatus.SKIPPED if draft.skip_reason else SmsStatus.PENDING,
                skip_reason=draft.skip_reason,
                not_before=quiet.next_allowed(max(draft.not_before or now, now)),
                dedup_key=draft.dedup_key,
                created_at=now,
                created_by=by,
            )
        )
    SmsMessage.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    if any(not row.skip_reason for row in rows):
        nudge_dispatcher()
    return len(rows)


def nudge_dispatcher() -> None:
    """After the commit, ask a worker to dispatch now rather than at the next beat tick. If
    the broker is down, the tick sends it later: nothing is lost (robust=True)."""
    transaction.on_commit(tasks.dispatch_pending.delay, robust=True)


# --- Dispatch, send, reconcile ------------------------------------------------------------------


def _enqueue_send(ids) -> None:
    batch = settings.SMS_SEND_BATCH
    for start in range(0, len(ids), batch):
        tasks.send_sms_many.delay([str(pk) for pk in ids[start : start + batch]])


def sms_dispatch(*, now=None, page: int | None = None) -> int:
    """Queues the due pending rows, page after page until none is due, and re-queues the rows
    left `queued` longer than SMS_QUEUED_STUCK_AFTER (their task was lost: a broker restart,
    a publish that failed after the commit). Each page is locked with SKIP LOCKED, so that two
    dispatchers share the work instead of queueing a row twice. Returns the rows queued."""
    now = now or timezone.now()
    page = page or settings.SMS_DISPATCH_PAGE
    stuck_before = now - datetime.timedelta(seconds=settings.SMS_QUEUED_STUCK_AFTER)
    queued = 0
    for candidates in (
        SmsMessage.objects.due(now).order_by("not_before"),
        SmsMessage.objects.filter(status=SmsStatus.QUEUED, queued_at__lt=stuck_before).order_by(
            "queued_at"
        ),
    ):
        while True:
            with transaction.atomic():
                ids = list(
                    candidates.select_for_update(skip_locked=True).values_list("pk", flat=True)[
                        :page
                    ]
                )
                if ids:
                    SmsMessage.objects.filter(pk__in=ids).update(
                        status=SmsStatus.QUEUED, queued_at=now
                    )
                    transaction.on_commit(partial(_enqueue_send, ids), robust=True)
            queued += len(ids)
            if len(ids) < page:
                break
    return queued


def _move(message_id, frm, to, **fields) -> bool:
    """Moves the row from `frm` to `to` if it is still in `frm`."""
    statuses = [frm] if isinstance(frm, str) else list(frm)
    return bool(
        SmsMessage.objects.filter(pk=message_id, status__in=statuses).update(status=to, **fields)
    )


def sms_consent_checks(today, *, resident="resident"):
    """Annotations of the person's SMS consent: `sms_standing` (one stands today) and
    `sms_withdrawn` (one was given and withdrawn); `resident` names the outer row's field."""
    consents = Consent.objects.filter(resident=OuterRef(resident), scope=ConsentScope.SMS)
    return {
        "sms_standing": Exists(
            consents.filter(given_on__lte=today).filter(
                Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today)
            )
        ),
        "sms_withdrawn": Exists(consents.filter(withdrawn_on__lte=today)),
    }


def send_checks(today):
    """What the send-time check reads, as annotations of the message's one query: the number's
    oppositions (all SMS, campaigns only) and the person's SMS consent."""
    opt_outs = SmsOptOut.objects.filter(phone=OuterRef("to"))
    return {
        "opted_out_all": Exists(opt_outs.filter(scope=OptOutScope.ALL)),
        "opted_out_campaigns": Exists(opt_outs.filter(scope=OptOutScope.CAMPAIGNS)),
        **sms_consent_checks(today),
    }


def phone_skip_reason(resident) -> str:
    """Why her number cannot get an SMS at all: none, or not a mobile ("" : it can)."""
    if not resident.phone:
        return SkipReason.NO_PHONE
    if not resident.phone_is_mobile:
        return SkipReason.NOT_MOBILE
    return ""


def send_blocker(message: SmsMessage) -> str | None:
    """Why this message must not go now (a SkipReason), checked at send time on the message
    read with `send_checks`, then asked of its owner."""
    resident = message.resident
    if resident.anonymised_at is not None:
        return SkipReason.FILE_CLOSED
    if not message.to:
        return SkipReason.NO_PHONE
    if text.e164(resident.phone) != message.to:
        return SkipReason.NUMBER_CHANGED
    if message.opted_out_all or (
        message.opted_out_campaigns and owners.is_campaign(message.owner_kind)
    ):
        return SkipReason.OPTED_OUT
    if message.sms_withdrawn and not message.sms_standing:
        return SkipReason.CONSENT_WITHDRAWN
    if message.legal_basis == LegalBasis.CONSENT and not message.sms_standing:
        return SkipReason.NO_CONSENT
    return owners.blocker(message)


def retry_delay(attempts: int) -> datetime.timedelta:
    steps = settings.SMS_RETRY_BACKOFF
    return datetime.timedelta(seconds=steps[min(max(attempts, 1), len(steps)) - 1])


def sms_send(*, message_id, now=None) -> str:
    """Claims the row, checks it may still go, and calls the provider once. Never inside a
    transaction: the claim is committed before the call. Returns the row's new status, or ""
    when another process owns it."""
    now = now or timezone.now()
    claimed = SmsMessage.objects.filter(pk=message_id, status=SmsStatus.QUEUED).update(
        status=SmsStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return ""  # a second delivery of the task, or cancelled meanwhile
    message = (
        SmsMessage.objects.select_related("resident")
        .annotate(**send_checks(timezone.localdate(now)))
        .get(pk=message_id)
    )
    reason = send_blocker(message)
    if reason:
        _move(message.pk, SmsStatus.SENDING, SmsStatus.SKIPPED, skip_reason=reason)
        return SmsStatus.SKIPPED
    if not quiet.allowed_now(now):
        # Held, not tried: the claim's attempt is given back.
        _move(
            message.pk,
            SmsStatus.SENDING,
            SmsStatus.PENDING,
            not_before=quiet.next_allowed(now),
            attempts=F("attempts") - 1,
        )
        return SmsStatus.PENDING
    outgoing = OutgoingSms(
        id=message.pk,
        to=message.to,
        body=message.body,
        encoding=message.encoding,
        callback_url=delivery_url(message.pk),
    )
    try:
        provider_id = get_backend().send(outgoing)
    except SmsNotSent as error:
        if message.attempts >= settings.SMS_MAX_ATTEMPTS:
            _move(message.pk, SmsStatus.SENDING, SmsStatus.FAILED, error=_short(error))
            return SmsStatus.FAILED
        _move(
            message.pk,
            SmsStatus.SENDING,
            SmsStatus.PENDING,
            not_before=now + retry_delay(message.attempts),
            error=_short(error),
        )
        return SmsStatus.PENDING
    except SmsRejected as error:
        _move(message.pk, SmsStatus.SENDING, SmsStatus.FAILED, error=_short(error))
        return SmsStatus.FAILED
    except SmsOutcomeUnknown as error:
        _move(message.pk, SmsStatus.SENDING, SmsStatus.UNKNOWN, error=_short(error))
        return SmsStatus.UNKNOWN
    except Exception:
        # Whether it went is not known: never resent by itself.
        logger.exception("SMS %s: unexpected error while sending", message.pk)
        _move(message.pk, SmsStatus.SENDING, SmsStatus.UNKNOWN, error="Erreur inattendue.")
        return SmsStatus.UNKNOWN
    _move(
        message.pk,
        SmsStatus.SENDING,
        SmsStatus.SENT,
        provider_id=str(provider_id)[:100],
        sent_at=timezone.now(),
        error="",
    )
    return SmsStatus.SENT


def sms_send_many(*, message_ids) -> dict[str, int]:
    """Sends each message as sms_send does, at most SMS_RATE_PER_SECOND a second in this
    process (the provider's contract; 0: no limit). Returns the count of each outcome."""
    rate = settings.SMS_RATE_PER_SECOND
    outcomes = {}
    for message_id in message_ids:
        started = time.monotonic()
        outcome = sms_send(message_id=message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if rate and outcome:
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    return outcomes


def _short(error) -> str:
    return (str(error) or type(error).__name__)[:200]


def sms_reconcile(*, now=None) -> int:
    """Rows left `sending` longer than SMS_SENDING_STUCK_AFTER (their worker died after the
    claim) become `unknown`: the provider may have them; a person checks."""
    now = now or timezone.now()
    stuck_before = now - datetime.timedelta(seconds=settings.SMS_SENDING_STUCK_AFTER)
    return SmsMessage.objects.filter(status=SmsStatus.SENDING, claimed_at__lt=stuck_before).update(
        status=SmsStatus.UNKNOWN, error="Envoi interrompu : vérifiez auprès de la personne."
    )


# --- Cancel, resend -----------------------------------------------------------------------------


def sms_cancel(*, owner_kind: str, owner_id: int) -> int:
    """The owner's messages still waiting are cancelled (one being sent goes on)."""
    return SmsMessage.objects.filter(
        owner_kind=owner_kind, owner_id=owner_id, status__in=WAITING
    ).update(status=SmsStatus.CANCELLED)


def sms_cancel_for_resident(*, resident_id: int) -> int:
    return SmsMessage.objects.filter(resident_id=resident_id, status__in=WAITING).update(
        status=SmsStatus.CANCELLED
    )


def sms_resend(*, message: SmsMessage, by, reason: str) -> SmsMessage:
    """A person checked an `unknown` message (the resident did not get it) and sends it again:
    an audited act (who, when, why)."""
    reason = printable_text(reason or "")[:200].strip()
    if not reason:
        raise ValidationError({"reason": "Dites pourquoi vous le renvoyez."})
    with transaction.atomic():
        moved = _move(
            message.pk,
            SmsStatus.UNKNOWN,
            SmsStatus.QUEUED,
            queued_at=timezone.now(),
            resent_by=by,
            resent_at=timezone.now(),
            resend_reason=reason,
        )
        if not moved:
            raise ValidationError("Ce SMS n'est plus incertain : il n'est pas renvoyé.")
        transaction.on_commit(partial(tasks.send_sms.delay, str(message.pk)), robust=True)
    message.refresh_from_db()
    return message


def sms_abandon(*, message: SmsMessage, by) -> SmsMessage:
    """A person checked an `unknown` message and decides not to send it again."""
    abandoned = _move(
        message.pk,
        SmsStatus.UNKNOWN,
        SmsStatus.CANCELLED,
        resent_by=by,
        resent_at=timezone.now(),
        resend_reason="Pas renvoyé après vérification",
    )
    if not abandoned:
        raise ValidationError("Ce SMS n'est plus incertain.")
    message.refresh_from_db()
    return message


# --- Opt-outs -----------------------------------------------------------------------------------


def sms_opt_out(*, phone: str, scope: str = OptOutScope.ALL, source: str, by=None) -> SmsOptOut:
    """Records the opposition (once) and cancels what was waiting to go to that number."""
    if scope not in OptOutScope.values or source not in OptOutSource.values:
        raise ValidationError("Opposition invalide.")
    with transaction.atomic(), pghistory.context(user=getattr(by, "pk", None)):
        residence_id = (
            Resident.objects.filter(phone=phone, anonymised_at__isnull=True)
            .order_by("-updated_at")
            .values_list("residence_id", flat=True)
            .first()
        )
        opt_out, _ = SmsOptOut.objects.get_or_create(
            phone=phone,
            scope=scope,
            defaults={"source": source, "created_by": by, "residence_id": residence_id},
        )
        waiting = SmsMessage.objects.filter(to=phone, status__in=WAITING)
        if scope == OptOutScope.CAMPAIGNS:
            kinds = [kind for kind in settings.O2R_SMS_OWNERS if owners.is_campaign(kind)]
            waiting = waiting.filter(owner_kind__in=kinds)
        waiting.update(status=SmsStatus.CANCELLED)
    return opt_out


def sms_opt_out_lift(*, phone: str, scope: str, by, action) -> int:
    """The person wants SMS again (she asked her officer or coach). Refused when the number is
    also someone's whom `by` may not answer for (a family phone: the opposition may be
    theirs). The history triggers keep who lifted it."""
    others = Resident.objects.filter(phone=phone, anonymised_at__isnull=True).exclude(
        pk__in=Resident.objects.visible_to(by, action).values("pk")
    )
    if others.exists():
        raise ValidationError(
            "Ce numéro est aussi celui d'une personne que vous ne suivez pas : l'opposition "
            "ne peut être levée que par sa chargée d'insertion."
        )
    with transaction.atomic(), pghistory.context(user=by.pk):
        deleted, _ = SmsOptOut.objects.filter(phone=phone, scope=scope).delete()
    return deleted


# --- Webhooks -----------------------------------------------------------------------------------


def _token(value: str) -> str:
    return salted_hmac("o2r.sms.webhook", value, algorithm="sha256").hexdigest()[:40]


def delivery_token(message_id) -> str:
    return _token(f"delivery:{message_id}")


def inbound_token() -> str:
    return _token("inbound")


def token_ok(given: str, expected: str) -> bool:
    return constant_time_compare(given or "", expected)


def delivery_url(message_id) -> str:
    base = settings.O2R_PUBLIC_URL.rstrip("/")
    if not base:
        return ""
    path = reverse("sms:hook_delivery", args=[message_id, delivery_token(message_id)])
    return base + path


def _payload_hash(payload) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _reported_at(payload: dict) -> datetime.datetime | None:
    """When the event happened: `ts_event` (UTC seconds) if given, else `date`, which Brevo
    writes in Paris time (CET/CEST)."""
    seconds = payload.get("ts_event") or payload.get("ts")
    if isinstance(seconds, int | float) and 0 < seconds < 10**11:
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    raw = payload.get("date")
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, quiet.PARIS)
    return parsed


# Brevo's msg_status → (our status, an opt-out of this source). Strings for replies,
# unsubscribes and rejections are unverified: anything else is kept in the log, unapplied.
DELIVERY_STATUSES = {
    "sent": (SmsStatus.SENT, None),
    "accepted": (SmsStatus.SENT, None),
    "delivered": (SmsStatus.DELIVERED, None),
    "hardbounce": (SmsStatus.FAILED, OptOutSource.HARD_BOUNCE),
    "hard_bounce": (SmsStatus.FAILED, OptOutSource.HARD_BOUNCE),
    "rejected": (SmsStatus.FAILED, None),
    "blocked": (SmsStatus.FAILED, None),
    "blacklisted": (SmsStatus.FAILED, OptOutSource.PROVIDER),
    "unsubscribed": (None, OptOutSource.PROVIDER),
    "unsubscribe": (None, OptOutSource.PROVIDER),
}
# Which status a report may move a message from: never out of delivered, never backward.
REPORT_FROM = {
    SmsStatus.SENT: [SmsStatus.SENDING, SmsStatus.UNKNOWN],
    SmsStatus.DELIVERED: [SmsStatus.SENDING, SmsStatus.SENT, SmsStatus.UNKNOWN, SmsStatus.FAILED],
    SmsStatus.FAILED: [SmsStatus.SENDING, SmsStatus.SENT, SmsStatus.UNKNOWN],
}


def delivery_report(*, message_id, payload: dict) -> bool:
    """Applies the report when it moves the message forward and is not older than the last one
    applied, and logs it once: the same payload again changes nothing (its log row's unique
    key refuses it, and the whole transaction with it). Returns whether the message changed."""
    provider_status = printable_text(str(payload.get("msg_status") or payload.get("event") or ""))
    provider_status = provider_status[:40]
    occurred_at = _reported_at(payload)
    to, opt_out_source = DELIVERY_STATUSES.get(provider_status.lower(), (None, None))
    try:
        with transaction.atomic():
            message = SmsMessage.objects.select_for_update().filter(pk=message_id).first()
            changed = False
            newer = message is not None and (
                occurred_at is None
                or message.reported_at is None
                or occurred_at >= message.reported_at
            )
            if newer and to is not None and message.status in REPORT_FROM[to]:
                changed = _apply_report(message, to, occurred_at, provider_status)
            if newer and opt_out_source and message.to:
                sms_opt_out(phone=message.to, scope=OptOutScope.ALL, source=opt_out_source)
            DeliveryEvent.objects.create(
                message_id=message_id,
                provider_status=provider_status or "?",
                occurred_at=occurred_at,
                applied=changed,
                payload_hash=_payload_hash(payload),
            )
    except IntegrityError:
        if DeliveryEvent.objects.filter(
            message_id=message_id, payload_hash=_payload_hash(payload)
        ).exists():
            return False  # the same payload again
        raise
    return changed


def _apply_report(message, to, occurred_at, provider_status) -> bool:
    at = occurred_at or timezone.now()
    fields = {"reported_at": at}
    if to == SmsStatus.DELIVERED:
        fields["delivered_at"] = at
    if to in (SmsStatus.SENT, SmsStatus.DELIVERED) and message.sent_at is None:
        fields["sent_at"] = at
    if to == SmsStatus.FAILED:
        fields["error"] = f"Rapport de l'opérateur : {provider_status}"[:200]
    return _move(message.pk, message.status, to, **fields)


STOP_WORDS = frozenset(
    {
        "STOP",
        "STOPSMS",
        "ARRET",
        "ARRETER",
        "ARRETEZ",
        "DESINSCRIPTION",
        "DESABONNEMENT",
        "DESINSCRIRE",
        "UNSUBSCRIBE",
        "END",
        "QUIT",
        "CANCEL",
        "STOPALL",
    }
)


# What may follow the stop word: "STOP SMS", "stop merci", "Arrêt svp".
STOP_POLITENESS = frozenset({"SMS", "MERCI", "STP", "SVP", "ALL", "PLEASE", "THANKS"})


def is_stop(message_text: str) -> bool:
    """STOP and its usual variants ("Stop", "STOP SMS", "arrêt", "stop merci"): a stop word,
    alone or with a polite word, never a sentence ("Stop je viens" is a reply)."""
    folded = unicodedata.normalize("NFKD", message_text or "")
    folded = "".join(c for c in folded if not unicodedata.combining(c)).upper()
    words = re.findall(r"[A-Z]+", folded)
    if not words or words[0] not in STOP_WORDS:
        return False
    return all(word in STOP_POLITENESS for word in words[1:])


def _inbound_fields(payload: dict) -> tuple[str, str, datetime.datetime]:
    """(number as sent, text, when) from an inbound payload. Brevo's inbound format is
    unverified: the usual names are accepted."""

    def first(*names):
        for name in names:
            value = payload.get(name)
            if isinstance(value, str | int) and str(value).strip():
                return str(value).strip()
        return ""

    number = first("from", "sender", "msisdn", "phoneNumber", "phone", "originator")
    body = first("text", "content", "message", "body")
    return number[:40], printable_text(body)[:1000].strip(), _reported_at(payload) or timezone.now()


def inbound_receive(*, payload: dict) -> str:
    """A message from a resident: STOP opts the number out; any other text becomes a contact
    of the one resident with that number (through the owner's reply hook), or waits in the
    inbox when the number is shared or unknown. Each payload is handled once: its log row's
    unique key refuses a second one, and the whole transaction with it."""
    raw_number, body, received_at = _inbound_fields(payload)
    try:
        phone, _ = parse_phone(raw_number)
    except ValidationError:
        phone = ""
    try:
        with transaction.atomic():
            outcome = _route_inbound(phone, raw_number, body, received_at)
            InboundEvent.objects.create(outcome=outcome, payload_hash=_payload_hash(payload))
    except IntegrityError:
        if InboundEvent.objects.filter(payload_hash=_payload_hash(payload)).exists():
            return ""  # the same payload again
        raise
    logger.info("SMS inbound: %s", outcome)
    return outcome


def _route_inbound(phone, raw_number, body, received_at) -> str:
    if not body:
        return InboundOutcome.IGNORED
    if phone and is_stop(body):
        sms_opt_out(phone=phone, scope=OptOutScope.ALL, source=OptOutSource.STOP_REPLY)
        return InboundOutcome.OPT_OUT
    candidates = (
        list(
            Resident.objects.filter(phone=phone, anonymised_at__isnull=True).select_related(
                "residence"
            )[:10]
        )
        if phone
        else []
    )
    last = (
        SmsMessage.objects.filter(to=phone, sent_at__isnull=False)
        .select_related("resident")
        .order_by("-sent_at")
        .first()
        if phone
        else None
    )
    if len(candidates) == 1:
        resident = candidates[0]
        message = last if last is not None and last.resident_id == resident.pk else None
        handler = owners.reply_handler(message.owner_kind if message else None)
        handler(resident=resident, text=body, received_at=received_at, message=message, by=None)
        return InboundOutcome.CONTACT
    residences = {c.residence_id for c in candidates}
    if not residences and last is not None:
        residences = {last.resident.residence_id}
    item = InboxMessage.objects.create(
        phone=phone or re.sub(r"[^0-9+]", "", raw_number)[:16], body=body, received_at=received_at
    )
    item.residences.set(residences)
    return InboundOutcome.INBOX


def inbox_match(*, item: InboxMessage, resident: Resident, by) -> InboxMessage:
    """A person says whose reply it is: it becomes that resident's contact, and its text
    leaves the inbox."""
    with transaction.atomic():
        item = InboxMessage.objects.select_for_update().get(pk=item.pk)
        if item.status != InboxStatus.TO_MATCH:
            raise ValidationError("Cette réponse a déjà été traitée.")
        owners.reply_handler(None)(
            resident=resident, text=item.body, received_at=item.received_at, message=None, by=by
        )
        item.status = InboxStatus.MATCHED
        item.resident = resident
        item.body = ""
        item.phone = ""
        item.handled_by = by
        item.handled_at = timezone.now()
        item.save()
    return item


def inbox_discard(*, item: InboxMessage, by) -> InboxMessage:
    with transaction.atomic():
        item = InboxMessage.objects.select_for_update().get(pk=item.pk)
        if item.status != InboxStatus.TO_MATCH:
            raise ValidationError("Cette réponse a déjà été traitée.")
        item.status = InboxStatus.DISCARDED
        item.body = ""
        item.phone = ""
        item.handled_by = by
        item.handled_at = timezone.now()
        item.save()
    return item
