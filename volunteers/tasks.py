"""Background work for volunteers, run by `manage.py db_worker` (django-tasks, stored in the database)."""

from __future__ import annotations

from django_tasks import task

from volunteers import services


@task()
def vog_expiry_reminder(vog_id: int) -> bool:
    """Scheduled when a VOG is recorded, for eight weeks before it expires."""
    return services.vog_remind(vog_id=vog_id)


@task()
def volunteer_erase_when_due(volunteer_id: int) -> bool:
    """Scheduled when a volunteer stops, for the end of the retention period."""
    return services.volunteer_erase(volunteer_id=volunteer_id)
