"""The old access-log table goes, with its append-only trigger and (PostgreSQL) the trigger's function: the rows
live in accesslog's table since 0015, which has a trigger of its own."""

from django.db import migrations

TABLE = "accounts_accesslogentry"

# As accounts' 0003 created them (0008 created the SQLite trigger again after a table rebuild).
TRIGGER = {
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


def trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor in TRIGGER:
        schema_editor.execute(TRIGGER[schema_editor.connection.vendor][1])


def trigger_create(apps, schema_editor):
    if schema_editor.connection.vendor in TRIGGER:
        schema_editor.execute(TRIGGER[schema_editor.connection.vendor][0])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0015_accesslog_copied")]
    operations = [
        migrations.RunPython(trigger_drop, trigger_create),
        migrations.DeleteModel(name="AccessLogEntry"),
    ]
