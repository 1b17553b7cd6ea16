"""Prints the inbound-messages webhook URL to give the SMS provider (its token is derived from
SECRET_KEY: changing the key changes the URL). The delivery reports need nothing: each message
carries its own URL (Brevo's webUrl)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from o2r.sms import services


class Command(BaseCommand):
    help = "Affiche l'adresse à donner à l'opérateur pour les SMS reçus (réponses, STOP)."

    def handle(self, *args, **options):
        base = settings.O2R_PUBLIC_URL.rstrip("/")
        if not base:
            raise CommandError(
                "Indiquez d'abord l'adresse publique de l'application : O2R_PUBLIC_URL."
            )
        path = reverse("sms:hook_inbound", args=[services.inbound_token()])
        self.stdout.write(f"SMS reçus (réponses, STOP) : POST {base}{path}")
        self.stdout.write(
            "Rapports de remise : chaque SMS envoyé porte sa propre adresse (webUrl de Brevo)."
        )
