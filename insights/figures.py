"""The figures of the dashboard and the report that are counted live: per form the headline figures, the
survival curve, tables per quarter, area and organisation, outcomes at closure, the volunteer pipeline, supply and
demand by age group, and respite use.

Every figure is an aggregate query (Count/Sum with filters, grouped with values()) over the forms' sources
(`insights.sources`); where a distribution is needed (waiting-time percentiles, the survival curve) the database
returns a histogram (one row per distinct number of days, never per person) and the percentile or Kaplan-Meier
step is read from those bins (`insights.statistics`). Nothing here loops over people. Every table goes through
`insights.suppression` (`suppress`, or a `Cube` over all areas) before it is returned, and every single figure
through `figure_shown`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, cast

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncQuarter
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.states import OPEN_STATES
from insights.scope import Filters, Quarter, Scope, areas_of, municipalities_in
from insights.sources import (
    BUDDY,
    END_KIND_LABELS,
    END_KINDS,
    FORMS,
    JIM,
    RESPITE,
    SUPPORT_FAMILY,
    Form,
    days_between,
    matches_of,
    requests_of,
)
from insights.statistics import SURVIVAL_MONTHS, Figure, as_days, figure, kaplan_meier, percentile, share
from insights.suppression import Cell, Cube, Table, figure_shown, suppress
from mentors.models import Mentorship
from respite.models import RespiteOption
from training.models import Course, CourseCompletion
from volunteers.models import Intake, Outcome, VogCheck, Volunteer
from youth.ages import ADULT_AGE, CONSENT_ALONE_AGE, CONSENT_OWN_AGE, born_by
from youth.models import BuddyRequest

SIX_MONTHS, TWELVE_MONTHS = dt.timedelta(days=182), dt.timedelta(days=365)
# The consent rule's bands (under 12, 12 to 15, 16 and 17, from 18), with the youngest children apart.
AGE_GROUPS: tuple[tuple[int, int], ...] = (
    (0, 3),
    (4, CONSENT_OWN_AGE - 1),
    (CONSENT_OWN_AGE, CONSENT_ALONE_AGE - 1),
    (CONSENT_ALONE_AGE, ADULT_AGE - 1),
    (ADULT_AGE, 23),
)


@dataclass
class FormFigures:
    form: Form
    summary: Table  # one row per measure, one column
    waiting_median: Figure = field(default_factory=lambda: Figure(None, 0))
    waiting_p90: Figure = field(default_factory=lambda: Figure(None, 0))
    lasting_6: Figure = field(default_factory=lambda: Figure(None, 0))
    lasting_12: Figure = field(default_factory=lambda: Figure(None, 0))
    ended_by_reason: Table | None = None
    survival: list[tuple[int, Figure]] = field(default_factory=list)


def form_figures(form: Form, scope: Scope, filters: Filters, *, detail: bool = True) -> FormFigures:
    """Requests, matches started, active at the end, ended (by reason), waiting time (median, p90), duration (share
    lasting 6 and 12 months, survival curve) for one support form, in the period and area."""
    start, end = filters.start, filters.end
    labels = [_("Requests"), _("Matches started"), _("Active at the end of the period"), _("Ended")]
    requests = requests_of(form.key, scope, filters).filter(asked_on__gte=start, asked_on__lte=end).count()
    matches = matches_of(form.key, scope, filters).filter(started__lte=end)
    in_period = Q(started__gte=start)
    running_at_end = Q(ended__isnull=True) | Q(ended__gt=end)
    ended_in_period = Q(ended__gte=start, ended__lte=end)
    counts = matches.aggregate(
        n_started=Count("pk", filter=in_period),
        n_active=Count("pk", filter=running_at_end),
        n_ended=Count("pk", filter=ended_in_period),
        followed_6=Count("pk", filter=Q(started__lte=cohort_end(end, SIX_MONTHS))),
        lasted_6=Count("pk", filter=Q(started__lte=cohort_end(end, SIX_MONTHS)) & lasted_at_least(SIX_MONTHS)),
        followed_12=Count("pk", filter=Q(started__lte=cohort_end(end, TWELVE_MONTHS))),
        lasted_12=Count("pk", filter=Q(started__lte=cohort_end(end, TWELVE_MONTHS)) & lasted_at_least(TWELVE_MONTHS)),
    )
    values = [requests, counts["n_started"], counts["n_active"], counts["n_ended"]]
    result = FormFigures(form, suppress([[v] for v in values], row_labels=labels, columns=[_("People")], totals=False))
    waits = (
        matches.filter(in_period)
        .values(wait=days_between(F("started"), F("asked_on")))
        .annotate(n=Count("pk"))
        .order_by("wait")
    )
    weeks: dict[int, int] = {}
    for row in waits:
        week = max(as_days(row["wait"]), 0) // 7
        weeks[week] = weeks.get(week, 0) + row["n"]
    histogram = sorted(weeks.items())
    result.waiting_median = figure(percentile(histogram, 0.5), counts["n_started"])
    result.waiting_p90 = figure(percentile(histogram, 0.9), counts["n_started"])
    if form.has_duration:
        result.lasting_6 = share(counts["lasted_6"], counts["followed_6"])
        result.lasting_12 = share(counts["lasted_12"], counts["followed_12"])
    if not detail:
        return result
    reasons = dict(
        matches.filter(ended_in_period).values_list("end_kind").annotate(n=Count("pk")).values_list("end_kind", "n")
    )
    if form.has_duration:
        kinds = [*form.end_kinds, *(k for k in END_KINDS if k in reasons and k not in form.end_kinds)]
        result.ended_by_reason = suppress(
            [[reasons.get(k, 0)] for k in kinds], row_labels=[END_KIND_LABELS[k] for k in kinds], columns=[_("Ended")]
        )
        result.survival = survival_curve(matches, end)
    return result


def cohort_end(end: dt.date, span: dt.timedelta) -> dt.date:
    """The last day of the latest quarter that ended at least `span` before `end`: matches started up to then are
    the cohort for "lasting six (twelve) months" (a whole quarter, so the roll-up and the live query agree)."""
    quarter = Quarter.of(end - span)
    return quarter.end if quarter.end <= end - span else quarter.previous().end


def lasted_at_least(span: dt.timedelta) -> Q:
    """Still running now, or ended at least `span` after the start."""
    return Q(ended__isnull=True) | Q(ended__gte=F("started") + Value(span, output_field=DurationField()))


def _survival_bins(matches: QuerySet[Any], end: dt.date, *, by_area: bool = False) -> QuerySet[Any]:
    """One row per (area,) duration in days and whether the match ended by `end`, with how many: bins, not people."""
    end_value = Value(end, output_field=DateField())
    return cast(
        "QuerySet[Any]",
        matches.annotate(
            until=Least(Coalesce("ended", end_value), end_value, output_field=DateField()),
            event=Case(When(Q(ended__isnull=False, ended__lte=end), then=1), default=0, output_field=IntegerField()),
        )
        .values(
            *(["area_id"] if by_area else []), duration=days_between(F("until"), F("started")), ended_flag=F("event")
        )
        .annotate(n=Count("pk")),
    )


def survival_curve(matches: QuerySet[Any], end: dt.date) -> list[tuple[int, Figure]]:
    """Kaplan-Meier: the share of matches still running after 0, 3, 6 … 24 months. A match that still runs at the
    end of the period counts until then (censored). The database returns one row per (duration in days, ended?)."""
    events: dict[int, list[int]] = {}
    for row in _survival_bins(matches, end):
        day = max(as_days(row["duration"]), 0)
        events.setdefault(day, [0, 0])[0 if row["ended_flag"] else 1] += row["n"]
    # Shown while at least five matches are still followed at that point.
    return [
        (months, Figure(round(100 * value) if figure_shown(still) else None, still))
        for months, value, still in kaplan_meier(events)
    ]


def survival_by_area(scope: Scope, filters: Filters, form: str) -> list[tuple[int, Figure]]:
    """The survival curve for the area of the filters, beside how many matches are still followed: those counts
    are a table per area (months x 1), so they are counted for every area at once and suppressed as a cube, and a
    point of the curve is shown only where its count is (the report for one municipality and the one for the
    whole scope cannot be subtracted)."""
    whole = replace(filters, municipality_id=None)
    matches = matches_of(form, scope, whole).filter(started__lte=filters.end)
    per_area: dict[int | None, dict[int, list[int]]] = {}
    for row in _survival_bins(matches, filters.end, by_area=True):
        day = max(as_days(row["duration"]), 0)
        per_area.setdefault(row["area_id"], {}).setdefault(day, [0, 0])[0 if row["ended_flag"] else 1] += row["n"]
    areas = areas_of(scope, per_area)
    counts = areas.empty_cube(len(SURVIVAL_MONTHS), 1)
    for area, events in per_area.items():
        for m, (_months, _value, still) in enumerate(kaplan_meier(events)):
            counts[areas.index(area)][m][0] += still
    cube = Cube(counts, shape=(len(SURVIVAL_MONTHS), 1), totals=False)
    cube.protect()
    chosen = areas.chosen(filters)
    mine: dict[int, list[int]] = {}
    for area, events in per_area.items():
        if chosen is None or areas.index(area) == chosen:
            for day, (ended, censored) in events.items():
                step = mine.setdefault(day, [0, 0])
                step[0] += ended
                step[1] += censored
    at = areas.count if chosen is None else chosen
    return [
        (months, Figure(None if cube.is_hidden((at, m, 0)) else round(100 * value), still))
        for m, (months, value, still) in enumerate(kaplan_meier(mine))
    ]


def by_quarter(scope: Scope, filters: Filters, *, what: str = "started") -> Table:
    """Matches started (or requests) per quarter and support form, suppressed."""
    quarters = filters.quarters
    index = {q.start: i for i, q in enumerate(quarters)}
    grid = [[0] * len(FORMS) for _q in quarters]
    for j, form in enumerate(FORMS):
        if what == "started":
            qs = matches_of(form.key, scope, filters).filter(started__gte=filters.start, started__lte=filters.end)
            rows = qs.values(quarter=TruncQuarter("started")).annotate(n=Count("pk"))
        else:
            qs = requests_of(form.key, scope, filters).filter(asked_on__gte=filters.start, asked_on__lte=filters.end)
            rows = qs.values(quarter=TruncQuarter("asked_on")).annotate(n=Count("pk"))
        for row in rows:
            quarter_start = row["quarter"].date() if isinstance(row["quarter"], dt.datetime) else row["quarter"]
            if quarter_start in index:
                grid[index[quarter_start]][j] += row["n"]
    return suppress(grid, row_labels=[str(q) for q in quarters], columns=[f.label for f in FORMS], row_totals=False)


def by_area(scope: Scope, filters: Filters) -> Table:
    """Matches running at the end of the period per municipality (paying or residence) and support form."""
    municipalities = list(municipalities_in(scope).order_by("name"))
    if filters.municipality_id is not None:
        municipalities = [m for m in municipalities if m.pk == filters.municipality_id]
    index = {m.pk: i for i, m in enumerate(municipalities)}
    grid = [[0] * len(FORMS) for _m in municipalities]
    for j, form in enumerate(FORMS):
        qs = matches_of(form.key, scope, filters).filter(
            Q(started__lte=filters.end) & (Q(ended__isnull=True) | Q(ended__gt=filters.end))
        )
        for area_id, n in qs.values_list("area_id").annotate(n=Count("pk")).values_list("area_id", "n"):
            if area_id in index:
                grid[index[area_id]][j] += n
    return suppress(
        grid, row_labels=[m.name for m in municipalities], columns=[f.label for f in FORMS], row_totals=False
    )


def by_organisation(scope: Scope, filters: Filters) -> Table:
    """Matches started in the period per organisation and support form."""
    grid_by_org: dict[int, list[int]] = {}
    for j, form in enumerate(FORMS):
        qs = matches_of(form.key, scope, filters).filter(started__gte=filters.start, started__lte=filters.end)
        for org_id, n in (
            qs.values_list("organisation_ref").annotate(n=Count("pk")).values_list("organisation_ref", "n")
        ):
            grid_by_org.setdefault(org_id, [0] * len(FORMS))[j] += n
    names = dict(Organisation.objects.filter(pk__in=grid_by_org).values_list("pk", "name"))
    order = sorted(grid_by_org, key=lambda pk: names.get(pk, ""))
    return suppress(
        [grid_by_org[pk] for pk in order],
        row_labels=[names.get(pk, "") for pk in order],
        columns=[f.label for f in FORMS],
    )


@dataclass
class Outcomes:
    placement_averted: Table
    goals_young_person: Table
    goals_parents: Table
    satisfaction: Table
    support_family: Table


def outcomes(scope: Scope, filters: Filters) -> Outcomes:
    """What closures in the period recorded: placement averted, goals (young person's and parents' view),
    satisfaction for JIM; the outcome of ended support-family matches."""
    whole = replace(filters, municipality_id=None)
    closed = matches_of(JIM, scope, whole).filter(ended__gte=filters.start, ended__lte=filters.end)

    def table(qs: QuerySet[Any], column: str, choices: Iterable[tuple[Any, Any]]) -> Table:
        values = [value for value, _label in choices]
        found = qs.exclude(**{f"{column}__isnull": True})
        if column != "satisfaction":  # a number; the others are choices, "" when not recorded
            found = found.exclude(**{column: ""})
        grouped = found.values_list("area_id", column).annotate(n=Count("pk")).values_list("area_id", column, "n")
        return _area_slice(
            scope,
            filters,
            [(area, values.index(value), 0, n) for area, value, n in grouped if value in values],
            (len(values), 1),
            row_labels=[label for _value, label in choices],
            columns=[_("Closures")],
        )

    sf_closed = matches_of(SUPPORT_FAMILY, scope, whole).filter(ended__gte=filters.start, ended__lte=filters.end)
    return Outcomes(
        placement_averted=table(closed, "placement_averted", Mentorship.Averted.choices),
        goals_young_person=table(closed, "goals_young_person", Mentorship.Goals.choices),
        goals_parents=table(closed, "goals_parents", Mentorship.Goals.choices),
        satisfaction=table(closed, "satisfaction", [(score, str(score)) for score in range(1, 6)]),
        support_family=table(sf_closed, "outcome", SupportFamilyMatch.Outcome.choices),
    )


def _area_slice(
    scope: Scope,
    filters: Filters,
    counts: Iterable[tuple[int | None, int, int, int]],
    shape: tuple[int, int],
    *,
    row_labels: list[Any],
    columns: list[Any],
    totals: bool = True,
) -> Table:
    """A live table counted for every area of the scope at once ((area, row, column, n) from one grouped query),
    suppressed as a cube (`suppression.Cube`), and the slice for the area of the filters: the table for one
    municipality and the one for the whole scope can then be compared without giving a hidden cell away."""
    counts = list(counts)
    areas = areas_of(scope, {area for area, _i, _j, _n in counts})
    grid = areas.empty_cube(*shape)
    for area, i, j, n in counts:
        grid[areas.index(area)][i][j] += n
    cube = Cube(grid, shape=shape, totals=totals, row_totals=False)
    cube.protect()
    return cube.table(areas.chosen(filters), row_labels=row_labels, columns=columns)


def _volunteers(scope: Scope, filters: Filters) -> QuerySet[Any]:
    qs = Volunteer.objects.order_by().filter(registered_at__date__lte=filters.end)
    # A volunteer's area is the municipality they live in.
    if filters.municipality_id is not None:
        qs = qs.filter(municipality_id=filters.municipality_id)
    elif scope.municipality_ids is not None:
        qs = qs.filter(municipality_id__in=scope.municipality_ids)
    if scope.organisation_ids is not None:
        qs = qs.filter(organisation_id__in=scope.organisation_ids)
    return qs


PIPELINE_LABELS = (
    _("Registered"),
    _("Screened (intake and VOG)"),
    _("Trained (basic course done)"),
    _("Matchable"),
    _("Matched now"),
    _("Paused"),
    _("Stopped"),
)


@dataclass
class Pipeline:
    stages: Table
    retention: Figure


def volunteer_pipeline(scope: Scope, filters: Filters) -> Pipeline:
    """The volunteer pipeline at the end of the period, from the database: registered → screened (a positive intake
    and a VOG valid at the end) → trained (a basic course completed) → matchable (both, and active) → matched (an
    open support-family match); paused and stopped; and retention: of those registered a year or more before
    the end, the share not stopped. (The coordinator's own pipeline applies each organisation's exact
    requirements per volunteer; this is its database approximation for counting.)"""
    end = filters.end
    qs = _volunteers(scope, replace(filters, municipality_id=None)).annotate(
        is_screened=Exists(
            Intake.objects.filter(volunteer=OuterRef("pk"), outcome__in=[Outcome.POSITIVE, Outcome.DOUBTS])
        )
        & Exists(VogCheck.objects.filter(volunteer=OuterRef("pk"), received_on__lte=end, valid_until__gte=end)),
        is_trained=Exists(
            CourseCompletion.objects.filter(
                volunteer=OuterRef("pk"), course__kind=Course.Kind.BASIC, completed_on__lte=end
            )
        ),
        is_matched=Exists(SupportFamilyMatch.objects.filter(volunteer=OuterRef("pk"), state__in=OPEN_STATES)),
    )
    active = Q(status=Volunteer.Status.ACTIVE)
    per_area = qs.values("municipality_id").annotate(
        registered=Count("pk"),
        n_screened=Count("pk", filter=Q(is_screened=True)),
        n_trained=Count("pk", filter=Q(is_trained=True)),
        matchable=Count("pk", filter=Q(is_screened=True, is_trained=True) & active),
        n_matched=Count("pk", filter=Q(is_matched=True)),
        paused=Count("pk", filter=Q(status=Volunteer.Status.PAUSED)),
        stopped=Count("pk", filter=Q(status=Volunteer.Status.STOPPED)),
        year_ago=Count("pk", filter=Q(registered_at__date__lte=end - TWELVE_MONTHS)),
        stayed=Count(
            "pk", filter=Q(registered_at__date__lte=end - TWELVE_MONTHS) & ~Q(status=Volunteer.Status.STOPPED)
        ),
    )
    keys = ("registered", "n_screened", "n_trained", "matchable", "n_matched", "paused", "stopped")
    rows = list(per_area)
    stages = _area_slice(
        scope,
        filters,
        [(r["municipality_id"], i, 0, r[k]) for r in rows for i, k in enumerate(keys)],
        (len(keys), 1),
        row_labels=list(PIPELINE_LABELS),
        columns=[_("Volunteers")],
        totals=False,
    )
    mine = [r for r in rows if filters.municipality_id is None or r["municipality_id"] == filters.municipality_id]
    retention = share(sum(r["stayed"] for r in mine), sum(r["year_ago"] for r in mine))
    return Pipeline(stages=stages, retention=retention)


def supply_and_demand(scope: Scope, filters: Filters) -> Table:
    """Per age group: young people waiting for a support family or a buddy at the end of the period, beside the
    active volunteers whose preferred ages cover the group. Ages are computed in the database from the date of
    birth (no person leaves it)."""
    end = filters.end
    whole = replace(filters, municipality_id=None)

    def age_group(person: str) -> Case:
        whens = [
            When(
                **{
                    f"{person}__date_of_birth__gt": born_by(high + 1, end),
                    f"{person}__date_of_birth__lte": born_by(low, end),
                },
                then=Value(i),
            )
            for i, (low, high) in enumerate(AGE_GROUPS)
        ]
        return Case(*whens, default=Value(-1), output_field=IntegerField())

    counts: list[tuple[int | None, int, int, int]] = []
    sources = (
        (requests_of(SUPPORT_FAMILY, scope, whole), SupportRequest.Status.WAITING, "case__young_person"),
        (requests_of(BUDDY, scope, whole), BuddyRequest.Status.WAITING, "young_person"),
    )
    for qs, status, person in sources:
        rows = qs.filter(status=status, asked_on__lte=end).values("area_id", group=age_group(person))
        for row in rows.annotate(n=Count("pk")):
            if row["group"] >= 0:
                counts.append((row["area_id"], row["group"], 0, row["n"]))
    volunteers = _volunteers(scope, whole).filter(status=Volunteer.Status.ACTIVE)
    supply = volunteers.values("municipality_id").annotate(
        **{
            f"g{i}": Count("pk", filter=Q(preferred_age_min__lte=high, preferred_age_max__gte=low))
            for i, (low, high) in enumerate(AGE_GROUPS)
        }
    )
    labels = [_("%(low)s to %(high)s years") % {"low": low, "high": high} for low, high in AGE_GROUPS]
    counts += [(r["municipality_id"], i, 1, r[f"g{i}"]) for r in supply for i in range(len(AGE_GROUPS))]
    return _area_slice(
        scope,
        filters,
        counts,
        (len(AGE_GROUPS), 2),
        row_labels=labels,
        columns=[_("Young people waiting"), _("Volunteers for this age")],
        # A volunteer counts in every group they cover, so totals would mislead.
        totals=False,
    )


@dataclass
class Respite:
    stays: Cell
    nights_booked: Figure
    nights_available: int
    use: Figure


def respite_use(scope: Scope, filters: Filters) -> Respite:
    """Respite nights booked (confirmed stays, the nights inside the period) against the capacity (beds per night
    of the options in the area times nights in the period)."""
    start, end = filters.start, filters.end
    options = RespiteOption.objects.filter(created_at__date__lte=end)
    if scope.organisation_ids is not None:
        options = options.filter(organisation_id__in=scope.organisation_ids)
    area = [filters.municipality_id] if filters.municipality_id is not None else scope.municipality_ids
    if area is not None:
        options = options.filter(organisation__in=Organisation.objects.filter(municipalities__in=area))
    nights_in_period = (end - start).days + 1
    beds = options.aggregate(beds=Coalesce(Sum("beds_per_night"), 0))["beds"]
    after_end = Value(end + dt.timedelta(days=1), output_field=DateField())
    # Stays are counted per area of the young person, at the options of the whole scope, and suppressed as a cube
    # (like every table of the report), so the stays of one municipality cannot be had by subtraction.
    scope_options = RespiteOption.objects.filter(created_at__date__lte=end)
    if scope.organisation_ids is not None:
        scope_options = scope_options.filter(organisation_id__in=scope.organisation_ids)
    if scope.municipality_ids is not None:
        scope_options = scope_options.filter(
            organisation__in=Organisation.objects.filter(municipalities__in=scope.municipality_ids)
        )
    per_area = (
        matches_of(RESPITE, scope, replace(filters, municipality_id=None))
        .filter(option__in=scope_options, started__lte=end, ended__gt=start)
        .annotate(
            stay_nights=days_between(
                Least(F("ended"), after_end, output_field=DateField()),
                Greatest(F("started"), Value(start, output_field=DateField()), output_field=DateField()),
            )
        )
        .values("area_id")
        .annotate(stays=Count("pk"), nights=Sum("stay_nights"))
    )
    rows = [r for r in per_area if filters.municipality_id is None or r["area_id"] == filters.municipality_id]
    count = sum(r["stays"] for r in rows)
    nights = sum(as_days(r["nights"]) for r in rows if r["nights"] is not None)
    available = beds * nights_in_period
    cell = _area_slice(
        scope,
        filters,
        [(r["area_id"], 0, 0, r["stays"]) for r in per_area],
        (1, 1),
        row_labels=[""],
        columns=[""],
        totals=False,
    ).rows[0][1][0]
    shown = not cell.hidden
    return Respite(
        stays=cell,
        nights_booked=Figure(nights if shown else None, count),
        nights_available=available,
        use=Figure(round(100 * nights / available) if shown and available else None, count),
    )
