"""The roll-up (insights.models.Tally): what it is made of (`tally_counts`, written by
`insights.services.tally_refresh`), how it is read for a scope, and the dashboard's cubes and headline figures
counted from it.

The database counts, per form and basis, requests, starts (per day waited), ends (per kind) and starts per
duration bucket (grouped queries: bins, never people); the running totals per quarter are summed up here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import TruncQuarter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import Organisation
from insights.figures import SIX_MONTHS, TWELVE_MONTHS, FormFigures, cohort_end, lasted_at_least
from insights.models import Tally, TallyRun
from insights.scope import EVERYTHING, Areas, Basis, Filters, Quarter, Scope, areas_of
from insights.sources import END_KINDS, FORM_BY_KEY, FORMS, Form, days_between, matches_of, requests_of
from insights.statistics import Figure, as_date, as_days, figure, percentile, share
from insights.suppression import Cell, Cube, Table, suppress_together

LASTED_SHORT, LASTED_6, LASTED_12, LASTED_RUNNING = 0, 1, 2, 3
TALLY_REQUEST, TALLY_START, TALLY_END = "request", "start", "end"
TALLY_ACTIVE, TALLY_COHORT, TALLY_WAIT = "active", "cohort", "wait"
MAX_WEEKS = 52


def tally_counts(today: dt.date | None = None) -> Iterator[dict[str, Any]]:
    """The roll-up's rows: dicts with form, measure, basis, area, organisation, quarter, value and n.

    The database counts, per form and basis, requests, starts (per day waited), ends (per kind) and starts per
    duration bucket (grouped queries: bins, never people). Here those bins are merged into weeks and summed up
    per quarter into what runs at each quarter's end (ACTIVE) and the cohorts for "lasting six and twelve
    months" (COHORT), for every quarter up to the current one."""
    everything = Filters(Quarter(2000, 1), Quarter(2000, 1), None, Basis.PAYING)
    current = Quarter.of(today or timezone.localdate()).start
    for form in FORMS:
        for basis, area_ref in ((Basis.PAYING, "paying_ref"), (Basis.RESIDENCE, "residence_ref")):
            keys = {"t_area": F(area_ref), "t_organisation": F("organisation_ref")}
            out: dict[tuple[str, int, int, dt.date, int], int] = {}

            def add(
                measure: str, row: dict[str, Any], quarter: Any, value: int, n: int, out: dict[Any, int] = out
            ) -> None:
                key = (measure, row["t_area"], row["t_organisation"], as_date(quarter), value)
                out[key] = out.get(key, 0) + n

            requests = requests_of(form.key, EVERYTHING, everything)
            for row in requests.values(**keys, q=TruncQuarter("asked_on")).annotate(n=Count("pk")):
                add(TALLY_REQUEST, row, row["q"], 0, row["n"])
            matches = matches_of(form.key, EVERYTHING, everything)
            waits = matches.values(**keys, q=TruncQuarter("started"), wait=days_between(F("started"), F("asked_on")))
            for row in waits.annotate(n=Count("pk")):
                add(TALLY_START, row, row["q"], 0, row["n"])
                add(TALLY_WAIT, row, row["q"], min(max(as_days(row["wait"]), 0) // 7, MAX_WEEKS), row["n"])
            # Aliases start with t_ where a model may have a field of the plain name (Mentorship has `kind`).
            ends = matches.filter(ended__isnull=False).values(**keys, q=TruncQuarter("ended"), t_kind=F("end_kind"))
            for row in ends.annotate(n=Count("pk")):
                kind = row["t_kind"] if row["t_kind"] in END_KINDS else "ended"
                add(TALLY_END, row, row["q"], END_KINDS.index(kind), row["n"])
            lasted = matches.annotate(
                bucket=Case(
                    When(ended__isnull=True, then=Value(LASTED_RUNNING)),
                    When(lasted_at_least(TWELVE_MONTHS), then=Value(LASTED_12)),
                    When(lasted_at_least(SIX_MONTHS), then=Value(LASTED_6)),
                    default=Value(LASTED_SHORT),
                    output_field=IntegerField(),
                )
            )
            buckets: dict[tuple[int, int, dt.date, int], int] = {}
            for row in lasted.values(**keys, q=TruncQuarter("started"), b=F("bucket")).annotate(n=Count("pk")):
                bucket_key = (row["t_area"], row["t_organisation"], as_date(row["q"]), row["b"])
                buckets[bucket_key] = buckets.get(bucket_key, 0) + row["n"]
            yield from _running_totals(form.key, basis, out, buckets, current)
            for (measure, area, organisation, quarter, value), n in out.items():
                yield _tally(form.key, measure, basis, area, organisation, quarter, value, n)


def _running_totals(
    form: str,
    basis: str,
    out: dict[tuple[str, int, int, dt.date, int], int],
    buckets: dict[tuple[int, int, dt.date, int], int],
    current: dt.date,
) -> Iterator[dict[str, Any]]:
    """ACTIVE and COHORT rows for every quarter from the first one with data up to the current one."""
    changes: dict[tuple[int, int], dict[dt.date, list[int]]] = {}
    for (measure, area, organisation, quarter, _value), n in out.items():
        if measure in (TALLY_START, TALLY_END):
            step = changes.setdefault((area, organisation), {}).setdefault(quarter, [0, 0, 0, 0])
            step[0] += n if measure == TALLY_START else -n
    for (area, organisation, quarter, bucket), n in buckets.items():
        step = changes.setdefault((area, organisation), {}).setdefault(quarter, [0, 0, 0, 0])
        step[1] += n
        step[2] += n if bucket in (LASTED_6, LASTED_12, LASTED_RUNNING) else 0
        step[3] += n if bucket in (LASTED_12, LASTED_RUNNING) else 0
    for (area, organisation), steps in changes.items():
        at = Quarter.of(min(steps))
        totals = [0, 0, 0, 0]
        while at.start <= current:
            for i, n in enumerate(steps.get(at.start, (0, 0, 0, 0))):
                totals[i] += n
            if totals[0]:
                yield _tally(form, TALLY_ACTIVE, basis, area, organisation, at.start, 0, totals[0])
            for value, n in enumerate(totals[1:]):
                if n:
                    yield _tally(form, TALLY_COHORT, basis, area, organisation, at.start, value, n)
            at = at.next()


def _tally(
    form: str, measure: str, basis: str, area: int, organisation: int, quarter: dt.date, value: int, n: int
) -> dict[str, Any]:
    return {
        "form": form,
        "measure": measure,
        "basis": basis,
        "area": area,
        "organisation": organisation,
        "quarter": quarter,
        "value": value,
        "n": n,
    }


def tallies_in(scope: Scope, filters: Filters) -> QuerySet[Any]:
    qs = Tally.objects.order_by().filter(basis=filters.basis, quarter__lte=filters.last.start)
    if filters.municipality_id is not None:
        qs = qs.filter(area=filters.municipality_id)
    elif scope.municipality_ids is not None:
        qs = qs.filter(area__in=scope.municipality_ids)
    if scope.organisation_ids is not None:
        qs = qs.filter(organisation__in=scope.organisation_ids)
    return qs


def tally_as_of() -> dt.datetime | None:
    """When the roll-up was last made (None: never)."""
    run = TallyRun.objects.order_by("-finished_at").first()
    return run.finished_at if run else None


def tally_refresh_queued() -> bool:
    """Whether a nightly refresh of the roll-up waits in the task queue (queued, not yet started)."""
    return DBTaskResult.objects.filter(
        task_path="insights.tasks.tally_refresh_nightly", status=TaskResultStatus.READY
    ).exists()


def figures_from_tallies(
    form: Form, rows: list[dict[str, Any]], filters: Filters, cells: dict[str, Cell], ended: Table | None
) -> FormFigures:
    labels = [_("Requests"), _("Matches started"), _("Active at the end of the period"), _("Ended")]
    first, last = filters.first.start, filters.last.start
    mine = [r for r in rows if r["form"] == form.key]
    started = sum(r["n"] for r in mine if r["measure"] == TALLY_START and first <= r["quarter"] <= last)
    # The cells come from the cubes of all areas (`tally_cubes`), so a figure for one municipality is hidden
    # exactly when it is hidden there: choosing an area cannot undo the complementary suppression.
    shown = [cells[m] for m in (TALLY_REQUEST, TALLY_START, TALLY_ACTIVE, TALLY_END)]
    result = FormFigures(
        form,
        Table(
            [_("People")],
            [(label, [c], c) for label, c in zip(labels, shown, strict=True)],
            [Cell(None)],
            Cell(None),
            has_totals=False,
            has_row_totals=False,
        ),
        ended_by_reason=ended,
    )
    weeks: dict[int, int] = {}
    for r in mine:
        if r["measure"] == TALLY_WAIT and first <= r["quarter"] <= last:
            weeks[r["value"]] = weeks.get(r["value"], 0) + r["n"]
    histogram = sorted(weeks.items())
    result.waiting_median = figure(percentile(histogram, 0.5), started)
    result.waiting_p90 = figure(percentile(histogram, 0.9), started)
    if cells[TALLY_START].hidden and started:
        # The waiting time rests on a number of people that is hidden here: it is hidden too.
        result.waiting_median = result.waiting_p90 = Figure(None, max(started, 1))
    if form.has_duration:
        for span, attribute, value in ((SIX_MONTHS, "lasting_6", 1), (TWELVE_MONTHS, "lasting_12", 2)):
            cutoff = Quarter.of(cohort_end(filters.end, span)).start
            cohort: dict[int, int] = {}
            for r in mine:
                if r["measure"] == TALLY_COHORT and r["quarter"] == cutoff:
                    cohort[r["value"]] = cohort.get(r["value"], 0) + r["n"]
            setattr(result, attribute, share(cohort.get(value, 0), cohort.get(0, 0)))
    return result


@dataclass
class TallyCubes:
    """Every table of the dashboard and the report that is read from the roll-up, for all areas at once and
    suppressed together (`suppression.suppress_together`)."""

    areas: Areas
    requests: Cube  # areas x quarters x forms
    starts: Cube  # areas x quarters x forms
    by_organisation: Cube  # areas x organisations x forms (matches started in the period)
    organisations: list[str]
    active: Cube  # areas x 1 x forms (running at the end of the period)
    ends: dict[str, Cube]  # per form: areas x kinds x 1 (ended in the period; by reason for forms with a duration)


def tally_cubes(scope: Scope, filters: Filters, rows: list[dict[str, Any]], by_org: list[dict[str, Any]]) -> TallyCubes:
    """The cubes, from the roll-up's rows for the whole scope (grouped by area). Linked: the matches started per
    form are the column totals of the quarter table and of the table per organisation, in every area."""
    areas = areas_of(scope, {r["area"] for r in rows} | {r["area"] for r in by_org})
    quarters = {q.start: i for i, q in enumerate(filters.quarters)}
    column = {form.key: j for j, form in enumerate(FORMS)}
    counts = {m: areas.empty_cube(len(quarters), len(FORMS)) for m in (TALLY_REQUEST, TALLY_START)}
    active = areas.empty_cube(1, len(FORMS))
    kinds = {form.key: list(form.end_kinds) if form.has_duration else [""] for form in FORMS}
    ends = {form.key: areas.empty_cube(len(kinds[form.key]), 1) for form in FORMS}
    for r in rows:
        a, j = areas.index(r["area"]), column.get(r["form"])
        if j is None:
            continue
        if r["measure"] in counts and r["quarter"] in quarters:
            counts[r["measure"]][a][quarters[r["quarter"]]][j] += r["n"]
        elif r["measure"] == TALLY_ACTIVE and r["quarter"] == filters.last.start:
            active[a][0][j] += r["n"]
        elif r["measure"] == TALLY_END and r["quarter"] in quarters:
            form_kinds = kinds[r["form"]]
            kind = END_KINDS[r["value"]] if 0 <= r["value"] < len(END_KINDS) else ""
            ends[r["form"]][a][form_kinds.index(kind) if kind in form_kinds else 0][0] += r["n"]
    names = dict(Organisation.objects.filter(pk__in={r["organisation"] for r in by_org}).values_list("pk", "name"))
    order = sorted(names, key=lambda pk: (names[pk], pk))
    organisation_index = {pk: i for i, pk in enumerate(order)}
    per_organisation = areas.empty_cube(len(order), len(FORMS))
    for r in by_org:
        if r["form"] in column and r["organisation"] in organisation_index:
            per_organisation[areas.index(r["area"])][organisation_index[r["organisation"]]][column[r["form"]]] += r["n"]
    result = TallyCubes(
        areas=areas,
        requests=Cube(counts[TALLY_REQUEST], shape=(len(quarters), len(FORMS)), row_totals=False),
        starts=Cube(counts[TALLY_START], shape=(len(quarters), len(FORMS)), row_totals=False),
        by_organisation=Cube(per_organisation, shape=(len(order), len(FORMS))),
        organisations=[names[pk] for pk in order],
        active=Cube(active, shape=(1, len(FORMS)), totals=False),
        ends={
            key: Cube(cube, shape=(len(kinds[key]), 1), totals=FORM_BY_KEY[key].has_duration, row_totals=False)
            for key, cube in ends.items()
        },
    )
    n_quarters, n_organisations = len(quarters), len(order)
    links = [
        [(result.starts, (a, n_quarters, j)), (result.by_organisation, (a, n_organisations, j))]
        for a in range(areas.count + 1)
        for j in range(len(FORMS))
    ]
    cubes = [result.requests, result.starts, result.by_organisation, result.active, *result.ends.values()]
    suppress_together(cubes, links if n_organisations else [])
    return result
