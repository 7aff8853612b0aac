"""Writes of the insights app: the roll-up of counts, and the access-log row for each page or export of figures."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record_insights
from accounts.models import Role, User
from insights import selectors
from insights.models import Tally, TallyRun
from insights.scope import Filters, Scope, filters_from, insights_scope_for
from insights.tallies import tally_as_of, tally_counts, tally_refresh_queued
from youth.services import consent_state_refresh_due

BATCH = 5_000
SCHEDULE_LOCK = 0x1A51_9475  # the advisory-lock key for queueing the nightly refresh (any constant of our own)


def insights_view_log(*, request: HttpRequest, scope: Scope, filters: Filters, page: str, export: bool = False) -> None:
    """Write one access-log row for a page (or CSV export) of figures: which page, area and period, in which role.
    One insert in the request's transaction."""
    accesslog_record_insights(
        request=request,
        role=scope.role,
        organisation=scope.organisation_name,
        detail=f"{page}: {scope.label} {filters.describe()}",
        action=AccessLogEntry.Action.EXPORT if export else AccessLogEntry.Action.VIEW,
    )


def tally_refresh() -> TallyRun:
    """Make the roll-up again from the other apps' tables (`insights.tallies.tally_counts`) and record when.

    One transaction: readers see the old roll-up or the new one, never half. The table lock this takes on
    PostgreSQL (`LOCK ... IN EXCLUSIVE MODE` lets readers read) makes two refreshes at once run one after the
    other instead of both inserting."""
    began = time.perf_counter()
    with transaction.atomic():
        if transaction.get_connection().vendor == "postgresql":
            with transaction.get_connection().cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Tally._meta.db_table} IN EXCLUSIVE MODE")
        Tally.objects.all().delete()
        rows = Tally.objects.bulk_create((Tally(**row) for row in tally_counts()), batch_size=BATCH)
        return TallyRun.objects.create(
            finished_at=timezone.now(), rows=len(rows), seconds=round(time.perf_counter() - began, 3)
        )


def tally_refresh_if_stale() -> None:
    """Refresh the roll-up when it is older than INSIGHTS_MAX_AGE_MINUTES (default a day) or was never made.
    Run `manage.py insights_refresh` nightly (it takes about 20 s for 100,000 young people on SQLite); this is the
    safety net, so the figures a page shows are never older than that. The pages say when they were counted."""
    as_of = tally_as_of()
    max_age = timedelta(minutes=getattr(settings, "INSIGHTS_MAX_AGE_MINUTES", 24 * 60))
    if as_of is None or timezone.now() - as_of > max_age:
        tally_refresh()
        # A roll-up this old means the nightly run is not queued (a new install nobody ran a command on, or a
        # queue that was emptied): start it again. Only on this rare path, so a page view costs no extra query.
        tally_refresh_schedule()


def tally_refresh_next_run(*, now: datetime | None = None) -> datetime:
    """The next INSIGHTS_REFRESH_HOUR o'clock (default 3: 03:00) in local time (TIME_ZONE), strictly after `now`.
    Made from the local date and hour, so it stays 03:00 across the change to and from summer time."""
    now = now or timezone.now()
    hour = int(getattr(settings, "INSIGHTS_REFRESH_HOUR", 3))
    local = timezone.localtime(now)
    run = timezone.make_aware(datetime.combine(local.date(), clock(hour)))
    if run <= now:
        run = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), clock(hour)))
    return run


def tally_refresh_schedule(*, now: datetime | None = None) -> bool:
    """Queue the nightly refresh of the roll-up for the next night, unless a run is already queued (not yet
    started, whenever it is due). Returns whether it queued one. So exactly one waits in the queue however often
    this is called: the chain is started by `manage.py insights_refresh` and `demo_load`, by a page that finds
    the roll-up stale, and continued by each nightly run (`tally_refresh_nightly`).

    The check and the insert are one transaction; on PostgreSQL a transaction-level advisory lock makes two
    callers at once take turns (the second then finds the first one's row). SQLite lets one writer at a time."""
    # tasks.py imports this module to run the work: imported at call time to break the cycle.
    from insights.tasks import tally_refresh_nightly

    with transaction.atomic():
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK])
        if tally_refresh_queued():
            return False
        tally_refresh_nightly.using(run_after=tally_refresh_next_run(now=now)).enqueue()
        return True


def tally_refresh_nightly() -> int:
    """The nightly job: make the roll-up again (and refresh the stored consent answers whose birthday passed), then
    queue the next night's run, also when the refresh failed
    (the chain must not break on one bad night; the pages' `tally_refresh_if_stale` covers the gap). Returns the
    number of roll-up rows."""
    try:
        rows = tally_refresh().rows
        dashboards_warm()
        # The night is also when birthdays of the consent rule (12, 16, 18) pass: the case lists stay exact without
        # this, but work the rule out again for those young people until their stored answer is refreshed.
        consent_state_refresh_due()
        return rows
    finally:
        tally_refresh_schedule()


def dashboards_warm() -> int:
    """Work out the hidden cells of the dashboard each analyst and coordinator opens first (their scope, the
    default period) right after the roll-up, so that their first view reads them from the cache
    (insights.suppression) instead of solving linear programmes for seconds while they wait: 5 s for a region of
    20,000 young people, more when several first views come at once. Returns how many dashboards it made."""
    users = User.objects.filter(is_active=True, roles__role__in=[Role.ANALYST, Role.COORDINATOR]).distinct()
    scopes = {scope for user in users if (scope := insights_scope_for(user)) is not None}
    for scope in scopes:
        selectors.dashboard(scope, filters_from(QueryDict(), scope))
    return len(scopes)
