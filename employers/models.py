"""The employers' network of the IOD method: companies prospected, their contacts, each
prospecting step, and the job openings captured — most of them never published.

Who sees them is a territory (the programme's territory, as on residences): a user works in the
territories of her residences and, for teams that work on no residence (the employment
organisation's), in the territory of her account. Employers hold no resident data; their
contacts are personal data, which the access table guards."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from o2r import access
from o2r.access import Action, Scope
from residents.enums import LANGUAGES, FrenchLevel
from residents.models import Residence, tracked

from .enums import (
    CONTACT_OUTCOMES,
    MEETING_KINDS,
    MET_OUTCOMES,
    ContractType,
    DroppedRequirement,
    NafVersion,
    NetworkStatus,
    OpeningStatus,
    ProspectingKind,
    ProspectingOutcome,
    Schedule,
    Sector,
    SizeBand,
    Weekday,
)
from .validators import naf_display, siren_of

NOTHING = Q(pk__in=[])
SUMMARY_MAX = 500


def territories_of(user) -> list[str]:
    """The territories `user` works in: those of her residences, and her account's own (for
    the employment organisation's teams, who work on no residence). Cached on the user for the
    request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_o2r_territories", None)
    if cached is None:
        from_residences = set(
            Residence.objects.for_user(user).values_list("territory", flat=True).distinct()
        )
        if user.territory:
            from_residences.add(user.territory)
        cached = sorted(from_residences)
        user._o2r_territories = cached
    return cached


def territory_scope(user, action, *, field="territory") -> Q:
    """The rows of `user`'s territories, if the table gives her `action` there ("open" rows
    only for the scope that says so)."""
    scope = access.scope_of(user, action)
    if scope not in (Scope.TERRITORY, Scope.TERRITORY_OPEN):
        return NOTHING
    territories = territories_of(user)
    if not territories:
        return NOTHING
    return Q(**{f"{field}__in": territories})


# --- ROME reference -------------------------------------------------------------------------


class RomeCode(models.Model):
    """A ROME 4.0 job sheet ("fiche"), e.g. N1103 Magasinage et préparation de commandes."""

    code = models.CharField("code ROME", max_length=5, primary_key=True)
    label = models.CharField("intitulé", max_length=200)

    class Meta:
        verbose_name = "fiche ROME"
        verbose_name_plural = "fiches ROME"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.label}"


class RomeAppellationQuerySet(models.QuerySet):
    def search(self, query: str, limit: int = 10):
        """Job titles whose words start with each folded term ("prepa comm" finds
        "Préparateur / Préparatrice de commandes"), titles starting with the first term first,
        then the shortest. An exact ROME code ("N1103") lists that sheet's titles."""
        from residents.normalise import fold

        query = (query or "").strip()
        if len(query) == 5 and query[0].isalpha() and query[1:].isdigit():
            return self.filter(rome_id=query.upper()).order_by("label")[:limit]
        terms = fold(query).split()[:5]
        if not terms or len(" ".join(terms)) < 2:
            return self.none()
        rows = self
        for term in terms:
            # " term" in " " + search: a word that starts with the term.
            rows = rows.filter(search__contains=f" {term}")
        starts = models.Case(
            models.When(search__startswith=f" {terms[0]}", then=0),
            default=1,
            output_field=models.IntegerField(),
        )
        return rows.annotate(starts=starts).order_by(
            "starts", models.functions.Length("label"), "label"
        )[:limit]


class RomeAppellation(models.Model):
    """A ROME job title ("appellation"), what the coach types: "Agent / Agente de propreté"."""

    code = models.CharField("code", max_length=6, primary_key=True)
    label = models.CharField("appellation", max_length=200)
    rome = models.ForeignKey(
        RomeCode, verbose_name="fiche ROME", on_delete=models.PROTECT, related_name="appellations"
    )
    # " agent agente de proprete": folded, a space before each word (see search()).
    search = models.CharField("recherche", max_length=250, editable=False)

    objects = RomeAppellationQuerySet.as_manager()

    class Meta:
        verbose_name = "appellation ROME"
        verbose_name_plural = "appellations ROME"
        ordering = ["label"]
        indexes = [
            GinIndex(OpClass("search", name="gin_trgm_ops"), name="employers_rome_title_trgm"),
        ]

    def __str__(self):
        return self.label


# --- Employers ------------------------------------------------------------------------------


class EmployerQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.EMPLOYER_READ):
        return self.filter(territory_scope(user, action))

    def without_contact_since(self, since):
        """No contact (an answered prospecting step) since `since`, or none ever."""
        return self.filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=since))

    def by_status(self):
        return dict(self.values_list("status").annotate(n=Count("pk")).order_by())

    def with_open_openings(self):
        return self.annotate(
            open_openings=Count("openings", filter=Q(openings__status=OpeningStatus.OPEN))
        )


class Employer(models.Model):
    name = models.CharField("raison sociale ou enseigne", max_length=200)
    # Folded name without legal forms: what the duplicate check compares, what search scans.
    name_key = models.CharField("nom (recherche)", max_length=200, editable=False, db_index=True)
    siret = models.CharField(
        "SIRET",
        max_length=14,
        blank=True,
        help_text="14 chiffres, sans espaces. Facultatif : une entreprise prospectée n'a pas "
        "toujours communiqué le sien.",
    )
    naf_code = models.CharField("code NAF (APE)", max_length=5, blank=True)
    naf_version = models.CharField(
        "nomenclature NAF", max_length=10, choices=NafVersion.choices, default=NafVersion.REV2
    )
    sector = models.CharField("secteur", max_length=30, choices=Sector.choices)
    size_band = models.CharField("effectif", max_length=10, choices=SizeBand.choices, blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=120)
    city_key = models.CharField("commune (recherche)", max_length=120, editable=False)
    territory = models.CharField("territoire", max_length=120)
    description = models.TextField("activité, en quelques mots", max_length=1000, blank=True)
    status = models.CharField(
        "statut dans le réseau",
        max_length=20,
        choices=NetworkStatus.choices,
        default=NetworkStatus.PROSPECT,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="suivie par",
        on_delete=models.PROTECT,
        related_name="employers_owned",
        null=True,
        blank=True,
    )
    # The last prospecting step someone at the company answered ("sans contact depuis 60 j").
    last_contact_at = models.DateTimeField("dernier contact", null=True, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="créée par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = EmployerQuerySet.as_manager()

    class Meta:
        verbose_name = "entreprise"
        verbose_name_plural = "entreprises"
        ordering = ["name_key", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="employers_employer_unique_siret",
                violation_error_message="Une entreprise porte déjà ce SIRET.",
            ),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__regex=r"^[0-9]{14}$"),
                name="employers_employer_siret_14_digits",
                violation_error_message="Un SIRET a 14 chiffres.",
            ),
            models.CheckConstraint(
                condition=Q(naf_code="") | Q(naf_code__regex=r"^[0-9]{4}[A-Z]?$"),
                name="employers_employer_naf_format",
                violation_error_message="Le code NAF s'écrit avec 4 chiffres et une lettre.",
            ),
        ]
        indexes = [
            # The list: a territory's companies by name, by status, by last contact.
            models.Index(fields=["territory", "name_key"], name="employers_by_territory_name"),
            models.Index(fields=["territory", "status"], name="employers_by_territory_status"),
            models.Index(fields=["territory", "last_contact_at"], name="employers_by_last_contact"),
            GinIndex(OpClass("name_key", name="gin_trgm_ops"), name="employers_name_trgm"),
            models.Index(fields=["territory", "city_key"], name="employers_by_city"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("employers:detail", args=[self.pk])

    @property
    def siren(self):
        return siren_of(self.siret)

    @property
    def naf_display(self):
        return naf_display(self.naf_code)


class EmployerStatusChange(models.Model):
    """A change of the company's network status: by a prospecting step (forward) or by an
    explicit decision (with a reason). The employer's timeline and the counting read these."""

    employer = models.ForeignKey(
        Employer, verbose_name="entreprise", on_delete=models.CASCADE,
        related_name="status_changes",
    )  # fmt: skip
    from_status = models.CharField(
        "avant", max_length=20, choices=NetworkStatus.choices, blank=True
    )
    to_status = models.CharField("après", max_length=20, choices=NetworkStatus.choices)
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("pourquoi", max_length=300, blank=True)
    prospecting_action = models.ForeignKey(
        "ProspectingAction", verbose_name="démarche", on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["employer", "at"], name="employers_status_change_at")]

    def __str__(self):
        return f"{self.employer} : {self.get_to_status_display()}"


@tracked()
class EmployerContact(models.Model):
    """Somebody at the company the coach talks to (personal data: the access table decides
    who reads it)."""

    employer = models.ForeignKey(
        Employer, verbose_name="entreprise", on_delete=models.CASCADE, related_name="contacts"
    )
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100)
    role = models.CharField("fonction", max_length=150, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    phone_raw = models.CharField("téléphone tel que saisi", max_length=40, blank=True)
    email = models.EmailField("e-mail", blank=True)
    active = models.BooleanField("toujours dans l'entreprise", default=True)
    created_at = models.DateTimeField("ajouté le", default=timezone.now)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    class Meta:
        verbose_name = "interlocuteur"
        verbose_name_plural = "interlocuteurs"
        ordering = ["-active", "last_name", "first_name", "pk"]

    def __str__(self):
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.role})" if self.role else name

    def get_absolute_url(self):
        return reverse("employers:detail", args=[self.employer_id]) + "#interlocuteurs"


class ProspectingActionQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.PROSPECTING_READ):
        return self.filter(territory_scope(user, action, field="employer__territory"))

    def in_period(self, start, end):
        """Steps taken in [start, end) (datetimes)."""
        return self.filter(at__gte=start, at__lt=end)

    def by_coach(self, user):
        return self.filter(by=user)

    def contacts(self):
        """Steps someone at the company answered."""
        return self.filter(outcome__in=CONTACT_OUTCOMES)

    def meetings(self):
        """Face-to-face steps where the coach met the company (a visit that only set an
        appointment, or where nobody answered, is no meeting)."""
        return self.filter(kind__in=MEETING_KINDS, outcome__in=MET_OUTCOMES)

    def companies_prospected(self) -> int:
        """Distinct companies with at least one step among these."""
        return self.values("employer").distinct().count()

    def first_contacts(self):
        """The steps that were their company's first contact ever (whoever made it, whenever
        the earlier attempts without an answer)."""
        earlier = ProspectingAction.objects.filter(
            employer=models.OuterRef("employer"), outcome__in=CONTACT_OUTCOMES
        ).filter(
            Q(at__lt=models.OuterRef("at"))
            | Q(at=models.OuterRef("at"), pk__lt=models.OuterRef("pk"))
        )
        return self.contacts().exclude(models.Exists(earlier))

    def by_coach_counts(self):
        """{user id: steps}."""
        return dict(self.values_list("by").annotate(n=Count("pk")).order_by())


class ProspectingAction(models.Model):
    employer = models.ForeignKey(
        Employer, verbose_name="entreprise", on_delete=models.CASCADE,
        related_name="prospecting_actions",
    )  # fmt: skip
    kind = models.CharField("démarche", max_length=20, choices=ProspectingKind.choices)
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        EmployerContact, verbose_name="avec", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="prospecting_actions",
    )  # fmt: skip
    outcome = models.CharField("résultat", max_length=20, choices=ProspectingOutcome.choices)
    summary = models.TextField("en quelques mots", max_length=SUMMARY_MAX, blank=True)
    next_step_on = models.DateField("prochaine étape le", null=True, blank=True)
    next_step = models.CharField("prochaine étape", max_length=200, blank=True)
    created_at = models.DateTimeField("saisie le", default=timezone.now)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = ProspectingActionQuerySet.as_manager()

    class Meta:
        verbose_name = "démarche de prospection"
        verbose_name_plural = "démarches de prospection"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["employer", "at"], name="employers_prospecting_at"),
            models.Index(fields=["at"], name="employers_prospecting_period"),
            models.Index(fields=["by", "at"], name="employers_prospecting_by"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.employer} ({self.at:%d/%m/%Y})"

    def get_absolute_url(self):
        return reverse("employers:detail", args=[self.employer_id])

    @property
    def is_contact(self):
        return self.outcome in CONTACT_OUTCOMES


class JobOpeningQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.OPENING_READ):
        condition = territory_scope(user, action, field="employer__territory")
        if access.scope_of(user, action) == Scope.TERRITORY_OPEN:
            condition &= Q(status=OpeningStatus.OPEN)
        return self.filter(condition)

    def open(self):
        return self.filter(status=OpeningStatus.OPEN)

    def captured_in(self, start, end):
        """Openings captured (opened) on days in [start, end) (dates)."""
        return self.filter(opened_on__gte=start, opened_on__lt=end)

    def by_coach(self, user):
        return self.filter(created_by=user)

    def hidden_market(self):
        return self.filter(hidden_market=True)

    def captured_counts(self) -> dict:
        """{"openings": n, "positions": n, "hidden_market": n} of these openings."""
        return self.aggregate(
            openings=Count("pk"),
            positions=models.functions.Coalesce(models.Sum("positions"), 0),
            hidden_market=Count("pk", filter=Q(hidden_market=True)),
        )


class JobOpening(models.Model):
    """A job the coach captured and analysed with the employer: what it really needs, what was
    dropped, how the first days go."""

    employer = models.ForeignKey(
        Employer, verbose_name="entreprise", on_delete=models.CASCADE, related_name="openings"
    )
    title = models.CharField("intitulé du poste", max_length=200)
    rome = models.ForeignKey(
        RomeCode, verbose_name="fiche ROME", on_delete=models.PROTECT, related_name="+"
    )
    rome_appellation = models.ForeignKey(
        RomeAppellation, verbose_name="métier (ROME)", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    contract_type = models.CharField("contrat", max_length=20, choices=ContractType.choices)
    duration_months = models.PositiveSmallIntegerField(
        "durée (mois)", null=True, blank=True, help_text="Pour un contrat à durée déterminée."
    )
    weekly_hours = models.DecimalField("heures par semaine", max_digits=4, decimal_places=1)
    full_time = models.BooleanField("temps plein", default=False)
    schedule = ArrayField(
        models.CharField(max_length=10, choices=Schedule.choices),
        verbose_name="horaires particuliers", default=list, blank=True,
    )  # fmt: skip
    working_days = ArrayField(
        models.CharField(max_length=3, choices=Weekday.choices),
        verbose_name="jours travaillés", default=list, blank=True,
    )  # fmt: skip
    postcode = models.CharField("code postal du lieu de travail", max_length=5, blank=True)
    city = models.CharField("commune du lieu de travail", max_length=120)
    transport = models.CharField(
        "comment s'y rendre", max_length=200, blank=True,
        help_text="Ligne de bus ou de tram, arrêt, temps depuis le centre.",
    )  # fmt: skip
    car_needed = models.BooleanField("voiture indispensable", default=False)
    french_level = models.CharField(
        "niveau de français nécessaire", max_length=10, choices=FrenchLevel.choices, blank=True
    )
    languages_useful = ArrayField(
        models.CharField(max_length=3, choices=LANGUAGES),
        verbose_name="langues utiles", default=list, blank=True,
    )  # fmt: skip
    tasks = models.TextField("les tâches réelles", max_length=2000, blank=True)
    requirements_kept = models.TextField(
        "ce que le poste demande vraiment", max_length=1000, blank=True
    )
    requirements_dropped = ArrayField(
        models.CharField(max_length=20, choices=DroppedRequirement.choices),
        verbose_name="exigences abandonnées après l'analyse du poste", default=list, blank=True,
    )  # fmt: skip
    requirements_dropped_notes = models.CharField(
        "précisions sur les exigences abandonnées", max_length=300, blank=True
    )
    onboarding = models.TextField(
        "ce qui aide à s'intégrer", max_length=1000, blank=True,
        help_text="Tuteur, premiers jours en binôme, consignes en images…",
    )  # fmt: skip
    hidden_market = models.BooleanField(
        "marché caché", default=True, help_text="L'offre n'est publiée nulle part."
    )
    positions = models.PositiveSmallIntegerField("nombre de postes", default=1)
    status = models.CharField(
        "statut", max_length=20, choices=OpeningStatus.choices, default=OpeningStatus.OPEN
    )
    opened_on = models.DateField("ouverte le", default=timezone.localdate)
    closed_on = models.DateField("close le", null=True, blank=True)
    close_reason = models.CharField("précision", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="captée par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("saisie le", default=timezone.now)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    token = models.UUIDField("jeton du formulaire", unique=True, null=True, editable=False)

    objects = JobOpeningQuerySet.as_manager()

    class Meta:
        verbose_name = "offre d'emploi"
        verbose_name_plural = "offres d'emploi"
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0) & Q(weekly_hours__lte=48),
                name="employers_opening_hours_0_48",
                violation_error_message="La durée hebdomadaire est comprise entre 0 et 48 heures.",
            ),
            models.CheckConstraint(
                condition=Q(positions__gte=1),
                name="employers_opening_positions",
                violation_error_message="Une offre a au moins un poste.",
            ),
            models.CheckConstraint(
                # NULL >= 1 is NULL, which a CHECK lets through: say "not null" too.
                condition=~Q(contract_type__in=["cdd", "cddi", "apprenticeship"])
                | (Q(duration_months__isnull=False) & Q(duration_months__gte=1)),
                name="employers_opening_fixed_term_duration",
                violation_error_message="Indiquez la durée du contrat, en mois.",
            ),
            models.CheckConstraint(
                condition=~Q(contract_type="cdi") | Q(duration_months__isnull=True),
                name="employers_opening_cdi_no_duration",
                violation_error_message="Un CDI n'a pas de durée.",
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_on__isnull=True))
                | (
                    ~Q(status="open")
                    & Q(closed_on__isnull=False)
                    & Q(closed_on__gte=models.F("opened_on"))
                ),
                name="employers_opening_closed_after_opened",
                violation_error_message="Une offre close a une date de clôture, au plus tôt le "
                "jour de son ouverture.",
            ),
        ]
        indexes = [
            models.Index(fields=["employer", "status"], name="employers_opening_by_employer"),
            models.Index(fields=["status", "opened_on"], name="employers_opening_by_status"),
            models.Index(fields=["opened_on"], name="employers_opening_captured"),
            models.Index(fields=["rome"], name="employers_opening_by_rome"),
        ]

    def __str__(self):
        return f"{self.title} — {self.employer}"

    def get_absolute_url(self):
        return reverse("employers:opening", args=[self.pk])

    @property
    def is_open(self):
        return self.status == OpeningStatus.OPEN

    @property
    def is_fixed_term(self):
        return self.contract_type != ContractType.CDI
