"""Training pages: what a volunteer and a coordinator see and do, and constant queries on the catalogue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from accounts.models import Role
from tests.builders.training import CourseFactory, SessionFactory, ThemedCourseFactory, enrol, move_to_past
from tests.conftest import World
from tests.factories import VolunteerFactory, user_with_role
from training.models import Course, CourseCompletion, CourseRequirement, Enrolment, Session
from volunteers.models import Volunteer, VolunteerKind

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("training:catalogue")


@pytest.fixture
def me(world: World) -> Volunteer:
    """The world's volunteer, with the profile that makes them one (a buddy in organisation A)."""
    return VolunteerFactory(user=world.volunteer, organisation=world.organisation, kinds=[VolunteerKind.BUDDY])


@pytest.fixture
def basic(world: World) -> Course:
    return CourseFactory(organisation=world.organisation, title="Basistraining maatje")


def page(client: Client, url: str = CATALOGUE) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_volunteer_catalogue_shows_places_full_missing_and_done(
    world: World, client: Client, me: Volunteer, basic: Course
) -> None:
    open_session = SessionFactory(course=basic, capacity=5)
    for _ in range(2):
        enrol(open_session, VolunteerFactory(organisation=world.organisation))
    full = SessionFactory(course=ThemedCourseFactory(organisation=world.organisation, title="Intervisie ADHD"))
    full.capacity = 1
    full.save()
    enrol(full, VolunteerFactory(organisation=world.organisation))
    done = ThemedCourseFactory(organisation=world.organisation, title="Intervisie schulden")
    CourseCompletion.objects.create(volunteer=me, course=done, completed_on=timezone.localdate())
    SessionFactory(course=CourseFactory(organisation=world.other_organisation, title="Cursus van B"))
    SessionFactory(course=CourseFactory(organisation=world.organisation, title="Oude cursus", active=False))

    client.force_login(world.volunteer)
    html = page(client)

    assert "Nog te doen: Basistraining maatje" in html
    assert "nog 3 plekken" in html
    assert ">vol<" in html
    assert "Zet mij op de wachtlijst" in html
    assert "Intervisie schulden, gedaan op" in html
    assert "Je bent nog niet ingeschreven voor een bijeenkomst." in html
    assert "Cursus van B" not in html
    assert "Oude cursus" not in html
    # A volunteer does not see the coordinator's part.
    assert reverse("training:course_create") not in html


def test_volunteer_catalogue_empty_states(world: World, client: Client, me: Volunteer) -> None:
    client.force_login(world.volunteer)
    html = page(client)
    assert "Er zijn nu geen bijeenkomsten gepland." in html
    assert "Je hebt nog geen cursus gedaan." in html
    assert "Nog te doen" not in html


def test_volunteer_enrols_and_cancels(world: World, client: Client, me: Volunteer, basic: Course) -> None:
    session = SessionFactory(course=basic, capacity=3, online_link="https://meet.example/kikker")
    client.force_login(world.volunteer)

    response = client.post(reverse("training:session_enrol", args=[session.pk]), follow=True)

    assert response.redirect_chain[-1][0] == CATALOGUE
    html = response.content.decode()
    assert "Je bent ingeschreven. Tot dan!" in html
    assert "Je bent ingeschreven voor deze bijeenkomst." in html
    # Enrolled, the volunteer gets the online link.
    assert "https://meet.example/kikker" in html
    enrolment = Enrolment.objects.get(session=session, volunteer=me)
    assert enrolment.status == Enrolment.Status.ENROLLED

    response = client.post(reverse("training:enrolment_cancel", args=[enrolment.pk]), follow=True)
    assert "Je bent afgemeld." in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED


def test_volunteer_on_a_full_session_gets_the_waiting_list(
    world: World, client: Client, me: Volunteer, basic: Course
) -> None:
    session = SessionFactory(course=basic, capacity=1)
    enrol(session, VolunteerFactory(organisation=world.organisation))
    client.force_login(world.volunteer)

    response = client.post(reverse("training:session_enrol", args=[session.pk]), follow=True)
    assert "Deze bijeenkomst is vol. Je kunt op de wachtlijst." in response.content.decode()
    assert not Enrolment.objects.filter(volunteer=me).exists()

    response = client.post(reverse("training:session_enrol", args=[session.pk]), {"waiting_list": "on"}, follow=True)
    html = response.content.decode()
    assert "Je staat op de wachtlijst. We mailen je als er een plek vrij is." in html
    assert "Je staat op de wachtlijst voor deze bijeenkomst." in html
    assert Enrolment.objects.get(volunteer=me).status == Enrolment.Status.WAITING


def test_coordinator_adds_a_course_and_plans_a_session(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    form = page(client, reverse("training:course_create"))
    assert 'name="title"' in form

    response = client.post(
        reverse("training:course_create"),
        {
            "organisation": world.organisation.pk,
            "title": "Basistraining steunouder",
            "kind": "basic",
            "for_kind": VolunteerKind.SUPPORT_FAMILY,
            "theme": "",
            "description": "Twee avonden van twee uur.",
        },
        follow=True,
    )
    assert "De cursus ‘Basistraining steunouder’ is toegevoegd." in response.content.decode()
    course = Course.objects.get(title="Basistraining steunouder")
    assert course.organisation == world.organisation

    starts = timezone.localtime() + timedelta(days=10)
    response = client.post(
        reverse("training:session_create", args=[course.pk]),
        {
            "starts_at": starts.strftime("%Y-%m-%dT19:00"),
            "ends_at": starts.strftime("%Y-%m-%dT21:00"),
            "place": "Buurthuis De Kikker",
            "online_link": "",
            "trainer": "Joke",
            "capacity": "12",
        },
        follow=True,
    )
    session = Session.objects.get(course=course)
    assert response.redirect_chain[-1][0] == reverse("training:session_detail", args=[session.pk])
    assert "De bijeenkomst is gepland." in response.content.decode()
    assert timezone.localtime(session.starts_at).hour == 19


def test_course_form_shows_errors_in_the_summary(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    response = client.post(
        reverse("training:course_create"), {"organisation": world.organisation.pk, "title": "X", "kind": "themed"}
    )
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "Kies het thema van deze bijeenkomst." in html
    assert not Course.objects.exists()


def test_session_form_needs_a_place_or_a_link(world: World, client: Client, basic: Course) -> None:
    client.force_login(world.coordinator)
    starts = timezone.localtime() + timedelta(days=10)
    response = client.post(
        reverse("training:session_create", args=[basic.pk]),
        {
            "starts_at": starts.strftime("%Y-%m-%dT19:00"),
            "ends_at": starts.strftime("%Y-%m-%dT18:00"),
            "trainer": "Joke",
            "capacity": "12",
        },
    )
    html = response.content.decode()
    assert "Vul een plaats in, een online link, of allebei." in html
    assert "Het einde moet na het begin zijn." in html
    assert not Session.objects.exists()


def test_coordinator_session_page_enrol_a_volunteer_and_mark_attendance(
    world: World, client: Client, me: Volunteer, basic: Course
) -> None:
    session = SessionFactory(course=basic, capacity=1)
    waiting_one = VolunteerFactory(organisation=world.organisation)
    client.force_login(world.coordinator)

    html = page(client, reverse("training:session_enrol_volunteer", args=[session.pk]))
    # As the page escapes it: a made-up name can hold an apostrophe ("van 't Houteveen").
    assert escape(str(waiting_one)) in html
    response = client.post(
        reverse("training:session_enrol_volunteer", args=[session.pk]), {"volunteer": me.pk}, follow=True
    )
    assert f"{me} is ingeschreven." in response.content.decode()
    # Full now; without the waiting-list box the form says so.
    response = client.post(
        reverse("training:session_enrol_volunteer", args=[session.pk]), {"volunteer": waiting_one.pk}
    )
    assert "Deze bijeenkomst is vol. Je kunt op de wachtlijst." in response.content.decode()
    response = client.post(
        reverse("training:session_enrol_volunteer", args=[session.pk]),
        {"volunteer": waiting_one.pk, "waiting_list": "on"},
        follow=True,
    )
    html = response.content.decode()
    assert f"{waiting_one} staat op de wachtlijst." in html
    assert "Wachtlijst" in html

    move_to_past(session)
    html = page(client, reverse("training:session_detail", args=[session.pk]))
    assert "Aanwezigheid: nog niet ingevuld" in html
    enrolment = Enrolment.objects.get(volunteer=me)
    response = client.post(reverse("training:attendance_record", args=[enrolment.pk]), {"attended": "yes"}, follow=True)
    assert f"{me} was aanwezig. De cursus is gedaan." in response.content.decode()
    assert CourseCompletion.objects.filter(volunteer=me, course=basic).exists()

    client.force_login(world.volunteer)
    html = page(client)
    assert "Nog te doen" not in html
    assert "Basistraining maatje, gedaan op" in html


def test_coordinator_cannot_enrol_another_organisations_volunteer(world: World, client: Client, basic: Course) -> None:
    session = SessionFactory(course=basic)
    stranger = VolunteerFactory(organisation=world.other_organisation)
    client.force_login(world.coordinator)
    response = client.post(reverse("training:session_enrol_volunteer", args=[session.pk]), {"volunteer": stranger.pk})
    assert response.status_code == 200
    assert not Enrolment.objects.exists()


def test_coordinator_catalogue_lists_courses_and_sessions(world: World, client: Client, basic: Course) -> None:
    upcoming = SessionFactory(course=basic)
    enrol(upcoming, VolunteerFactory(organisation=world.organisation))
    move_to_past(SessionFactory(course=basic))
    SessionFactory(course=CourseFactory(organisation=world.other_organisation, title="Cursus van B"))
    client.force_login(world.coordinator)
    html = page(client)
    assert "Training in jouw organisatie" in html
    assert "plekken bezet: 1 van 10" in html
    assert reverse("training:session_create", args=[basic.pk]) in html
    assert reverse("training:session_detail", args=[upcoming.pk]) in html
    assert "Cursus van B" not in html


def count_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(CATALOGUE).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("persona", ["volunteer", "coordinator"])
def test_catalogue_uses_the_same_number_of_queries_for_any_number_of_rows(
    world: World, client: Client, django_assert_num_queries: DjangoAssertNumQueries, persona: str
) -> None:
    me = VolunteerFactory(user=world.volunteer, organisation=world.organisation)
    client.force_login(world.by_role(persona))
    client.get(CATALOGUE)  # warm the session and the per-process caches

    def add_rows() -> None:
        course = CourseFactory(organisation=world.organisation)
        themed = ThemedCourseFactory(organisation=world.organisation)
        session = SessionFactory(course=course)
        enrol(session, me)
        enrol(session, VolunteerFactory(organisation=world.organisation), Enrolment.Status.WAITING)
        enrol(SessionFactory(course=themed), me, Enrolment.Status.WAITING)
        move_to_past(SessionFactory(course=course))
        CourseCompletion.objects.create(volunteer=me, course=themed, completed_on=timezone.localdate())

    add_rows()
    with_one = count_queries(client)
    for _ in range(5):
        add_rows()
    assert count_queries(client) == with_one


def test_the_promotion_email_reaches_the_first_waiting(
    world: World,
    client: Client,
    me: Volunteer,
    basic: Course,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mailoutbox: list[EmailMessage],
) -> None:
    session = SessionFactory(course=basic, capacity=1)
    enrolment = enrol(session, me)
    waiting = VolunteerFactory(organisation=world.organisation)
    enrol(session, waiting, Enrolment.Status.WAITING)
    client.force_login(world.volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("training:enrolment_cancel", args=[enrolment.pk]))
    assert [m.to for m in mailoutbox] == [[waiting.user.email]]
    assert "Goed nieuws: er is een plek vrij in de training Basistraining maatje." in mailoutbox[0].body
    assert CATALOGUE in mailoutbox[0].body


def test_admin_configures_required_courses(world: World, client: Client, basic: Course) -> None:
    superuser = user_with_role(Role.ADMIN, is_staff=True, is_superuser=True)
    foreign = CourseFactory(organisation=world.other_organisation)
    client.force_login(superuser)
    for name in ("course", "courserequirement"):
        assert client.get(reverse(f"admin:training_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:training_{name}_add")).status_code == 200
    add = reverse("admin:training_courserequirement_add")
    data = {"organisation": world.organisation.pk, "kind": VolunteerKind.BUDDY, "course": foreign.pk}
    response = client.post(add, data)
    assert "Kies een cursus van deze organisatie." in response.content.decode()
    response = client.post(add, {**data, "course": basic.pk})
    assert response.status_code == 302
    assert CourseRequirement.objects.filter(organisation=world.organisation, course=basic).exists()
