"""Issue #23: an index in the order of the coordinator's volunteer pipeline (active, paused, stopped; longest registered first)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('volunteers', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='volunteer',
            index=models.Index(models.Case(models.When(status='active', then=models.Value(0)), models.When(status='paused', then=models.Value(1)), default=models.Value(2)), models.F('registered_at'), models.F('id'), name='volunteer_pipeline_order'),
        ),
    ]
