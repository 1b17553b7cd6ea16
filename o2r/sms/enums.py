from django.db import models


class SmsStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    QUEUED = "queued", "Dans la file d'envoi"
    SENDING = "sending", "Envoi en cours"
    SENT = "sent", "Envoyé"
    DELIVERED = "delivered", "Reçu par la personne"
    FAILED = "failed", "Échec"
    UNKNOWN = "unknown", "Incertain : à vérifier"
    SKIPPED = "skipped", "Non envoyé"
    CANCELLED = "cancelled", "Annulé"


# Waiting to go: a withdrawal, an opt-out or a cancelled campaign stops these.
WAITING = frozenset({SmsStatus.PENDING, SmsStatus.QUEUED})


class SkipReason(models.TextChoices):
    NO_PHONE = "no_phone", "Pas de numéro"
    NOT_MOBILE = "not_mobile", "Pas un numéro de mobile"
    NUMBER_CHANGED = "number_changed", "Numéro changé depuis"
    OPTED_OUT = "opted_out", "Ne veut plus recevoir de SMS"
    NO_CONSENT = "no_consent", "Pas d'accord pour les SMS"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Accord pour les SMS retiré"
    DUPLICATE_NUMBER = "duplicate_number", "Numéro partagé : déjà destinataire"
    NOT_RELEVANT = "not_relevant", "Plus d'actualité"
    FILE_CLOSED = "file_closed", "Dossier anonymisé"


class Encoding(models.TextChoices):
    GSM7 = "gsm7", "GSM 7 bits"
    UCS2 = "ucs2", "Unicode (UCS-2)"


class LegalBasis(models.TextChoices):
    """What a message to a resident rests on (DOMAIN.md §5.10), a choice of the DPO."""

    CONSENT = "consent", "L'accord de la personne pour les SMS"
    OBJECTION = "objection", "L'information de la personne et son droit de s'opposer"


class OptOutScope(models.TextChoices):
    ALL = "all", "Tous les SMS"
    CAMPAIGNS = "campaigns", "Les campagnes seulement (les rappels de rendez-vous restent)"


class OptOutSource(models.TextChoices):
    STOP_REPLY = "stop_reply", "Réponse STOP"
    HARD_BOUNCE = "hard_bounce", "Numéro en échec définitif"
    PROVIDER = "provider", "Désinscription chez l'opérateur"
    STAFF = "staff", "Demande de la personne, notée par l'équipe"


class InboundOutcome(models.TextChoices):
    OPT_OUT = "opt_out", "Opposition (STOP)"
    CONTACT = "contact", "Réponse rattachée à une personne"
    INBOX = "inbox", "Réponse à rattacher"
    IGNORED = "ignored", "Ignorée (vide ou illisible)"


class InboxStatus(models.TextChoices):
    TO_MATCH = "to_match", "À rattacher"
    MATCHED = "matched", "Rattachée"
    DISCARDED = "discarded", "Écartée"
