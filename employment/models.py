"""IOD accompaniment: the orientation to a coach, the accompaniment it opens, the coach's
contacts, the person's wishes and constraints, the introductions to employers, the hires and
their follow-ups in the job.

What is derived is never stored: an accompaniment is "suspended" while the sharing consent to
its organisation is not standing; a placement is durable by its contract and dates; "still in
the job at 6 months" is what the M6 follow-up confirms."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from employers.enums import ContractType, Schedule, Sector, Weekday
from o2r import access
from o2r.access import Action, Scope
from residents.enums import LANGUAGES, ExitReason, Sex
from residents.models import NOTHING, Consent, Resident, confidential_notes_q, tracked

from .enums import (
    ENDED,
    IN_PROGRESS,
    Childcare,
    CoachChannel,
    ContactWith,
    DeclinedReason,
    FollowUpWith,
    IntroductionStatus,
    Milestone,
    NotRetainedReason,
    OrientationStatus,
    PlacementEndReason,
    PostExitSituation,
    Transport,
)

SUMMARY_MAX = 300


def hours_label(value) -> str:
    """Weekly hours as said in French: 30 → "30", 17.5 → "17,5" (a Decimal's `:g` keeps
    "30.0")."""
    return format(Decimal(str(value)).normalize(), "f").replace(".", ",")


def sharing_standing(*, resident="resident", organisation="organisation", today=None):
    """Exists(...) of a sharing consent standing today from the outer row's resident to the
    outer row's organisation (field names of the outer row)."""
    today = today or timezone.localdate()
    return Exists(
        Consent.objects.filter(
            resident=OuterRef(resident),
            recipient_organisation=OuterRef(organisation),
            scope="sharing",
            given_on__lte=today,
        ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
    )


def organisation_rows(user, action, *, prefix="") -> Q:
    """For the employment organisation's scopes: only its own accompaniments (a person may
    have been accompanied by another organisation before), and to work in one, her own."""
    scope = access.scope_of(user, action)
    if scope not in (Scope.ASSIGNED, Scope.ORGANISATION):
        return Q()
    rows = Q(**{f"{prefix}organisation": user.organisation_id})
    if scope == Scope.ASSIGNED and action == Action.ACCOMPANIMENT_WORK:
        rows &= Q(**{f"{prefix}coach": user.pk})
    return rows


def resident_rows(user, action, *, field="resident") -> Q:
    """Rows about the residents on whom the table gives `user` `action` (the residents'
    scopes: memberships, assigned, organisation)."""
    if access.scope_of(user, action) is None:
        return NOTHING
    return Q(**{f"{field}__in": Resident.objects.visible_to(user, action).values("pk")})


# --- Orientation --------------------------------------------------------------------------


class OrientationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=OrientationStatus.PENDING)

    def received_by(self, user, action=Action.ORIENTATION_READ):
        """The orientations waiting for an answer from `user`'s organisation (the summary
        scope), while the sharing consent to it stands."""
        if access.scope_of(user, action) != Scope.ORIENTED or not user.organisation_id:
            return self.none()
        return (
            self.pending()
            .filter(organisation=user.organisation_id, resident__anonymised_at__isnull=True)
            .filter(sharing_standing())
        )

    def visible_to(self, user, action=Action.ACCOMPANIMENT_READ):
        """The orientations of the residents whose path `user` follows (the officer sees the
        answer, decline reason included)."""
        return self.filter(resident_rows(user, action) & organisation_rows(user, action))


class Orientation(models.Model):
    """The insertion officer orients an engaged person to an employment organisation (or a
    named coach of it), saying why; its coaches or manager answer."""

    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="orientations"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name="structure emploi", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="chargée de mission proposée",
        on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )  # fmt: skip
    reason = models.TextField("pourquoi cette orientation", max_length=1000)
    oriented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="orientée par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    oriented_at = models.DateTimeField("orientée le", default=timezone.now)
    status = models.CharField(
        "réponse", max_length=20, choices=OrientationStatus.choices,
        default=OrientationStatus.PENDING,
    )  # fmt: skip
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="réponse de", on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    answered_at = models.DateTimeField("réponse le", null=True, blank=True)
    decline_reason = models.CharField("motif du refus", max_length=500, blank=True)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = OrientationQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation vers l'emploi"
        verbose_name_plural = "orientations vers l'emploi"
        ordering = ["-oriented_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(status="pending"),
                name="employment_orientation_one_pending",
                violation_error_message="Une orientation attend déjà une réponse.",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="employment_orientation_decline_has_reason",
                violation_error_message="Un refus a toujours un motif.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "oriented_at"],
                condition=Q(status="pending"),
                name="employment_orientation_inbox",
            ),
        ]

    def __str__(self):
        return f"Orientation du {timezone.localtime(self.oriented_at):%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("employment:orientation", args=[self.pk])


# --- Accompaniment ------------------------------------------------------------------------


class AccompanimentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(ended_on__isnull=True)

    def visible_to(self, user, action=Action.ACCOMPANIMENT_READ):
        return self.filter(resident_rows(user, action) & organisation_rows(user, action))

    def caseload_of(self, user):
        """The accompaniments of the caseload the table gives `user`: her own (a coach), her
        organisation's (a manager) — suspended ones included, shown as such."""
        scope = access.scope_of(user, Action.CASELOAD_READ)
        if scope == Scope.OWN:
            return self.filter(coach=user)
        if scope == Scope.OWN_ORGANISATION and user.organisation_id:
            return self.filter(organisation=user.organisation_id)
        return self.none()

    def with_suspension(self, today=None):
        """Annotates whether the sharing consent to its organisation stands (read by
        `sharing_stands()` and `is_suspended` without a query per row)."""
        return self.annotate(sharing_stands_db=sharing_standing(today=today))

    def started_in(self, start, end):
        """Opened in [start, end) (dates)."""
        return self.filter(started_on__gte=start, started_on__lt=end)

    def ended_in(self, start, end):
        return self.filter(ended_on__gte=start, ended_on__lt=end)

    def open_on(self, day):
        return self.filter(started_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )

    def by_exit_reason(self):
        return dict(
            self.exclude(exit_reason="")
            .values_list("exit_reason")
            .annotate(n=Count("pk"))
            .order_by()
        )

    def load_by_coach(self):
        """{coach id: open accompaniments}."""
        return dict(self.open().values_list("coach").annotate(n=Count("pk")).order_by())

    def load_by_coach_on(self, day):
        """{coach id: accompaniments open on `day`} (a period's last day)."""
        return dict(self.open_on(day).values_list("coach").annotate(n=Count("pk")).order_by())

    def six_months_after_exit_in(self, start, end):
        """Ended so that their six-month point falls in [start, end) (dates): the exits whose
        situation six months later the funder asks for in that period."""
        months = relativedelta(months=settings.O2R_POST_EXIT_MONTHS)
        return self.ended_in(start - months, end - months)

    def by_post_exit_situation(self) -> dict[str, int]:
        """{situation: n}; "" for those whose situation was not recorded."""
        return dict(self.values_list("post_exit_situation").annotate(n=Count("pk")).order_by())


class Accompaniment(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE,
        related_name="accompaniments",
    )  # fmt: skip
    orientation = models.OneToOneField(
        Orientation, verbose_name="orientation", on_delete=models.SET_NULL, null=True,
        blank=True, related_name="accompaniment",
    )  # fmt: skip
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="chargée de mission emploi",
        on_delete=models.PROTECT, related_name="accompaniments",
    )  # fmt: skip
    # As they were when it opened: past figures hold when the person moves or the coach
    # changes organisation.
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name="structure emploi", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    residence = models.ForeignKey(
        "residents.Residence", verbose_name="résidence", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    started_on = models.DateField("début", default=timezone.localdate)
    ended_on = models.DateField("fin", null=True, blank=True)
    exit_reason = models.CharField(
        "motif de sortie", max_length=30, choices=ExitReason.choices, blank=True
    )
    exit_notes = models.CharField("précision sur la sortie", max_length=500, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="sortie enregistrée par",
        on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )  # fmt: skip
    post_exit_situation = models.CharField(
        "situation 6 mois après la sortie", max_length=30, choices=PostExitSituation.choices,
        blank=True,
    )  # fmt: skip
    post_exit_recorded_on = models.DateField("situation relevée le", null=True, blank=True)

    objects = AccompanimentQuerySet.as_manager()

    class Meta:
        verbose_name = "accompagnement vers l'emploi"
        verbose_name_plural = "accompagnements vers l'emploi"
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(ended_on__isnull=True),
                name="employment_accompaniment_one_open",
                violation_error_message="Cette personne a déjà un accompagnement en cours.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="employment_accompaniment_ends_after_start",
                violation_error_message="La fin de l'accompagnement suit son début.",
            ),
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(exit_reason=""))
                | (Q(ended_on__isnull=False) & ~Q(exit_reason="")),
                name="employment_accompaniment_exit_has_reason",
                violation_error_message="Une sortie a toujours un motif codé.",
            ),
        ]
        indexes = [
            models.Index(fields=["coach", "ended_on"], name="employment_acc_caseload"),
            models.Index(fields=["started_on"], name="employment_acc_started"),
        ]

    def __str__(self):
        return f"Accompagnement depuis le {self.started_on:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("employment:accompaniment", args=[self.pk])

    @property
    def is_open(self):
        return self.ended_on is None

    @property
    def post_exit_due_on(self):
        """When the funder's "situation 6 months after the exit" is to be recorded."""
        if self.ended_on is None:
            return None
        return self.ended_on + relativedelta(months=settings.O2R_POST_EXIT_MONTHS)

    def sharing_stands(self, today=None) -> bool:
        if hasattr(self, "sharing_stands_db"):
            return self.sharing_stands_db
        today = today or timezone.localdate()
        return (
            Consent.objects.filter(
                resident_id=self.resident_id,
                recipient_organisation_id=self.organisation_id,
                scope="sharing",
                given_on__lte=today,
            )
            .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
            .exists()
        )

    @property
    def is_suspended(self) -> bool:
        """Open, and the sharing consent to its organisation no longer stands: the coach has
        lost the file until it is given again. Derived, never stored."""
        if not self.is_open:
            return False
        return not self.sharing_stands()

    @property
    def status_label(self):
        if not self.is_open:
            return f"Terminé le {self.ended_on:%d/%m/%Y}"
        if self.is_suspended:
            return "Suspendu — accord de partage retiré"
        return "En cours"


# --- Wishes and constraints ---------------------------------------------------------------


@tracked("updated_at")
class JobWishes(models.Model):
    """The IOD diagnostic, no CV: what the person wants and what she can do. One row per
    person, kept across accompaniments; the history triggers keep every version. The French
    level and the barriers are the resident file's (not copied here)."""

    resident = models.OneToOneField(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="job_wishes"
    )
    wanted_rome = ArrayField(
        models.CharField(max_length=5), verbose_name="métiers souhaités (codes ROME)",
        default=list, blank=True,
    )  # fmt: skip
    wanted_titles = models.CharField("métiers souhaités, en clair", max_length=500, blank=True)
    wanted_sectors = ArrayField(
        models.CharField(max_length=30, choices=Sector.choices),
        verbose_name="secteurs souhaités", default=list, blank=True,
    )  # fmt: skip
    not_wanted = models.CharField("ce que la personne ne veut pas", max_length=500, blank=True)
    hours_min = models.PositiveSmallIntegerField(
        "heures par semaine, au moins", null=True, blank=True
    )
    hours_max = models.PositiveSmallIntegerField(
        "heures par semaine, au plus", null=True, blank=True
    )
    available_days = ArrayField(
        models.CharField(max_length=3, choices=Weekday.choices),
        verbose_name="jours disponibles", default=list, blank=True,
    )  # fmt: skip
    schedules_ok = ArrayField(
        models.CharField(max_length=10, choices=Schedule.choices),
        verbose_name="horaires acceptés", default=list, blank=True,
    )  # fmt: skip
    transport = ArrayField(
        models.CharField(max_length=10, choices=Transport.choices),
        verbose_name="moyens de transport", default=list, blank=True,
    )  # fmt: skip
    max_commute_minutes = models.PositiveSmallIntegerField(
        "trajet le plus long accepté (minutes)", null=True, blank=True
    )
    reachable_cities = ArrayField(
        models.CharField(max_length=120), verbose_name="communes accessibles",
        default=list, blank=True,
    )  # fmt: skip
    childcare = models.CharField(
        "garde d'enfants", max_length=20, choices=Childcare.choices,
        default=Childcare.NOT_CONCERNED,
    )  # fmt: skip
    languages = ArrayField(
        models.CharField(max_length=3, choices=LANGUAGES), verbose_name="langues parlées",
        default=list, blank=True,
    )  # fmt: skip
    experience = models.TextField("expérience, en quelques lignes", max_length=1000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="mis à jour par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    class Meta:
        verbose_name = "souhaits et contraintes"
        verbose_name_plural = "souhaits et contraintes"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_min__isnull=True)
                | Q(hours_max__isnull=True)
                | Q(hours_max__gte=models.F("hours_min")),
                name="employment_wishes_hours_range",
                violation_error_message="Le maximum d'heures ne peut pas être sous le minimum.",
            ),
            models.CheckConstraint(
                condition=Q(hours_max__isnull=True) | Q(hours_max__lte=48),
                name="employment_wishes_hours_max_48",
                violation_error_message="48 heures par semaine au plus.",
            ),
        ]

    def __str__(self):
        return "Souhaits et contraintes"


# --- The coach's contacts -----------------------------------------------------------------


class CoachContactQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.ACCOMPANIMENT_READ):
        return self.filter(
            resident_rows(user, action) & organisation_rows(user, action, prefix="accompaniment__")
        )

    def summary_readable_by(self, user):
        """A confidential summary is read by those the access table gives the confidential
        notes of its author's organisation (CONFIDENTIAL_NOTES_READ), as the file's notes."""
        return self.filter(Q(confidential=False) | confidential_notes_q(user))

    def with_person(self):
        return self.filter(with_whom__in=[ContactWith.PERSON, ContactWith.BOTH])

    def in_period(self, start, end):
        return self.filter(at__gte=start, at__lt=end)

    def by_channel(self):
        return dict(self.values_list("channel").annotate(n=Count("pk")).order_by())


@tracked()
class CoachContact(models.Model):
    """A meeting or call of the coach with the person, the employer or both."""

    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name="accompagnement", on_delete=models.CASCADE,
        related_name="contacts",
    )  # fmt: skip
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="+"
    )
    with_whom = models.CharField("avec", max_length=10, choices=ContactWith.choices)
    employer = models.ForeignKey(
        "employers.Employer", verbose_name="entreprise", on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    channel = models.CharField("comment", max_length=20, choices=CoachChannel.choices)
    at = models.DateTimeField("le", default=timezone.now)
    summary = models.CharField("en quelques mots", max_length=SUMMARY_MAX, blank=True)
    confidential = models.BooleanField(
        "note de travail confidentielle", default=False,
        help_text="Lisible seulement par votre organisation (et par la personne, sur demande).",
    )  # fmt: skip
    next_step = models.CharField("prochaine étape", max_length=200, blank=True)
    next_step_on = models.DateField("prochaine étape le", null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    author_organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name="organisation de l'auteur",
        on_delete=models.PROTECT, null=True, related_name="+",
    )  # fmt: skip
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = CoachContactQuerySet.as_manager()

    class Meta:
        verbose_name = "contact de la chargée de mission"
        verbose_name_plural = "contacts de la chargée de mission"
        ordering = ["-at", "-pk"]
        indexes = [
            # The caseload's "days since the last contact": the latest per accompaniment.
            models.Index(fields=["accompaniment", "at"], name="employment_contact_latest"),
            models.Index(fields=["resident", "at"], name="employment_contact_resident"),
        ]

    def __str__(self):
        return f"Contact du {timezone.localtime(self.at):%d/%m/%Y}"


# --- Introductions ------------------------------------------------------------------------


class IntroductionQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.ACCOMPANIMENT_READ):
        return self.filter(
            resident_rows(user, action) & organisation_rows(user, action, prefix="accompaniment__")
        )

    def in_progress(self):
        return self.filter(status__in=IN_PROGRESS)

    def holding_an_opening(self):
        """In progress in an accompaniment that is not suspended: one candidate at a time
        waits for these (a suspended accompaniment does not keep an opening from others)."""
        return self.in_progress().filter(
            sharing_standing(
                resident="accompaniment__resident", organisation="accompaniment__organisation"
            )
        )

    def proposed_in(self, start, end):
        return self.filter(proposed_at__gte=start, proposed_at__lt=end)

    def with_interview(self):
        """Those that reached a meeting at the workplace."""
        return self.filter(interview_held_on__isnull=False)

    def interviews_held_in(self, start, end):
        """Meetings at the workplace held on days in [start, end) (dates)."""
        return self.filter(interview_held_on__gte=start, interview_held_on__lt=end)

    def by_status(self):
        return dict(self.values_list("status").annotate(n=Count("pk")).order_by())


class Introduction(models.Model):
    """An opening proposed to the person, then (if she accepts) the meeting at the workplace
    with the employer and the coach, then its outcome."""

    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name="accompagnement", on_delete=models.CASCADE,
        related_name="introductions",
    )  # fmt: skip
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="+"
    )
    opening = models.ForeignKey(
        "employers.JobOpening", verbose_name="offre", on_delete=models.PROTECT,
        related_name="introductions",
    )  # fmt: skip
    status = models.CharField(
        "où en est-on", max_length=30, choices=IntroductionStatus.choices,
        default=IntroductionStatus.PROPOSED,
    )  # fmt: skip
    proposed_at = models.DateTimeField("proposée le", default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="proposée par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    match_reasons = models.JSONField("pourquoi cette offre", default=list, blank=True)
    interview_at = models.DateTimeField("rencontre le", null=True, blank=True)
    interview_place = models.CharField("lieu de la rencontre", max_length=300, blank=True)
    interview_contact = models.CharField("demander", max_length=150, blank=True)
    interview_held_on = models.DateField("rencontre faite le", null=True, blank=True)
    not_retained_reason = models.CharField(
        "motif (employeur)", max_length=30, choices=NotRetainedReason.choices, blank=True
    )
    declined_reason = models.CharField(
        "motif (personne)", max_length=30, choices=DeclinedReason.choices, blank=True
    )
    outcome_notes = models.CharField("précision", max_length=300, blank=True)
    ended_at = models.DateTimeField("terminée le", null=True, blank=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = IntroductionQuerySet.as_manager()

    class Meta:
        verbose_name = "mise en relation"
        verbose_name_plural = "mises en relation"
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            # "Not already proposed": an opening is put to a person once.
            models.UniqueConstraint(
                fields=["accompaniment", "opening"],
                name="employment_introduction_once_per_opening",
                violation_error_message="Cette offre a déjà été proposée à cette personne.",
            ),
            models.CheckConstraint(
                condition=~Q(status="interview_scheduled") | Q(interview_at__isnull=False),
                name="employment_introduction_scheduled_has_date",
                violation_error_message="Indiquez la date de la rencontre.",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_retained") | ~Q(not_retained_reason=""),
                name="employment_introduction_not_retained_reason",
                violation_error_message="Indiquez le motif de l'employeur.",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(declined_reason=""),
                name="employment_introduction_declined_reason",
                violation_error_message="Indiquez le motif de la personne.",
            ),
        ]
        indexes = [
            # One candidate at a time: is an introduction to this opening in progress?
            models.Index(
                fields=["opening"],
                condition=Q(
                    status__in=["proposed", "accepted", "interview_scheduled", "interview_held"]
                ),
                name="employment_intro_in_progress",
            ),
            models.Index(fields=["proposed_at"], name="employment_intro_proposed"),
        ]

    def __str__(self):
        return f"Mise en relation du {timezone.localtime(self.proposed_at):%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("employment:introduction", args=[self.pk])

    @property
    def is_in_progress(self):
        return self.status in IN_PROGRESS

    @property
    def is_ended(self):
        return self.status in ENDED


class IntroductionStep(models.Model):
    """Each move of an introduction, for the timeline: who, when, to what, why."""

    introduction = models.ForeignKey(
        Introduction, verbose_name="mise en relation", on_delete=models.CASCADE,
        related_name="steps",
    )  # fmt: skip
    status = models.CharField("étape", max_length=30, choices=IntroductionStatus.choices)
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    detail = models.CharField("précision", max_length=300, blank=True)

    class Meta:
        verbose_name = "étape d'une mise en relation"
        verbose_name_plural = "étapes des mises en relation"
        ordering = ["at", "pk"]

    def __str__(self):
        return self.get_status_display()


# --- Placements and follow-ups ------------------------------------------------------------


class AddMonths(models.Func):
    """date + n months (+ d days), as PostgreSQL counts them: the months first (31 January +
    1 month = 28/29 February, as dateutil does), then the days."""

    template = "(%(expressions)s + make_interval(months => %(months)s, days => %(days)s))"
    output_field = models.DateTimeField()

    def __init__(self, expression, months, days=0, **extra):
        super().__init__(expression, months=int(months), days=int(days), **extra)


def durable_months():
    return settings.O2R_DURABLE_EMPLOYMENT_MONTHS


class PlacementQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.ACCOMPANIMENT_READ):
        return self.filter(
            resident_rows(user, action) & organisation_rows(user, action, prefix="accompaniment__")
        )

    def started_in(self, start, end):
        return self.filter(start_on__gte=start, start_on__lt=end)

    def durable(self):
        """CDI, or CDD / temp of O2R_DURABLE_EMPLOYMENT_MONTHS months or more (by its dates:
        `end_on` is the contract's last day, so 1 January to 30 June is 6 months). CDDI and
        subsidised contracts are transitional employment (DOMAIN.md §2)."""
        months = durable_months()
        return self.filter(
            Q(contract_type=ContractType.CDI)
            | Q(
                contract_type__in=[ContractType.CDD, ContractType.TEMP],
                end_on__isnull=False,
                end_on__gte=AddMonths("start_on", months, days=-1),
            )
        )

    def cdi(self):
        return self.filter(contract_type=ContractType.CDI)

    def full_time(self):
        return self.filter(weekly_hours__gte=settings.O2R_FULL_TIME_HOURS)

    def ended_early(self):
        return self.filter(ended_on__isnull=False)

    def still_employed_at_6_months(self):
        """Confirmed by the M6 follow-up, done, "still in the job"."""
        return self.filter(
            follow_ups__milestone=Milestone.M6,
            follow_ups__done_on__isnull=False,
            follow_ups__still_employed=True,
        ).distinct()

    def retention_unknown(self):
        """No end recorded and no M6 follow-up done: counted apart, as unknown."""
        m6_done = FollowUp.objects.filter(
            placement=OuterRef("pk"), milestone=Milestone.M6, done_on__isnull=False
        )
        return self.filter(ended_on__isnull=True).exclude(Exists(m6_done))

    def by_contract(self):
        return dict(self.values_list("contract_type").annotate(n=Count("pk")).order_by())

    def by_contract_and_sex(self) -> dict[tuple[str, str], int]:
        """{(contract type, sex that day): hires} (the funder's women/men by contract)."""
        rows = self.values_list("contract_type", "sex").annotate(n=Count("pk")).order_by()
        return {(contract, sex): n for contract, sex, n in rows}

    def six_month_outcomes(self, today=None) -> dict[str, int]:
        """Where these hires stand at six months, in one query: "confirmed" (the M6 follow-up
        says still in the job), "ended" (ended early, or M6 says no longer in the job),
        "unknown" (M6 due and not done, no end recorded), "not_due" (M6 not due yet)."""
        today = today or timezone.localdate()
        m6 = FollowUp.objects.filter(placement=OuterRef("pk"), milestone=Milestone.M6)
        confirmed = Exists(m6.filter(done_on__isnull=False, still_employed=True))
        left = Q(ended_on__isnull=False) | Exists(
            m6.filter(done_on__isnull=False, still_employed=False)
        )
        due = Exists(m6.filter(due_on__lte=today)) | Q(
            start_on__lte=today - relativedelta(months=6)
        )
        return self.aggregate(
            confirmed=Count("pk", filter=confirmed),
            ended=Count("pk", filter=~Q(confirmed) & left),
            unknown=Count("pk", filter=~Q(confirmed) & ~left & due),
            not_due=Count("pk", filter=~Q(confirmed) & ~left & ~due),
        )


class Placement(models.Model):
    """A hire: the contract, the onboarding agreed with the employer, and where the person,
    the coach and the organisation were that day (past figures hold)."""

    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="placements"
    )
    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name="accompagnement", on_delete=models.PROTECT,
        related_name="placements",
    )  # fmt: skip
    employer = models.ForeignKey(
        "employers.Employer", verbose_name="employeur", on_delete=models.PROTECT,
        related_name="placements",
    )  # fmt: skip
    opening = models.ForeignKey(
        "employers.JobOpening", verbose_name="offre", on_delete=models.PROTECT, null=True,
        blank=True, related_name="placements",
    )  # fmt: skip
    introduction = models.OneToOneField(
        Introduction, verbose_name="mise en relation", on_delete=models.SET_NULL, null=True,
        blank=True, related_name="placement",
    )  # fmt: skip
    job_title = models.CharField("poste", max_length=200)
    contract_type = models.CharField("contrat", max_length=20, choices=ContractType.choices)
    start_on = models.DateField("début du contrat")
    end_on = models.DateField("fin prévue du contrat", null=True, blank=True)
    weekly_hours = models.DecimalField("heures par semaine", max_digits=4, decimal_places=1)
    trial_period_end_on = models.DateField("fin de la période d'essai", null=True, blank=True)
    onboarding_first_days = models.CharField("premiers jours", max_length=500, blank=True)
    onboarding_tasks = models.CharField("tâches confiées d'abord", max_length=500, blank=True)
    onboarding_rhythm = models.CharField("rythme", max_length=300, blank=True)
    onboarding_helper = models.CharField("qui l'aide sur place", max_length=150, blank=True)
    residence = models.ForeignKey(
        "residents.Residence", verbose_name="résidence", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="chargée de mission emploi",
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name="structure emploi", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    # The person's sex that day: the funder's women/men by contract type (never today's).
    sex = models.CharField("sexe", max_length=20, choices=Sex.choices, default=Sex.UNSPECIFIED)
    ended_on = models.DateField("fin anticipée le", null=True, blank=True)
    end_reason = models.CharField(
        "motif de la fin", max_length=30, choices=PlacementEndReason.choices, blank=True
    )
    end_notes = models.CharField("précision sur la fin", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="enregistrée par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("enregistrée le", default=timezone.now)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = "embauche"
        verbose_name_plural = "embauches"
        ordering = ["-start_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0) & Q(weekly_hours__lte=48),
                name="employment_placement_hours_0_48",
                violation_error_message="La durée hebdomadaire est comprise entre 0 et 48 heures.",
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="employment_placement_end_after_start",
                violation_error_message="La fin du contrat suit son début.",
            ),
            models.CheckConstraint(
                condition=~Q(contract_type__in=["cdd", "cddi", "apprenticeship"])
                | Q(end_on__isnull=False),
                name="employment_placement_fixed_term_end",
                violation_error_message="Indiquez la fin prévue d'un contrat à durée déterminée.",
            ),
            models.CheckConstraint(
                condition=~Q(contract_type="cdi") | Q(end_on__isnull=True),
                name="employment_placement_cdi_no_end",
                violation_error_message="Un CDI n'a pas de fin prévue.",
            ),
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end_reason=""))
                | (
                    Q(ended_on__isnull=False)
                    & ~Q(end_reason="")
                    & Q(ended_on__gte=models.F("start_on"))
                ),
                name="employment_placement_ended_has_reason",
                violation_error_message="Une fin anticipée a un motif et suit le début.",
            ),
        ]
        indexes = [
            models.Index(fields=["start_on"], name="employment_placement_started"),
        ]

    def __str__(self):
        return f"{self.job_title} ({self.get_contract_type_display()})"

    def get_absolute_url(self):
        return reverse("employment:placement", args=[self.pk])

    @property
    def is_durable(self) -> bool:
        """The rule of PlacementQuerySet.durable, for one placement."""
        if self.contract_type == ContractType.CDI:
            return True
        if self.contract_type in (ContractType.CDD, ContractType.TEMP) and self.end_on:
            # The last day of the contract: 1 January to 30 June is 6 months.
            last_day_needed = self.start_on + relativedelta(months=durable_months())
            return self.end_on >= last_day_needed - datetime.timedelta(days=1)
        return False

    @property
    def is_full_time(self) -> bool:
        return self.weekly_hours >= settings.O2R_FULL_TIME_HOURS

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.ACCOMPANIMENT_READ):
        return self.filter(
            resident_rows(user, action, field="placement__resident")
            & organisation_rows(user, action, prefix="placement__accompaniment__")
        )

    def pending(self):
        return self.filter(done_on__isnull=True, cancelled_on__isnull=True)

    def overdue(self, today=None):
        return self.pending().filter(due_on__lt=today or timezone.localdate())

    def done_on_time(self):
        """Done no later than O2R_FOLLOW_UP_GRACE_DAYS after the day it was due."""
        grace = datetime.timedelta(days=settings.O2R_FOLLOW_UP_GRACE_DAYS)
        return self.filter(done_on__isnull=False, done_on__lte=models.F("due_on") + grace)

    def due_in(self, start, end):
        return self.filter(due_on__gte=start, due_on__lt=end)

    def by_milestone(self, today=None) -> dict[str, dict[str, int]]:
        """{milestone: {"due", "on_time", "late", "not_done", "upcoming", "in_post",
        "not_in_post"}}, the cancelled ones left out (an exit cancels them), in one query.
        "not_done": not done and past the grace days; "upcoming": not done, still on time."""
        today = today or timezone.localdate()
        grace = datetime.timedelta(days=settings.O2R_FOLLOW_UP_GRACE_DAYS)
        done = Q(done_on__isnull=False)
        on_time = done & Q(done_on__lte=models.F("due_on") + grace)
        upcoming = ~done & Q(due_on__gte=today - grace)
        rows = (
            self.filter(cancelled_on__isnull=True)
            .values("milestone")
            .annotate(
                due=Count("pk"),
                on_time=Count("pk", filter=on_time),
                late=Count("pk", filter=done & ~on_time),
                not_done=Count("pk", filter=~done & ~upcoming),
                upcoming=Count("pk", filter=upcoming),
                in_post=Count("pk", filter=done & Q(still_employed=True)),
                not_in_post=Count("pk", filter=done & Q(still_employed=False)),
            )
            .order_by()
        )
        return {row.pop("milestone"): row for row in rows}


@tracked()
class FollowUp(models.Model):
    """A follow-up in the job (D+7, M1, M3, M6 after the hire, or another one): with the
    employee, the employer or both; "still in the job" is what it confirms."""

    placement = models.ForeignKey(
        Placement, verbose_name="embauche", on_delete=models.CASCADE, related_name="follow_ups"
    )
    milestone = models.CharField("échéance", max_length=10, choices=Milestone.choices)
    due_on = models.DateField("prévu le")
    done_on = models.DateField("fait le", null=True, blank=True)
    with_whom = models.CharField("avec", max_length=10, choices=FollowUpWith.choices, blank=True)
    still_employed = models.BooleanField("toujours en poste", null=True, blank=True)
    notes = models.CharField("ce qui s'est dit", max_length=500, blank=True)
    issues = models.CharField("difficultés relevées", max_length=500, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    cancelled_on = models.DateField("annulé le", null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = "suivi dans l'emploi"
        verbose_name_plural = "suivis dans l'emploi"
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "milestone"],
                condition=~Q(milestone="other"),
                name="employment_followup_one_per_milestone",
                violation_error_message="Ce suivi existe déjà.",
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | ~Q(with_whom=""),
                name="employment_followup_done_with_whom",
                violation_error_message="Indiquez avec qui le suivi a été fait.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(done_on__isnull=True, cancelled_on__isnull=True),
                name="employment_followup_pending",
            ),
        ]

    def __str__(self):
        return f"Suivi {self.get_milestone_display()} ({self.due_on:%d/%m/%Y})"

    @property
    def is_pending(self):
        return self.done_on is None and self.cancelled_on is None

    @property
    def is_overdue(self):
        return self.is_pending and self.due_on < timezone.localdate()
