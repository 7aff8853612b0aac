"""The database itself refuses to change an access-log row, whatever code runs (NEN 7513: the log is evidence).

Deletes are refused by the application only: test databases are emptied between tests, and a retention job
run by the database owner may one day need to remove rows older than the legal term.
"""

from django.db import migrations

TABLE = "accounts_accesslogentry"

SQL = {
    "postgresql": (
        f"""
        CREATE OR REPLACE FUNCTION accesslog_refuse_update() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'access log rows cannot be changed'; END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER accesslog_append_only BEFORE UPDATE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION accesslog_refuse_update();
        """,
        f"DROP TRIGGER IF EXISTS accesslog_append_only ON {TABLE}; DROP FUNCTION IF EXISTS accesslog_refuse_update();",
    ),
    "sqlite": (
        f"""
        CREATE TRIGGER accesslog_append_only BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'access log rows cannot be changed'); END;
        """,
        "DROP TRIGGER IF EXISTS accesslog_append_only;",
    ),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor in SQL:
        schema_editor.execute(SQL[schema_editor.connection.vendor][0])


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor in SQL:
        schema_editor.execute(SQL[schema_editor.connection.vendor][1])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
