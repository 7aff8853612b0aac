"""Training reads: which courses a volunteer still has to do (the rule matching depends on), and who sees what."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from pytest_django import DjangoAssertNumQueries

from accounts.models import Organisation
from tests.builders.training import CourseFactory, SessionFactory, ThemedCourseFactory, enrol
from tests.conftest import World
from tests.factories import VolunteerFactory
from training.models import Course, CourseCompletion, CourseRequirement
from training.selectors import (
    course_get_for,
    course_visible_to,
    enrolment_get_for,
    enrolment_visible_to,
    required_courses_missing,
    session_get_for,
    session_visible_to,
    with_training_data,
)
from volunteers.models import Volunteer, VolunteerKind

pytestmark = pytest.mark.django_db


def fresh(volunteer: Volunteer) -> Volunteer:
    """The volunteer as another request would load it: nothing cached."""
    return Volunteer.objects.get(pk=volunteer.pk)


def complete(volunteer: Volunteer, course: Course) -> CourseCompletion:
    return CourseCompletion.objects.create(volunteer=volunteer, course=course, completed_on="2026-01-15")


@pytest.fixture
def organisation(db: None) -> Organisation:
    from tests.factories import OrganisationFactory

    return OrganisationFactory(kind=Organisation.Kind.VOLUNTEER_ORGANISATION)


# --- required_courses_missing ------------------------------------------------------------------------------------


def test_without_requirements_every_active_basic_course_for_the_volunteers_kinds(organisation: Organisation) -> None:
    buddy_course = CourseFactory(organisation=organisation, for_kind=VolunteerKind.BUDDY, title="Basistraining maatje")
    family_course = CourseFactory(
        organisation=organisation, for_kind=VolunteerKind.SUPPORT_FAMILY, title="Basistraining steunouder"
    )
    CourseFactory(organisation=organisation, for_kind=VolunteerKind.BUDDY, active=False)
    CourseFactory(organisation=organisation, for_kind=VolunteerKind.SOCIAL_BROKER)
    ThemedCourseFactory(organisation=organisation)

    buddy = VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.BUDDY])
    both = VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.SUPPORT_FAMILY, VolunteerKind.BUDDY])

    assert required_courses_missing(fresh(buddy)) == [buddy_course]
    assert required_courses_missing(fresh(both)) == [buddy_course, family_course]


def test_configured_requirements_replace_the_default(organisation: Organisation) -> None:
    CourseFactory(organisation=organisation, for_kind=VolunteerKind.BUDDY)
    themed = ThemedCourseFactory(organisation=organisation)
    family_course = CourseFactory(organisation=organisation, for_kind=VolunteerKind.SUPPORT_FAMILY)
    CourseRequirement.objects.create(organisation=organisation, kind=VolunteerKind.BUDDY, course=themed)
    CourseRequirement.objects.create(organisation=organisation, kind=VolunteerKind.SUPPORT_FAMILY, course=family_course)
    buddy = VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.BUDDY])
    broker = VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.SOCIAL_BROKER])

    assert required_courses_missing(fresh(buddy)) == [themed]
    # The organisation configured requirements, none for social brokers: nothing is required of them.
    assert required_courses_missing(fresh(broker)) == []


def test_a_configured_course_counts_even_when_it_is_paused(organisation: Organisation) -> None:
    paused = CourseFactory(organisation=organisation, active=False)
    CourseRequirement.objects.create(organisation=organisation, kind=VolunteerKind.BUDDY, course=paused)
    buddy = VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.BUDDY])
    assert required_courses_missing(fresh(buddy)) == [paused]


def test_a_completed_course_drops_out(organisation: Organisation) -> None:
    basic = CourseFactory(organisation=organisation, title="A")
    second = CourseFactory(organisation=organisation, title="B")
    buddy = VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.BUDDY])
    assert required_courses_missing(fresh(buddy)) == [basic, second]
    complete(buddy, basic)
    assert required_courses_missing(fresh(buddy)) == [second]
    complete(buddy, second)
    assert required_courses_missing(fresh(buddy)) == []


def test_other_organisations_courses_are_ignored(organisation: Organisation, world: World) -> None:
    own = CourseFactory(organisation=organisation)
    foreign = CourseFactory(organisation=world.other_organisation)
    buddy = VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.BUDDY])
    assert required_courses_missing(fresh(buddy)) == [own]
    # A requirement row that names another organisation's course (the admin refuses it) is ignored too.
    CourseRequirement.objects.create(organisation=organisation, kind=VolunteerKind.BUDDY, course=foreign)
    CourseRequirement.objects.create(organisation=organisation, kind=VolunteerKind.BUDDY, course=own)
    assert required_courses_missing(fresh(buddy)) == [own]
    # Completing another organisation's course does not count for this one's.
    complete(buddy, foreign)
    assert required_courses_missing(fresh(buddy)) == [own]


def test_a_volunteer_without_kinds_has_nothing_required(organisation: Organisation) -> None:
    CourseFactory(organisation=organisation)
    volunteer = VolunteerFactory(organisation=organisation)
    volunteer.roles.all().delete()
    assert required_courses_missing(fresh(volunteer)) == []


def test_required_courses_missing_costs_constant_queries(
    organisation: Organisation, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for kind in (VolunteerKind.BUDDY, VolunteerKind.SUPPORT_FAMILY):
        CourseFactory(organisation=organisation, for_kind=kind)
    volunteer = VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.BUDDY, VolunteerKind.SUPPORT_FAMILY])
    loaded = fresh(volunteer)
    # Roles, organisation, its requirements, its courses, the completions: five, for any number of each.
    with django_assert_num_queries(5):
        assert len(required_courses_missing(loaded)) == 2
    for _ in range(5):
        complete(volunteer, CourseFactory(organisation=organisation))
        CourseRequirement.objects.create(
            organisation=organisation, kind=VolunteerKind.BUDDY, course=CourseFactory(organisation=organisation)
        )
    loaded = fresh(volunteer)
    with django_assert_num_queries(5):
        assert len(required_courses_missing(loaded)) == 5


def test_a_list_with_training_data_costs_no_query_per_volunteer(
    organisation: Organisation, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    course = CourseFactory(organisation=organisation)
    volunteers = [VolunteerFactory(organisation=organisation) for _ in range(4)]
    complete(volunteers[0], course)
    loaded = list(with_training_data(Volunteer.objects.filter(organisation=organisation)))
    with django_assert_num_queries(0):
        missing = {v.pk: required_courses_missing(v) for v in loaded}
    assert missing[volunteers[0].pk] == []
    assert all(missing[v.pk] == [course] for v in volunteers[1:])


# --- who sees what -----------------------------------------------------------------------------------------------


@pytest.fixture
def training(world: World) -> dict[str, Any]:
    own_volunteer = VolunteerFactory(user=world.volunteer, organisation=world.organisation)
    own_session = SessionFactory(course=CourseFactory(organisation=world.organisation))
    paused_session = SessionFactory(course=CourseFactory(organisation=world.organisation, active=False))
    foreign_session = SessionFactory(course=CourseFactory(organisation=world.other_organisation))
    colleague = VolunteerFactory(organisation=world.organisation)
    return {
        "own_session": own_session,
        "paused_session": paused_session,
        "foreign_session": foreign_session,
        "own_enrolment": enrol(own_session, own_volunteer),
        "colleague_enrolment": enrol(own_session, colleague),
        "foreign_enrolment": enrol(foreign_session, VolunteerFactory(organisation=world.other_organisation)),
    }


def test_a_coordinator_sees_and_changes_their_organisations_training(world: World, training: dict[str, Any]) -> None:
    coordinator = world.coordinator
    assert set(course_visible_to(coordinator)) == set(Course.objects.filter(organisation=world.organisation))
    assert set(session_visible_to(coordinator)) == {training["own_session"], training["paused_session"]}
    assert set(enrolment_visible_to(coordinator)) == {training["own_enrolment"], training["colleague_enrolment"]}
    assert session_get_for(coordinator, training["own_session"].pk, write=True) == training["own_session"]
    assert course_get_for(coordinator, training["paused_session"].course_id, write=True)
    with pytest.raises(Http404):
        session_get_for(coordinator, training["foreign_session"].pk)
    with pytest.raises(Http404):
        enrolment_get_for(coordinator, training["foreign_enrolment"].pk)


def test_a_volunteer_sees_active_courses_of_their_organisation_and_their_own_enrolments(
    world: World, training: dict[str, Any]
) -> None:
    volunteer = world.volunteer
    assert list(course_visible_to(volunteer)) == [training["own_session"].course]
    assert list(session_visible_to(volunteer)) == [training["own_session"]]
    assert list(enrolment_visible_to(volunteer)) == [training["own_enrolment"]]
    with pytest.raises(PermissionDenied):
        session_get_for(volunteer, training["own_session"].pk, write=True)
    with pytest.raises(PermissionDenied):
        course_get_for(volunteer, training["own_session"].course_id, write=True)
    assert enrolment_get_for(volunteer, training["own_enrolment"].pk, write=True) == training["own_enrolment"]
    for hidden in ("paused_session", "foreign_session"):
        with pytest.raises(Http404):
            session_get_for(volunteer, training[hidden].pk)
    with pytest.raises(Http404):
        enrolment_get_for(volunteer, training["colleague_enrolment"].pk)


@pytest.mark.parametrize("persona", ["young_person_user", "parent", "mentor", "professional", "analyst", "admin"])
def test_other_roles_see_no_training(world: World, training: dict[str, Any], persona: str) -> None:
    user = world.by_role(persona)
    assert not course_visible_to(user).exists()
    assert not session_visible_to(user).exists()
    assert not enrolment_visible_to(user).exists()
