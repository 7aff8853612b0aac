"""Background work for messaging, run by `manage.py db_worker` (django-tasks, stored in the database)."""

from __future__ import annotations

from django_tasks import task

from messaging.services import membership, outbox


@task()
def notification_send_task(notification_id: int) -> str:
    """Send one outbox notification (scheduled after the message's commit, or at the end of the quiet hours)."""
    return outbox.notification_send(notification_id=notification_id)


@task()
def conversation_sync_task(conversation_id: int) -> bool:
    """Scheduled for the day a young person becomes old enough to read a conversation (the broker conversation)."""
    return membership.conversation_resync(conversation_id=conversation_id)
