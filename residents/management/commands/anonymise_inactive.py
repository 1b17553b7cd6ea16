from django.conf import settings
from django.core.management.base import BaseCommand

from residents.personal_data import residents_anonymise_inactive


class Command(BaseCommand):
    help = (
        "Anonymise les résidents sans interaction depuis O2R_RETENTION_INACTIVE_DAYS jours "
        "(730 par défaut) et purge les données rattachées à personne (chaque source de "
        "O2R_PERSONAL_DATA_SOURCES). Sans --wet-run, dit seulement qui partirait."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="anonymiser pour de bon")

    def handle(self, *args, wet_run, **options):
        ids, purged = residents_anonymise_inactive(wet_run=wet_run)
        days = settings.O2R_RETENTION_INACTIVE_DAYS
        listed = ", ".join(str(pk) for pk in ids) or "aucun"
        if not wet_run:
            self.stdout.write(
                f"{len(ids)} résident(s) sans interaction depuis {days} jours à anonymiser "
                f"(relancez avec --wet-run) : {listed}"
            )
            return
        self.stdout.write(f"{len(ids)} résident(s) anonymisé(s) : {listed}")
        self.stdout.write(f"{purged} donnée(s) non rattachée(s) à un résident supprimée(s).")
