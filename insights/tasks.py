"""Background work for the figures about groups, run by `manage.py db_worker` (django-tasks, stored in the database)."""

from __future__ import annotations

from django_tasks import task

from insights import services


@task()
def tally_refresh_nightly() -> int:
    """Make the roll-up again and queue the run for the next night (`insights.services.tally_refresh_nightly`)."""
    return services.tally_refresh_nightly()
