import django.contrib.postgres.fields
from django.db import migrations, models

# The application's database role may not DELETE from the access log (see the grant_app_role
# command): it purges through this function, which runs as its owner (the role migrations run
# as), deletes only rows past the 12-month retention period and takes no argument. The search
# path is pinned and every name in the body is schema-qualified.
PURGE_FUNCTION = [
    """
    CREATE FUNCTION {schema}.audit_accesslog_purge() RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
        WITH purged AS (
            DELETE FROM {schema}.audit_accesslog
            WHERE at < pg_catalog.now() - interval '12 months'
            RETURNING 1
        )
        SELECT count(*) FROM purged
    $$
    """,
    "REVOKE ALL ON FUNCTION {schema}.audit_accesslog_purge() FROM PUBLIC",
    """
    COMMENT ON FUNCTION {schema}.audit_accesslog_purge() IS
    'Deletes the access log rows older than 12 months: the only DELETE the application may do.'
    """,
]


def _schema(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = 'audit_accesslog'::regclass"
        )
        (schema,) = cursor.fetchone()
    return schema_editor.quote_name(schema)


def create_purge_function(apps, schema_editor):
    schema = _schema(schema_editor)
    for statement in PURGE_FUNCTION:
        schema_editor.execute(statement.format(schema=schema))


def drop_purge_function(apps, schema_editor):
    schema_editor.execute(
        f"DROP FUNCTION IF EXISTS {_schema(schema_editor)}.audit_accesslog_purge()"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only'),
    ]

    operations = [
        migrations.AddField(
            model_name='accesslog',
            name='resident_ids',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), blank=True, db_default=[], default=list, verbose_name='résidents'),
        ),
        migrations.AlterField(
            model_name='accesslog',
            name='action',
            field=models.CharField(choices=[('read', 'Consultation'), ('export', 'Export'), ('history', "Consultation de l'historique"), ('personal_data_export', "Export du dossier (droit d'accès)"), ('erase', 'Effacement du dossier')], max_length=20, verbose_name='action'),
        ),
        migrations.RunPython(create_purge_function, drop_purge_function),
    ]
