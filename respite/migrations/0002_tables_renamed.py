"""The tables respite took over from hostfamilies get respite's names (ALTER TABLE … RENAME on SQLite and
PostgreSQL: the rows, keys and constraints stay as they are)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('hostfamilies', '0006_respite_moved_out'),
        ('respite', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(name='respiteoption', table=None),
        migrations.AlterModelTable(name='hostcalendarfeed', table=None),
        migrations.AlterModelTable(name='stay', table=None),
    ]
