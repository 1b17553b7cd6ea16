from django.db import models


class ResidenceKind(models.TextChoices):
    SOCIAL_RESIDENCE = "social_residence", "Résidence sociale"
    FAMILY_BOARDING_HOUSE = "family_boarding_house", "Pension de famille"
    WORKERS_HOSTEL = "workers_hostel", "Foyer"


class Sex(models.TextChoices):
    FEMALE = "female", "Femme"
    MALE = "male", "Homme"
    UNSPECIFIED = "unspecified", "Non précisé"


class FrenchLevel(models.TextChoices):
    NONE = "none", "Aucune notion"
    A1 = "a1", "A1 — découverte"
    A2 = "a2", "A2 — survie"
    B1 = "b1", "B1 — seuil"
    B2 = "b2", "B2 — avancé"
    C1 = "c1", "C1 — autonome"
    C2 = "c2", "C2 — maîtrise"
    NATIVE = "native", "Langue maternelle"


class NationalityGroup(models.TextChoices):
    # Never a country (data-protection rule): only these three groups.
    FRENCH = "french", "Française"
    EU = "eu", "Union européenne"
    NON_EU = "non_eu", "Hors Union européenne"


class Benefit(models.TextChoices):
    """Minima sociaux (and the prime d'activité, worth recording though not one). Codes are
    stable: add, never rename."""

    RSA = "rsa", "RSA"
    RSA_MAJORE = "rsa_majore", "RSA majoré"
    RSO = "rso", "RSO"
    ASS = "ass", "ASS"
    AAH = "aah", "AAH"
    ASI = "asi", "ASI"
    ASPA = "aspa", "ASPA"
    AV = "av", "AV (allocation veuvage)"
    ADA = "ada", "ADA (demandeur d'asile)"
    ATI = "ati", "ATI"
    AVFS = "avfs", "AVFS"
    ATA = "ata", "ATA (fermée aux nouveaux entrants)"
    AER_R = "aer_r", "AER-R (fermée aux nouveaux entrants)"
    PRIME_ACTIVITE = "prime_activite", "Prime d'activité"


class InternationalProtection(models.TextChoices):
    NONE = "none", "Non concerné"
    REFUGEE = "refugee", "Réfugié"
    SUBSIDIARY = "subsidiary", "Protection subsidiaire"
    ASYLUM_SEEKER = "asylum_seeker", "Demandeur d'asile"


class RightToWorkDocument(models.TextChoices):
    NONE = "none", "Aucun / non concerné"
    RESIDENT_CARD = "resident_card", "Carte de résident (10 ans)"
    MULTI_YEAR_PERMIT = "multi_year_permit", "Carte de séjour pluriannuelle"
    PROTECTION_CERTIFICATE = "protection_certificate", "Attestation de protection (6 mois)"
    WORK_AUTHORISATION = "work_authorisation", "Autorisation de travail"
    OTHER = "other", "Autre titre autorisant le travail"


class FranceTravailStatus(models.TextChoices):
    REGISTERED = "registered", "Inscrit"
    NOT_REGISTERED = "not_registered", "Non inscrit"
    UNKNOWN = "unknown", "Ne sait pas"


class Stage(models.TextChoices):
    IDENTIFIED = "identified", "Repéré"
    ENGAGED = "engaged", "Remobilisé"
    ACCOMPANIED = "accompanied", "Accompagné (IOD)"
    EMPLOYED = "employed", "En emploi"
    EXITED = "exited", "Sorti"


class ExitReason(models.TextChoices):
    DURABLE_EMPLOYMENT = "durable_employment", "Emploi durable"
    TRANSITIONAL_EMPLOYMENT = "transitional_employment", "Emploi de transition"
    TRAINING = "training", "Formation"
    HANDOVER = "handover", "Relais vers le droit commun (France Travail, Département)"
    MOVED_OUT = "moved_out", "Départ de la résidence"
    DECLINED = "declined", "Ne souhaite plus être accompagné"
    LOST_CONTACT = "lost_contact", "Perdu de vue"
    HEALTH = "health", "Raisons de santé"
    OTHER = "other", "Autre"


class ConsentScope(models.TextChoices):
    ACCOMPANIMENT = "accompaniment", "Accompagnement"
    SHARING = "sharing", "Partage avec la structure emploi"
    SMS = "sms", "Réception de SMS"
    HEALTH = "health", "Partage d'informations de santé"


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", "Formulaire signé"
    ORAL = "oral", "Accord oral, noté par le professionnel"
    DIGITAL = "digital", "Accord numérique"


class BarrierCode(models.TextChoices):
    LANGUAGE = "language", "Langue"
    MOBILITY = "mobility", "Mobilité"
    CHILDCARE = "childcare", "Garde d'enfants / famille"
    HEALTH = "health", "Santé"
    DIGITAL = "digital", "Numérique"
    RIGHT_TO_WORK = "right_to_work", "Administratif / droit au travail"
    HOUSING = "housing", "Logement"
    DEBT = "debt", "Dettes"
    ISOLATION = "isolation", "Isolement"
    JOB_MARKET = "job_market", "Connaissance du marché du travail"


class BarrierStatus(models.TextChoices):
    IDENTIFIED = "identified", "Repéré"
    BEING_ADDRESSED = "being_addressed", "En cours de traitement"
    LIFTED = "lifted", "Levé"


class ReferentKind(models.TextChoices):
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    DEPARTEMENT = "departement", "Département"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    PLIE = "plie", "PLIE"
    CCAS = "ccas", "CCAS"
    OTHER = "other", "Autre"


class StepOwner(models.TextChoices):
    PERSON = "person", "La personne"
    OFFICER = "officer", "La chargée d'insertion"
    COACH = "coach", "La chargée de mission emploi"
    PARTNER = "partner", "Un partenaire"


# Preferred language, ISO 639-3 (so that Dari or Soninké exist). The languages met in the
# programme's residences; the list grows by adding codes, never renaming them.
LANGUAGES = [
    ("fra", "Français"),
    ("ara", "Arabe"),
    ("prs", "Dari"),
    ("pus", "Pachto"),
    ("fas", "Persan (farsi)"),
    ("tir", "Tigrinya"),
    ("amh", "Amharique"),
    ("som", "Somali"),
    ("snk", "Soninké"),
    ("bam", "Bambara"),
    ("ful", "Peul"),
    ("wol", "Wolof"),
    ("lin", "Lingala"),
    ("swa", "Swahili"),
    ("eng", "Anglais"),
    ("por", "Portugais"),
    ("spa", "Espagnol"),
    ("ita", "Italien"),
    ("ron", "Roumain"),
    ("bul", "Bulgare"),
    ("sqi", "Albanais"),
    ("srp", "Serbe"),
    ("rus", "Russe"),
    ("ukr", "Ukrainien"),
    ("kat", "Géorgien"),
    ("hye", "Arménien"),
    ("tur", "Turc"),
    ("kur", "Kurde"),
    ("urd", "Ourdou"),
    ("ben", "Bengali"),
    ("tam", "Tamoul"),
    ("vie", "Vietnamien"),
    ("zho", "Chinois"),
    ("mon", "Mongol"),
    ("kab", "Kabyle"),
    ("tzm", "Tamazight"),
    ("mis", "Autre langue"),
]


# The HTML `lang` of a text in one of LANGUAGES (BCP 47: the two-letter code where there is
# one, else the three-letter one; "mis" has none).
LANGUAGE_TAGS = {
    "fra": "fr", "ara": "ar", "pus": "ps", "fas": "fa", "tir": "ti", "amh": "am", "som": "so",
    "bam": "bm", "ful": "ff", "wol": "wo", "lin": "ln", "swa": "sw", "eng": "en", "por": "pt",
    "spa": "es", "ita": "it", "ron": "ro", "bul": "bg", "sqi": "sq", "srp": "sr", "rus": "ru",
    "ukr": "uk", "kat": "ka", "hye": "hy", "tur": "tr", "kur": "ku", "urd": "ur", "ben": "bn",
    "tam": "ta", "vie": "vi", "zho": "zh", "mon": "mn", "mis": "",
}  # fmt: skip


def language_tag(code: str) -> str:
    return LANGUAGE_TAGS.get(code, code)


class ErasureReason(models.TextChoices):
    REQUEST = "request", "Demande de la personne"
    RETENTION = "retention", "Durée de conservation écoulée"
