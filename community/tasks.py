"""Background work for the social broker, run by `manage.py db_worker` (django-tasks, stored in the database).

Here and not in community/brokers/: a queued task is stored by its path (community.tasks.referral_follow_up_reminder),
so moving it would orphan the reminders already planned."""

from __future__ import annotations

from django_tasks import task

from community.brokers import services


@task()
def referral_follow_up_reminder(referral_id: int, follow_up: str) -> bool:
    """Scheduled when a follow-up becomes the referral's next step, for the day it is due."""
    return services.referral_follow_up_remind(referral_id=referral_id, follow_up=follow_up)
