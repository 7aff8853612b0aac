"""Reads of volunteers, and the one function that decides whether a volunteer can be matched.

Who sees a volunteer: the volunteer themself, and the coordinators of the volunteer's organisation (who may also
change what is recorded about screening). Nobody else, until matching shows anonymised profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import AnyUser, organisation_ids_where
from core.paging import words_in
from core.selectors import object_get_for
from volunteers.models import (
    AvailabilityException,
    HomeVisit,
    Intake,
    Outcome,
    Reference,
    ScreeningRequirement,
    ScreeningStep,
    VogCheck,
    Volunteer,
    VolunteerKind,
    VolunteerPolicy,
    VolunteerRole,
    pipeline_status_order,
)

# Screening an organisation requires when it has configured nothing: every volunteer has an intake, two
# references and a VOG; a support family also gets a home visit (DOMAIN.md, "Screening and training").
DEFAULT_SCREENING: dict[str, list[str]] = {
    kind: [ScreeningStep.INTAKE, ScreeningStep.REFERENCES, ScreeningStep.VOG] for kind in VolunteerKind.values
}
DEFAULT_SCREENING[VolunteerKind.SUPPORT_FAMILY] = [
    *DEFAULT_SCREENING[VolunteerKind.SUPPORT_FAMILY],
    ScreeningStep.HOME_VISIT,
]
REFERENCES_NEEDED = 2
# The order screening runs in; read once, not per volunteer (a TextChoices' `values` builds a new list each time).
SCREENING_ORDER: tuple[str, ...] = tuple(ScreeningStep.values)
VOG_REMINDER_BEFORE = timedelta(weeks=8)


# --- Readiness facts kept by the forms of support above volunteers ------------------------------------------------
# A volunteer's readiness also counts the required courses still missing (training) and the places taken by open
# matches (hostfamilies: support-family matches). Those apps build on volunteers, which names neither: each
# registers, when it loads (its AppConfig.ready), how it finds its fact.


class Titled(Protocol):
    @property
    def title(self) -> str: ...


# The volunteer's required courses still missing, read through related managers (the prefetch names them).
CoursesMissing = Callable[[Volunteer], Sequence[Titled]]
# The same for many volunteers at once, without model instances per volunteer: given each volunteer's
# (organisation id, kinds), the titles of the courses still missing per volunteer id (absent when none), in
# constant queries. The feature shares its rule between the two (training.selectors).
CoursesMissingMany = Callable[[Mapping[int, tuple[int, frozenset[str]]]], Mapping[int, Sequence[str]]]
# How many places open matches take, per volunteer id: every id asked for is a key (0 when none), one query.
MatchesCounted = Callable[[Iterable[int]], Mapping[int, int]]
_courses_missing: dict[str, CoursesMissing] = {}
_courses_prefetch: dict[str, tuple[str, ...]] = {}
_courses_missing_many: dict[str, CoursesMissingMany] = {}
_matches_counted: dict[str, MatchesCounted] = {}


def readiness_courses_register(
    feature: str, missing: CoursesMissing, *, missing_many: CoursesMissingMany, prefetch: Iterable[str] = ()
) -> None:
    """Register how `feature` finds a volunteer's required courses still missing, the same for many volunteers at
    once (`readiness_of_many`), and the related names a list of volunteers prefetches for it
    (`with_readiness_data`)."""
    _courses_missing[feature] = missing
    _courses_missing_many[feature] = missing_many
    _courses_prefetch[feature] = tuple(prefetch)


def readiness_matches_register(feature: str, count: MatchesCounted) -> None:
    """Register how `feature` counts the places its open matches take, for a list of volunteer ids."""
    _matches_counted[feature] = count


def open_match_totals(volunteer_ids: Iterable[int]) -> dict[int, int]:
    """How many places open matches take for each volunteer, in every feature that registered a count: every id
    asked for is a key (0 when none). One query per feature for any number of volunteers (none for an empty list).
    Not a lock: a service that takes a place counts again under a row lock."""
    ids = list(dict.fromkeys(volunteer_ids))
    totals = dict.fromkeys(ids, 0)
    if not ids:
        return totals
    for count in _matches_counted.values():
        for volunteer_id, taken in count(ids).items():
            totals[volunteer_id] += taken
    return totals


def _course_titles_missing(volunteer: Volunteer) -> list[str]:
    return [course.title for missing in _courses_missing.values() for course in missing(volunteer)]


def volunteer_writable_by(user: AnyUser) -> QuerySet[Volunteer]:
    """Volunteers in the organisations where the user is a coordinator."""
    return Volunteer.objects.filter(organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))


def volunteer_visible_to(user: AnyUser) -> QuerySet[Volunteer]:
    """The user's own volunteer profile, and those they coordinate."""
    if not user.is_authenticated:
        return Volunteer.objects.none()
    return Volunteer.objects.filter(pk__in=volunteer_writable_by(user).values("pk")) | Volunteer.objects.filter(
        user=user
    )


def volunteer_get_for(user: AnyUser, pk: int, write: bool = False) -> Volunteer:
    """One volunteer: 404 when invisible, 403 when `write` (screening, coordinator's work) is not allowed."""
    return object_get_for(volunteer_visible_to(user), volunteer_writable_by(user), pk, write=write)


def volunteer_own(user: AnyUser) -> Volunteer | None:
    """The user's own volunteer profile, if they registered (with its organisation, which most callers read)."""
    if not user.is_authenticated:
        return None
    return Volunteer.objects.filter(user=user).select_related("organisation").first()


def with_readiness_data(volunteers: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """Prefetch what `volunteer_readiness` reads, so a list of any length costs the same queries."""
    return volunteers.select_related("user", "organisation", "intake", "home_visit").prefetch_related(
        *(name for names in _courses_prefetch.values() for name in names),
        "references",
        Prefetch("vog_checks", queryset=VogCheck.objects.order_by("-requested_on", "-pk")),
        Prefetch("organisation__screening_requirements"),
    )


def policy_for(organisation_id: int) -> VolunteerPolicy:
    """The organisation's volunteer policy, or the defaults when it has none."""
    return VolunteerPolicy.objects.filter(organisation_id=organisation_id).first() or VolunteerPolicy(
        organisation_id=organisation_id
    )


def _required_steps(kinds: Iterable[str], configured: Iterable[tuple[str, str]]) -> list[str]:
    """The rule of `required_screening` on plain data: the organisation's (kind, step) requirements for the kinds,
    or the defaults for the kinds when the organisation configured none at all."""
    kinds, configured = set(kinds), list(configured)
    if configured:
        steps = {step for kind, step in configured if kind in kinds}
    else:
        steps = {step for kind in kinds for step in DEFAULT_SCREENING[kind]}
    return [step for step in SCREENING_ORDER if step in steps]


def required_screening(volunteer: Volunteer) -> list[str]:
    """The screening steps the volunteer's organisation requires for the kinds they registered as."""
    return _required_steps(
        (role.kind for role in volunteer.roles.all()),
        ((r.kind, r.step) for r in volunteer.organisation.screening_requirements.all()),
    )


def screening_required_for(organisation_id: int, kind: str) -> list[str]:
    """The screening steps an organisation requires for a kind of volunteer: its ScreeningRequirement rows, or the
    defaults when it configured none (the same rule as `required_screening`). For callers that have no Volunteer,
    such as the mentors app deciding what a JIM needs. One query."""
    configured = list(ScreeningRequirement.objects.filter(organisation_id=organisation_id).values_list("kind", "step"))
    steps = {step for k, step in configured if k == kind} if configured else set(DEFAULT_SCREENING[kind])
    return [step for step in ScreeningStep.values if step in steps]


def latest_vog(volunteer: Volunteer) -> VogCheck | None:
    checks = list(volunteer.vog_checks.all())
    return checks[0] if checks else None


# A reservation ("positive, with doubts") is recorded, not forced into a yes or no; it still counts as passed.
ACCEPTED = frozenset({Outcome.POSITIVE, Outcome.DOUBTS})


@dataclass(frozen=True)
class ReadinessFacts:
    """What `volunteer_readiness` decides on, as plain data: read from one volunteer's related managers
    (`_facts_of`) or for many volunteers at once in constant queries (`readiness_of_many`). One rule, two ways
    of reading its facts."""

    status: str
    capacity: int
    required_steps: tuple[str, ...]
    intake_outcome: str | None
    home_visit_outcome: str | None
    references_accepted: int
    # The latest VOG check (by request date): whether it was received, and until when it is valid.
    vog_received: bool | None
    vog_valid_until: date | None
    courses_missing: tuple[str, ...]


def _step_done(facts: ReadinessFacts, step: str, today: date) -> bool:
    if step == ScreeningStep.INTAKE:
        return facts.intake_outcome in ACCEPTED
    if step == ScreeningStep.HOME_VISIT:
        return facts.home_visit_outcome in ACCEPTED
    if step == ScreeningStep.REFERENCES:
        return facts.references_accepted >= REFERENCES_NEEDED
    return bool(facts.vog_received) and facts.vog_valid_until is not None and facts.vog_valid_until >= today


def _facts_of(volunteer: Volunteer) -> ReadinessFacts:
    """One volunteer's readiness facts, read through its related managers (prefetched by `with_readiness_data`)."""
    intake = getattr(volunteer, "intake", None)
    visit = getattr(volunteer, "home_visit", None)
    vog = latest_vog(volunteer)
    return ReadinessFacts(
        status=volunteer.status,
        capacity=volunteer.capacity,
        required_steps=tuple(required_screening(volunteer)),
        intake_outcome=intake.outcome if intake is not None else None,
        home_visit_outcome=visit.outcome if visit is not None else None,
        references_accepted=sum(1 for r in volunteer.references.all() if r.outcome in ACCEPTED),
        vog_received=vog.is_received if vog is not None else None,
        vog_valid_until=vog.valid_until if vog is not None else None,
        courses_missing=tuple(_course_titles_missing(volunteer)),
    )


@dataclass(frozen=True)
class Readiness:
    """Whether a volunteer can be matched now, and if not, every reason why, in plain words."""

    reasons: list[str]
    screening_missing: list[str]
    courses_missing: list[str]
    open_matches: int

    @property
    def matchable(self) -> bool:
        return not self.reasons


def volunteer_readiness(volunteer: Volunteer, *, on: date | None = None, open_matches: int | None = None) -> Readiness:
    """The one decision whether a volunteer is matchable: active, screening complete and valid (an expired VOG
    counts as missing from the day it expires), the required training done, and room for another match.
    Matching and every page use it.

    Reads through related managers, so `with_readiness_data` makes a list of volunteers cost constant queries;
    a list passes `open_matches` from one `open_match_totals` call. (The count is not a lock: a service that
    takes a place counts again under a row lock.)
    """
    if open_matches is None:
        open_matches = open_match_totals([volunteer.pk])[volunteer.pk]
    return _readiness(_facts_of(volunteer), today=on or timezone.localdate(), open_matches=open_matches)


def _readiness(facts: ReadinessFacts, *, today: date, open_matches: int) -> Readiness:
    """The rule itself, on a volunteer's facts: shared by `volunteer_readiness` and `readiness_of_many`."""
    reasons: list[str] = []
    if facts.status == Volunteer.Status.PAUSED:
        reasons.append(_("The volunteer has paused."))
    elif facts.status == Volunteer.Status.STOPPED:
        reasons.append(_("The volunteer has stopped."))
    screening_missing = [s for s in facts.required_steps if not _step_done(facts, s, today)]
    labels = dict(ScreeningStep.choices) if screening_missing else {}
    for step in screening_missing:
        if step == ScreeningStep.VOG and facts.vog_valid_until and facts.vog_valid_until < today:
            reasons.append(_("The certificate of conduct (VOG) has expired."))
        else:
            reasons.append(_("Not done yet: %(step)s.") % {"step": labels[step]})
    courses = list(facts.courses_missing)
    reasons += [_("Training not done yet: %(course)s.") % {"course": title} for title in courses]
    if open_matches >= facts.capacity:
        reasons.append(
            _("No room for another match: %(taken)s of %(capacity)s places are taken.")
            % {"taken": open_matches, "capacity": facts.capacity}
        )
    return Readiness(reasons, screening_missing, courses, open_matches)


def readiness_of_many(
    volunteers: QuerySet[Volunteer], *, on: date | None = None, open_matches: Mapping[int, int] | None = None
) -> dict[int, Readiness]:
    """`volunteer_readiness` of every volunteer of the queryset, by id, from values queries: no model instance per
    volunteer, and the same queries (eight, plus one per feature that registered courses) for any number of them.
    `open_matches` gives the places taken per volunteer id (absent: 0); without it `open_match_totals` counts
    them. For lists where building a Volunteer per row costs more than the decision (matching's pool)."""
    today = on or timezone.localdate()
    scope = volunteers.order_by().values("pk")
    rows = list(Volunteer.objects.filter(pk__in=scope).values_list("pk", "status", "capacity", "organisation_id"))
    if not rows:
        return {}
    organisations = {organisation_id for _pk, _status, _capacity, organisation_id in rows}
    kinds: dict[int, set[str]] = {pk: set() for pk, *_rest in rows}
    for volunteer_id, kind in VolunteerRole.objects.filter(volunteer_id__in=scope).values_list("volunteer_id", "kind"):
        kinds[volunteer_id].add(kind)
    configured: dict[int, list[tuple[str, str]]] = {organisation_id: [] for organisation_id in organisations}
    for organisation_id, kind, step in ScreeningRequirement.objects.filter(
        organisation_id__in=organisations
    ).values_list("organisation_id", "kind", "step"):
        configured[organisation_id].append((kind, step))
    intakes = dict(Intake.objects.filter(volunteer_id__in=scope).values_list("volunteer_id", "outcome"))
    visits = dict(HomeVisit.objects.filter(volunteer_id__in=scope).values_list("volunteer_id", "outcome"))
    references: dict[int, int] = dict.fromkeys(kinds, 0)
    for volunteer_id in Reference.objects.filter(volunteer_id__in=scope, outcome__in=ACCEPTED).values_list(
        "volunteer_id", flat=True
    ):
        references[volunteer_id] += 1
    # The latest check per volunteer, in `latest_vog`'s order: the first row of each volunteer wins.
    vogs: dict[int, tuple[bool, date | None]] = {}
    for volunteer_id, received_on, valid_until in (
        VogCheck.objects.filter(volunteer_id__in=scope)
        .order_by("volunteer_id", "-requested_on", "-pk")
        .values_list("volunteer_id", "received_on", "valid_until")
    ):
        vogs.setdefault(volunteer_id, (received_on is not None, valid_until))
    of_kinds = {pk: (organisation_id, frozenset(kinds[pk])) for pk, _status, _capacity, organisation_id in rows}
    courses: dict[int, list[str]] = {}
    for missing_many in _courses_missing_many.values():
        for volunteer_id, titles in missing_many(of_kinds).items():
            courses.setdefault(volunteer_id, []).extend(titles)
    taken = open_match_totals(kinds) if open_matches is None else open_matches
    result = {}
    for pk, status, capacity, organisation_id in rows:
        vog = vogs.get(pk)
        facts = ReadinessFacts(
            status=status,
            capacity=capacity,
            required_steps=tuple(_required_steps(kinds[pk], configured[organisation_id])),
            intake_outcome=intakes.get(pk),
            home_visit_outcome=visits.get(pk),
            references_accepted=references[pk],
            vog_received=vog[0] if vog is not None else None,
            vog_valid_until=vog[1] if vog is not None else None,
            courses_missing=tuple(courses.get(pk, ())),
        )
        result[pk] = _readiness(facts, today=today, open_matches=taken.get(pk, 0))
    return result


class NextStep:
    """What a volunteer reads as their own next step for a reason of `volunteer_readiness` (training aside: its
    steps come from training.selectors.training_steps_for, with the sessions)."""

    PAUSED = "paused"
    INTAKE = "intake"
    REFERENCES = "references"
    VOG = "vog"  # no VOG asked for yet
    VOG_WAITING = "vog_waiting"  # asked for, not yet shown to the coordinator
    VOG_EXPIRED = "vog_expired"
    HOME_VISIT = "home_visit"


SCREENING_NEXT_STEPS: dict[str, str] = {
    ScreeningStep.INTAKE: NextStep.INTAKE,
    ScreeningStep.REFERENCES: NextStep.REFERENCES,
    ScreeningStep.HOME_VISIT: NextStep.HOME_VISIT,
}


def volunteer_next_steps(volunteer: Volunteer, readiness: Readiness) -> list[str]:
    """The volunteer's own next steps (`NextStep`), one per reason of `readiness` except training and a full
    capacity: pausing, then each screening step still missing, in the order the screening runs. A stopped volunteer
    has none (nothing waits for them any more), and a full capacity is not theirs to do. No queries beyond those of
    `volunteer_readiness` (it reads the VOG checks it prefetched)."""
    if volunteer.status == Volunteer.Status.STOPPED:
        return []
    steps = [NextStep.PAUSED] if volunteer.status == Volunteer.Status.PAUSED else []
    today = timezone.localdate()
    for step in readiness.screening_missing:
        if step == ScreeningStep.VOG:
            vog = latest_vog(volunteer)
            if vog is not None and vog.valid_until and vog.valid_until < today:
                steps.append(NextStep.VOG_EXPIRED)
            elif vog is not None and not vog.is_received:
                steps.append(NextStep.VOG_WAITING)
            else:
                steps.append(NextStep.VOG)
        else:
            steps.append(SCREENING_NEXT_STEPS[step])
    return steps


class Stage:
    """Where a volunteer is on the way to being matchable (the coordinator's pipeline)."""

    REGISTERED = "registered"
    INTAKE = "intake"
    SCREENED = "screened"
    MATCHABLE = "matchable"
    MATCHED = "matched"
    PAUSED = "paused"
    STOPPED = "stopped"

    ORDER = (REGISTERED, INTAKE, SCREENED, MATCHABLE, MATCHED, PAUSED, STOPPED)
    LABELS = {
        REGISTERED: gettext_lazy("Registered"),
        INTAKE: gettext_lazy("In screening"),
        SCREENED: gettext_lazy("Screened, in training"),
        MATCHABLE: gettext_lazy("Matchable"),
        MATCHED: gettext_lazy("Matched"),
        PAUSED: gettext_lazy("Paused"),
        STOPPED: gettext_lazy("Stopped"),
    }


def volunteer_stage(volunteer: Volunteer, readiness: Readiness) -> str:
    """The pipeline stage, derived from what is recorded (never stored, so it cannot disagree with the facts)."""
    if volunteer.status == Volunteer.Status.STOPPED:
        return Stage.STOPPED
    if volunteer.status == Volunteer.Status.PAUSED:
        return Stage.PAUSED
    if readiness.open_matches:
        return Stage.MATCHED
    if readiness.matchable:
        return Stage.MATCHABLE
    if readiness.screening_missing:
        return Stage.INTAKE if getattr(volunteer, "intake", None) is not None else Stage.REGISTERED
    return Stage.SCREENED


def _last_step_on(volunteer: Volunteer) -> date:
    """The day of the latest recorded step: how long a volunteer has been waiting in their stage."""
    days = [timezone.localtime(volunteer.registered_at).date()]
    intake = getattr(volunteer, "intake", None)
    visit = getattr(volunteer, "home_visit", None)
    days += [step.held_on for step in (intake, visit) if step is not None]
    days += [r.contacted_on for r in volunteer.references.all() if r.contacted_on]
    days += [d for vog in volunteer.vog_checks.all() for d in (vog.requested_on, vog.received_on) if d]
    if volunteer.status_changed_at:
        days.append(timezone.localtime(volunteer.status_changed_at).date())
    return max(days)


def _next_action(volunteer: Volunteer, stage: str, readiness: Readiness) -> str:
    labels = dict(ScreeningStep.choices)
    if stage == Stage.REGISTERED:
        return _("Plan the intake conversation.")
    if stage == Stage.INTAKE:
        step = readiness.screening_missing[0]
        vog = latest_vog(volunteer)
        if step == ScreeningStep.VOG and vog is not None and not vog.is_received:
            return _("Waiting for the VOG: record it when it arrives.")
        return _("Record: %(step)s.") % {"step": labels[step]}
    if stage == Stage.SCREENED:
        return _("Training: %(course)s.") % {"course": readiness.courses_missing[0]}
    if stage == Stage.MATCHABLE:
        return _("Ready to be matched.")
    if stage == Stage.MATCHED:
        return _("Matched: %(taken)s of %(capacity)s places taken.") % {
            "taken": readiness.open_matches,
            "capacity": volunteer.capacity,
        }
    if stage == Stage.PAUSED:
        return _("Ask whether they want to start again.")
    return _("Nothing: the volunteer has stopped.")


@dataclass(frozen=True)
class PipelineRow:
    volunteer: Volunteer
    stage: str
    readiness: Readiness
    since: date
    next_action: str

    @property
    def stage_label(self) -> str:
        return str(Stage.LABELS[self.stage])

    @property
    def days_waiting(self) -> int:
        return (timezone.localdate() - self.since).days


def volunteer_pipeline_for(user: AnyUser) -> QuerySet[Volunteer]:
    """The volunteers the user coordinates, for the pipeline list: active first, then paused and stopped, each
    longest registered first; with what `volunteer_readiness` reads, so a page of them becomes rows
    (`pipeline_rows`) in constant queries."""
    return (
        with_readiness_data(volunteer_writable_by(user))
        .annotate(status_order=pipeline_status_order())
        .order_by("status_order", "registered_at", "pk")
    )


def volunteer_pipeline_search(
    volunteers: QuerySet[Volunteer],
    *,
    text: str = "",
    status: str = "",
    kind: str = "",
    registered_before: date | None = None,
    without_intake: bool = False,
) -> QuerySet[Volunteer]:
    """The pipeline's volunteers narrowed by the search box (every word in the name or place) and the filters:
    status, kind of volunteering, registered before a day, no intake conversation recorded yet."""
    volunteers = words_in(volunteers, text, ["user__first_name", "user__last_name", "home_place"])
    if status:
        volunteers = volunteers.filter(status=status)
    if kind:
        volunteers = volunteers.filter(pk__in=VolunteerRole.objects.filter(kind=kind).values("volunteer_id"))
    if registered_before is not None:
        volunteers = volunteers.filter(registered_at__date__lt=registered_before)
    if without_intake:
        volunteers = volunteers.filter(intake__isnull=True)
    return volunteers


def volunteer_status_counts(user: AnyUser) -> dict[str, int]:
    """How many volunteers the user coordinates per status (every status a key): one query."""
    rows = volunteer_writable_by(user).order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    return dict.fromkeys(Volunteer.Status.values, 0) | dict(rows)


def pipeline_rows(volunteers: Iterable[Volunteer]) -> list[PipelineRow]:
    """A page of `volunteer_pipeline_for`'s volunteers, each with stage, waiting time and next action (the stage is
    derived from what is recorded, so it is worked out for the rows shown only; constant queries)."""
    volunteers = list(volunteers)
    matches = open_match_totals(v.pk for v in volunteers)
    rows = []
    for volunteer in volunteers:
        readiness = volunteer_readiness(volunteer, open_matches=matches[volunteer.pk])
        stage = volunteer_stage(volunteer, readiness)
        rows.append(
            PipelineRow(
                volunteer, stage, readiness, _last_step_on(volunteer), _next_action(volunteer, stage, readiness)
            )
        )
    return rows


def reference_get_for(user: AnyUser, pk: int, write: bool = False) -> Reference:
    """A reference of a visible volunteer; only the volunteer's coordinators may record it (`write`)."""
    visible = Reference.objects.filter(volunteer__in=volunteer_visible_to(user)).select_related("volunteer")
    return object_get_for(visible, Reference.objects.filter(volunteer__in=volunteer_writable_by(user)), pk, write=write)


def vogcheck_get_for(user: AnyUser, pk: int, write: bool = False) -> VogCheck:
    """A VOG check of a visible volunteer; only the volunteer's coordinators may record it (`write`)."""
    visible = VogCheck.objects.filter(volunteer__in=volunteer_visible_to(user)).select_related("volunteer")
    return object_get_for(visible, VogCheck.objects.filter(volunteer__in=volunteer_writable_by(user)), pk, write=write)


def unavailability_visible_to(user: AnyUser) -> QuerySet[AvailabilityException]:
    """The user's own unavailable periods (only the volunteer manages them)."""
    if not user.is_authenticated:
        return AvailabilityException.objects.none()
    return AvailabilityException.objects.filter(volunteer__user=user)


def unavailability_get_for(user: AnyUser, pk: int, write: bool = False) -> AvailabilityException:
    """One of the user's own unavailable periods; 404 for anyone else's."""
    own = unavailability_visible_to(user)
    return object_get_for(own, own, pk, write=write)
