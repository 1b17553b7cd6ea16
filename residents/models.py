import itertools
import uuid

import pghistory
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.aggregates import BoolOr
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import connections, models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from o2r import access
from o2r.access import Action, Scope
from o2r.core.aggregates import Days, Median

from .enums import (
    LANGUAGES,
    BarrierCode,
    BarrierStatus,
    Benefit,
    ConsentMethod,
    ConsentScope,
    ExitReason,
    FranceTravailStatus,
    FrenchLevel,
    InternationalProtection,
    NationalityGroup,
    ReferentKind,
    ResidenceKind,
    RightToWorkDocument,
    Sex,
    Stage,
    StepOwner,
)
from .normalise import search_terms

# Health information (DOMAIN.md §5.3: yes/no only, never a diagnosis). The health barrier is
# the barrier row of these codes — its one source of truth; RQTH is a field of the resident;
# an exit for health reasons says it too. residents/health.py hides all three by one rule.
HEALTH_BARRIER_CODES = frozenset({BarrierCode.HEALTH})
HEALTH_FIELDS = ("rqth",)
# A stage change keeps the categories of its day, health ones included (aggregates only).
STAGE_CHANGE_HEALTH_FIELDS = ("health_barrier", "rqth")
HEALTH_EXIT_REASONS = frozenset({ExitReason.HEALTH})

# A registered job seeker with no contact with a referent for this long counts as "invisible"
# (DOMAIN.md §1: "no regular contact with an organisme référent in the last 5 months").
INVISIBLE_AFTER = relativedelta(months=5)


def tracked(*exclude):
    """History of personal data: database triggers (django-pghistory) keep who, when and the
    row after each insert and update, and before each delete, whatever writes it — services,
    the admin, a bulk update or plain SQL. Derived and bookkeeping columns are left out."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude) or None,
    )


class ResidenceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_user(self, user):
        """The residences a user works on: their access scope for every resident-data app."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Residence(models.Model):
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=30, choices=ResidenceKind.choices)
    address = models.CharField("adresse", max_length=300)
    city = models.CharField("commune", max_length=120)
    territory = models.CharField(
        "territoire",
        max_length=120,
        help_text="Le territoire du programme, par ex. « Nantes Métropole ».",
    )
    capacity = models.PositiveIntegerField("nombre de logements")
    qpv = models.BooleanField(
        "en quartier prioritaire (QPV)",
        default=False,
        help_text="La résidence est dans un quartier prioritaire de la politique de la ville.",
    )
    active = models.BooleanField("active", default=True)

    objects = ResidenceQuerySet.as_manager()

    class Meta:
        verbose_name = "résidence"
        verbose_name_plural = "résidences"
        ordering = ["territory", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "name"], name="residents_residence_unique_name_per_territory"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:residents_residence_change", args=[self.pk])


class ResidenceMembership(models.Model):
    """A user works on a residence. Every resident-data query starts from these rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="residence_memberships",
    )
    residence = models.ForeignKey(
        Residence, verbose_name="résidence", on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    class Meta:
        verbose_name = "rattachement à une résidence"
        verbose_name_plural = "rattachements aux résidences"
        ordering = ["residence__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "residence"], name="residents_membership_unique_user_residence"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.residence}"


def active_consent(scope, *, organisation=None, today=None):
    """Exists(...) of a consent of `scope` standing today for the resident of the outer row,
    to `organisation` when given."""
    today = today or timezone.localdate()
    consents = Consent.objects.filter(
        resident=OuterRef("pk"), scope=scope, given_on__lte=today
    ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
    if organisation is not None:
        consents = consents.filter(recipient_organisation=organisation)
    return Exists(consents)


NOTHING = Q(pk__in=[])


def shared_with(organisation_id, *, today=None):
    """The residents of the outer query with a sharing consent to the organisation standing."""
    return Q(active_consent(ConsentScope.SHARING, organisation=organisation_id, today=today))


def resident_scope(user, action) -> Q:
    """The residents on whom `user` may do `action`: the access table's scope as a filter.
    A coach or an employment manager of no organisation sees nobody."""
    scope = access.scope_of(user, action)
    organisation = user.organisation_id if scope else None
    # An anonymised file holds coded facts for the figures only: nobody opens it.
    kept = Q(anonymised_at__isnull=True)
    if scope == Scope.MEMBERSHIPS:
        return kept & Q(residence__memberships__user=user)
    if scope == Scope.ASSIGNED and organisation:
        return kept & Q(job_coach=user) & shared_with(organisation)
    if scope == Scope.ORGANISATION and organisation:
        return kept & Q(job_coach__organisation=organisation) & shared_with(organisation)
    return NOTHING


def health_scope(user) -> Q:
    """The residents whose health information `user` may read (among those she may open)."""
    scope = access.scope_of(user, Action.HEALTH_READ)
    if scope == Scope.ALWAYS:
        return Q()
    if scope == Scope.HEALTH_CONSENT and user.organisation_id:
        return Q(active_consent(ConsentScope.HEALTH, organisation=user.organisation_id))
    return NOTHING


def confidential_notes_q(user) -> Q:
    """The confidential notes the access table gives `user`: her own organisation's."""
    scope = access.scope_of(user, Action.CONFIDENTIAL_NOTES_READ)
    if scope == Scope.OWN_ORGANISATION and user.organisation_id:
        return Q(confidential=True, author_organisation=user.organisation_id)
    return NOTHING


def insertion_officers():
    """Who may follow a resident as her insertion officer (the access table says)."""
    return access.users_with(Action.RESIDENT_FOLLOW)


def job_coaches():
    """Who may accompany a resident (the access table says)."""
    return access.users_with(Action.RESIDENT_ACCOMPANY)


class ResidentQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.RESIDENT_OPEN):
        """The residents on whom `user` may do `action` (o2r/access.py holds the table)."""
        return self.filter(resident_scope(user, action))

    def in_programme(self):
        return self.filter(stage__isnull=False)

    def invisible(self, today=None):
        cutoff = (today or timezone.localdate()) - INVISIBLE_AFTER
        return self.filter(
            Q(france_travail_status=FranceTravailStatus.NOT_REGISTERED)
            | Q(last_referent_contact_on__isnull=True)
            | Q(last_referent_contact_on__lt=cutoff)
        )

    def with_snapshot(self):
        """Annotates what a stage change keeps of the person that day (`snapshot()` reads it):
        one query whatever the number of benefits and barriers."""
        return self.annotate(
            snap_organisation=models.F("job_coach__organisation_id"),
            snap_social_minimum=Exists(
                ResidentBenefit.objects.filter(resident=OuterRef("pk")).exclude(
                    benefit=Benefit.PRIME_ACTIVITE
                )
            ),
            snap_health_barrier=Exists(
                ResidentBarrier.objects.filter(
                    resident=OuterRef("pk"), code__in=HEALTH_BARRIER_CODES
                ).exclude(status=BarrierStatus.LIFTED)
            ),
        )

    def search(self, query):
        for term in search_terms(query):
            self = self.filter(search_text__contains=term)
        return self

    def with_list_data(self):
        return self.select_related("residence", "insertion_officer", "job_coach")


@tracked("search_text", "identity_key", "updated_at", "last_interaction_at")
class Resident(models.Model):
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    sex = models.CharField("sexe", max_length=20, choices=Sex.choices, default=Sex.UNSPECIFIED)
    phone = PhoneNumberField("téléphone", blank=True)
    phone_raw = models.CharField("téléphone tel que saisi", max_length=40, blank=True)
    phone_is_mobile = models.BooleanField("mobile (peut recevoir des SMS)", default=False)

    residence = models.ForeignKey(
        Residence, verbose_name="résidence", on_delete=models.PROTECT, related_name="residents"
    )
    housing_unit = models.CharField("logement", max_length=30, blank=True)
    moved_in_on = models.DateField("entrée dans la résidence", null=True, blank=True)
    moved_out_on = models.DateField("sortie de la résidence", null=True, blank=True)

    preferred_language = models.CharField(
        "langue préférée", max_length=5, choices=LANGUAGES, default="fra"
    )
    french_level = models.CharField(
        "niveau de français", max_length=10, choices=FrenchLevel.choices, blank=True
    )
    nationality_group = models.CharField(
        "nationalité", max_length=10, choices=NationalityGroup.choices, blank=True
    )
    international_protection = models.CharField(
        "protection internationale",
        max_length=20,
        choices=InternationalProtection.choices,
        default=InternationalProtection.NONE,
    )
    right_to_work_document = models.CharField(
        "titre autorisant le travail",
        max_length=30,
        choices=RightToWorkDocument.choices,
        default=RightToWorkDocument.NONE,
    )
    right_to_work_expires_on = models.DateField("expiration du titre", null=True, blank=True)
    rqth = models.BooleanField("RQTH", default=False)
    france_travail_status = models.CharField(
        "inscription à France Travail",
        max_length=20,
        choices=FranceTravailStatus.choices,
        default=FranceTravailStatus.UNKNOWN,
    )
    france_travail_id = models.CharField("identifiant France Travail", max_length=11, blank=True)
    last_referent_contact_on = models.DateField(
        "dernier contact avec un référent", null=True, blank=True
    )

    # NULL: a resident of the residence who is not (or not yet) in the programme.
    stage = models.CharField(  # noqa: DJ001
        "étape", max_length=20, choices=Stage.choices, null=True, blank=True
    )
    stage_changed_at = models.DateTimeField("étape depuis le", null=True, blank=True)
    insertion_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="chargée d'insertion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=insertion_officers,
    )
    job_coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="chargée de mission emploi",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coached_residents",
        limit_choices_to=job_coaches,
    )

    search_text = models.TextField(editable=False, default="")
    # fold(last name) + "|" + fold(first name): the one matching rule of duplicates and rosters.
    identity_key = models.CharField(editable=False, max_length=210, default="")
    # The latest real interaction with the person (a contact, a meeting, a consent given, a
    # note...), written by residents.services.resident_record_interaction from every app; it
    # drives "no contact for 30 days" and the 2-year retention. Edits do not move it.
    last_interaction_at = models.DateTimeField("dernière interaction", null=True, blank=True)
    # Bumped by each save of the edit form: a second editor working on an older version is
    # told what changed instead of overwriting it.
    version = models.PositiveIntegerField("version", default=1, editable=False)
    anonymised_at = models.DateTimeField("anonymisé le", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = "résident"
        verbose_name_plural = "résidents"
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            # The list's search box: search_text LIKE '%term%' for each word.
            GinIndex(
                OpClass("search_text", name="gin_trgm_ops"), name="residents_resident_search_trgm"
            ),
            # The list of a user's residences, filtered by stage, sorted by name.
            models.Index(
                fields=["residence", "stage", "last_name", "first_name"],
                name="residents_resident_list",
            ),
            # Duplicate check: same phone, or same name and birth date.
            models.Index(fields=["phone"], name="residents_resident_phone"),
            models.Index(fields=["identity_key", "birth_date"], name="residents_resident_identity"),
            # Retention and "no contact for 30 days": last_interaction_at < a date.
            models.Index(fields=["last_interaction_at"], name="residents_resident_interaction"),
            models.Index(fields=["job_coach"], name="residents_resident_coach"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(moved_out_on__isnull=True)
                | Q(moved_in_on__isnull=True)
                | Q(moved_out_on__gte=models.F("moved_in_on")),
                name="residents_resident_moved_out_after_in",
                violation_error_message="La sortie de la résidence suit l'entrée.",
            ),
            models.CheckConstraint(
                condition=Q(france_travail_id="")
                | Q(france_travail_id__regex=r"^([0-9]{7}[0-9A-Z]|[0-9]{11})$"),
                name="residents_resident_france_travail_id_format",
                violation_error_message="Identifiant France Travail invalide.",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def get_absolute_url(self):
        return reverse("residents:detail", args=[self.pk])

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name.upper()}"

    @property
    def is_invisible(self):
        return self.is_invisible_on(timezone.localdate())

    @property
    def age(self):
        return self.age_on(timezone.localdate())

    def age_on(self, day):
        if not self.birth_date:
            return None
        return max(relativedelta(day, self.birth_date).years, 0)

    def is_invisible_on(self, day) -> bool:
        if self.france_travail_status == FranceTravailStatus.NOT_REGISTERED:
            return True
        if self.last_referent_contact_on is None:
            return True
        return self.last_referent_contact_on < day - INVISIBLE_AFTER

    def snapshot(self, day) -> dict:
        """The StageChange columns of the person on `day`, from a resident fetched
        `with_snapshot()`."""
        return {
            "residence_id": self.residence_id,
            "organisation_id": self.snap_organisation,
            "coach_id": self.job_coach_id,
            "sex": self.sex,
            "age": self.age_on(day),
            "social_minimum": self.snap_social_minimum,
            # Refugees and subsidiary protection (BPI); an asylum seeker is not yet protected.
            "international_protection": self.international_protection
            in (InternationalProtection.REFUGEE, InternationalProtection.SUBSIDIARY),
            "health_barrier": self.snap_health_barrier,
            "rqth": self.rqth,
            "invisible": self.is_invisible_on(day),
        }


@tracked()
class ResidentBenefit(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="benefits"
    )
    benefit = models.CharField("minimum social", max_length=20, choices=Benefit.choices)
    since = models.DateField("depuis le", null=True, blank=True)

    class Meta:
        verbose_name = "minimum social perçu"
        verbose_name_plural = "minima sociaux perçus"
        ordering = ["benefit"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "benefit"], name="residents_benefit_unique_per_resident"
            ),
        ]

    def __str__(self):
        return self.get_benefit_display()


@tracked()
class Consent(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="consents"
    )
    scope = models.CharField("objet", max_length=20, choices=ConsentScope.choices)
    recipient_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="structure destinataire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    given_on = models.DateField("donné le")
    method = models.CharField("recueilli par", max_length=20, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistré par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    withdrawn_on = models.DateField("retiré le", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="retrait enregistré par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "accord"
        verbose_name_plural = "accords"
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="residents_consent_withdrawn_after_given",
                violation_error_message="Le retrait ne peut pas précéder l'accord.",
            ),
            # One standing consent per scope and recipient; NULL recipients count as equal.
            models.UniqueConstraint(
                fields=["resident", "scope", "recipient_organisation"],
                condition=Q(withdrawn_on__isnull=True),
                nulls_distinct=False,
                name="residents_consent_one_standing_per_scope",
                violation_error_message="Un accord de ce type est déjà en cours.",
            ),
        ]
        indexes = [
            models.Index(fields=["resident", "scope"], name="residents_consent_scope"),
        ]

    def __str__(self):
        return f"{self.get_scope_display()} ({self.given_on:%d/%m/%Y})"

    def stands_on(self, day):
        return self.given_on <= day and (self.withdrawn_on is None or self.withdrawn_on > day)

    @property
    def is_standing(self):
        return self.stands_on(timezone.localdate())


@tracked("updated_at")
class ResidentBarrier(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="barriers"
    )
    code = models.CharField("frein", max_length=20, choices=BarrierCode.choices)
    status = models.CharField(
        "état", max_length=20, choices=BarrierStatus.choices, default=BarrierStatus.IDENTIFIED
    )
    identified_on = models.DateField("repéré le", default=timezone.localdate)
    lifted_on = models.DateField("levé le", null=True, blank=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "frein"
        verbose_name_plural = "freins"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "code"], name="residents_barrier_unique_code_per_resident"
            ),
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | Q(lifted_on__gte=models.F("identified_on")),
                name="residents_barrier_lifted_after_identified",
                violation_error_message="Un frein ne peut pas être levé avant d'être repéré.",
            ),
        ]

    def __str__(self):
        return self.get_code_display()


@tracked()
class ExternalReferent(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="referents"
    )
    kind = models.CharField("structure", max_length=20, choices=ReferentKind.choices)
    name = models.CharField("nom du référent", max_length=150, blank=True)
    contact = models.CharField("contact", max_length=200, blank=True)
    since = models.DateField("depuis le", null=True, blank=True)
    until = models.DateField("jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "référent extérieur"
        verbose_name_plural = "référents extérieurs"
        ordering = ["kind", "-since"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True)
                | Q(since__isnull=True)
                | Q(until__gte=models.F("since")),
                name="residents_referent_until_after_since",
                violation_error_message="La fin du suivi ne peut pas précéder son début.",
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}".strip()

    @property
    def is_current(self):
        return self.until is None or self.until >= timezone.localdate()


class NoteQuerySet(models.QuerySet):
    def readable_by(self, user):
        """Notes anyone who opens the file reads, and the confidential ones the access table
        gives `user` (those of her own organisation, never of no organisation)."""
        return self.filter(Q(confidential=False) | confidential_notes_q(user))


@tracked()
class Note(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="auteur", on_delete=models.PROTECT, related_name="+"
    )
    author_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="organisation de l'auteur",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    body = models.TextField("note", max_length=2000)
    confidential = models.BooleanField(
        "confidentielle",
        default=False,
        help_text="Lisible seulement par votre organisation (et par la personne, sur demande).",
    )
    created_at = models.DateTimeField("écrite le", default=timezone.now)

    objects = NoteQuerySet.as_manager()

    class Meta:
        verbose_name = "note"
        verbose_name_plural = "notes"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Note du {timezone.localtime(self.created_at):%d/%m/%Y}"


# The path's steps in order (the dashboard's funnel; conversions and delays between them).
PATH_STEPS = [Stage.IDENTIFIED, Stage.ENGAGED, Stage.ACCOMPANIED, Stage.EMPLOYED]


class StageChangeQuerySet(models.QuerySet):
    """The counts the dashboards read. Every breakdown filters on the row's own columns (the
    residence, coach, categories of that day), never on the resident as she is today."""

    def in_period(self, start, end):
        """Changes in [start, end) (datetimes)."""
        return self.filter(changed_at__gte=start, changed_at__lt=end)

    def people_by_stage(self) -> dict[str, int]:
        """{stage: distinct people who arrived at it}."""
        return dict(
            self.values_list("to_stage")
            .annotate(n=models.Count("resident", distinct=True))
            .order_by()
        )

    def people_by_category(self, categories: dict[str, Q]) -> dict[str, dict[str, int]]:
        """{stage: {category: distinct people}} for the given conditions on the row's own
        columns (sex, age, public categories, exit reason, residence in a QPV), in one query:
        each person once per stage (in a category if one of her rows is), then summed — one
        grouping instead of a distinct count per category."""
        flags = {
            f"k{i}": BoolOr(ExpressionWrapper(condition, output_field=models.BooleanField()))
            for i, condition in enumerate(categories.values())
        }
        per_person = self.values("to_stage", "resident").annotate(**flags).order_by()
        sql, params = per_person.query.sql_with_params()
        names = ["stage", "resident", *flags]
        sums = ", ".join(f"count(*) FILTER (WHERE {flag})" for flag in flags)
        query = f"SELECT stage, {sums} FROM ({sql}) AS p({', '.join(names)}) GROUP BY stage"  # noqa: S608
        with connections[self.db].cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
        return {row[0]: dict(zip(categories, row[1:], strict=True)) for row in rows}

    def people_by_month(self) -> dict[tuple, int]:
        """{(first day of the month, stage): distinct people}, months in the current time
        zone."""
        rows = (
            self.annotate(month=models.functions.TruncMonth("changed_at"))
            .values_list("month", "to_stage")
            .annotate(n=models.Count("resident", distinct=True))
            .order_by()
        )
        return {(timezone.localtime(month).date(), stage): n for month, stage, n in rows}

    def exits_by_reason(self) -> dict[str, int]:
        """{exit reason: distinct people who exited for it}."""
        return dict(
            self.filter(to_stage=Stage.EXITED)
            .values_list("exit_reason")
            .annotate(n=models.Count("resident", distinct=True))
            .order_by()
        )

    def median_days_from_previous_step(self) -> dict[str, float]:
        """{stage: median days spent at the previous step of the path}, over the arrivals
        from that step (PATH_STEPS): how long people take from one step to the next."""
        condition = Q(pk__in=[])
        for previous, step in itertools.pairwise(PATH_STEPS):
            condition |= Q(from_stage=previous, to_stage=step)
        return dict(
            self.filter(condition, from_stage_since__isnull=False)
            .values_list("to_stage")
            .annotate(days=Median(Days("changed_at", "from_stage_since")))
            .order_by()
        )

    def conversions(self) -> dict[str, tuple[int, int]]:
        """{step: (people who arrived at the previous step, of whom arrived at this one
        afterwards)}, both within these rows (a period): a past period's rate does not move
        when people move on later."""
        firsts = {
            str(step): models.Min("changed_at", filter=Q(to_stage=step)) for step in PATH_STEPS
        }
        per_person = self.values("resident").annotate(**firsts).order_by()
        sql, params = per_person.query.sql_with_params()
        names = ["resident", *firsts]
        parts = []
        for previous, step in itertools.pairwise(PATH_STEPS):
            parts.append(f"count({previous})")
            parts.append(f"count(*) FILTER (WHERE {step} >= {previous})")
        query = f"SELECT {', '.join(parts)} FROM ({sql}) AS p({', '.join(names)})"  # noqa: S608
        with connections[self.db].cursor() as cursor:
            cursor.execute(query, params)
            row = cursor.fetchone()
        return {str(step): (row[2 * i], row[2 * i + 1]) for i, step in enumerate(PATH_STEPS[1:])}


class StageChange(models.Model):
    """One row per change of stage: dashboards count from these rows."""

    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(  # noqa: DJ001 - NULL: entering the programme
        "étape précédente", max_length=20, choices=Stage.choices, null=True, blank=True
    )
    to_stage = models.CharField("nouvelle étape", max_length=20, choices=Stage.choices)
    exit_reason = models.CharField(
        "motif de sortie", max_length=30, choices=ExitReason.choices, blank=True
    )
    reason = models.CharField("motif", max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField("le", default=timezone.now)
    # What the figures are broken down by, as it was that day (DOMAIN.md §6: categories are
    # kept at the time, a person may leave the RSA or move during the programme). Written by
    # resident_change_stage from `Resident.objects.with_snapshot()`; never shown in the file.
    residence = models.ForeignKey(
        Residence,
        verbose_name="résidence ce jour-là",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="structure emploi ce jour-là",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="chargée de mission emploi ce jour-là",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sex = models.CharField("sexe", max_length=20, choices=Sex.choices, default=Sex.UNSPECIFIED)
    age = models.PositiveSmallIntegerField("âge ce jour-là", null=True, blank=True)
    social_minimum = models.BooleanField("minimum social", default=False)
    international_protection = models.BooleanField("protection internationale", default=False)
    health_barrier = models.BooleanField("frein santé", default=False)
    rqth = models.BooleanField("RQTH", default=False)
    invisible = models.BooleanField("invisible", default=False)
    # When the person had arrived at `from_stage`: the time spent there (median delays).
    from_stage_since = models.DateTimeField("à l'étape précédente depuis", null=True, blank=True)

    objects = StageChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "changement d'étape"
        verbose_name_plural = "changements d'étape"
        ordering = ["-changed_at", "-pk"]
        indexes = [
            # "How many entered accompaniment in March": to_stage and a date range.
            models.Index(fields=["to_stage", "changed_at"], name="residents_stagechange_count"),
            # The dashboard's path for a period and residences (o2r/dashboard/figures.py).
            models.Index(fields=["changed_at", "residence"], name="residents_stagechange_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(to_stage=Stage.EXITED) | ~Q(exit_reason=""),
                name="residents_stagechange_exit_has_reason",
                violation_error_message="Une sortie a toujours un motif codé.",
            ),
        ]

    def __str__(self):
        return f"{self.get_from_stage_display() or '—'} → {self.get_to_stage_display()}"


@tracked()
class ActionStep(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name="résident", on_delete=models.CASCADE, related_name="action_steps"
    )
    objective = models.CharField("objectif", max_length=200)
    step = models.CharField("étape", max_length=300)
    owner = models.CharField("qui s'en charge", max_length=20, choices=StepOwner.choices)
    due_on = models.DateField("pour le", null=True, blank=True)
    done_on = models.DateField("fait le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="créée par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "étape du plan d'action"
        verbose_name_plural = "plan d'action"
        ordering = ["done_on", "due_on", "pk"]

    def __str__(self):
        return self.step

    @property
    def is_overdue(self):
        return self.done_on is None and self.due_on and self.due_on < timezone.localdate()


class RosterImport(models.Model):
    """An uploaded residence roster between preview and confirmation (purged after a day)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    residence = models.ForeignKey(
        Residence, verbose_name="résidence", on_delete=models.CASCADE, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField("envoyé le", auto_now_add=True)
    file_name = models.CharField("fichier", max_length=255)
    rows = models.JSONField("lignes analysées", default=list)
    confirmed_at = models.DateTimeField("confirmé le", null=True, blank=True)
    summary = models.JSONField("bilan", default=dict)

    class Meta:
        verbose_name = "import de liste de résidents"
        verbose_name_plural = "imports de listes de résidents"
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.file_name} ({self.residence})"
