"""The audit table refuses TRUNCATE too. TRUNCATE empties a table without deleting its rows one
by one, so the row trigger of 0002 never sees it; a statement-level trigger stands guard.
PostgreSQL only, as 0002.

One TRUNCATE is let through: inside a transaction that first ran
``SET LOCAL audit.allow_truncate = 'on'``. Only the test suite does that, around the flush that
empties the database after each transactional test (tests/conftest.py); ``manage.py flush`` on
a real database is refused. Whoever can run that SET can also drop the trigger: the guard is
against mistakes and the portal's own SQL, as 0002's is, not against the database's owner.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_entry_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('audit.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: TRUNCATE refused'
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_truncate
    BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_no_truncate();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
