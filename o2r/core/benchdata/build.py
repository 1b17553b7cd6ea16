"""A generated data set in its own database, as `manage.py generate_data` and `manage.py bench`
build it: the database is created on the application's server (DATABASE_URL, or the embedded
PostgreSQL) and migrated, then each step runs in one transaction of its own, followed by a
VACUUM ANALYZE of what it wrote. A database already holding the scale and seed asked for keeps
its data: only the steps whose version changed since are written again."""

import time

import psycopg
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from psycopg import sql

from o2r.accounts.models import User
from o2r.reminders.models import Reminder

from . import employers, employment, outreach, residents
from .scale import Generation
from .writing import table


def generate_all(cursor, gen: Generation, *, log):
    """Writes the four steps through `cursor`, in the caller's transaction, into a migrated
    database with no generated rows yet (the tests'). Returns {part: seconds}."""
    timings = {}
    for generate in (residents.generate, employers_afresh, employment.generate, outreach.generate):
        timings |= generate(cursor, gen, log=log)
        # The deferred foreign key checks of the step's updates are made now: a table with
        # checks pending can be neither altered nor emptied (Build commits between steps).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return timings


def employers_afresh(cursor, gen, *, log):
    """The employers' step, after emptying the employment rows that point at the openings
    (written again afterwards)."""
    employment.clear(cursor)
    return employers.generate(cursor, gen, log=log)


def row_counts(cursor):
    """{label: rows} of every table the steps write."""
    counts = {}
    tables = {**residents.TABLES, **employers.TABLES, **employment.TABLES, **outreach.TABLES}
    for label, model in tables.items():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(table(model)))
        counts[label] = cursor.fetchone()[0]
    return counts


def check_database_name(name):
    """Refuses a database the generator must not empty: the application's own, or one whose
    name does not start with o2r_ (a typo of --database cannot drop another one)."""
    if name == settings.DATABASES["default"]["NAME"]:
        raise CommandError(f"{name} est la base de l'application : choisissez-en une autre.")
    if not name.startswith("o2r_"):
        raise CommandError(f"Le nom de la base doit commencer par o2r_ (reçu : {name}).")


# Written on every database the generator creates: the only ones it will migrate or drop.
MARK = "o2r: generated data (manage.py generate_data), safe to rebuild"


class Build:
    """Prepares `database` with the data of `gen` (its scale and seed), printing each part
    through `log`."""

    def __init__(self, gen: Generation, *, database, log):
        check_database_name(database)
        self.gen, self.database, self.log = gen, database, log

    def run(self, *, regenerate=False):
        """Points Django at the database, creating, migrating and filling it as needed. Returns
        the generation timings ({part: seconds}, with "total"), or None when every step's data
        was already there."""
        started = time.perf_counter()
        server = self.server_parameters()
        exists = self.database_exists(server)
        if exists:
            self.refuse_unmarked(server)
        self.use_database()
        if exists and not regenerate:
            if self.reusable():
                self.log(f"Données de {self.database} déjà en place ({self.gen.label}).")
                timings = self.later_steps()
                if not timings:
                    return None
                timings["total"] = time.perf_counter() - started
                return timings
            self.log(f"Données de {self.database} absentes ou anciennes.")
        connection.close()
        self.recreate_database(server, drop=exists)
        self.migrate()
        timings = self.residents()
        timings |= self.later_steps()
        timings["total"] = time.perf_counter() - started
        return timings

    # --- The steps ---------------------------------------------------------------------------

    def residents(self):
        scale = self.gen.scale
        self.log(
            f"Génération de {scale.residents:,} résidents sur {scale.residences:,} résidences "
            f"({self.gen.label}) :"
        )
        timings = self.step("résidents", residents.generate, vacuum=None)
        with connection.cursor() as cursor:
            checked, bad = residents.search_text_mismatches(cursor.cursor, scale)
        if bad:
            raise CommandError(
                f"search_text faux pour {len(bad)} résidents sur {checked}: {bad[:3]}"
            )
        self.log(f"search_text vérifié avec residents.normalise sur {checked} résidents.")
        return timings

    def later_steps(self):
        """The employers, the accompaniments and the outreach, each (re)written when its
        version is missing. Returns {part: seconds} of those written."""
        scale = self.gen.scale
        steps = [
            (
                employers.ready,
                "Entreprises déjà en place.",
                f"Génération de {scale.employers:,} entreprises et {scale.openings:,} offres :",
                "entreprises",
                employers_afresh,
                [*employers.TABLES.values(), User],
            ),
            (
                employment.ready,
                "Accompagnements déjà en place.",
                f"Génération des accompagnements ({scale.open_per_coach} en cours et "
                f"{scale.introductions_per_coach:,} mises en relation par chargée de mission, "
                f"{scale.coaches} chargées de mission) :",
                "accompagnements",
                employment.generate,
                [*employment.TABLES.values(), Reminder],
            ),
            (
                outreach.ready,
                "Aller vers et SMS déjà en place.",
                f"Génération de {outreach.YEARS} ans d'aller vers "
                f"({scale.outreach_actions:,} actions, {scale.outreach_contacts:,} contacts, "
                f"{scale.referrals:,} signalements, {scale.sms_campaigns:,} campagnes SMS) :",
                "aller vers",
                outreach.generate,
                [*outreach.WRITTEN, Reminder],
            ),
        ]
        timings = {}
        for ready, in_place, announce, label, generate, vacuum in steps:
            with connection.cursor() as cursor:
                if ready(cursor.cursor, scale):
                    self.log(in_place)
                    continue
            self.log(announce)
            timings |= self.step(label, generate, vacuum=vacuum)
        return timings

    def step(self, label, generate, *, vacuum):
        """Runs `generate` in a transaction of its own on the generated database, then VACUUM
        ANALYZE on the `vacuum` models' tables (the whole database if None). Returns {"label:
        part": seconds}."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            if cursor.fetchone()[0] != self.database:
                raise CommandError(f"Refus : ce n'est pas la base {self.database}.")
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            timings = generate(cursor.cursor, self.gen, log=self.log)
            committing = time.perf_counter()
        timings["COMMIT"] = time.perf_counter() - committing
        self.log(f"  {'COMMIT':<18} {'':>15}  {timings['COMMIT']:6.1f} s")
        vacuumed = time.perf_counter()
        with connection.cursor() as cursor:
            if vacuum is None:
                cursor.execute("VACUUM ANALYZE")
            for model in vacuum or []:
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        timings["VACUUM ANALYZE"] = time.perf_counter() - vacuumed
        self.log(f"  {'VACUUM ANALYZE':<18} {'':>15}  {timings['VACUUM ANALYZE']:6.1f} s")
        return {f"{label}: {part}": seconds for part, seconds in timings.items()}

    # --- The database ------------------------------------------------------------------------

    def server_parameters(self):
        """psycopg parameters for the application's own database, which also serves to create
        and drop the generated one on the same server."""
        database = settings.DATABASES["default"]
        parameters = {
            "dbname": database["NAME"],
            "host": database.get("HOST"),
            "port": database.get("PORT"),
            "user": database.get("USER"),
            "password": database.get("PASSWORD"),
            "connect_timeout": database.get("OPTIONS", {}).get("connect_timeout", 5),
        }
        return {key: value for key, value in parameters.items() if value not in (None, "")}

    def database_exists(self, server):
        with psycopg.connect(**server, autocommit=True) as admin:
            found = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.database]
            ).fetchone()
        return found is not None

    def refuse_unmarked(self, server):
        """A database this generator did not create is neither migrated nor dropped: only its
        mark (a comment written at creation) says a database is ours to rebuild."""
        with psycopg.connect(**server, autocommit=True) as admin:
            comment = admin.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [self.database],
            ).fetchone()[0]
        if comment != MARK:
            raise CommandError(
                f"La base {self.database} existe et n'a pas été créée par generate_data : elle "
                "n'est ni migrée ni supprimée. Choisissez un autre nom (--database), ou "
                "supprimez-la vous-même si elle ne sert plus."
            )

    def recreate_database(self, server, *, drop):
        name = sql.Identifier(self.database)
        with psycopg.connect(**server, autocommit=True) as admin:
            if drop:
                self.log(f"Suppression de la base {self.database}.")
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
            self.log(f"Création de la base {self.database}.")
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
            admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(name, sql.Literal(MARK)))

    def use_database(self):
        connection.close()
        settings.DATABASES["default"]["NAME"] = self.database
        connection.settings_dict["NAME"] = self.database

    def migrate(self):
        call_command("migrate", interactive=False, verbosity=0, skip_checks=True)

    def reusable(self):
        """The existing database migrates, matches the models (migrations are still rewritten
        in place while the app is young) and holds the residents of this scale and seed."""
        try:
            self.migrate()
        except Exception as error:  # whatever a stale migration history raises
            self.log(f"Migration impossible ({error.__class__.__name__}).")
            return False
        stale = self.schema_differences()
        if stale:
            self.log(f"Schéma différent des modèles : {', '.join(stale[:5])}.")
            return False
        with connection.cursor() as cursor:
            return residents.ready(cursor.cursor, self.gen.scale, self.gen.seed)

    def schema_differences(self):
        """Tables whose columns, indexes or constraints differ from the models'."""
        stale = []
        with connection.cursor() as cursor:
            tables = set(connection.introspection.table_names(cursor))
            for model in apps.get_models():
                name = model._meta.db_table
                if model._meta.proxy or not model._meta.managed:
                    continue
                if name not in tables:
                    stale.append(name)
                    continue
                columns = {
                    c.name for c in connection.introspection.get_table_description(cursor, name)
                }
                names = set(connection.introspection.get_constraints(cursor, name))
                expected = {
                    i.name for i in [*model._meta.indexes, *model._meta.constraints] if i.name
                }
                if (
                    columns != {f.column for f in model._meta.concrete_fields}
                    or not expected <= names
                ):
                    stale.append(name)
        return stale
