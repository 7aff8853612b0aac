"""Respite moves out of hostfamilies into an app of its own (issue #24): the models RespiteOption, HostCalendarFeed
and Stay are created here in the migration state only, on the tables hostfamilies made for them, and hostfamilies
0006 takes them out of its state. 0002 gives the tables respite's names. No row is copied or lost."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("respiteoption", "hostcalendarfeed", "stay")


def content_types_follow(apps, schema_editor, old="hostfamilies", new="respite"):
    # The models keep their content types (and so any permissions given on them): the rows take the new app label.
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not types.filter(app_label=new, model=model).exists():
            types.filter(app_label=old, model=model).update(app_label=new)


def content_types_go_back(apps, schema_editor):
    content_types_follow(apps, schema_editor, old="respite", new="hostfamilies")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0014_user_email_optional_phone_unique'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('hostfamilies', '0005_introduction_visits'),
        ('volunteers', '0001_initial'),
        ('youth', '0005_guardianship_confirmation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HostCalendarFeed',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token', models.CharField(max_length=64, unique=True)),
                        ('renewed_at', models.DateTimeField(auto_now=True, verbose_name='renewed at')),
                        ('volunteer', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='calendar_feed', to='volunteers.volunteer', verbose_name='support family')),
                    ],
                    options={
                        'db_table': 'hostfamilies_hostcalendarfeed',
                        'verbose_name': 'calendar feed',
                        'verbose_name_plural': 'calendar feeds',
                    },
                ),
                migrations.CreateModel(
                    name='RespiteOption',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('support_family_beds', 'beds at a support family'), ('stay_house', 'stay house (logeerhuis)')], max_length=20, verbose_name='kind')),
                        ('name', models.CharField(max_length=150, verbose_name='name')),
                        ('beds_per_night', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)], verbose_name='beds per night')),
                        ('age_min', models.PositiveSmallIntegerField(default=0, verbose_name='from age')),
                        ('age_max', models.PositiveSmallIntegerField(default=23, verbose_name='up to age')),
                        ('rules', models.TextField(blank=True, verbose_name='house rules')),
                        ('active', models.BooleanField(default=True, verbose_name='open for bookings')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('coordinator', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='coordinated_respite_options', to=settings.AUTH_USER_MODEL, verbose_name='coordinator')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='respite_options', to='accounts.organisation', verbose_name='organisation')),
                        ('volunteer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='respite_options', to='volunteers.volunteer', verbose_name='support family')),
                    ],
                    options={
                        'db_table': 'hostfamilies_respiteoption',
                        'verbose_name': 'respite option',
                        'verbose_name_plural': 'respite options',
                        'ordering': ['name', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Stay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('arrival', models.DateField(verbose_name='arrival')),
                        ('departure', models.DateField(verbose_name='departure')),
                        ('with_parent', models.BooleanField(default=False, verbose_name='a parent comes along')),
                        ('status', models.CharField(choices=[('requested', 'requested'), ('confirmed', 'confirmed'), ('waiting', 'on the waiting list'), ('cancelled', 'cancelled'), ('refused', 'refused')], default='requested', max_length=10, verbose_name='status')),
                        ('refusal_reason', models.TextField(blank=True, verbose_name='reason for refusing')),
                        ('offered_at', models.DateTimeField(blank=True, null=True, verbose_name='a bed came free at')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='stays', to='youth.case', verbose_name='case')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                        ('option', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='stays', to='respite.respiteoption', verbose_name='respite option')),
                        ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                    ],
                    options={
                        'db_table': 'hostfamilies_stay',
                        'verbose_name': 'stay',
                        'verbose_name_plural': 'stays',
                        'ordering': [models.OrderBy(models.F('offered_at'), nulls_last=True), 'created_at', 'pk'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='respiteoption',
                    constraint=models.CheckConstraint(condition=models.Q(('beds_per_night__gte', 1)), name='respiteoption_beds_positive'),
                ),
                migrations.AddConstraint(
                    model_name='respiteoption',
                    constraint=models.CheckConstraint(condition=models.Q(('age_min__lte', models.F('age_max'))), name='respiteoption_age_range_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='respiteoption',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'support_family_beds'), ('volunteer__isnull', False)), models.Q(('kind', 'stay_house'), ('volunteer__isnull', True)), _connector='OR'), name='respiteoption_volunteer_iff_family_beds'),
                ),
                migrations.AddIndex(
                    model_name='stay',
                    index=models.Index(fields=['option', 'status', 'arrival'], name='stay_option_status_arrival'),
                ),
                migrations.AddConstraint(
                    model_name='stay',
                    constraint=models.CheckConstraint(condition=models.Q(('departure__gt', models.F('arrival'))), name='stay_departure_after_arrival'),
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
