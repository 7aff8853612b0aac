"""Writes of the insights app: the roll-up of counts, and the access-log row for each page or export of figures."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AccessLogEntry
from accounts.services import accesslog_record_insights
from insights.models import Tally, TallyRun
from insights.selectors import Filters, Scope, tally_as_of, tally_counts

BATCH = 5_000


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
    """Make the roll-up again from the other apps' tables (`insights.selectors.tally_counts`) and record when.

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
