"""Pages of figures about groups: the dashboard, the quarterly report and the CSV export. Analysts see their
region, coordinators their own organisation; nobody sees a person. Every page and export is logged."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.http import AuthenticatedHttpRequest
from insights import charts, selectors
from insights.scope import Basis, Filters, Quarter, Scope, filters_from, insights_scope_for, municipalities_in
from insights.selectors import Dashboard
from insights.services import insights_view_log, tally_refresh_if_stale


def _scope_and_filters(request: HttpRequest) -> tuple[Scope, Filters]:
    scope = insights_scope_for(request.user)
    if scope is None:
        raise PermissionDenied
    tally_refresh_if_stale()
    return scope, filters_from(request.GET, scope)


def _context(request: HttpRequest, data: Dashboard) -> dict[str, Any]:
    return {
        "data": data,
        "municipalities": municipalities_in(data.scope).order_by("name"),
        "bases": Basis.CHOICES,
        "quarter_choices": _quarter_choices(data.filters),
        "quarter_chart": charts.bar_chart(data.started_by_quarter),
        "area_chart": charts.bar_chart(data.by_area),
        "survival_charts": [(f, charts.survival_chart(f.survival)) for f in data.forms if f.survival],
        "query": data.filters.as_query(),
    }


def _quarter_choices(filters: Filters) -> list[str]:
    quarter, found = Quarter.of(filters.end).next(), []
    for _i in range(20):
        quarter = quarter.previous()
        found.append(str(quarter))
    return found


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The dashboard of figures for the user's region or organisation, with filters for period and area."""
    scope, filters = _scope_and_filters(request)
    data = selectors.dashboard(scope, filters)
    insights_view_log(request=request, scope=scope, filters=filters, page="dashboard")
    return render(request, "insights/dashboard.html", _context(request, data))


@login_required
def report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The quarterly report: every figure, made to print."""
    scope, filters = _scope_and_filters(request)
    data = selectors.report(scope, filters)
    insights_view_log(request=request, scope=scope, filters=filters, page="report")
    return render(request, "insights/report.html", _context(request, data))


@login_required
def export_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The report's tables as CSV, suppressed exactly as on the page (the cells are the same objects)."""
    scope, filters = _scope_and_filters(request)
    data = selectors.report(scope, filters)
    insights_view_log(request=request, scope=scope, filters=filters, page="export", export=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dichtbij-{filters.first}-{filters.last}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Figures about groups. Counts under 5 are shown as '< 5'."),
            scope.label,
            str(filters.first),
            str(filters.last),
        ]
    )
    for title, table in _tables(data):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(["", *[str(c) for c in table.columns], *([_("Total")] if table.has_row_totals else [])])
        for label, cells, total in table.rows:
            writer.writerow([str(label), *[str(c) for c in cells], *([str(total)] if table.has_row_totals else [])])
        if table.has_totals:
            grand = [str(table.total)] if table.has_row_totals else []
            writer.writerow([_("Total"), *[str(c) for c in table.column_totals], *grand])
    writer.writerow([])
    writer.writerow(
        [
            _("Support form"),
            _("Waiting time in weeks, median"),
            _("Waiting time in weeks, 90th percentile"),
            _("Share lasting 6 months (%)"),
            _("Share lasting 12 months (%)"),
        ]
    )
    for figures in data.forms:
        writer.writerow(
            [
                str(figures.form.label),
                str(figures.waiting_median),
                str(figures.waiting_p90),
                str(figures.lasting_6),
                str(figures.lasting_12),
            ]
        )
    return response


def _tables(data: Dashboard) -> list[tuple[str, Any]]:
    tables: list[tuple[str, Any]] = [
        (_("Matches started per quarter"), data.started_by_quarter),
        (_("Requests per quarter"), data.extra["requests_by_quarter"]),
        (_("Matches running at the end of the period, per municipality"), data.by_area),
        (_("Matches started per organisation"), data.extra["by_organisation"]),
    ]
    for figures in data.forms:
        tables.append((str(figures.form.label), figures.summary))
        if figures.ended_by_reason is not None:
            tables.append((_("%(form)s: ended by reason") % {"form": figures.form.label}, figures.ended_by_reason))
    outcomes = data.extra["outcomes"]
    tables += [
        (_("JIM: threatened out-of-home placement averted"), outcomes.placement_averted),
        (_("JIM: goals reached, in the eyes of the young person"), outcomes.goals_young_person),
        (_("JIM: goals reached, in the eyes of the parents"), outcomes.goals_parents),
        (_("JIM: satisfaction (1 to 5)"), outcomes.satisfaction),
        (_("Support family: outcome"), outcomes.support_family),
        (_("Volunteer pipeline"), data.extra["pipeline"].stages),
        (_("Supply and demand by age group"), data.extra["supply_and_demand"]),
    ]
    return tables
