"""Respite has an app of its own (issue #24): its models leave hostfamilies' migration state. Their tables stay;
respite 0001 took them over (and respite 0002 renames them)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('hostfamilies', '0005_introduction_visits'),
        ('respite', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Stay'),
                migrations.DeleteModel(name='HostCalendarFeed'),
                migrations.DeleteModel(name='RespiteOption'),
            ],
        ),
    ]
