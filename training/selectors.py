"""Reads about training, and the one function other apps call: `required_courses_missing`.

Who sees what:
- a coordinator: every course, session and enrolment of the organisations they coordinate, and may change them;
- a volunteer (a user with a volunteer profile): the active courses of their organisation and the sessions of
  those (read only), and their own enrolments, which they may cancel;
- anyone else: nothing (a 404, the same answer as "does not exist").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import AnyUser, organisation_ids_where
from core.selectors import object_get_for
from training.models import Course, CourseCompletion, CourseRequirement, Enrolment, Session
from volunteers.models import Volunteer

# What `required_courses_missing` reads through related managers. A list of volunteers prefetches these (see
# `with_training_data`) and then costs no query per volunteer.
TRAINING_PREFETCH = ("roles", "organisation__courses", "organisation__course_requirements", "course_completions")
# How many past sessions the coordinator's overview lists, for marking attendance afterwards.
RECENT_SESSIONS_SHOWN = 10


def _volunteer_organisations(user: AnyUser) -> QuerySet[Volunteer, int]:
    # A subquery, not a list: the scope stays one SQL statement.
    volunteers = Volunteer.objects.filter(user=user) if isinstance(user, User) else Volunteer.objects.none()
    return volunteers.values_list("organisation_id", flat=True)


def course_writable_by(user: AnyUser) -> QuerySet[Course]:
    """Courses of the organisations the user coordinates."""
    return Course.objects.filter(organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))


def course_visible_to(user: AnyUser) -> QuerySet[Course]:
    """Courses the user may see: all of the organisations they coordinate, and the active ones of their own
    organisation as a volunteer."""
    if not user.is_authenticated:
        return Course.objects.none()
    return Course.objects.filter(
        Q(organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))
        | Q(active=True, organisation_id__in=_volunteer_organisations(user))
    )


def course_get_for(user: AnyUser, pk: int, write: bool = False) -> Course:
    """One course: 404 when invisible to the user, 403 when `write` is asked and they are not its coordinator."""
    return object_get_for(
        course_visible_to(user).select_related("organisation"), course_writable_by(user), pk, write=write
    )


def session_writable_by(user: AnyUser) -> QuerySet[Session]:
    """Sessions of courses of the organisations the user coordinates."""
    return Session.objects.filter(course__organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))


def session_visible_to(user: AnyUser) -> QuerySet[Session]:
    """Sessions the user may see: the same rule as for courses (a volunteer sees those of active courses)."""
    if not user.is_authenticated:
        return Session.objects.none()
    return Session.objects.filter(
        Q(course__organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))
        | Q(course__active=True, course__organisation_id__in=_volunteer_organisations(user))
    )


def session_get_for(user: AnyUser, pk: int, write: bool = False) -> Session:
    """One session: 404 when invisible, 403 when `write` (the coordinator's work: the list of names, attendance,
    enrolling someone) is asked of a volunteer."""
    return object_get_for(
        session_visible_to(user).select_related("course__organisation"), session_writable_by(user), pk, write=write
    )


def enrolment_visible_to(user: AnyUser) -> QuerySet[Enrolment]:
    """The user's own enrolments, and all enrolments in sessions of the organisations they coordinate."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(
        Q(volunteer__user=user) | Q(session__course__organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))
    )


def enrolment_writable_by(user: AnyUser) -> QuerySet[Enrolment]:
    """Enrolments the user may cancel: the same as those they see (a volunteer cancels their own, a coordinator
    any in their organisation). Marking attendance asks more: see `session_get_for(..., write=True)`."""
    return enrolment_visible_to(user)


def enrolment_get_for(user: AnyUser, pk: int, write: bool = False) -> Enrolment:
    """One enrolment: 404 when invisible to the user, 403 when `write` is asked and not allowed."""
    visible = enrolment_visible_to(user).select_related("session__course", "volunteer__user")
    return object_get_for(visible, enrolment_writable_by(user), pk, write=write)


def volunteer_enrollable_by(user: AnyUser, session: Session) -> QuerySet[Volunteer]:
    """The volunteers a coordinator may enrol in this session: those of its organisation who have not stopped."""
    if session.course.organisation_id not in organisation_ids_where(user, Role.COORDINATOR):
        return Volunteer.objects.none()
    return (
        Volunteer.objects.filter(organisation_id=session.course.organisation_id)
        .exclude(status=Volunteer.Status.STOPPED)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )


def with_training_data(volunteers: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """Prefetch what `required_courses_missing` reads, so a list of any length costs the same queries."""
    return volunteers.select_related("organisation").prefetch_related(*TRAINING_PREFETCH)


def required_courses_missing(volunteer: Volunteer) -> list[Course]:
    """The courses the volunteer must still complete before they can be matched, basic courses first.

    Which courses are required depends on the volunteer's organisation and kinds (`VolunteerRole`):
    - when the organisation has configured course requirements (any `CourseRequirement` row, for any kind), the
      courses of its rows for the volunteer's kinds. These count even when the course is no longer active, so
      pausing a course never makes volunteers matchable without training; delete the row to stop requiring it.
      A row naming another organisation's course is ignored.
    - when it has configured none, every active basic course of the organisation whose `for_kind` is one of the
      volunteer's kinds.
    A course drops out once the volunteer has a `CourseCompletion` for it, however long ago. A volunteer without
    kinds has nothing required.

    Reads only through related managers: at most five queries for one volunteer, and none per volunteer when the
    list was loaded with `with_training_data` (or prefetches `TRAINING_PREFETCH`).
    """
    kinds = {role.kind for role in volunteer.roles.all()}
    if not kinds:
        return []
    organisation = volunteer.organisation
    return _missing(
        kinds,
        [(r.kind, r.course_id) for r in organisation.course_requirements.all()],
        list(organisation.courses.all()),
        {completion.course_id for completion in volunteer.course_completions.all()},
    )


def _missing(
    kinds: Iterable[str], requirements: list[tuple[str, int]], courses: list[Course], completed: set[int]
) -> list[Course]:
    """The rule of `required_courses_missing` on plain data: the organisation's (kind, course id) requirements and
    courses, and the ids of the courses the volunteer completed."""
    kinds = set(kinds)
    if not kinds:
        return []
    if requirements:
        required_ids = {course_id for kind, course_id in requirements if kind in kinds}
        required = [c for c in courses if c.pk in required_ids]
    else:
        required = [c for c in courses if c.active and c.kind == Course.Kind.BASIC and c.for_kind in kinds]
    missing = [course for course in required if course.pk not in completed]
    missing.sort(key=lambda course: (course.kind, course.title, course.pk))
    return missing


def required_courses_missing_many(volunteers: Mapping[int, tuple[int, frozenset[str]]]) -> dict[int, list[str]]:
    """`required_courses_missing` for many volunteers at once, as course titles per volunteer id (absent when
    none): given each volunteer's (organisation id, kinds). Three queries for any number of volunteers; courses
    are read per organisation, completions as values (no model instance per volunteer)."""
    if not volunteers:
        return {}
    organisations = {organisation_id for organisation_id, _kinds in volunteers.values()}
    courses: dict[int, list[Course]] = {organisation_id: [] for organisation_id in organisations}
    for course in Course.objects.filter(organisation_id__in=organisations).order_by("pk"):
        courses[course.organisation_id].append(course)
    requirements: dict[int, list[tuple[str, int]]] = {organisation_id: [] for organisation_id in organisations}
    for organisation_id, kind, course_id in CourseRequirement.objects.filter(
        organisation_id__in=organisations
    ).values_list("organisation_id", "kind", "course_id"):
        requirements[organisation_id].append((kind, course_id))
    completed: dict[int, set[int]] = {}
    for volunteer_id, course_id in CourseCompletion.objects.filter(volunteer_id__in=list(volunteers)).values_list(
        "volunteer_id", "course_id"
    ):
        completed.setdefault(volunteer_id, set()).add(course_id)
    result = {}
    for volunteer_id, (organisation_id, kinds) in volunteers.items():
        missing = _missing(
            kinds, requirements[organisation_id], courses[organisation_id], completed.get(volunteer_id, set())
        )
        if missing:
            result[volunteer_id] = [course.title for course in missing]
    return result


@dataclass(frozen=True)
class SessionRow:
    """A session with its numbers, and the viewing volunteer's own enrolment in it (if any, not cancelled)."""

    session: Session
    enrolled: int
    waiting: int
    own: Enrolment | None = None

    @property
    def places_left(self) -> int:
        return max(self.session.capacity - self.enrolled, 0)

    @property
    def is_full(self) -> bool:
        return self.places_left == 0


def _with_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.select_related("course").annotate(
        enrolled_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ENROLLED)),
        waiting_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITING)),
    )


def _session_rows(sessions: Iterable[Any], own: dict[int, Enrolment] | None = None) -> list[SessionRow]:
    """Rows for sessions annotated by `_with_counts` (typed Any: the stubs do not know the annotations)."""
    own = own or {}
    return [SessionRow(s, s.enrolled_count, s.waiting_count, own.get(s.pk)) for s in sessions]


@dataclass(frozen=True)
class VolunteerCatalogue:
    sessions: list[SessionRow]
    enrolments: list[Enrolment]
    completions: list[CourseCompletion]
    missing: list[Course]


def catalogue_for_volunteer(user: AnyUser, volunteer: Volunteer) -> VolunteerCatalogue:
    """What a volunteer's training page shows: the upcoming sessions of their organisation with free places,
    their own enrolments in sessions that have not ended, their completed courses and the required courses still
    missing. Constant queries for any number of sessions, enrolments and courses."""
    now = timezone.now()
    enrolments = list(
        enrolment_visible_to(user)
        .filter(volunteer=volunteer, session__ends_at__gt=now)
        .exclude(status=Enrolment.Status.CANCELLED)
        .select_related("session__course")
        .order_by("session__starts_at", "pk")
    )
    upcoming = session_visible_to(user).filter(
        course__organisation_id=volunteer.organisation_id, course__active=True, starts_at__gt=now
    )
    completions = list(volunteer.course_completions.select_related("course"))
    return VolunteerCatalogue(
        sessions=_session_rows(
            _with_counts(upcoming).order_by("starts_at", "pk"), {e.session_id: e for e in enrolments}
        ),
        enrolments=enrolments,
        completions=completions,
        missing=required_courses_missing(volunteer),
    )


@dataclass(frozen=True)
class CoordinatorCatalogue:
    courses: list[Course]
    upcoming: list[SessionRow]
    recent: list[SessionRow]


def catalogue_for_coordinator(user: AnyUser) -> CoordinatorCatalogue:
    """What a coordinator's training page shows: their organisations' courses, the sessions still to come and the
    latest ones that have started (to mark attendance). Constant queries."""
    now = timezone.now()
    sessions = _with_counts(session_writable_by(user))
    return CoordinatorCatalogue(
        courses=list(course_writable_by(user).select_related("organisation")),
        upcoming=_session_rows(sessions.filter(starts_at__gt=now).order_by("starts_at", "pk")),
        recent=_session_rows(sessions.filter(starts_at__lte=now).order_by("-starts_at", "-pk")[:RECENT_SESSIONS_SHOWN]),
    )


@dataclass(frozen=True)
class SessionList:
    enrolled: list[Enrolment]
    waiting: list[Enrolment]

    def places_left(self, session: Session) -> int:
        return max(session.capacity - len(self.enrolled), 0)


def session_list_for(session: Session) -> SessionList:
    """The people enrolled in a session and those waiting (first come, first served). Call it only with a session
    from `session_get_for(user, pk, write=True)`."""
    enrolments = (
        session.enrolments.exclude(status=Enrolment.Status.CANCELLED)
        .select_related("volunteer__user")
        .order_by("created_at", "pk")
    )
    enrolled: list[Enrolment] = []
    waiting: list[Enrolment] = []
    for enrolment in enrolments:
        (enrolled if enrolment.status == Enrolment.Status.ENROLLED else waiting).append(enrolment)
    enrolled.sort(key=lambda e: (e.volunteer.user.first_name, e.volunteer.user.last_name, e.pk))
    return SessionList(enrolled=enrolled, waiting=waiting)


@dataclass(frozen=True)
class CourseStep:
    """A required course the volunteer still misses, with their own place in a session still to come (enrolled or on
    its waiting list), or else the next session they can sign up for (None when none is planned)."""

    course: Course
    enrolment: Enrolment | None
    next_session: Session | None


@dataclass(frozen=True)
class TrainingSteps:
    courses: list[CourseStep]
    # The volunteer's places in sessions still to come of courses that are not in `courses` (themed sessions,
    # intervision), soonest first.
    coming_up: list[Enrolment]


def training_steps_for(user: AnyUser, volunteer: Volunteer) -> TrainingSteps:
    """What waits for a volunteer in training: each required course still missing (`required_courses_missing`, so
    the same courses as `volunteers.selectors.volunteer_readiness` names) with their place in a session or the next
    session to sign up for, and the other sessions they signed up for. Two queries, plus those of
    `required_courses_missing` (none when the volunteer came with `TRAINING_PREFETCH`)."""
    now = timezone.now()
    missing = required_courses_missing(volunteer)
    enrolments = list(
        enrolment_visible_to(user)
        .filter(volunteer=volunteer, session__starts_at__gt=now)
        .exclude(status=Enrolment.Status.CANCELLED)
        .select_related("session__course")
        .order_by("session__starts_at", "pk")
    )
    own: dict[int, Enrolment] = {}
    for enrolment in enrolments:
        own.setdefault(enrolment.session.course_id, enrolment)
    without_place = [course.pk for course in missing if course.pk not in own]
    next_sessions: dict[int, Session] = {}
    if without_place:
        upcoming = session_visible_to(user).filter(course_id__in=without_place, starts_at__gt=now)
        for session in upcoming.order_by("starts_at", "pk"):
            next_sessions.setdefault(session.course_id, session)
    missing_ids = {course.pk for course in missing}
    return TrainingSteps(
        courses=[CourseStep(course, own.get(course.pk), next_sessions.get(course.pk)) for course in missing],
        coming_up=[e for e in enrolments if e.session.course_id not in missing_ids],
    )
