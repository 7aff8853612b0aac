"""Training services: enrolment with capacity and a waiting list, cancelling, attendance, planning."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import Role
from tests.builders.training import CourseFactory, SessionFactory, enrol, move_to_past
from tests.conftest import World
from tests.factories import VolunteerFactory, user_with_role
from training import services
from training.models import Course, CourseCompletion, Enrolment, Session
from training.selectors import required_courses_missing
from volunteers.models import Volunteer, VolunteerKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world: World) -> Session:
    return SessionFactory(course=CourseFactory(organisation=world.organisation), capacity=2)


def volunteer_in(world: World, **kwargs: Any) -> Volunteer:
    return VolunteerFactory(organisation=world.organisation, **kwargs)


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# --- enrolling ---------------------------------------------------------------------------------------------------


def test_enrol_takes_a_place(world: World, session: Session) -> None:
    enrolment = services.session_enrol(volunteer=volunteer_in(world), session=session)
    assert enrolment.status == Enrolment.Status.ENROLLED
    assert enrolment.attended is None


def test_a_full_session_refuses_with_the_waiting_list_offered(world: World, session: Session) -> None:
    for _ in range(2):
        services.session_enrol(volunteer=volunteer_in(world), session=session)
    with pytest.raises(ValidationError) as error:
        services.session_enrol(volunteer=volunteer_in(world), session=session)
    assert messages_of(error) == "Deze bijeenkomst is vol. Je kunt op de wachtlijst."
    assert session.enrolments.count() == 2


def test_a_full_session_puts_the_volunteer_on_the_waiting_list_when_asked(world: World, session: Session) -> None:
    for _ in range(2):
        services.session_enrol(volunteer=volunteer_in(world), session=session)
    enrolment = services.session_enrol(volunteer=volunteer_in(world), session=session, waiting_list=True)
    assert enrolment.status == Enrolment.Status.WAITING


def test_asking_for_the_waiting_list_with_a_free_place_gives_the_place(world: World, session: Session) -> None:
    enrolment = services.session_enrol(volunteer=volunteer_in(world), session=session, waiting_list=True)
    assert enrolment.status == Enrolment.Status.ENROLLED


def test_double_enrolment_is_refused(world: World, session: Session) -> None:
    volunteer = volunteer_in(world)
    services.session_enrol(volunteer=volunteer, session=session)
    with pytest.raises(ValidationError, match="al een inschrijving"):
        services.session_enrol(volunteer=volunteer, session=session)
    assert session.enrolments.count() == 1


def test_a_second_place_on_the_waiting_list_is_refused(world: World, session: Session) -> None:
    for _ in range(2):
        services.session_enrol(volunteer=volunteer_in(world), session=session)
    waiting = volunteer_in(world)
    services.session_enrol(volunteer=waiting, session=session, waiting_list=True)
    with pytest.raises(ValidationError, match="wachtlijst"):
        services.session_enrol(volunteer=waiting, session=session, waiting_list=True)


def test_the_database_refuses_two_rows_for_one_volunteer_and_session(world: World, session: Session) -> None:
    volunteer = volunteer_in(world)
    enrol(session, volunteer)
    with pytest.raises(IntegrityError):
        enrol(session, volunteer)


def test_a_session_that_started_is_refused(world: World, session: Session) -> None:
    move_to_past(session)
    with pytest.raises(ValidationError, match="al begonnen"):
        services.session_enrol(volunteer=volunteer_in(world), session=session)


def test_a_stopped_volunteer_is_refused(world: World, session: Session) -> None:
    with pytest.raises(ValidationError, match="gestopt"):
        services.session_enrol(volunteer=volunteer_in(world, status=Volunteer.Status.STOPPED), session=session)


def test_another_organisations_session_is_refused(world: World, session: Session) -> None:
    outsider = VolunteerFactory(organisation=world.other_organisation)
    with pytest.raises(ValidationError, match="andere organisatie"):
        services.session_enrol(volunteer=outsider, session=session)


def test_an_inactive_course_is_refused(world: World, session: Session) -> None:
    Course.objects.filter(pk=session.course_id).update(active=False)
    with pytest.raises(ValidationError, match="niet meer gegeven"):
        services.session_enrol(volunteer=volunteer_in(world), session=session)


def test_enrolling_again_after_cancelling_goes_to_the_back_of_the_queue(world: World, session: Session) -> None:
    first, second = volunteer_in(world), volunteer_in(world)
    services.session_enrol(volunteer=first, session=session)
    services.session_enrol(volunteer=second, session=session)
    early = services.session_enrol(volunteer=volunteer_in(world), session=session, waiting_list=True)
    services.enrolment_cancel(enrolment=Enrolment.objects.get(session=session, volunteer=second))
    # `early` moved up; `second` enrols again: the session is full, so they wait behind nobody but are last.
    early.refresh_from_db()
    assert early.status == Enrolment.Status.ENROLLED
    again = services.session_enrol(volunteer=second, session=session, waiting_list=True)
    assert again.status == Enrolment.Status.WAITING
    assert Enrolment.objects.filter(session=session, volunteer=second).count() == 1


# --- cancelling --------------------------------------------------------------------------------------------------


def test_cancel_promotes_the_first_on_the_waiting_list_and_emails_them(
    world: World, session: Session, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    leaving = volunteer_in(world)
    services.session_enrol(volunteer=leaving, session=session)
    services.session_enrol(volunteer=volunteer_in(world), session=session)
    first = services.session_enrol(volunteer=volunteer_in(world), session=session, waiting_list=True)
    later = services.session_enrol(volunteer=volunteer_in(world), session=session, waiting_list=True)
    Enrolment.objects.filter(pk=later.pk).update(created_at=first.created_at + timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.enrolment_cancel(enrolment=Enrolment.objects.get(volunteer=leaving))

    assert promoted is not None and promoted.pk == first.pk
    statuses = dict(session.enrolments.values_list("pk", "status"))
    assert statuses[first.pk] == Enrolment.Status.ENROLLED
    assert statuses[later.pk] == Enrolment.Status.WAITING
    assert Enrolment.objects.get(volunteer=leaving).status == Enrolment.Status.CANCELLED
    assert session.enrolments.filter(status=Enrolment.Status.ENROLLED).count() == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [first.volunteer.user.email]
    assert session.course.title in message.subject
    assert "Er is een plek vrij" in message.subject
    assert "wachtlijst" in message.body


def test_no_email_before_the_transaction_commits(world: World, session: Session) -> None:
    leaving = volunteer_in(world)
    services.session_enrol(volunteer=leaving, session=session)
    services.session_enrol(volunteer=volunteer_in(world), session=session)
    services.session_enrol(volunteer=volunteer_in(world), session=session, waiting_list=True)
    services.enrolment_cancel(enrolment=Enrolment.objects.get(volunteer=leaving))
    # The test's own transaction never commits, so the email is not sent: a rollback would never tell a lie.
    assert mail.outbox == []


def test_cancelling_a_place_on_the_waiting_list_promotes_nobody(world: World, session: Session) -> None:
    for _ in range(2):
        services.session_enrol(volunteer=volunteer_in(world), session=session)
    waiting = services.session_enrol(volunteer=volunteer_in(world), session=session, waiting_list=True)
    other = services.session_enrol(volunteer=volunteer_in(world), session=session, waiting_list=True)
    assert services.enrolment_cancel(enrolment=waiting) is None
    other.refresh_from_db()
    assert other.status == Enrolment.Status.WAITING


def test_cancelling_twice_or_after_the_start_is_refused(world: World, session: Session) -> None:
    enrolment = services.session_enrol(volunteer=volunteer_in(world), session=session)
    services.enrolment_cancel(enrolment=enrolment)
    with pytest.raises(ValidationError, match="al afgemeld"):
        services.enrolment_cancel(enrolment=enrolment)
    late = services.session_enrol(volunteer=volunteer_in(world), session=session)
    move_to_past(session)
    with pytest.raises(ValidationError, match="al begonnen"):
        services.enrolment_cancel(enrolment=late)


# --- attendance --------------------------------------------------------------------------------------------------


def test_present_records_the_completed_course(world: World, session: Session) -> None:
    volunteer = volunteer_in(world, kinds=[VolunteerKind.BUDDY])
    enrolment = services.session_enrol(volunteer=volunteer, session=session)
    assert required_courses_missing(volunteer) == [session.course]
    move_to_past(session, days=3)

    services.attendance_record(actor=world.coordinator, enrolment=enrolment, attended=True)

    completion = CourseCompletion.objects.get(volunteer=volunteer, course=session.course)
    assert completion.completed_on == timezone.localdate(session.starts_at)
    enrolment.refresh_from_db()
    assert enrolment.attended is True
    assert enrolment.attendance_recorded_by == world.coordinator
    assert required_courses_missing(Volunteer.objects.get(pk=volunteer.pk)) == []


def test_marking_present_twice_keeps_one_completion(world: World, session: Session) -> None:
    enrolment = services.session_enrol(volunteer=volunteer_in(world), session=session)
    move_to_past(session)
    services.attendance_record(actor=world.coordinator, enrolment=enrolment, attended=True)
    services.attendance_record(actor=world.coordinator, enrolment=enrolment, attended=True)
    assert CourseCompletion.objects.count() == 1


def test_correcting_to_absent_takes_the_completion_back(world: World, session: Session) -> None:
    enrolment = services.session_enrol(volunteer=volunteer_in(world), session=session)
    move_to_past(session)
    services.attendance_record(actor=world.coordinator, enrolment=enrolment, attended=True)
    services.attendance_record(actor=world.coordinator, enrolment=enrolment, attended=False)
    assert not CourseCompletion.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.attended is False


def test_absent_keeps_a_completion_from_another_session_of_the_course(world: World, session: Session) -> None:
    volunteer = volunteer_in(world)
    earlier = move_to_past(SessionFactory(course=session.course), days=30)
    attended = enrol(earlier, volunteer)
    services.attendance_record(actor=world.coordinator, enrolment=attended, attended=True)
    enrolment = services.session_enrol(volunteer=volunteer, session=session)
    move_to_past(session)
    services.attendance_record(actor=world.coordinator, enrolment=enrolment, attended=True)
    services.attendance_record(actor=world.coordinator, enrolment=enrolment, attended=False)
    completion = CourseCompletion.objects.get(volunteer=volunteer)
    assert completion.session == earlier


def test_attendance_is_for_a_coordinator_of_the_organisation(world: World, session: Session) -> None:
    enrolment = services.session_enrol(volunteer=volunteer_in(world), session=session)
    move_to_past(session)
    other_coordinator = user_with_role(Role.COORDINATOR, world.other_organisation)
    for actor in (world.volunteer, world.professional, other_coordinator):
        with pytest.raises(ValidationError, match="coördinator"):
            services.attendance_record(actor=actor, enrolment=enrolment, attended=True)
    assert not CourseCompletion.objects.exists()


def test_attendance_waits_for_the_start_and_needs_a_place(world: World, session: Session) -> None:
    enrolment = services.session_enrol(volunteer=volunteer_in(world), session=session)
    with pytest.raises(ValidationError, match="begonnen"):
        services.attendance_record(actor=world.coordinator, enrolment=enrolment, attended=True)
    waiting = enrol(session, volunteer_in(world), Enrolment.Status.WAITING)
    move_to_past(session)
    with pytest.raises(ValidationError, match="plek"):
        services.attendance_record(actor=world.coordinator, enrolment=waiting, attended=True)


# --- planning ----------------------------------------------------------------------------------------------------


def test_course_create_for_a_coordinator(world: World) -> None:
    course = services.course_create(
        actor=world.coordinator,
        organisation=world.organisation,
        title=" Basistraining steunouder ",
        kind=Course.Kind.BASIC,
        for_kind=VolunteerKind.SUPPORT_FAMILY,
        theme=Course.Theme.DEBT,  # does not apply to a basic course: left empty
    )
    assert (course.title, course.for_kind, course.theme, course.active) == (
        "Basistraining steunouder",
        VolunteerKind.SUPPORT_FAMILY,
        "",
        True,
    )


def test_course_create_checks_kind_and_theme(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        services.course_create(actor=world.coordinator, organisation=world.organisation, title="A", kind="basic")
    assert "for_kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.course_create(actor=world.coordinator, organisation=world.organisation, title="B", kind="themed")
    assert "theme" in error.value.message_dict
    themed = services.course_create(
        actor=world.coordinator,
        organisation=world.organisation,
        title="Intervisie (vecht)scheiding",
        kind=Course.Kind.THEMED,
        for_kind=VolunteerKind.BUDDY,
        theme=Course.Theme.DIVORCE,
    )
    assert (themed.for_kind, themed.theme) == ("", Course.Theme.DIVORCE)


@pytest.mark.parametrize("persona", ["volunteer", "professional", "outsider", "admin"])
def test_course_create_refuses_anyone_but_the_coordinator(world: World, persona: str) -> None:
    with pytest.raises(ValidationError, match="coördinator"):
        services.course_create(
            actor=world.by_role(persona),
            organisation=world.organisation,
            title="X",
            kind=Course.Kind.BASIC,
            for_kind=VolunteerKind.BUDDY,
        )
    assert not Course.objects.exists()


def test_session_create(world: World) -> None:
    course = CourseFactory(organisation=world.organisation)
    starts = timezone.now() + timedelta(days=3)
    session = services.session_create(
        actor=world.coordinator,
        course=course,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        online_link="https://meet.example/abc",
        trainer="Joke",
        capacity=8,
    )
    assert (session.place, session.online_link, session.capacity) == ("", "https://meet.example/abc", 8)


def test_session_create_checks_place_times_capacity_and_course(world: World) -> None:
    course = CourseFactory(organisation=world.organisation, active=False)
    starts = timezone.now() - timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        services.session_create(
            actor=world.coordinator, course=course, starts_at=starts, ends_at=starts, trainer="Joke", capacity=0
        )
    assert set(error.value.message_dict) == {"course", "starts_at", "ends_at", "capacity", "place"}
    later = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.session_create(
            actor=world.coordinator,
            course=CourseFactory(organisation=world.organisation),
            starts_at=later,
            ends_at=later + timedelta(hours=1),
            online_link="javascript:alert(1)",
            trainer=" ",
            capacity=5,
        )
    assert set(error.value.message_dict) == {"online_link", "trainer"}
    foreign = CourseFactory(organisation=world.other_organisation)
    with pytest.raises(ValidationError, match="coördinator"):
        services.session_create(
            actor=world.coordinator,
            course=foreign,
            starts_at=later,
            ends_at=later + timedelta(hours=1),
            place="Leiden",
            trainer="Joke",
            capacity=5,
        )
