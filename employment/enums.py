"""Coded lists of the IOD accompaniment. Codes are stable: add, never rename."""

from django.db import models


class OrientationStatus(models.TextChoices):
    PENDING = "pending", "En attente de réponse"
    ACCEPTED = "accepted", "Acceptée"
    DECLINED = "declined", "Refusée"
    # The sharing consent was withdrawn before anyone answered.
    WITHDRAWN = "withdrawn", "Sans suite (accord de partage retiré)"


class ContactWith(models.TextChoices):
    PERSON = "person", "La personne"
    EMPLOYER = "employer", "L'employeur"
    BOTH = "both", "La personne et l'employeur"


# A contact with these involves the person: it is an interaction with her.
WITH_PERSON = frozenset({ContactWith.PERSON, ContactWith.BOTH})


class CoachChannel(models.TextChoices):
    MEETING = "meeting", "Rendez-vous"
    PHONE = "phone", "Téléphone"
    WORKPLACE = "workplace", "Sur le lieu de travail"
    MESSAGE = "message", "SMS ou e-mail"


class Transport(models.TextChoices):
    WALK = "walk", "À pied"
    BIKE = "bike", "Vélo"
    PUBLIC = "public", "Bus, tram"
    SCOOTER = "scooter", "Deux-roues motorisé"
    CAR = "car", "Voiture"


class Childcare(models.TextChoices):
    NOT_CONCERNED = "not_concerned", "Pas concernée"
    ARRANGED = "arranged", "Solution de garde trouvée"
    NEEDED = "needed", "Solution de garde à trouver"


class IntroductionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposée à la personne"
    ACCEPTED = "accepted", "Acceptée par la personne"
    INTERVIEW_SCHEDULED = "interview_scheduled", "Rencontre prévue sur le lieu de travail"
    INTERVIEW_HELD = "interview_held", "Rencontre faite"
    HIRED = "hired", "Embauche"
    NOT_RETAINED = "not_retained", "Non retenue par l'employeur"
    DECLINED = "declined", "Déclinée par la personne"


IN_PROGRESS = frozenset(
    {
        IntroductionStatus.PROPOSED,
        IntroductionStatus.ACCEPTED,
        IntroductionStatus.INTERVIEW_SCHEDULED,
        IntroductionStatus.INTERVIEW_HELD,
    }
)
ENDED = frozenset(
    {IntroductionStatus.HIRED, IntroductionStatus.NOT_RETAINED, IntroductionStatus.DECLINED}
)

# from -> the statuses one may move to. "hired" is reached only by recording the placement.
INTRODUCTION_MOVES = {
    IntroductionStatus.PROPOSED: {IntroductionStatus.ACCEPTED, IntroductionStatus.DECLINED},
    IntroductionStatus.ACCEPTED: {
        IntroductionStatus.INTERVIEW_SCHEDULED,
        IntroductionStatus.DECLINED,
    },
    IntroductionStatus.INTERVIEW_SCHEDULED: {
        IntroductionStatus.INTERVIEW_SCHEDULED,  # moved to another day
        IntroductionStatus.INTERVIEW_HELD,
        IntroductionStatus.NOT_RETAINED,
        IntroductionStatus.DECLINED,
    },
    IntroductionStatus.INTERVIEW_HELD: {
        IntroductionStatus.HIRED,
        IntroductionStatus.NOT_RETAINED,
        IntroductionStatus.DECLINED,
    },
}


class NotRetainedReason(models.TextChoices):
    OTHER_CANDIDATE = "other_candidate", "Une autre personne a été choisie"
    SKILLS = "skills", "Savoir-faire insuffisant pour le poste"
    LANGUAGE = "language", "Français insuffisant pour le poste"
    AVAILABILITY = "availability", "Horaires ou disponibilités incompatibles"
    POSITION_CANCELLED = "position_cancelled", "Le poste n'est plus à pourvoir"
    NO_SHOW = "no_show", "La personne n'est pas venue"
    OTHER = "other", "Autre"


class DeclinedReason(models.TextChoices):
    JOB = "job", "Le métier ne lui convient pas"
    HOURS = "hours", "Horaires ou jours"
    DISTANCE = "distance", "Trop loin, transport"
    CONTRACT = "contract", "Contrat ou salaire"
    CHILDCARE = "childcare", "Garde d'enfants"
    OTHER_JOB = "other_job", "A trouvé autre chose"
    OTHER = "other", "Autre"


class Milestone(models.TextChoices):
    D7 = "d7", "J+7"
    M1 = "m1", "M+1"
    M3 = "m3", "M+3"
    M6 = "m6", "M+6"
    OTHER = "other", "Autre suivi"


class FollowUpWith(models.TextChoices):
    EMPLOYEE = "employee", "Avec la personne"
    EMPLOYER = "employer", "Avec l'employeur"
    BOTH = "both", "Avec les deux"


FOLLOW_UP_WITH_PERSON = frozenset({FollowUpWith.EMPLOYEE, FollowUpWith.BOTH})


class PlacementEndReason(models.TextChoices):
    TRIAL_EMPLOYER = "trial_employer", "Fin de la période d'essai par l'employeur"
    TRIAL_EMPLOYEE = "trial_employee", "Fin de la période d'essai par la personne"
    RESIGNATION = "resignation", "Démission"
    MUTUAL = "mutual", "Rupture conventionnelle"
    DISMISSAL = "dismissal", "Licenciement"
    MISSION_ENDED = "mission_ended", "Fin de mission ou de contrat anticipée"
    OTHER = "other", "Autre"


class PostExitSituation(models.TextChoices):
    """Where the person stands six months after the exit (the funder asks for it)."""

    DURABLE_EMPLOYMENT = "durable_employment", "En emploi durable"
    TRANSITIONAL_EMPLOYMENT = "transitional_employment", "En emploi de transition"
    TRAINING = "training", "En formation"
    MAINSTREAM = "mainstream", "Suivie par le droit commun (France Travail, Département…)"
    JOB_SEEKING = "job_seeking", "Sans emploi, en recherche"
    UNKNOWN = "unknown", "Situation inconnue (pas de nouvelles)"
    OTHER = "other", "Autre"
