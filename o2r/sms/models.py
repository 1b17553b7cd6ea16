"""The SMS outbox: one row per message to a resident is the truth, Celery only carries ids
(../shared/SMS_AND_TASKS.md §1). The outbox knows messages, not campaigns: a message has an
opaque owner (`owner_kind`, `owner_id`) and the owning app, through the registry of settings
O2R_SMS_OWNERS (o2r/sms/owners.py), says at send time whether it is still relevant and what
to do with a reply.

Delivery reports and inbound messages are logged once each, append-only, with no personal text
(a reply's text goes to the contact it becomes, or to the inbox until a person matches it)."""

import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from o2r import access
from o2r.access import Action, Scope
from residents.enums import LANGUAGES, language_tag
from residents.models import Resident, tracked

from .enums import (
    Encoding,
    InboundOutcome,
    InboxStatus,
    LegalBasis,
    OptOutScope,
    OptOutSource,
    SkipReason,
    SmsStatus,
)


def owner_kinds():
    """The owners of settings O2R_SMS_OWNERS (choices of SmsMessage.owner_kind)."""
    return [(kind, kind) for kind in settings.O2R_SMS_OWNERS]


class SmsMessageQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.SMS_OUTBOX_READ):
        """Messages to the residents whose file the table lets `user` see for `action`."""
        return self.filter(resident__in=Resident.objects.visible_to(user, action).values("pk"))

    def of_owner(self, kind: str, owner_id: int):
        return self.filter(owner_kind=kind, owner_id=owner_id)

    def due(self, now=None):
        return self.filter(status=SmsStatus.PENDING, not_before__lte=now or timezone.now())

    def status_counts(self) -> dict[str, int]:
        # COUNT(*), not of the key: an index-only scan of sms_period.
        counts = dict(self.values_list("status").annotate(n=models.Count("*")).order_by())
        return {status: counts.get(status, 0) for status in SmsStatus.values}

    def in_period(self, start, end):
        return self.filter(created_at__gte=start, created_at__lt=end)


class SmsMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="sms_messages"
    )
    owner_kind = models.CharField("émis par", max_length=30, choices=owner_kinds)
    owner_id = models.PositiveBigIntegerField("n° chez l'émetteur")
    to = models.CharField("numéro", max_length=16, blank=True)
    body = models.TextField("texte", max_length=1000, blank=True)
    language = models.CharField("langue", max_length=5, choices=LANGUAGES, default="fra")
    encoding = models.CharField("codage", max_length=10, choices=Encoding.choices)
    segments = models.PositiveSmallIntegerField("nombre de SMS", default=1)
    legal_basis = models.CharField("fondement", max_length=20, choices=LegalBasis.choices)
    status = models.CharField(
        "état", max_length=20, choices=SmsStatus.choices, default=SmsStatus.PENDING
    )
    skip_reason = models.CharField("motif", max_length=30, choices=SkipReason.choices, blank=True)
    # What the provider answered, for a person to read (never the number nor the text).
    error = models.CharField("réponse de l'opérateur", max_length=200, blank=True)
    not_before = models.DateTimeField("pas avant", default=timezone.now)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    provider_id = models.CharField("identifiant chez l'opérateur", max_length=100, blank=True)
    dedup_key = models.CharField("clé d'unicité", max_length=200, unique=True)
    # The person's residence when the message was written: the dashboard's breakdown.
    residence = models.ForeignKey(
        "residents.Residence",
        verbose_name="résidence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    queued_at = models.DateTimeField("mis dans la file le", null=True, blank=True)
    claimed_at = models.DateTimeField("envoi commencé le", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    delivered_at = models.DateTimeField("reçu le", null=True, blank=True)
    # The date of the latest delivery report applied: an older one is ignored.
    reported_at = models.DateTimeField("dernier rapport de l'opérateur", null=True, blank=True)
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="renvoyé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resent_at = models.DateTimeField("renvoyé le", null=True, blank=True)
    resend_reason = models.CharField("pourquoi le renvoyer", max_length=200, blank=True)

    objects = SmsMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "SMS"
        verbose_name_plural = "SMS"
        ordering = ["-created_at", "pk"]
        indexes = [
            # The dispatcher: pending rows due, oldest first.
            models.Index(
                fields=["not_before"], condition=Q(status="pending"), name="sms_pending_due"
            ),
            # The sweeper (queued too long) and the reconciler (sending too long).
            models.Index(
                fields=["queued_at"], condition=Q(status="queued"), name="sms_queued_since"
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="sending"), name="sms_sending_since"
            ),
            # A campaign's progress: counts by status of one owner.
            models.Index(fields=["owner_kind", "owner_id", "status"], name="sms_owner_status"),
            # The person's timeline and the outbox page.
            models.Index(fields=["resident", "created_at"], name="sms_resident"),
            # A reply: the latest message sent to that number.
            models.Index(fields=["to", "sent_at"], name="sms_to_sent"),
            # The dashboard's messages of a period by status: an index-only scan.
            models.Index(fields=["created_at"], include=["residence", "status"], name="sms_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="skipped") | ~Q(skip_reason=""),
                name="sms_skipped_has_reason",
                violation_error_message="Un SMS non envoyé a toujours un motif.",
            ),
        ]

    def __str__(self):
        return f"SMS du {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"

    def get_absolute_url(self):
        return reverse("sms:outbox") + f"?message={self.pk}"

    @property
    def language_tag(self):
        """The text's `lang`, for screen readers and fonts."""
        return language_tag(self.language)


@pgtrigger.register(
    pgtrigger.Protect(name="sms_deliveryevent_append_only", operation=pgtrigger.Update),
    pgtrigger.Protect(name="sms_deliveryevent_no_delete", operation=pgtrigger.Delete),
)
class DeliveryEvent(models.Model):
    """A delivery report of the provider, stored once (the same payload twice is one row),
    append-only by trigger. No personal data: the message's id, the status, the dates."""

    message_id = models.UUIDField("SMS", db_index=True)
    provider_status = models.CharField("statut de l'opérateur", max_length=40)
    occurred_at = models.DateTimeField("survenu le", null=True, blank=True)
    received_at = models.DateTimeField("reçu le", default=timezone.now)
    applied = models.BooleanField("appliqué au SMS", default=False)
    payload_hash = models.CharField("empreinte", max_length=64)

    class Meta:
        verbose_name = "rapport de remise"
        verbose_name_plural = "rapports de remise"
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id", "payload_hash"], name="sms_deliveryevent_once"
            ),
        ]

    def __str__(self):
        return f"{self.provider_status} ({self.message_id})"


@pgtrigger.register(
    pgtrigger.Protect(name="sms_inboundevent_append_only", operation=pgtrigger.Update),
    pgtrigger.Protect(name="sms_inboundevent_no_delete", operation=pgtrigger.Delete),
)
class InboundEvent(models.Model):
    """An inbound message received, stored once, append-only: what became of it, never its
    text nor its number (those go to the contact or to the inbox)."""

    received_at = models.DateTimeField("reçu le", default=timezone.now)
    outcome = models.CharField("suite", max_length=20, choices=InboundOutcome.choices)
    payload_hash = models.CharField("empreinte", max_length=64, unique=True)

    class Meta:
        verbose_name = "SMS reçu (journal)"
        verbose_name_plural = "SMS reçus (journal)"
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.get_outcome_display()} ({timezone.localtime(self.received_at):%d/%m/%Y})"


@tracked()
class SmsOptOut(models.Model):
    """A number that must get no SMS (or no campaign): checked at launch and again at send
    time. Kept when a person's file is erased: it is the list of numbers not to write to. Its
    history (who recorded it, who lifted it, when) is kept by the history triggers."""

    phone = models.CharField("numéro", max_length=16)
    scope = models.CharField("portée", max_length=20, choices=OptOutScope.choices)
    source = models.CharField("origine", max_length=20, choices=OptOutSource.choices)
    # The residence of the person whose number it was, that day (the dashboard's breakdown).
    residence = models.ForeignKey(
        "residents.Residence",
        verbose_name="résidence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="noté par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "opposition aux SMS"
        verbose_name_plural = "oppositions aux SMS"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["phone", "scope"], name="sms_optout_once_per_scope"),
        ]

    def __str__(self):
        since = timezone.localtime(self.created_at)
        return f"{self.get_scope_display()} depuis le {since:%d/%m/%Y}"


class InboxMessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The replies the table lets `user` match: those of her residences, and those no
        residence is known for (an unknown number)."""
        if access.scope_of(user, Action.SMS_INBOX) != Scope.MEMBERSHIPS:
            return self.none()
        links = InboxMessage.residences.through.objects.filter(inboxmessage=OuterRef("pk"))
        mine = links.filter(residence__memberships__user=user)
        return self.filter(~Exists(links) | Exists(mine))


class InboxMessage(models.Model):
    """A reply from a number shared by several residents (a family phone) or unknown: kept for
    a person to match, for SMS_INBOX_RETENTION_DAYS at most. Matched, its text moves to the
    contact it becomes and leaves this row."""

    phone = models.CharField("numéro", max_length=16, blank=True)
    body = models.TextField("texte", max_length=1000, blank=True)
    received_at = models.DateTimeField("reçu le", default=timezone.now)
    # The residences the number is known in (its residents', or the last message sent to it):
    # whose officers see it; none: an unknown number, seen by every insertion officer.
    residences = models.ManyToManyField(
        "residents.Residence", verbose_name="résidences", blank=True, related_name="+"
    )
    status = models.CharField(
        "état", max_length=20, choices=InboxStatus.choices, default=InboxStatus.TO_MATCH
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name="rattachée à",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="traitée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField("traitée le", null=True, blank=True)

    objects = InboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "réponse à rattacher"
        verbose_name_plural = "réponses à rattacher"
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(
                fields=["received_at"], condition=Q(status="to_match"), name="sms_inbox_open"
            ),
        ]

    def __str__(self):
        return f"Réponse du {timezone.localtime(self.received_at):%d/%m/%Y %H:%M}"
