"""Background work for young people, run by `manage.py db_worker` (django-tasks, stored in the database)."""

from __future__ import annotations

from django_tasks import task

from youth import services


@task()
def adulthood_begin_task(young_person_id: int) -> bool:
    """Queued for the 18th birthday (when the young person is registered, or by `manage.py adulthood_plan`): tell
    the parents and the young adult that the young adult now decides (`youth.services.adulthood_begin`)."""
    return services.adulthood_begin(young_person_id=young_person_id)
