from django.db import migrations, models
import django.db.models.deletion

INDEX = "accesslog_accesslogentry_young_person_id_b904c731"


class Migration(migrations.Migration):
    """The young person's own index goes: the (young person, time) index serves every lookup by young person.

    Only the index is dropped. Django's own AlterField would remake the table on SQLite, and with it lose the
    append-only trigger of 0001."""

    dependencies = [
        ("accesslog", "0001_initial"),
        ("youth", "0005_guardianship_confirmation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="accesslogentry",
                    name="young_person",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="access_log",
                        to="youth.youngperson",
                        verbose_name="whose record",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX};",
                    reverse_sql=f"CREATE INDEX {INDEX} ON accesslog_accesslogentry (young_person_id);",
                ),
            ],
        ),
    ]
