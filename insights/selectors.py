"""The entry points of the insights pages: the dashboard (read from the roll-up) and the quarterly report (the
dashboard plus live figures), for a scope and filters (`insights.scope`). Everything is suppressed before it
leaves (`insights.suppression`); how is told in `insights.tallies` and `insights.figures`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from insights.figures import (
    SIX_MONTHS,
    TWELVE_MONTHS,
    FormFigures,
    cohort_end,
    outcomes,
    respite_use,
    supply_and_demand,
    survival_by_area,
    volunteer_pipeline,
)
from insights.scope import Filters, Quarter, Scope
from insights.sources import END_KIND_LABELS, FORMS
from insights.statistics import as_date
from insights.suppression import Table
from insights.tallies import (
    TALLY_ACTIVE,
    TALLY_COHORT,
    TALLY_END,
    TALLY_REQUEST,
    TALLY_START,
    TALLY_WAIT,
    figures_from_tallies,
    tallies_in,
    tally_as_of,
    tally_cubes,
)


@dataclass
class Dashboard:
    scope: Scope
    filters: Filters
    forms: list[FormFigures]
    started_by_quarter: Table
    by_area: Table
    extra: dict[str, Any] = field(default_factory=dict)
    as_of: dt.datetime | None = None


def dashboard(scope: Scope, filters: Filters) -> Dashboard:
    """The municipality dashboard, read from the roll-up in grouped queries that each follow one index
    (measure, municipality or organisation, quarter): counts per quarter and municipality, the waiting-time
    histogram, what runs at the end plus the cohorts for "lasting", and the matches started per organisation.
    Per form the headline figures, requests and matches started per quarter, and what runs per municipality at
    the end of the period.

    Every table is a slice of a cube over all areas (`tally_cubes`), so the dashboard, the report and the CSV,
    for the whole scope or any one municipality, hide the same cells, and no two of them can be subtracted to
    recover a hidden one (suppression.py, rule 3)."""
    whole = tallies_in(scope, replace(filters, municipality_id=None))
    first, last = filters.first.start, filters.last.start
    cohorts = [Quarter.of(cohort_end(filters.end, span)).start for span in (SIX_MONTHS, TWELVE_MONTHS)]
    keys = ("form", "measure", "quarter", "value", "area")
    counted = whole.filter(measure__in=[TALLY_REQUEST, TALLY_START, TALLY_END], quarter__gte=first)
    states = whole.filter(measure__in=[TALLY_ACTIVE, TALLY_COHORT], quarter__in=[last, *cohorts])
    by_area = [
        {**r, "quarter": as_date(r["quarter"])}
        for qs in (counted, states)
        for r in qs.values(*keys).annotate(n=Sum("n"))
    ]
    by_org = list(
        whole.filter(measure=TALLY_START, quarter__gte=first)
        .values("form", "organisation", "area")
        .annotate(n=Sum("n"))
    )
    waiting = tallies_in(scope, filters).filter(measure=TALLY_WAIT, quarter__gte=first)
    rows = [r for r in by_area if filters.municipality_id is None or r["area"] == filters.municipality_id]
    rows += [
        {**r, "measure": TALLY_WAIT, "quarter": first} for r in waiting.values("form", "value").annotate(n=Sum("n"))
    ]
    cubes = tally_cubes(scope, filters, by_area, by_org)
    a = cubes.areas.chosen(filters)
    at = cubes.areas.count if a is None else a
    n_quarters = len(filters.quarters)
    form_labels = [f.label for f in FORMS]
    figures = []
    for j, form in enumerate(FORMS):
        end_cube = cubes.ends[form.key]
        cells = {
            TALLY_REQUEST: cubes.requests.cell((at, n_quarters, j)),
            TALLY_START: cubes.starts.cell((at, n_quarters, j)),
            TALLY_ACTIVE: cubes.active.cell((at, 0, j)),
            TALLY_END: end_cube.cell((at, end_cube.n_rows if form.has_duration else 0, 0)),
        }
        ended = None
        if form.has_duration:
            kind_labels = [END_KIND_LABELS[k] for k in form.end_kinds]
            ended = end_cube.table(a, row_labels=kind_labels, columns=[_("Ended")])
        figures.append(figures_from_tallies(form, rows, filters, cells, ended))
    quarter_labels = [str(q) for q in filters.quarters]
    result = Dashboard(
        scope=scope,
        filters=filters,
        forms=figures,
        started_by_quarter=cubes.starts.table(a, row_labels=quarter_labels, columns=form_labels),
        by_area=cubes.active.areas_table(0, area_labels=cubes.areas.labels, columns=form_labels),
        as_of=tally_as_of(),
    )
    result.extra["requests_by_quarter"] = cubes.requests.table(a, row_labels=quarter_labels, columns=form_labels)
    result.extra["by_organisation"] = cubes.by_organisation.table(
        a, row_labels=cubes.organisations, columns=form_labels
    )
    return result


def report(scope: Scope, filters: Filters) -> Dashboard:
    """The quarterly report: the dashboard, with per form the endings by reason and the survival curve (live),
    requests per quarter, per organisation, outcomes at closure, the volunteer pipeline, supply and demand by
    age group, and respite nights against capacity. The live tables are counted for all areas at once and
    suppressed as cubes too, so the report for one municipality and the one for the whole scope agree."""
    result = dashboard(scope, filters)
    for figures in result.forms:
        if figures.form.has_duration:
            figures.survival = survival_by_area(scope, filters, figures.form.key)
    result.extra |= {
        "outcomes": outcomes(scope, filters),
        "pipeline": volunteer_pipeline(scope, filters),
        "supply_and_demand": supply_and_demand(scope, filters),
        "respite": respite_use(scope, filters),
    }
    return result
