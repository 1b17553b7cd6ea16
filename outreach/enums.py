from django.db import models


class ActionKind(models.TextChoices):
    HALL_SESSION = "hall_session", "Permanence dans le hall"
    POSTER = "poster", "Campagne d'affichage"
    TEAM_MEETING = "team_meeting", "Réunion avec l'équipe de la résidence"
    DOOR_TO_DOOR = "door_to_door", "Porte-à-porte"
    INFORMATION_MEETING = "information_meeting", "Réunion d'information"
    EVENT = "event", "Événement"
    SMS_CAMPAIGN = "sms_campaign", "Campagne SMS"


# Actions that touch residents without meeting them: counted apart ("touches").
TOUCH_KINDS = frozenset({"poster", "sms_campaign"})


class Channel(models.TextChoices):
    HALL = "hall", "Dans le hall"
    PHONE = "phone", "Téléphone"
    SMS = "sms", "SMS"
    VISIT = "visit", "Visite au logement"
    OFFICE = "office", "Au bureau"
    MEETING = "meeting", "Réunion"
    RELAY = "relay", "Par un relais"


class Outcome(models.TextChoices):
    INTERESTED = "interested", "Intéressé·e"
    APPOINTMENT_SET = "appointment_set", "Rendez-vous pris"
    NOT_NOW = "not_now", "Pas maintenant"
    DECLINED = "declined", "Pas intéressé·e"
    NO_ANSWER = "no_answer", "Pas de réponse"


# Outcomes that open the way to the accompaniment consent in the same step.
ENGAGING_OUTCOMES = frozenset({Outcome.INTERESTED, Outcome.APPOINTMENT_SET})


class ReferralSource(models.TextChoices):
    RESIDENCE_MANAGER = "residence_manager", "Responsable de résidence"
    SOCIAL_INSERTION_MANAGER = "social_insertion_manager", "Responsable insertion sociale"
    MAINTENANCE_WORKER = "maintenance_worker", "Ouvrier de maintenance"
    NEIGHBOUR = "neighbour", "Voisin·e"
    PARTNER = "partner", "Structure partenaire"
    SELF = "self", "La personne elle-même"


class ReferralStatus(models.TextChoices):
    NEW = "new", "Nouveau"
    IN_PROGRESS = "in_progress", "Pris en charge"
    CLOSED = "closed", "Clos"


class ReferralOutcome(models.TextChoices):
    CONTACTED = "contacted", "Personne rencontrée"
    NOT_REACHABLE = "not_reachable", "Injoignable"
    NOT_INTERESTED = "not_interested", "Pas intéressée"
    ALREADY_KNOWN = "already_known", "Déjà suivie"
    OUT_OF_SCOPE = "out_of_scope", "Hors du programme"
