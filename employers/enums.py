from django.db import models


class Sector(models.TextChoices):
    """The sectors that hire people far from work (and that the dashboards break down by).
    Codes are stable: add, never rename."""

    LOGISTICS = "logistics", "Logistique, transport, entrepôt"
    CLEANING = "cleaning", "Propreté, nettoyage"
    HOSPITALITY = "hospitality", "Hôtellerie, restauration"
    CARE = "care", "Aide à la personne, services à domicile"
    HEALTH_SOCIAL = "health_social", "Santé, médico-social (établissements)"
    BUILDING = "building", "Bâtiment, travaux publics"
    RETAIL = "retail", "Commerce, grande distribution"
    AGRI_FOOD = "agri_food", "Agriculture, maraîchage, agroalimentaire"
    GREEN_SPACES = "green_spaces", "Espaces verts, environnement"
    INDUSTRY = "industry", "Industrie, production"
    SECURITY = "security", "Sécurité, gardiennage"
    AUTOMOTIVE = "automotive", "Automobile, réparation"
    PUBLIC_ASSOCIATION = "public_association", "Collectivité, association"
    INSERTION = "insertion", "Structure d'insertion (SIAE)"
    OTHER = "other", "Autre secteur"


class SizeBand(models.TextChoices):
    NONE = "0", "Sans salarié"
    MICRO = "1-9", "1 à 9 salariés"
    SMALL = "10-49", "10 à 49 salariés"
    MEDIUM = "50-249", "50 à 249 salariés"
    LARGE = "250+", "250 salariés ou plus"


class NafVersion(models.TextChoices):
    REV2 = "naf_rev2", "NAF rév. 2 (2008)"
    NAF2025 = "naf_2025", "NAF 2025"


class NetworkStatus(models.TextChoices):
    """Where a company stands in the coach's network. Prospecting moves it forward; going back
    (or to and from "inactive") is an explicit change with a reason."""

    PROSPECT = "prospect", "À prospecter"
    CONTACTED = "contacted", "Contactée"
    MET = "met", "Rencontrée"
    PARTNER = "partner", "Partenaire"
    INACTIVE = "inactive", "Inactive"


# The forward order of prospecting; "inactive" is outside it.
STATUS_RANK = {
    NetworkStatus.PROSPECT: 0,
    NetworkStatus.CONTACTED: 1,
    NetworkStatus.MET: 2,
    NetworkStatus.PARTNER: 3,
}


class ProspectingKind(models.TextChoices):
    VISIT = "visit", "Visite sur place"
    CALL = "call", "Appel"
    EMAIL = "email", "E-mail"
    EVENT = "event", "Événement, salon"
    JOB_DATING = "job_dating", "Job dating"


# Kinds where the coach and the employer are face to face.
MEETING_KINDS = frozenset(
    {ProspectingKind.VISIT, ProspectingKind.EVENT, ProspectingKind.JOB_DATING}
)


class ProspectingOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", "Pas de réponse"
    CALL_BACK = "call_back", "Échange, à relancer"
    NOT_NOW = "not_now", "Pas de besoin pour l'instant"
    DECLINED = "declined", "Pas intéressée"
    MEETING_SET = "meeting_set", "Rendez-vous pris"
    MET = "met", "Rencontre faite"
    JOB_ANALYSED = "job_analysed", "Poste analysé, offre identifiée"
    PARTNERSHIP = "partnership", "Partenariat engagé"


# What each outcome says of the company's status (at least): prospecting never moves it back.
OUTCOME_STATUS = {
    ProspectingOutcome.NO_ANSWER: NetworkStatus.PROSPECT,
    ProspectingOutcome.CALL_BACK: NetworkStatus.CONTACTED,
    ProspectingOutcome.NOT_NOW: NetworkStatus.CONTACTED,
    ProspectingOutcome.DECLINED: NetworkStatus.CONTACTED,
    ProspectingOutcome.MEETING_SET: NetworkStatus.CONTACTED,
    ProspectingOutcome.MET: NetworkStatus.MET,
    ProspectingOutcome.JOB_ANALYSED: NetworkStatus.MET,
    ProspectingOutcome.PARTNERSHIP: NetworkStatus.PARTNER,
}

# Outcomes of a step where the coach and the employer actually met.
MET_OUTCOMES = frozenset(
    {ProspectingOutcome.MET, ProspectingOutcome.JOB_ANALYSED, ProspectingOutcome.PARTNERSHIP}
)

# Outcomes where somebody at the company answered: a contact (a closed door is none).
CONTACT_OUTCOMES = frozenset(set(ProspectingOutcome) - {ProspectingOutcome.NO_ANSWER})


class ContractType(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    TEMP = "temp", "Intérim"
    CDDI = "cddi", "CDDI (insertion)"
    APPRENTICESHIP = "apprenticeship", "Alternance (apprentissage, professionnalisation)"
    SUBSIDISED = "subsidised", "Contrat aidé (PEC, CIE)"


# A duration (in months) is required for these, and refused for a CDI.
DURATION_REQUIRED = frozenset({ContractType.CDD, ContractType.CDDI, ContractType.APPRENTICESHIP})


class Schedule(models.TextChoices):
    EARLY = "early", "Tôt le matin (avant 7 h)"
    NIGHT = "night", "De nuit"
    WEEKEND = "weekend", "Le week-end"
    SPLIT = "split", "En coupure"


class Weekday(models.TextChoices):
    MON = "mon", "Lundi"
    TUE = "tue", "Mardi"
    WED = "wed", "Mercredi"
    THU = "thu", "Jeudi"
    FRI = "fri", "Vendredi"
    SAT = "sat", "Samedi"
    SUN = "sun", "Dimanche"


class DroppedRequirement(models.TextChoices):
    """What the job analysis took off the employer's first list (IOD: no CV, no selection)."""

    CV = "cv", "CV"
    COVER_LETTER = "cover_letter", "Lettre de motivation"
    DIPLOMA = "diploma", "Diplôme"
    EXPERIENCE = "experience", "Expérience dans le métier"
    WRITTEN_FRENCH = "written_french", "Français écrit"
    DRIVING_LICENCE = "driving_licence", "Permis de conduire"
    VEHICLE = "vehicle", "Véhicule personnel"
    CERTIFICATE = "certificate", "Habilitation, CACES (formée sur place)"
    OTHER = "other", "Autre"


class OpeningStatus(models.TextChoices):
    OPEN = "open", "Ouverte"
    FILLED = "filled", "Pourvue"
    CANCELLED = "cancelled", "Annulée"


CLOSED_STATUSES = frozenset({OpeningStatus.FILLED, OpeningStatus.CANCELLED})
