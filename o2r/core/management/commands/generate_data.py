"""`manage.py generate_data --scale pilot|regional|national`: the generated data set
(o2r/core/benchdata/) in a database of its own on the application's server, created and
migrated if needed. The same seed gives the same data (dates counted back from the day of the
run). `manage.py bench` prepares its national data with the same code."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from o2r.core import benchdata


class Command(BaseCommand):
    help = (
        "Génère un jeu de données inventé, à l'échelle du pilote (6 résidences à Nantes, "
        "480 résidents), régionale (100 résidences, 10 000 résidents) ou nationale "
        "(1 000 résidences, 100 000 résidents, 2 millions de contacts), dans une base à part "
        "sur le serveur de l'application : par défaut o2r_bench pour l'échelle nationale (la "
        "base de make bench et make load), o2r_<échelle> sinon (o2r_pilot, o2r_regional). "
        "Une base qui a déjà les données de cette échelle et de cette graine les garde."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(benchdata.SCALES),
            default=benchdata.NATIONAL.name,
            help="échelle des données (national par défaut)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=benchdata.SEED,
            help=f"graine des tirages ({benchdata.SEED} par défaut)",
        )
        parser.add_argument(
            "--database",
            help="base à remplir, dont le nom commence par o2r_ (par défaut o2r_bench pour "
            "l'échelle nationale, o2r_<échelle> sinon) ; jamais celle de l'application",
        )
        parser.add_argument(
            "--regenerate", action="store_true", help="supprime la base et la recrée"
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Les données générées ne vont jamais en production.")
        scale = benchdata.SCALES[options["scale"]]
        database = options["database"] or benchdata.default_database(scale)
        started = time.perf_counter()
        build = benchdata.Build(
            benchdata.Generation(scale, options["seed"]), database=database, log=self.stdout.write
        )
        build.run(regenerate=options["regenerate"])
        with connection.cursor() as cursor:
            counts = benchdata.row_counts(cursor.cursor)
        self.stdout.write(f"Lignes de {database} :")
        for label, count in counts.items():
            self.stdout.write(f"  {label:<22} {count:>10,}")
        self.stdout.write(
            f"Total : {sum(counts.values()):,} lignes, {time.perf_counter() - started:.1f} s."
        )
