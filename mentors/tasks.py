"""Background work for JIM mentorships, run by `manage.py db_worker` (django-tasks, stored in the database)."""

from __future__ import annotations

from django_tasks import task

from mentors import services


@task()
def checkin_reminder(checkin_id: int) -> bool:
    """Scheduled when a check-in is planned, for a week before it is due."""
    return services.checkin_remind(checkin_id=checkin_id)
