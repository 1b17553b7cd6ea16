"""Outreach ("aller vers"): actions in the residences, contacts with residents, referrals by
residence staff. A contact keeps the residence it happened in, so that past figures do not move
when a person moves; people met who gave no name are a count on their action."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from o2r import access
from o2r.access import Action, Scope
from o2r.core.aggregates import Days, Median, count_distinct
from o2r.sms.enums import LegalBasis
from residents.enums import LANGUAGES, language_tag
from residents.models import NOTHING, Resident, tracked

from .enums import (
    TOUCH_KINDS,
    ActionKind,
    CampaignStatus,
    Channel,
    Outcome,
    ReferralOutcome,
    ReferralSource,
    ReferralStatus,
)

SUMMARY_MAX = 300


def _residence_scope(user, action, *, field="residence"):
    """The rows of the residences of `user`'s memberships, when the table gives her `action`
    on her memberships."""
    if access.scope_of(user, action) == Scope.MEMBERSHIPS:
        return Q(**{f"{field}__memberships__user": user})
    return NOTHING


class OutreachActionQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.OUTREACH_READ):
        return self.filter(_residence_scope(user, action))

    def in_period(self, start, end):
        """Actions that began in [start, end) (datetimes)."""
        return self.filter(started_at__gte=start, started_at__lt=end)

    def people_met(self):
        """{"named": distinct residents met per action, summed; "unnamed": the counters}: a
        named resident counts once per action, whoever met her and however often."""
        named = (
            Contact.objects.filter(action__in=self)
            .exclude(outcome=Outcome.NO_ANSWER)  # a closed door is nobody met
            .values("action", "resident")
            .distinct()
            .count()
        )
        unnamed = self.aggregate(total=models.Sum("unnamed_count"))["total"] or 0
        return {"named": named, "unnamed": unnamed}

    def touches(self):
        """Posters and SMS campaigns: they touch residents without a contact, counted apart
        from the people met and reached."""
        return self.filter(kind__in=TOUCH_KINDS)

    def by_kind(self):
        return dict(self.values_list("kind").annotate(n=Count("pk")).order_by())

    def by_residence_and_kind(self) -> dict[tuple[int, str], int]:
        """{(residence id, kind): actions}."""
        rows = self.values_list("residence", "kind").annotate(n=Count("pk")).order_by()
        return {(residence, kind): n for residence, kind, n in rows}

    def people_met_by_kind(self) -> dict[str, dict[str, int]]:
        """{kind: {"actions", "named", "unnamed"}}: people_met() per kind of action, with the
        number of actions, in one query (each action's named people counted by a subquery on
        its contacts: a hash per action rather than a sort of the whole period's contacts)."""
        named = (
            Contact.objects.filter(action=models.OuterRef("pk"))
            .exclude(outcome=Outcome.NO_ANSWER)
            .order_by()
            .values("action")
            .annotate(n=Count("resident", distinct=True))
            .values("n")
        )
        rows = (
            self.annotate(named=Coalesce(models.Subquery(named), 0))
            .values("kind")
            .annotate(
                actions=Count("pk"),
                named_total=models.Sum("named"),
                unnamed=Coalesce(models.Sum("unnamed_count"), 0),
            )
            .order_by()
        )
        return {
            row["kind"]: {
                "actions": row["actions"],
                "named": row["named_total"] or 0,
                "unnamed": row["unnamed"],
            }
            for row in rows
        }


class OutreachAction(models.Model):
    kind = models.CharField("type", max_length=30, choices=ActionKind.choices)
    residence = models.ForeignKey(
        "residents.Residence",
        verbose_name="résidence",
        on_delete=models.PROTECT,
        related_name="outreach_actions",
    )
    started_at = models.DateTimeField("début", default=timezone.now)
    ended_at = models.DateTimeField("fin", null=True, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="équipe présente", related_name="+", blank=True
    )
    unnamed_count = models.PositiveIntegerField("personnes rencontrées sans nom", default=0)
    notes = models.TextField("notes", max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    # An SMS campaign is an outreach action in each residence it reaches.
    campaign = models.ForeignKey(
        "SmsCampaign",
        verbose_name="campagne SMS",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="actions",
    )
    # One tap, one action: a double tap or a retried request carries the same token.
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = OutreachActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action d'aller vers"
        verbose_name_plural = "actions d'aller vers"
        ordering = ["-started_at", "-pk"]
        indexes = [
            # A residence's history over a period.
            models.Index(fields=["residence", "started_at"], name="outreach_action_residence"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="outreach_action_ends_after_start",
                violation_error_message="La fin ne peut pas précéder le début.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.residence} ({self.started_at:%d/%m/%Y})"

    def get_absolute_url(self):
        return reverse("outreach:action", args=[self.pk])

    @property
    def is_open(self):
        return self.ended_at is None


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.CONTACT_READ):
        """The officer (and the housing manager) on her residences' contacts; the coach on the
        contacts of the residents whose file she may open."""
        scope = access.scope_of(user, action)
        if scope == Scope.MEMBERSHIPS:
            return self.filter(residence__memberships__user=user)
        if scope == Scope.ASSIGNED:
            return self.filter(resident__in=Resident.objects.visible_to(user, action))
        return self.none()

    def in_period(self, start, end):
        return self.filter(at__gte=start, at__lt=end)

    def two_way(self):
        """A contact with the person herself (met, answered, replied): not a relay, not a
        call without answer. A campaign SMS or a poster is a touch, never a Contact."""
        return self.exclude(channel=Channel.RELAY).exclude(outcome=Outcome.NO_ANSWER)

    def reached(self):
        """The residents reached: those with at least one two-way contact among these."""
        return Resident.objects.filter(pk__in=self.two_way().values("resident"))

    def by_outcome(self):
        return dict(self.values_list("outcome").annotate(n=Count("pk")).order_by())

    def by_channel(self):
        return dict(self.values_list("channel").annotate(n=Count("pk")).order_by())

    def by_channel_and_outcome(self) -> dict[tuple[str, str], int]:
        # COUNT(*), not of the key: an index-only scan of outreach_contact_period.
        rows = self.values_list("channel", "outcome").annotate(n=Count("*")).order_by()
        return {(channel, outcome): n for channel, outcome, n in rows}

    def people_reached_count(self) -> int:
        """How many residents these contacts reached (a two-way contact at least)."""
        return count_distinct(self.two_way(), "resident")[None]

    def replies(self):
        """SMS replies from residents, recorded as contacts by the application."""
        return self.filter(outcome=Outcome.REPLIED)


@tracked()
class Contact(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="contacts"
    )
    action = models.ForeignKey(
        OutreachAction,
        verbose_name="action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    # Where it happened: the figures of that residence, even after the person moves.
    residence = models.ForeignKey(
        "residents.Residence", verbose_name="résidence", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    at = models.DateTimeField("le", default=timezone.now)
    # Nobody: a reply by SMS, recorded by the application.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    outcome = models.CharField("suite", max_length=20, choices=Outcome.choices)
    summary = models.CharField("en une ligne", max_length=SUMMARY_MAX, blank=True)
    next_step_on = models.DateField("prochaine étape le", null=True, blank=True)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = "contact"
        verbose_name_plural = "contacts"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["residence", "at"], name="outreach_contact_residence"),
            models.Index(fields=["resident", "at"], name="outreach_contact_resident"),
            # The dashboard's contacts of a period (by channel and outcome, people reached):
            # an index-only scan of the period, whatever the residences.
            models.Index(
                fields=["at"],
                include=["residence", "resident", "channel", "outcome"],
                name="outreach_contact_period",
            ),
            # The dashboard's people met per action (a period's actions, their contacts).
            models.Index(
                fields=["action"], include=["resident", "outcome"], name="outreach_contact_met"
            ),
        ]

    def __str__(self):
        return f"Contact du {timezone.localtime(self.at):%d/%m/%Y}"

    @property
    def is_two_way(self):
        """The rule of ContactQuerySet.two_way, for one contact."""
        return self.channel != Channel.RELAY and self.outcome != Outcome.NO_ANSWER


class ReferralQuerySet(models.QuerySet):
    def handled_by(self, user):
        """The inbox: referrals of the residences the table lets `user` handle."""
        return self.filter(_residence_scope(user, Action.REFERRAL_HANDLE))

    def filed_by(self, user):
        if not access.allows(user, Action.REFERRAL_FILE):
            return self.none()
        return self.filter(filed_by=user)

    def inbox_order(self):
        status_order = models.Case(
            models.When(status=ReferralStatus.NEW, then=0),
            models.When(status=ReferralStatus.IN_PROGRESS, then=1),
            default=2,
        )
        return self.alias(status_rank=status_order).order_by("status_rank", "filed_at", "pk")

    def by_source(self):
        return dict(self.values_list("source").annotate(n=Count("pk")).order_by())

    def filed_in(self, start, end):
        return self.filter(filed_at__gte=start, filed_at__lt=end)

    def taking_by_source(self) -> dict[str, dict]:
        """{source: {"filed": n, "taken": n, "median_days": days from filing to taking}}."""
        rows = (
            self.values("source")
            .annotate(
                filed=Count("pk"),
                taken=Count("pk", filter=Q(taken_at__isnull=False)),
                median_days=Median(Days("taken_at", "filed_at")),
            )
            .order_by()
        )
        return {row.pop("source"): row for row in rows}


@tracked()
class Referral(models.Model):
    """A signalement: residence staff point out someone who might be interested. A resident
    already known, or a new person with three things: a first name, a unit, how to reach her."""

    residence = models.ForeignKey(
        "residents.Residence", verbose_name="résidence", on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name="résident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referrals",
    )
    first_name = models.CharField("prénom", max_length=100, blank=True)
    housing_unit = models.CharField("logement", max_length=30, blank=True)
    how_to_reach = models.CharField("comment la joindre", max_length=200, blank=True)
    source = models.CharField("signalé par", max_length=30, choices=ReferralSource.choices)
    source_name = models.CharField("nom de qui signale", max_length=150, blank=True)
    reason = models.CharField("pourquoi", max_length=500)
    status = models.CharField(
        "état", max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.NEW
    )
    outcome = models.CharField("issue", max_length=20, choices=ReferralOutcome.choices, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    filed_at = models.DateTimeField("déposé le", default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="pris en charge par", on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    taken_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    closed_at = models.DateTimeField("clos le", null=True, blank=True)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "signalement"
        verbose_name_plural = "signalements"
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(
                fields=["residence", "status", "filed_at"], name="outreach_referral_inbox"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.CLOSED) | ~Q(outcome=""),
                name="outreach_referral_closed_has_outcome",
                violation_error_message="Un signalement clos a toujours une issue.",
            ),
        ]

    def __str__(self):
        return f"Signalement du {timezone.localtime(self.filed_at):%d/%m/%Y}"


class SmsCampaignQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.SMS_CAMPAIGN_READ):
        """The campaigns all of whose residences are the user's: its preview names residents
        of each of them, and writing it touches them all."""
        if access.scope_of(user, action) != Scope.MEMBERSHIPS:
            return self.none()
        others = SmsCampaign.residences.through.objects.exclude(residence__memberships__user=user)
        return self.exclude(pk__in=others.values("smscampaign"))


class SmsCampaign(models.Model):
    """An SMS to the residents of some residences (an audience of stages, public categories and
    languages), with one text per language; launched, it is one outreach action per residence
    and one outbox message per resident (o2r.sms)."""

    name = models.CharField("nom", max_length=120)
    residences = models.ManyToManyField(
        "residents.Residence", verbose_name="résidences", related_name="+"
    )
    stages = ArrayField(
        models.CharField(max_length=20), verbose_name="étapes", default=list, blank=True
    )
    categories = ArrayField(
        models.CharField(max_length=30), verbose_name="publics", default=list, blank=True
    )
    languages = ArrayField(
        models.CharField(max_length=5), verbose_name="langues", default=list, blank=True
    )
    # The session the message invites to: its {date} and {lieu}.
    session_at = models.DateTimeField("date de la permanence", null=True, blank=True)
    session_place = models.CharField("lieu", max_length=150, blank=True)
    scheduled_at = models.DateTimeField("envoi prévu le", null=True, blank=True)
    legal_basis = models.CharField(
        "fondement", max_length=20, choices=LegalBasis.choices, blank=True
    )
    status = models.CharField(
        "état", max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="écrite par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("écrite le", default=timezone.now)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="lancée par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    launched_at = models.DateTimeField("lancée le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="annulée par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = SmsCampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "campagne SMS"
        verbose_name_plural = "campagnes SMS"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("outreach:campaign", args=[self.pk])

    @property
    def is_draft(self):
        return self.status == CampaignStatus.DRAFT


class SmsCampaignVariant(models.Model):
    """The campaign's text in one language (French always; others for the residents who
    prefer them)."""

    campaign = models.ForeignKey(
        SmsCampaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="variants"
    )
    language = models.CharField("langue", max_length=5, choices=LANGUAGES)
    body = models.TextField("texte", max_length=1000)

    class Meta:
        verbose_name = "texte de campagne"
        verbose_name_plural = "textes de campagne"
        ordering = ["campaign", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"], name="outreach_variant_one_per_language"
            ),
        ]

    def __str__(self):
        return self.get_language_display()

    @property
    def language_tag(self):
        return language_tag(self.language)


def new_token():
    return uuid.uuid4()
