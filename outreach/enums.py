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
    # A reply by SMS, recorded by the application: the officer qualifies it afterwards.
    REPLIED = "replied", "A répondu par SMS"


# What staff choose on a contact form (a reply by SMS is recorded by the application).
FORM_OUTCOMES = [(value, label) for value, label in Outcome.choices if value != Outcome.REPLIED]


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


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    LAUNCHED = "launched", "Lancée"
    CANCELLED = "cancelled", "Annulée"


# The audience's stage filter: a stage of the path, or "not yet in the programme".
NOT_IN_PROGRAMME = "none"


class AudienceCategory(models.TextChoices):
    SOCIAL_MINIMUM = "social_minimum", "Perçoit un minimum social"
    INTERNATIONAL_PROTECTION = "international_protection", "Protection internationale"
    NOT_REGISTERED = "not_registered", "Pas inscrite à France Travail"
