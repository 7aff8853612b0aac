"""Reads of volunteers, and the one function that decides whether a volunteer can be matched.

Who sees a volunteer: the volunteer themself, and the coordinators of the volunteer's organisation (who may also
change what is recorded about screening). Nobody else, until matching shows anonymised profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from django.db.models import Case, Count, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import AnyUser, organisation_ids_where
from core.paging import words_in
from core.selectors import object_get_for
from volunteers.models import (
    AvailabilityException,
    Outcome,
    Reference,
    ScreeningRequirement,
    ScreeningStep,
    VogCheck,
    Volunteer,
    VolunteerKind,
    VolunteerPolicy,
    VolunteerRole,
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
# How many places open matches take, per volunteer id: every id asked for is a key (0 when none), one query.
MatchesCounted = Callable[[Iterable[int]], Mapping[int, int]]
_courses_missing: dict[str, CoursesMissing] = {}
_courses_prefetch: dict[str, tuple[str, ...]] = {}
_matches_counted: dict[str, MatchesCounted] = {}


def readiness_courses_register(feature: str, missing: CoursesMissing, *, prefetch: Iterable[str] = ()) -> None:
    """Register how `feature` finds a volunteer's required courses still missing, and the related names a list of
    volunteers prefetches for it (`with_readiness_data`)."""
    _courses_missing[feature] = missing
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


def required_screening(volunteer: Volunteer) -> list[str]:
    """The screening steps the volunteer's organisation requires for the kinds they registered as."""
    kinds = {role.kind for role in volunteer.roles.all()}
    configured = [r for r in volunteer.organisation.screening_requirements.all() if r.kind in kinds]
    if volunteer.organisation.screening_requirements.all():
        steps = {r.step for r in configured}
    else:
        steps = {step for kind in kinds for step in DEFAULT_SCREENING[kind]}
    return [step for step in ScreeningStep.values if step in steps]


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


def _step_done(volunteer: Volunteer, step: str, today: date) -> bool:
    if step == ScreeningStep.INTAKE:
        intake = getattr(volunteer, "intake", None)
        return intake is not None and intake.outcome in ACCEPTED
    if step == ScreeningStep.HOME_VISIT:
        visit = getattr(volunteer, "home_visit", None)
        return visit is not None and visit.outcome in ACCEPTED
    if step == ScreeningStep.REFERENCES:
        return sum(1 for r in volunteer.references.all() if r.outcome in ACCEPTED) >= REFERENCES_NEEDED
    vog = latest_vog(volunteer)
    return vog is not None and vog.is_received and vog.is_valid_on(today)


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
    today = on or timezone.localdate()
    reasons: list[str] = []
    if volunteer.status == Volunteer.Status.PAUSED:
        reasons.append(_("The volunteer has paused."))
    elif volunteer.status == Volunteer.Status.STOPPED:
        reasons.append(_("The volunteer has stopped."))
    screening_missing = [s for s in required_screening(volunteer) if not _step_done(volunteer, s, today)]
    labels = dict(ScreeningStep.choices)
    for step in screening_missing:
        vog = latest_vog(volunteer)
        if step == ScreeningStep.VOG and vog is not None and vog.valid_until and vog.valid_until < today:
            reasons.append(_("The certificate of conduct (VOG) has expired."))
        else:
            reasons.append(_("Not done yet: %(step)s.") % {"step": labels[step]})
    courses = _course_titles_missing(volunteer)
    reasons += [_("Training not done yet: %(course)s.") % {"course": title} for title in courses]
    if open_matches is None:
        open_matches = open_match_totals([volunteer.pk])[volunteer.pk]
    if open_matches >= volunteer.capacity:
        reasons.append(
            _("No room for another match: %(taken)s of %(capacity)s places are taken.")
            % {"taken": open_matches, "capacity": volunteer.capacity}
        )
    return Readiness(reasons, screening_missing, courses, open_matches)


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
    status_order = Case(
        When(status=Volunteer.Status.ACTIVE, then=Value(0)),
        When(status=Volunteer.Status.PAUSED, then=Value(1)),
        default=Value(2),
    )
    return (
        with_readiness_data(volunteer_writable_by(user))
        .annotate(status_order=status_order)
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
