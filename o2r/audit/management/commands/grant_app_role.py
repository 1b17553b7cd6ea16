"""`python manage.py grant_app_role <role>`: what the application's database role may do.

Migrations run as the tables' owner; web, worker and beat connect as a role that owns nothing.
Run by the owner (or a superuser) after every `migrate`; idempotent. The role may SELECT, INSERT,
UPDATE and DELETE on every table and use the sequences, now and (default privileges) on the
tables later migrations create, except the append-only access log: SELECT and INSERT only, and
EXECUTE on audit_accesslog_purge() for the 12-month purge. Being no owner, it can neither
truncate, alter, drop nor disable the log's trigger."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

# Tables the application may only read and append to.
APPEND_ONLY_TABLES = ["audit_accesslog"]
# Functions (without arguments) it may call to do what it may not do directly.
FUNCTIONS = ["audit_accesslog_purge"]


class Command(BaseCommand):
    help = (
        "Donne au rôle PostgreSQL de l'application ses droits (idempotent ; à lancer par le "
        "propriétaire des tables après chaque migrate)."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="le rôle avec lequel web, worker et beat se connectent")

    def handle(self, *args, role, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            owner, schema = self._owner_and_schema(cursor)
            self._check_role(cursor, role, owner)
            q = {"role": sql.Identifier(role), "owner": sql.Identifier(owner)}
            q["schema"] = sql.Identifier(schema)
            statements = [
                "GRANT USAGE ON SCHEMA {schema} TO {role}",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
                "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
                "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
                "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
                "GRANT USAGE, SELECT ON SEQUENCES TO {role}",
            ]
            for table in APPEND_ONLY_TABLES:
                q["table"] = sql.Identifier(schema, table)
                statements += [
                    "REVOKE ALL ON TABLE {table} FROM {role}",
                    "GRANT SELECT, INSERT ON TABLE {table} TO {role}",
                ]
            for statement in statements:
                cursor.execute(sql.SQL(statement).format(**q))
            for function in FUNCTIONS:
                cursor.execute(
                    sql.SQL("GRANT EXECUTE ON FUNCTION {} () TO {}").format(
                        sql.Identifier(schema, function), q["role"]
                    )
                )
            self._check_append_only(cursor, role, schema)
        self.stdout.write(
            f"Rôle {role} : lecture et écriture sur les tables de {schema}, lecture et ajout "
            f"seulement sur {', '.join(APPEND_ONLY_TABLES)} (propriétaire : {owner})."
        )

    def _owner_and_schema(self, cursor):
        cursor.execute("SELECT to_regclass('audit_accesslog') IS NOT NULL")
        if not cursor.fetchone()[0]:
            raise CommandError("La table audit_accesslog n'existe pas : lancez d'abord migrate.")
        cursor.execute(
            "SELECT pg_get_userbyid(c.relowner), n.nspname, current_user, "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = 'audit_accesslog'::regclass"
        )
        owner, schema, current, superuser = cursor.fetchone()
        if current != owner and not superuser:
            raise CommandError(
                f"À lancer en tant que {owner}, le propriétaire des tables (celui de migrate), "
                f"pas en tant que {current}."
            )
        return owner, schema

    def _check_role(self, cursor, role, owner):
        cursor.execute(
            "SELECT oid, rolsuper, rolbypassrls, pg_has_role(oid, %s, 'MEMBER') "
            "FROM pg_roles WHERE rolname = %s",
            [owner, role],
        )
        row = cursor.fetchone()
        if row is None:
            raise CommandError(f"Le rôle {role} n'existe pas (CREATE ROLE {role} LOGIN ...).")
        oid, superuser, bypassrls, member_of_owner = row
        if superuser or bypassrls or member_of_owner:
            raise CommandError(
                f"Le rôle {role} est {owner}, membre de {owner} ou superutilisateur : il "
                "pourrait modifier le journal des accès. Il faut un rôle distinct, sans privilège."
            )
        # What DROP ROLE would complain about: objects of this database, and shared ones.
        cursor.execute(
            "SELECT count(*) FROM pg_shdepend WHERE refobjid = %s AND deptype = 'o' "
            "AND dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))",
            [oid],
        )
        if cursor.fetchone()[0]:
            raise CommandError(
                f"Le rôle {role} est propriétaire d'objets : un propriétaire peut désactiver "
                "les déclencheurs. Il faut un rôle qui ne possède rien."
            )

    def _check_append_only(self, cursor, role, schema):
        # A grant to PUBLIC or to a role it belongs to would survive the REVOKE above.
        for table in APPEND_ONLY_TABLES:
            cursor.execute(
                "SELECT p FROM unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) AS p, pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = %s AND has_table_privilege(%s, c.oid, p)",
                [schema, table, role],
            )
            if kept := [p for (p,) in cursor.fetchall()]:
                raise CommandError(
                    f"Le rôle {role} garde {', '.join(kept)} sur {table} (accordé à PUBLIC ou à "
                    "un rôle dont il est membre) : retirez-le."
                )
