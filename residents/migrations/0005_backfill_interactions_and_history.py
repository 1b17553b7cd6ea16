from django.db import migrations

# The latest real interaction of each resident from what the file already records: consents
# given or withdrawn, notes, moves into engaged, accompanied or employed. Dates of consents
# count at noon, Paris time.
INTERACTIONS = """
UPDATE residents_resident r SET last_interaction_at = s.at FROM (
    SELECT resident_id, max(at) AS at FROM (
        SELECT resident_id, (given_on + time '12:00') AT TIME ZONE 'Europe/Paris' AS at
        FROM residents_consent
        UNION ALL
        SELECT resident_id, (withdrawn_on + time '12:00') AT TIME ZONE 'Europe/Paris'
        FROM residents_consent WHERE withdrawn_on IS NOT NULL
        UNION ALL
        SELECT resident_id, created_at FROM residents_note
        UNION ALL
        SELECT resident_id, changed_at FROM residents_stagechange
        WHERE to_stage IN ('engaged', 'accompanied', 'employed')
    ) a GROUP BY resident_id
) s
WHERE r.id = s.resident_id AND r.last_interaction_at IS NULL
"""

TRACKED = [
    "Resident", "ResidentBenefit", "Consent", "ResidentBarrier", "ExternalReferent", "Note",
    "ActionStep",
]  # fmt: skip


def snapshots(apps, schema_editor):
    """A "snapshot" event of every row the history has no event of yet (rows written before
    the triggers): the first change after it then shows its real "before"."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for name in TRACKED:
        model = apps.get_model("residents", name)
        event = apps.get_model("residents", f"{name}Event")
        columns = [
            f.column for f in event._meta.concrete_fields if not f.name.startswith("pgh_")
        ]
        listed = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(event._meta.db_table)} "
                f"(pgh_created_at, pgh_label, pgh_obj_id, {listed}) "
                f"SELECT now(), 'snapshot', t.id, {', '.join('t.' + quote(c) for c in columns)} "
                f"FROM {quote(model._meta.db_table)} t WHERE NOT EXISTS ("
                f"SELECT 1 FROM {quote(event._meta.db_table)} e WHERE e.pgh_obj_id = t.id)"
            )


class Migration(migrations.Migration):
    dependencies = [("residents", "0004_history_clock")]

    operations = [
        migrations.RunSQL(INTERACTIONS, migrations.RunSQL.noop),
        migrations.RunPython(snapshots, migrations.RunPython.noop),
    ]
