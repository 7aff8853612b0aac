"""Figures about groups (insights) are logged too, without a young person: the subject becomes optional for that
kind of row only (a check constraint), and `detail` says which figures were shown.

On SQLite, altering a column rebuilds the table and drops its triggers: the append-only trigger of 0003 is
created again at the end.
"""

import django.db.models.deletion
from django.db import migrations, models


SQLITE_TRIGGER = '''
CREATE TRIGGER IF NOT EXISTS accesslog_append_only BEFORE UPDATE ON accounts_accesslogentry
BEGIN SELECT RAISE(ABORT, 'access log rows cannot be changed'); END;
'''


def trigger_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_accesslog_mentorship'),
        ('youth', '0002_network'),
    ]

    operations = [
        migrations.AddField(
            model_name='accesslogentry',
            name='detail',
            field=models.CharField(blank=True, max_length=300, verbose_name='which figures'),
        ),
        migrations.AlterField(
            model_name='accesslogentry',
            name='what',
            field=models.CharField(choices=[('profile', 'profile'), ('case', 'case'), ('consent', 'consent'), ('list', 'name in a list'), ('support_family', 'support family request or match'), ('network', 'network map'), ('mentorship', 'JIM mentorship'), ('insights', 'figures about groups')], max_length=30, verbose_name='what'),
        ),
        migrations.AlterField(
            model_name='accesslogentry',
            name='young_person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='access_log', to='youth.youngperson', verbose_name='whose record'),
        ),
        migrations.AddConstraint(
            model_name='accesslogentry',
            constraint=models.CheckConstraint(condition=models.Q(('young_person__isnull', False), ('what', 'insights'), _connector='OR'), name='accesslog_subject_unless_insights'),
        ),
        migrations.RunPython(trigger_again, migrations.RunPython.noop),
    ]
