"""Writes of the insights app: only the access-log row for each page or export of figures."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import AccessLogEntry
from accounts.services import accesslog_record_insights
from insights.selectors import Filters, Scope


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
