"""The access log moved to an app of its own (accesslog, issue #24): its rows are copied there with their ids, so
that nothing that names a row (a printed export, an audit note) points to another one.

The copy is one INSERT ... SELECT in the database (a large log need not pass through Python); on PostgreSQL the new
table's id sequence then continues after the highest copied id. Backwards, the rows go back to the old table (which
the reverse of 0016 created again) and leave the new one.
"""

from django.core.management.color import no_style
from django.db import migrations

COLUMNS = (
    "id, at, actor_id, actor_name, actor_role, actor_organisation, young_person_id, action, what, ip_address, detail"
)


def _copy(schema_editor, source, target):
    qn = schema_editor.connection.ops.quote_name
    schema_editor.execute(
        f"INSERT INTO {qn(target._meta.db_table)} ({COLUMNS}) SELECT {COLUMNS} FROM {qn(source._meta.db_table)}"
    )
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [target]):
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    _copy(schema_editor, apps.get_model("accounts", "AccessLogEntry"), apps.get_model("accesslog", "AccessLogEntry"))


def backwards(apps, schema_editor):
    old, new = apps.get_model("accounts", "AccessLogEntry"), apps.get_model("accesslog", "AccessLogEntry")
    _copy(schema_editor, new, old)
    # The database refuses updates of the log, not deletes (accesslog's 0001).
    schema_editor.execute(f"DELETE FROM {schema_editor.connection.ops.quote_name(new._meta.db_table)}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0014_user_email_optional_phone_unique"),
        ("accesslog", "0001_initial"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
