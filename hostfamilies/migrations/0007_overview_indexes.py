"""Issue #23: indexes for the support-family overview (a waiting list in order, the requests of one status in the overview's order, matches newest first)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('hostfamilies', '0006_respite_moved_out'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='supportfamilymatch',
            index=models.Index(fields=['created_at', 'id'], name='supportfamilymatch_created'),
        ),
        migrations.AddIndex(
            model_name='supportrequest',
            index=models.Index(fields=['organisation', 'status', 'created_at', 'id'], name='supportrequest_org_status_at'),
        ),
        migrations.AddIndex(
            model_name='supportrequest',
            index=models.Index(fields=['status', 'created_at', '-id'], name='supportrequest_status_order'),
        ),
    ]
