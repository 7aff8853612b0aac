"""Figures about groups for municipalities, regions and organisations: computed in the database, suppressed before
anything leaves this module.

Every figure is an aggregate query (Count/Sum with filters, grouped with values()); where a distribution is needed
(waiting-time percentiles, the survival curve) the database returns a histogram (one row per distinct number of
days, never per person) and the percentile or Kaplan-Meier step is read from those bins. Nothing here loops over
people. Every table goes through `insights.suppression` (`suppress`, or a `Cube` over all areas) before it is
returned, and every single figure through `figure_shown`.

Who sees what (`insights_scope_for`):
- an analyst: the municipalities of the region(s) on their role, all organisations;
- a coordinator: their own organisation(s), in every municipality;
- anyone else: nothing (the views answer 403).
The area of a young person is their paying municipality (woonplaatsbeginsel) or, by choice, where they live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, cast

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate, TruncQuarter
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import Municipality, Organisation, Role
from accounts.selectors import AnyUser, roles_of
from community.models import BrokerRequest
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.states import OPEN_STATES
from hostfamilies.states import State as MatchState
from insights.models import Tally, TallyRun
from insights.suppression import HIDDEN_TEXT, Cell, Cube, Table, figure_shown, suppress, suppress_together
from mentors.models import Mentorship
from mentors.states import State as MentorState
from respite.models import RespiteOption, Stay
from training.models import Course, CourseCompletion
from volunteers.models import Intake, Outcome, VogCheck, Volunteer
from youth.ages import ADULT_AGE, CONSENT_ALONE_AGE, CONSENT_OWN_AGE, born_by
from youth.models import BuddyRequest

MAX_QUARTERS = 20
SIX_MONTHS, TWELVE_MONTHS = dt.timedelta(days=182), dt.timedelta(days=365)
SURVIVAL_MONTHS = (0, 3, 6, 9, 12, 18, 24)
# The consent rule's bands (under 12, 12 to 15, 16 and 17, from 18), with the youngest children apart.
AGE_GROUPS: tuple[tuple[int, int], ...] = (
    (0, 3),
    (4, CONSENT_OWN_AGE - 1),
    (CONSENT_OWN_AGE, CONSENT_ALONE_AGE - 1),
    (CONSENT_ALONE_AGE, ADULT_AGE - 1),
    (ADULT_AGE, 23),
)


# ---------------------------------------------------------------------------------------------------------------
# Scope and filters


@dataclass(frozen=True)
class Scope:
    """What a user may see figures of: municipality ids (None: any) and organisation ids (None: any)."""

    role: str
    organisation_name: str
    municipality_ids: tuple[int, ...] | None
    organisation_ids: tuple[int, ...] | None
    label: str


def insights_scope_for(user: AnyUser) -> Scope | None:
    """The analyst's region(s) or the coordinator's organisation(s); None for everyone else."""
    assignments = roles_of(user)
    regions = [a.region for a in assignments if a.role == Role.ANALYST and a.region is not None]
    if any(a.role == Role.ANALYST for a in assignments):
        ids = tuple(Municipality.objects.filter(region__in=regions).values_list("pk", flat=True))
        return Scope(Role.ANALYST, "", ids, None, ", ".join(r.name for r in regions))
    organisations = [a.organisation for a in assignments if a.role == Role.COORDINATOR and a.organisation]
    if organisations:
        names = ", ".join(o.name for o in organisations)
        return Scope(Role.COORDINATOR, names, None, tuple(o.pk for o in organisations), names)
    return None


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the quarter."""
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str | None) -> Quarter | None:
        """'2026-Q3' → Quarter; anything else → None."""
        try:
            year_text, number_text = (text or "").upper().split("-Q")
            year, number = int(year_text), int(number_text)
        except ValueError:
            return None
        if not (2000 <= year <= 2100 and 1 <= number <= 4):
            return None
        return cls(year, number)


class Basis:
    PAYING = "paying"
    RESIDENCE = "residence"
    CHOICES = ((PAYING, _("paying municipality")), (RESIDENCE, _("municipality where they live")))


@dataclass(frozen=True)
class Filters:
    first: Quarter
    last: Quarter
    municipality_id: int | None  # None: the whole scope
    basis: str

    @property
    def start(self) -> dt.date:
        return self.first.start

    @property
    def end(self) -> dt.date:
        return self.last.end

    @property
    def quarters(self) -> list[Quarter]:
        found: list[Quarter] = []
        quarter = self.first
        while len(found) < MAX_QUARTERS and (quarter.year, quarter.number) <= (self.last.year, self.last.number):
            found.append(quarter)
            quarter = quarter.next()
        return found

    def as_query(self) -> str:
        area = f"&area={self.municipality_id}" if self.municipality_id else ""
        return f"from={self.first}&to={self.last}&basis={self.basis}{area}"

    def describe(self) -> str:
        area = f" municipality={self.municipality_id}" if self.municipality_id else ""
        return f"{self.first}..{self.last} basis={self.basis}{area}"


def municipalities_in(scope: Scope) -> QuerySet[Municipality]:
    """The municipalities a user can pick as the area."""
    if scope.municipality_ids is not None:
        return Municipality.objects.filter(pk__in=scope.municipality_ids)
    return Municipality.objects.filter(organisations__in=scope.organisation_ids or ()).distinct()


def filters_from(query: QueryDict, scope: Scope, *, today: dt.date | None = None) -> Filters:
    """Period and area from GET parameters; anything missing or wrong falls back to the default (the last four
    quarters up to the current one, the whole scope, paying municipality). Never raises."""
    current = Quarter.of(today or timezone.localdate())
    default_first = current.previous().previous().previous()
    first = Quarter.parse(query.get("from")) or default_first
    last = Quarter.parse(query.get("to")) or current
    if (last.year, last.number) > (current.year, current.number):
        last = current  # nothing is known about later quarters yet
    if (first.year, first.number) > (last.year, last.number):
        first, last = default_first, current
    while len(Filters(first, last, None, Basis.PAYING).quarters) == MAX_QUARTERS and first != last:
        # Keep the most recent MAX_QUARTERS quarters.
        span = Filters(first, last, None, Basis.PAYING).quarters
        if (span[-1].year, span[-1].number) >= (last.year, last.number):
            break
        first = first.next()
    basis = Basis.RESIDENCE if query.get("basis") == Basis.RESIDENCE else Basis.PAYING
    area_text = query.get("area") or ""
    municipality_id = int(area_text) if area_text.isdigit() and len(area_text) < 10 else None
    if municipality_id is not None and not municipalities_in(scope).filter(pk=municipality_id).exists():
        municipality_id = None
    return Filters(first, last, municipality_id, basis)


# ---------------------------------------------------------------------------------------------------------------
# The support forms, each as requests and matches with the same annotated columns


@dataclass(frozen=True)
class Form:
    key: str
    label: Promise
    # The kinds of ending (END_KINDS) the form's matches can have, in the order the tables show them; only read
    # for a form with a duration.
    end_kinds: tuple[str, ...] = ("ended", "stopped")
    has_duration: bool = True


JIM, SUPPORT_FAMILY, RESPITE, BUDDY, SOCIAL_BROKER = "jim", "support_family", "respite", "buddy", "social_broker"
FORMS: tuple[Form, ...] = (
    Form(JIM, _("JIM mentor"), end_kinds=("completed", "stopped")),
    Form(SUPPORT_FAMILY, _("Support family")),
    Form(RESPITE, _("Respite stay"), has_duration=False),
    Form(BUDDY, _("Buddy"), has_duration=False),
    # A broker link ends when the help is done, early, because it is no longer needed, or with the case
    # (`_broker_end_kind`); none of these is "ended as agreed".
    Form(SOCIAL_BROKER, _("Social broker"), end_kinds=("completed", "stopped", "not_needed", "case_closed")),
)
FORM_BY_KEY = {form.key: form for form in FORMS}

END_KIND_LABELS: dict[str, Promise] = {
    "completed": _("completed"),
    "stopped": _("stopped early"),
    "ended": _("ended as agreed"),
    "not_needed": _("no longer needed"),
    "case_closed": _("the case was closed"),
    "cancelled": _("cancelled"),
}


def _scoped(qs: QuerySet[Any], scope: Scope, filters: Filters, person: str, organisation: str) -> QuerySet[Any]:
    municipality = f"{person}__{'paying' if filters.basis == Basis.PAYING else 'residence'}_municipality_id"
    if filters.municipality_id is not None:
        qs = qs.filter(**{municipality: filters.municipality_id})
    elif scope.municipality_ids is not None:
        qs = qs.filter(**{f"{municipality}__in": scope.municipality_ids})
    if scope.organisation_ids is not None:
        qs = qs.filter(**{f"{organisation}__in": scope.organisation_ids})
    # No default ordering: it would join every GROUP BY (and PostgreSQL refuses it).
    return cast(
        "QuerySet[Any]",
        qs.order_by().annotate(
            area_id=F(municipality),
            organisation_ref=F(organisation),
            paying_ref=F(f"{person}__paying_municipality_id"),
            residence_ref=F(f"{person}__residence_municipality_id"),
        ),
    )


def _date(expression: Any) -> ExpressionWrapper[Any]:
    return ExpressionWrapper(expression, output_field=DateField())


def _days(later: Any, earlier: Any) -> ExpressionWrapper[Any]:
    return ExpressionWrapper(later - earlier, output_field=DurationField())


def requests_of(form: str, scope: Scope, filters: Filters) -> QuerySet[Any]:
    """Requests for a form, annotated with `asked_on` (a date), `area_id` and `organisation_ref`."""
    if form == JIM:
        # A buddy found by matching is a mentorship too; it counts under the buddy form (its request), not as JIM.
        jim = Mentorship.objects.filter(kind=Mentorship.Kind.JIM)
        qs = _scoped(jim, scope, filters, "young_person", "case__organisation")
        return cast("QuerySet[Any]", qs.annotate(asked_on=TruncDate("created_at")))
    if form == SUPPORT_FAMILY:
        qs = _scoped(SupportRequest.objects.all(), scope, filters, "case__young_person", "organisation")
        return cast("QuerySet[Any]", qs.annotate(asked_on=TruncDate("created_at")))
    if form == RESPITE:
        qs = _scoped(Stay.objects.all(), scope, filters, "case__young_person", "option__organisation")
        return cast("QuerySet[Any]", qs.annotate(asked_on=TruncDate("created_at")))
    if form == BUDDY:
        qs = _scoped(BuddyRequest.objects.all(), scope, filters, "young_person", "case__organisation")
        return cast("QuerySet[Any]", qs.annotate(asked_on=TruncDate("requested_at")))
    if form == SOCIAL_BROKER:
        # `asked_on` is a date field of the request itself.
        return _scoped(BrokerRequest.objects.all(), scope, filters, "case__young_person", "case__organisation")
    raise ValueError(form)


def matches_of(form: str, scope: Scope, filters: Filters) -> QuerySet[Any]:
    """Started matches of a form, annotated with `asked_on`, `started`, `ended` (None while running), `end_kind`,
    `area_id` and `organisation_ref`."""
    if form == JIM:
        qs = _scoped(
            Mentorship.objects.filter(kind=Mentorship.Kind.JIM, started_on__isnull=False),
            scope,
            filters,
            "young_person",
            "case__organisation",
        )
        finished = Q(state__in=[MentorState.COMPLETED, MentorState.STOPPED])
        return cast(
            "QuerySet[Any]",
            qs.annotate(
                asked_on=TruncDate("created_at"),
                started=_date(F("started_on")),
                ended=Case(When(finished, then=F("ended_on")), output_field=DateField()),
                end_kind=Case(When(finished, then=F("state")), default=Value("")),
            ),
        )
    if form == SUPPORT_FAMILY:
        qs = _scoped(
            SupportFamilyMatch.objects.filter(started_on__isnull=False),
            scope,
            filters,
            "request__case__young_person",
            "request__organisation",
        )
        finished = Q(state__in=[MatchState.ENDED, MatchState.STOPPED])
        return cast(
            "QuerySet[Any]",
            qs.annotate(
                asked_on=TruncDate("request__created_at"),
                started=_date(F("started_on")),
                ended=Case(When(finished, then=F("ended_on")), output_field=DateField()),
                end_kind=Case(When(finished, then=F("state")), default=Value("")),
            ),
        )
    if form == RESPITE:
        qs = _scoped(
            Stay.objects.filter(status=Stay.Status.CONFIRMED),
            scope,
            filters,
            "case__young_person",
            "option__organisation",
        )
        return cast(
            "QuerySet[Any]",
            qs.annotate(
                asked_on=TruncDate("created_at"),
                started=_date(F("arrival")),
                ended=_date(F("departure")),
                end_kind=Value("ended"),
            ),
        )
    if form == BUDDY:
        qs = _scoped(
            BuddyRequest.objects.filter(status=BuddyRequest.Status.MATCHED, status_changed_at__isnull=False),
            scope,
            filters,
            "young_person",
            "case__organisation",
        )
        return cast(
            "QuerySet[Any]",
            qs.annotate(
                asked_on=TruncDate("requested_at"),
                started=TruncDate("status_changed_at"),
                ended=Value(None, output_field=DateField()),
                end_kind=Value(""),
            ),
        )
    if form == SOCIAL_BROKER:
        # A match is a request a broker was linked to; one that ended unlinked (no broker found, no longer
        # needed before a link) never started, so it is a request but no match and no ending.
        qs = _scoped(
            BrokerRequest.objects.filter(linked_on__isnull=False),
            scope,
            filters,
            "case__young_person",
            "case__organisation",
        )
        return cast(
            "QuerySet[Any]",
            qs.annotate(started=_date(F("linked_on")), ended=_date(F("ended_on")), end_kind=_broker_end_kind()),
        )
    raise ValueError(form)


def _broker_end_kind() -> Case:
    """The END_KINDS kind of a broker link that ended: done is completed; no longer needed and the case closing
    are their own kinds (neither is the family's choice nor a planned end); the family stopping is stopped
    early, and so is any other reason of a linked request (no broker found after all: the link fell away)."""
    reason = BrokerRequest.EndReason
    return Case(
        When(ended_on__isnull=True, then=Value("")),
        When(end_reason=reason.DONE, then=Value("completed")),
        When(end_reason=reason.NOT_NEEDED, then=Value("not_needed")),
        When(end_reason=reason.CASE_CLOSED, then=Value("case_closed")),
        default=Value("stopped"),
    )


# ---------------------------------------------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class Figure:
    """A single statistic that may be hidden (None) because it rests on fewer than five people."""

    value: float | None
    people: int

    def __str__(self) -> str:
        if self.value is None:
            return str(HIDDEN_TEXT) if self.people else "–"
        return f"{self.value:g}"


def _figure(value: float | None, people: int) -> Figure:
    return Figure(round(value, 1) if value is not None and figure_shown(people) else None, people)


def _percentile(histogram: list[tuple[int, int]], fraction: float) -> float | None:
    """The nearest-rank percentile from (value, how many) bins sorted by value."""
    total = sum(n for _value, n in histogram)
    if not total:
        return None
    rank, seen = fraction * total, 0
    for value, n in histogram:
        seen += n
        if seen >= rank:
            return float(value)
    return float(histogram[-1][0])


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


def _as_days(value: Any) -> int:
    if isinstance(value, dt.timedelta):
        return value.days
    return int(value or 0) // 86_400_000_000  # SQLite may hand back microseconds


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
        lasted_6=Count("pk", filter=Q(started__lte=cohort_end(end, SIX_MONTHS)) & _lasted(SIX_MONTHS)),
        followed_12=Count("pk", filter=Q(started__lte=cohort_end(end, TWELVE_MONTHS))),
        lasted_12=Count("pk", filter=Q(started__lte=cohort_end(end, TWELVE_MONTHS)) & _lasted(TWELVE_MONTHS)),
    )
    values = [requests, counts["n_started"], counts["n_active"], counts["n_ended"]]
    result = FormFigures(form, suppress([[v] for v in values], row_labels=labels, columns=[_("People")], totals=False))
    waits = (
        matches.filter(in_period)
        .values(wait=_days(F("started"), F("asked_on")))
        .annotate(n=Count("pk"))
        .order_by("wait")
    )
    weeks: dict[int, int] = {}
    for row in waits:
        week = max(_as_days(row["wait"]), 0) // 7
        weeks[week] = weeks.get(week, 0) + row["n"]
    histogram = sorted(weeks.items())
    result.waiting_median = _figure(_percentile(histogram, 0.5), counts["n_started"])
    result.waiting_p90 = _figure(_percentile(histogram, 0.9), counts["n_started"])
    if form.has_duration:
        result.lasting_6 = _share(counts["lasted_6"], counts["followed_6"])
        result.lasting_12 = _share(counts["lasted_12"], counts["followed_12"])
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


def _lasted(span: dt.timedelta) -> Q:
    """Still running now, or ended at least `span` after the start."""
    return Q(ended__isnull=True) | Q(ended__gte=F("started") + Value(span, output_field=DurationField()))


def _share(part: int, whole: int) -> Figure:
    """A percentage, shown only when neither the part nor the rest is under five people (else one is recoverable)."""
    if whole == 0:
        return Figure(None, 0)
    shown = figure_shown(part) and figure_shown(whole - part)
    return Figure(round(100 * part / whole) if shown else None, whole)


def _survival_bins(matches: QuerySet[Any], end: dt.date, *, by_area: bool = False) -> QuerySet[Any]:
    """One row per (area,) duration in days and whether the match ended by `end`, with how many: bins, not people."""
    end_value = Value(end, output_field=DateField())
    return cast(
        "QuerySet[Any]",
        matches.annotate(
            until=Least(Coalesce("ended", end_value), end_value, output_field=DateField()),
            event=Case(When(Q(ended__isnull=False, ended__lte=end), then=1), default=0, output_field=IntegerField()),
        )
        .values(*(["area_id"] if by_area else []), duration=_days(F("until"), F("started")), ended_flag=F("event"))
        .annotate(n=Count("pk")),
    )


def _kaplan_meier(events: dict[int, list[int]]) -> list[tuple[int, float, int]]:
    """From {day: [ended, censored]}: per month of SURVIVAL_MONTHS the share still running (Kaplan-Meier) and how
    many matches are still followed then (lasted at least that long)."""
    at_risk = sum(ended + censored for ended, censored in events.values())
    survival, curve_by_day = 1.0, []
    for day in sorted(events):
        ended, censored = events[day]
        if at_risk:
            survival *= 1 - ended / at_risk
        curve_by_day.append((day, survival))
        at_risk -= ended + censored
    curve = []
    for months in SURVIVAL_MONTHS:
        limit = round(months * 30.44)
        value = 1.0
        for day, surv in curve_by_day:
            if day > limit:
                break
            value = surv
        still = sum(ended + censored for day, (ended, censored) in events.items() if day >= limit)
        curve.append((months, value, still))
    return curve


def survival_curve(matches: QuerySet[Any], end: dt.date) -> list[tuple[int, Figure]]:
    """Kaplan-Meier: the share of matches still running after 0, 3, 6 … 24 months. A match that still runs at the
    end of the period counts until then (censored). The database returns one row per (duration in days, ended?)."""
    events: dict[int, list[int]] = {}
    for row in _survival_bins(matches, end):
        day = max(_as_days(row["duration"]), 0)
        events.setdefault(day, [0, 0])[0 if row["ended_flag"] else 1] += row["n"]
    # Shown while at least five matches are still followed at that point.
    return [
        (months, Figure(round(100 * value) if figure_shown(still) else None, still))
        for months, value, still in _kaplan_meier(events)
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
        day = max(_as_days(row["duration"]), 0)
        per_area.setdefault(row["area_id"], {}).setdefault(day, [0, 0])[0 if row["ended_flag"] else 1] += row["n"]
    areas = areas_of(scope, per_area)
    counts = _cube(areas, len(SURVIVAL_MONTHS), 1)
    for area, events in per_area.items():
        for m, (_months, _value, still) in enumerate(_kaplan_meier(events)):
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
        for m, (months, value, still) in enumerate(_kaplan_meier(mine))
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
    grid = _cube(areas, *shape)
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
    retention = _share(sum(r["stayed"] for r in mine), sum(r["year_ago"] for r in mine))
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
            stay_nights=_days(
                Least(F("ended"), after_end, output_field=DateField()),
                Greatest(F("started"), Value(start, output_field=DateField()), output_field=DateField()),
            )
        )
        .values("area_id")
        .annotate(stays=Count("pk"), nights=Sum("stay_nights"))
    )
    rows = [r for r in per_area if filters.municipality_id is None or r["area_id"] == filters.municipality_id]
    count = sum(r["stays"] for r in rows)
    nights = sum(_as_days(r["nights"]) for r in rows if r["nights"] is not None)
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


@dataclass
class Dashboard:
    scope: Scope
    filters: Filters
    forms: list[FormFigures]
    started_by_quarter: Table
    by_area: Table
    extra: dict[str, Any] = field(default_factory=dict)
    as_of: dt.datetime | None = None


# ---------------------------------------------------------------------------------------------------------------
# The roll-up (insights.models.Tally): what it is made of, and the dashboard read from it

# A roll-up row of an ending keeps the kind as its index here: add new kinds at the end only.
END_KINDS = ("completed", "ended", "stopped", "not_needed", "case_closed")
LASTED_SHORT, LASTED_6, LASTED_12, LASTED_RUNNING = 0, 1, 2, 3
TALLY_REQUEST, TALLY_START, TALLY_END = "request", "start", "end"
TALLY_ACTIVE, TALLY_COHORT, TALLY_WAIT = "active", "cohort", "wait"
MAX_WEEKS = 52
EVERYTHING = Scope(Role.ADMIN, "", None, None, "")


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
                key = (measure, row["t_area"], row["t_organisation"], _day(quarter), value)
                out[key] = out.get(key, 0) + n

            requests = requests_of(form.key, EVERYTHING, everything)
            for row in requests.values(**keys, q=TruncQuarter("asked_on")).annotate(n=Count("pk")):
                add(TALLY_REQUEST, row, row["q"], 0, row["n"])
            matches = matches_of(form.key, EVERYTHING, everything)
            waits = matches.values(**keys, q=TruncQuarter("started"), wait=_days(F("started"), F("asked_on")))
            for row in waits.annotate(n=Count("pk")):
                add(TALLY_START, row, row["q"], 0, row["n"])
                add(TALLY_WAIT, row, row["q"], min(max(_as_days(row["wait"]), 0) // 7, MAX_WEEKS), row["n"])
            # Aliases start with t_ where a model may have a field of the plain name (Mentorship has `kind`).
            ends = matches.filter(ended__isnull=False).values(**keys, q=TruncQuarter("ended"), t_kind=F("end_kind"))
            for row in ends.annotate(n=Count("pk")):
                kind = row["t_kind"] if row["t_kind"] in END_KINDS else "ended"
                add(TALLY_END, row, row["q"], END_KINDS.index(kind), row["n"])
            lasted = matches.annotate(
                bucket=Case(
                    When(ended__isnull=True, then=Value(LASTED_RUNNING)),
                    When(_lasted(TWELVE_MONTHS), then=Value(LASTED_12)),
                    When(_lasted(SIX_MONTHS), then=Value(LASTED_6)),
                    default=Value(LASTED_SHORT),
                    output_field=IntegerField(),
                )
            )
            buckets: dict[tuple[int, int, dt.date, int], int] = {}
            for row in lasted.values(**keys, q=TruncQuarter("started"), b=F("bucket")).annotate(n=Count("pk")):
                bucket_key = (row["t_area"], row["t_organisation"], _day(row["q"]), row["b"])
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


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


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


def _tallies(scope: Scope, filters: Filters) -> QuerySet[Any]:
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


def _figures_from_tallies(
    form: Form, rows: list[dict[str, Any]], filters: Filters, cells: dict[str, Cell], ended: Table | None
) -> FormFigures:
    labels = [_("Requests"), _("Matches started"), _("Active at the end of the period"), _("Ended")]
    first, last = filters.first.start, filters.last.start
    mine = [r for r in rows if r["form"] == form.key]
    started = sum(r["n"] for r in mine if r["measure"] == TALLY_START and first <= r["quarter"] <= last)
    # The cells come from the cubes of all areas (`_tally_cubes`), so a figure for one municipality is hidden
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
    result.waiting_median = _figure(_percentile(histogram, 0.5), started)
    result.waiting_p90 = _figure(_percentile(histogram, 0.9), started)
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
            setattr(result, attribute, _share(cohort.get(value, 0), cohort.get(0, 0)))
    return result


@dataclass(frozen=True)
class Areas:
    """The areas of a set of cubes: the municipalities one can choose (by name), and one more for everybody
    counted elsewhere (a coordinator's organisation also helps people of other municipalities) when there are
    such people. The whole scope is their sum."""

    ids: tuple[int, ...]
    names: tuple[str, ...]
    has_other: bool

    @property
    def count(self) -> int:
        return len(self.ids) + self.has_other

    @property
    def labels(self) -> list[Any]:
        return [*self.names, *([_("Other municipalities")] if self.has_other else [])]

    def index(self, area_id: int | None) -> int:
        """The cube's area index of a municipality (that of "other municipalities" for any other)."""
        return self.ids.index(area_id) if area_id in self.ids else len(self.ids)

    def chosen(self, filters: Filters) -> int | None:
        """The area of the filters (None: the whole scope)."""
        return self.ids.index(filters.municipality_id) if filters.municipality_id in self.ids else None


def areas_of(scope: Scope, present: Iterable[int | None]) -> Areas:
    """The scope's municipalities by name, with "other municipalities" when `present` names any other area."""
    municipalities = list(municipalities_in(scope).order_by("name").values_list("pk", "name"))
    ids = tuple(pk for pk, _name in municipalities)
    return Areas(ids, tuple(name for _pk, name in municipalities), any(a not in ids for a in present))


def _cube(areas: Areas, n_rows: int, n_cols: int) -> list[list[list[int]]]:
    return [[[0] * n_cols for _i in range(n_rows)] for _a in range(areas.count)]


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


def _tally_cubes(
    scope: Scope, filters: Filters, rows: list[dict[str, Any]], by_org: list[dict[str, Any]]
) -> TallyCubes:
    """The cubes, from the roll-up's rows for the whole scope (grouped by area). Linked: the matches started per
    form are the column totals of the quarter table and of the table per organisation, in every area."""
    areas = areas_of(scope, {r["area"] for r in rows} | {r["area"] for r in by_org})
    quarters = {q.start: i for i, q in enumerate(filters.quarters)}
    column = {form.key: j for j, form in enumerate(FORMS)}
    counts = {m: _cube(areas, len(quarters), len(FORMS)) for m in (TALLY_REQUEST, TALLY_START)}
    active = _cube(areas, 1, len(FORMS))
    kinds = {form.key: list(form.end_kinds) if form.has_duration else [""] for form in FORMS}
    ends = {form.key: _cube(areas, len(kinds[form.key]), 1) for form in FORMS}
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
    per_organisation = _cube(areas, len(order), len(FORMS))
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


def dashboard(scope: Scope, filters: Filters) -> Dashboard:
    """The municipality dashboard, read from the roll-up in grouped queries that each follow one index
    (measure, municipality or organisation, quarter): counts per quarter and municipality, the waiting-time
    histogram, what runs at the end plus the cohorts for "lasting", and the matches started per organisation.
    Per form the headline figures, requests and matches started per quarter, and what runs per municipality at
    the end of the period.

    Every table is a slice of a cube over all areas (`_tally_cubes`), so the dashboard, the report and the CSV,
    for the whole scope or any one municipality, hide the same cells, and no two of them can be subtracted to
    recover a hidden one (suppression.py, rule 3)."""
    whole = _tallies(scope, replace(filters, municipality_id=None))
    first, last = filters.first.start, filters.last.start
    cohorts = [Quarter.of(cohort_end(filters.end, span)).start for span in (SIX_MONTHS, TWELVE_MONTHS)]
    keys = ("form", "measure", "quarter", "value", "area")
    counted = whole.filter(measure__in=[TALLY_REQUEST, TALLY_START, TALLY_END], quarter__gte=first)
    states = whole.filter(measure__in=[TALLY_ACTIVE, TALLY_COHORT], quarter__in=[last, *cohorts])
    by_area = [
        {**r, "quarter": _day(r["quarter"])} for qs in (counted, states) for r in qs.values(*keys).annotate(n=Sum("n"))
    ]
    by_org = list(
        whole.filter(measure=TALLY_START, quarter__gte=first)
        .values("form", "organisation", "area")
        .annotate(n=Sum("n"))
    )
    waiting = _tallies(scope, filters).filter(measure=TALLY_WAIT, quarter__gte=first)
    rows = [r for r in by_area if filters.municipality_id is None or r["area"] == filters.municipality_id]
    rows += [
        {**r, "measure": TALLY_WAIT, "quarter": first} for r in waiting.values("form", "value").annotate(n=Sum("n"))
    ]
    cubes = _tally_cubes(scope, filters, by_area, by_org)
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
        figures.append(_figures_from_tallies(form, rows, filters, cells, ended))
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
