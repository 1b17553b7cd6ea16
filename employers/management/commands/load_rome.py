from django.core.management.base import BaseCommand

from employers.models import RomeAppellation, RomeCode
from employers.rome import ROME_VERSION, load_rome


class Command(BaseCommand):
    help = "Charge (ou met à jour) le référentiel ROME depuis employers/data/. Idempotent."

    def handle(self, *args, **options):
        counts = load_rome(RomeCode, RomeAppellation)
        self.stdout.write(
            f"{ROME_VERSION} : {counts['codes']} fiches, {counts['appellations']} appellations."
        )
