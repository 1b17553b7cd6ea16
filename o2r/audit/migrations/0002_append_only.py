from django.db import migrations

# The access log is append-only: no UPDATE ever, and DELETE only of rows past the 12-month
# retention period (the purge job). TRUNCATE, used by test isolation, fires no row trigger.
SQL = """
CREATE FUNCTION audit_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit_accesslog is append-only';
    END IF;
    IF OLD.at > now() - interval '12 months' THEN
        RAISE EXCEPTION 'audit_accesslog rows are kept 12 months';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_accesslog_append_only
BEFORE UPDATE OR DELETE ON audit_accesslog
FOR EACH ROW EXECUTE FUNCTION audit_accesslog_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit_accesslog_append_only ON audit_accesslog;
DROP FUNCTION IF EXISTS audit_accesslog_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
