"""Background work for support families, run by `manage.py db_worker` (django-tasks, stored in the database)."""

from __future__ import annotations

from django_tasks import task

from hostfamilies import services


@task()
def match_review_reminder(review_id: int) -> bool:
    """Scheduled when a review is planned, for two weeks before it is due."""
    return services.matchreview_remind(review_id=review_id)
