"""Background work for matching, run by `manage.py db_worker` (django-tasks, stored in the database)."""

from __future__ import annotations

from django_tasks import task

from matching import services


@task()
def waiting_list_plan_task(organisation_id: int) -> bool:
    """Compute and store an organisation's waiting-list plan (`matching.services.waiting_list_plan_compute`)."""
    return services.waiting_list_plan_compute(organisation_id=organisation_id)
