"""Make the audit log append-only in the database itself, not only in the ORM.

UPDATE is refused on both backends. DELETE is refused on PostgreSQL; on SQLite
the test runner empties tables with DELETE between transactional tests, so there
only the ORM guards it (``AuditQuerySet.delete``).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION privacy_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'privacy_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_audit_no_update BEFORE UPDATE OR DELETE ON privacy_auditentry
    FOR EACH ROW EXECUTE FUNCTION privacy_audit_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS privacy_audit_no_update ON privacy_auditentry;
DROP FUNCTION IF EXISTS privacy_audit_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER privacy_audit_no_update BEFORE UPDATE ON privacy_auditentry
BEGIN
    SELECT RAISE(ABORT, 'privacy_auditentry is append-only');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS privacy_audit_no_update;"


def forward(apps, schema_editor):
    sql = PG_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    schema_editor.execute(sql)


def backward(apps, schema_editor):
    sql = PG_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
