"""Factories and builders for training: courses (themed or not), sessions, enrolling, and moving a session to the past.

Moved here from test modules so that no test imports another (issue #24); behaviour unchanged."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory

from tests.factories import ModelFactory, OrganisationFactory
from training.models import Course, Enrolment, Session
from volunteers.models import Volunteer, VolunteerKind


class CourseFactory(ModelFactory[Course]):
    """An active basic course for buddies."""

    class Meta:
        model = Course

    organisation = SubFactory(OrganisationFactory)
    title = Sequence(lambda n: f"Basistraining maatje {n}")
    kind = Course.Kind.BASIC
    for_kind: str = VolunteerKind.BUDDY
    theme = ""
    active = True


class ThemedCourseFactory(CourseFactory):
    title = Sequence(lambda n: f"Intervisie autisme {n}")
    kind = Course.Kind.THEMED
    for_kind = ""
    theme = Course.Theme.AUTISM


class SessionFactory(ModelFactory[Session]):
    """A session a week from now, two hours, ten places, in a community centre."""

    class Meta:
        model = Session

    course = SubFactory(CourseFactory)
    starts_at = LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    place = "Buurthuis De Kikker, Leiden"
    trainer = "Joke Verhoeven"
    capacity = 10


def enrol(session: Session, volunteer: Volunteer, status: str = Enrolment.Status.ENROLLED) -> Enrolment:
    """An enrolment written directly (bypassing the service's rules), for setting up a test."""
    return Enrolment.objects.create(session=session, volunteer=volunteer, status=status)


def move_to_past(session: Session, *, days: int = 1) -> Session:
    """Let a session have taken place (the service refuses to plan one in the past)."""
    session.starts_at = timezone.now() - timedelta(days=days)
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save(update_fields=["starts_at", "ends_at"])
    return session
