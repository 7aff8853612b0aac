"""Every training view, for every role, on its own organisation's object and on another organisation's: the
expected status code.

404 means "does not exist for you" (the same answer as a missing object); 403 means "you may see it, not this".
The world's volunteer gets their volunteer profile in organisation A here; the foreign objects are organisation
B's course, session and a B volunteer's enrolment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from tests.builders.training import CourseFactory, SessionFactory, enrol
from tests.conftest import PERSONAS, World
from tests.factories import VolunteerFactory
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from training.models import Course, Enrolment, Session


@dataclass
class Objects:
    course: Course
    session: Session
    enrolment: Enrolment


@dataclass
class Training:
    own: Objects
    foreign: Objects

    def of(self, own: bool) -> Objects:
        return self.own if own else self.foreign


@pytest.fixture
def training(world: World) -> Training:
    volunteer = VolunteerFactory(user=world.volunteer, organisation=world.organisation)
    own_session = SessionFactory(course=CourseFactory(organisation=world.organisation))
    foreign_session = SessionFactory(course=CourseFactory(organisation=world.other_organisation))
    return Training(
        own=Objects(own_session.course, own_session, enrol(own_session, volunteer)),
        foreign=Objects(
            foreign_session.course,
            foreign_session,
            enrol(foreign_session, VolunteerFactory(organisation=world.other_organisation)),
        ),
    )


# Only the coordinator of organisation A works on A's training; the volunteer sees A's sessions and their own
# enrolment; nobody in the cast coordinates organisation B (the outsider is a professional there).
COORDINATOR_ONLY = expect(FORBIDDEN, coordinator=OK)
COORDINATOR_WORK_OWN = expect(HIDDEN, coordinator=OK, volunteer=FORBIDDEN)
NOBODY = expect(HIDDEN)

Url = Callable[[Training, bool], str]
VIEWS: list[tuple[str, str, Url, dict[str, int], dict[str, int]]] = [
    (
        "catalogue",
        "get",
        lambda t, own: reverse("training:catalogue"),
        expect(FORBIDDEN, volunteer=OK, coordinator=OK),
        expect(FORBIDDEN, volunteer=OK, coordinator=OK),
    ),
    ("add course", "get", lambda t, own: reverse("training:course_create"), COORDINATOR_ONLY, COORDINATOR_ONLY),
    (
        "add course (post)",
        "post",
        lambda t, own: reverse("training:course_create"),
        COORDINATOR_ONLY,  # an empty form comes back with its errors
        COORDINATOR_ONLY,
    ),
    (
        "plan session",
        "get",
        lambda t, own: reverse("training:session_create", args=[t.of(own).course.pk]),
        COORDINATOR_WORK_OWN,
        NOBODY,
    ),
    (
        "plan session (post)",
        "post",
        lambda t, own: reverse("training:session_create", args=[t.of(own).course.pk]),
        COORDINATOR_WORK_OWN,
        NOBODY,
    ),
    (
        "session page",
        "get",
        lambda t, own: reverse("training:session_detail", args=[t.of(own).session.pk]),
        COORDINATOR_WORK_OWN,
        NOBODY,
    ),
    (
        "enrol myself",
        "post",
        lambda t, own: reverse("training:session_enrol", args=[t.of(own).session.pk]),
        # A coordinator sees the session but has no volunteer profile to enrol.
        expect(HIDDEN, volunteer=REDIRECT, coordinator=FORBIDDEN),
        NOBODY,
    ),
    (
        "enrol a volunteer",
        "get",
        lambda t, own: reverse("training:session_enrol_volunteer", args=[t.of(own).session.pk]),
        COORDINATOR_WORK_OWN,
        NOBODY,
    ),
    (
        "enrol a volunteer (post)",
        "post",
        lambda t, own: reverse("training:session_enrol_volunteer", args=[t.of(own).session.pk]),
        COORDINATOR_WORK_OWN,
        NOBODY,
    ),
    (
        "cancel enrolment",
        "post",
        lambda t, own: reverse("training:enrolment_cancel", args=[t.of(own).enrolment.pk]),
        expect(HIDDEN, volunteer=REDIRECT, coordinator=REDIRECT),
        NOBODY,
    ),
    (
        "attendance",
        "post",
        lambda t, own: reverse("training:attendance_record", args=[t.of(own).enrolment.pk]),
        expect(HIDDEN, volunteer=FORBIDDEN, coordinator=REDIRECT),
        NOBODY,
    ),
]

CASES = role_matrix(VIEWS)


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), CASES)
def test_training_view_answers_each_role(
    world: World,
    training: Training,
    client: Client,
    name: str,
    method: str,
    url: Url,
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    data = {"attended": "yes"} if method == "post" else None
    response = getattr(client, method)(url(training, own), data)
    assert response.status_code == expected


@pytest.mark.parametrize(("name", "method", "url"), [(v[0], v[1], v[2]) for v in VIEWS])
def test_anonymous_visitors_are_sent_to_login(
    world: World, training: Training, client: Client, name: str, method: str, url: Url
) -> None:
    response = getattr(client, method)(url(training, True), follow=True)
    assert response.redirect_chain
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "name", ["enrol myself", "cancel enrolment", "attendance"], ids=lambda name: f"{name} refuses GET"
)
def test_actions_only_answer_post(world: World, training: Training, client: Client, name: str) -> None:
    url = next(v[2] for v in VIEWS if v[0] == name)
    client.force_login(world.coordinator)
    assert client.get(url(training, True)).status_code == 405


def test_nothing_changes_for_those_who_may_not(world: World, training: Training, client: Client) -> None:
    """The refused requests above leave the foreign enrolment and session as they were."""
    for persona in PERSONAS:
        client.force_login(world.by_role(persona))
        client.post(reverse("training:enrolment_cancel", args=[training.foreign.enrolment.pk]))
        client.post(reverse("training:attendance_record", args=[training.foreign.enrolment.pk]), {"attended": "yes"})
        client.post(reverse("training:session_enrol", args=[training.foreign.session.pk]))
    training.foreign.enrolment.refresh_from_db()
    assert training.foreign.enrolment.status == Enrolment.Status.ENROLLED
    assert training.foreign.enrolment.attended is None
    assert training.foreign.session.enrolments.count() == 1
