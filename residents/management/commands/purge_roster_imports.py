from django.core.management.base import BaseCommand
from django.utils import timezone

from residents.models import RosterImport
from residents.roster_services import RETENTION, roster_purge_expired


class Command(BaseCommand):
    help = (
        "Supprime les imports de listes de résidents de plus d'un jour (la tâche Celery "
        "purge_roster_imports fait de même chaque heure). Sans --wet-run, compte seulement."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="supprimer pour de bon")

    def handle(self, *args, wet_run, **options):
        if not wet_run:
            count = RosterImport.objects.filter(uploaded_at__lt=timezone.now() - RETENTION).count()
            self.stdout.write(f"{count} import(s) à supprimer (relancez avec --wet-run).")
            return
        count = roster_purge_expired()
        self.stdout.write(f"{count} import(s) supprimé(s).")
