"""The access log as an app of its own (issue #24): the table, its index and check, and the append-only trigger.

Squashed from accounts' migrations 0001-0011 (where the log lived): `what` has no database choices any more
(accesslog.whats), so a new kind of read adds no migration. accounts' 0015 copies the old rows here, keeping their ids,
and 0016 removes the old table.

The database itself refuses to change an access-log row, whatever code runs (NEN 7513: the log is evidence), on
PostgreSQL and SQLite alike. Deletes are refused by the application only: test databases are emptied between
tests, and a retention job run by the database owner may one day need to remove rows older than the legal term.
The trigger and function have names of their own (not accounts' `accesslog_append_only`), as both tables exist
until accounts' 0016 drops the old one with its trigger. On SQLite a later migration that rebuilds this table
drops the trigger: such a migration must create it again (tests/test_accesslog.py checks that it refuses).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "accesslog_accesslogentry"

TRIGGER = {
    "postgresql": (
        f"""
        CREATE OR REPLACE FUNCTION accesslog_entry_refuse_update() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'access log rows cannot be changed'; END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER accesslog_entry_append_only BEFORE UPDATE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION accesslog_entry_refuse_update();
        """,
        f"DROP TRIGGER IF EXISTS accesslog_entry_append_only ON {TABLE};"
        " DROP FUNCTION IF EXISTS accesslog_entry_refuse_update();",
    ),
    "sqlite": (
        f"""
        CREATE TRIGGER accesslog_entry_append_only BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'access log rows cannot be changed'); END;
        """,
        "DROP TRIGGER IF EXISTS accesslog_entry_append_only;",
    ),
}


def trigger_create(apps, schema_editor):
    if schema_editor.connection.vendor in TRIGGER:
        schema_editor.execute(TRIGGER[schema_editor.connection.vendor][0])


def trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor in TRIGGER:
        schema_editor.execute(TRIGGER[schema_editor.connection.vendor][1])


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('youth', '0005_guardianship_confirmation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessLogEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='when')),
                ('actor_name', models.CharField(max_length=300, verbose_name='name')),
                ('actor_role', models.CharField(blank=True, choices=[('young_person', 'Young person'), ('parent', 'Parent or guardian'), ('mentor', 'Mentor'), ('volunteer', 'Volunteer'), ('professional', 'Professional'), ('coordinator', 'Coordinator'), ('analyst', 'Analyst'), ('admin', 'Administrator')], max_length=20, verbose_name='role')),
                ('actor_organisation', models.CharField(blank=True, max_length=150, verbose_name='organisation')),
                ('action', models.CharField(choices=[('view', 'viewed'), ('change', 'changed'), ('export', 'exported')], max_length=10, verbose_name='action')),
                ('what', models.CharField(max_length=30, verbose_name='what')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='from where')),
                ('detail', models.CharField(blank=True, max_length=300, verbose_name='which figures')),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who')),
                ('young_person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='access_log', to='youth.youngperson', verbose_name='whose record')),
            ],
            options={
                'verbose_name': 'access log entry',
                'verbose_name_plural': 'access log',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['young_person', '-at'], name='accesslog_entry_subject_time')],
                'constraints': [models.CheckConstraint(condition=models.Q(('young_person__isnull', False), ('what', 'insights'), _connector='OR'), name='accesslog_entry_subject_unless_insights')],
            },
        ),
        migrations.RunPython(trigger_create, trigger_drop),
    ]
