"""Background work for messaging, run by `manage.py db_worker` (django-tasks, stored in the database)."""

from __future__ import annotations

from django_tasks import task

from messaging import services


@task()
def notification_send_task(notification_id: int) -> str:
    """Send one outbox notification (scheduled after the message's commit, or at the end of the quiet hours)."""
    return services.notification_send(notification_id=notification_id)
