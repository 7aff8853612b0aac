"""Volunteer pages: every view for every role, registration through the page, and the coordinator's screening."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Municipality, Organisation, User
from tests.conftest import World
from tests.factories import MunicipalityFactory, OrganisationFactory, VolunteerFactory
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from volunteers.models import AvailabilityException, Intake, Reference, VogCheck, Volunteer


@pytest.fixture
def volunteers(world: World) -> dict[str, Volunteer]:
    """world.volunteer's own profile in world.organisation, and another organisation's volunteer."""
    own = VolunteerFactory(user=world.volunteer, organisation=world.organisation)
    foreign = VolunteerFactory(organisation=OrganisationFactory())
    for volunteer in (own, foreign):
        Reference.objects.create(volunteer=volunteer, name="Piet", relation="buur", contact="06")
        VogCheck.objects.create(volunteer=volunteer, requested_on="2026-11-01")
        AvailabilityException.objects.create(volunteer=volunteer, starts_on="2099-07-01", ends_on="2099-07-14")
    return {"own": own, "foreign": foreign}


def _pk(volunteers: dict[str, Volunteer], own: bool) -> int:
    return volunteers["own" if own else "foreign"].pk


COORDINATOR_WORK = expect(HIDDEN, volunteer=FORBIDDEN, coordinator=REDIRECT)
VIEWS: list[tuple[str, str, Callable[[dict[str, Volunteer], bool], str], dict[str, int], dict[str, int]]] = [
    (
        "pipeline",
        "get",
        lambda v, own: reverse("volunteers:pipeline"),
        expect(FORBIDDEN, coordinator=OK),
        expect(FORBIDDEN, coordinator=OK),
    ),
    (
        "own",
        "get",
        lambda v, own: reverse("volunteers:own"),
        expect(HIDDEN, volunteer=OK),
        expect(HIDDEN, volunteer=OK),
    ),
    (
        "own availability",
        "post",
        lambda v, own: reverse("volunteers:own_availability"),
        expect(HIDDEN, volunteer=REDIRECT),
        expect(HIDDEN, volunteer=REDIRECT),
    ),
    (
        "own unavailability add",
        "post",
        lambda v, own: reverse("volunteers:own_unavailability_add"),
        expect(HIDDEN, volunteer=REDIRECT),
        expect(HIDDEN, volunteer=REDIRECT),
    ),
    (
        "own unavailability remove",
        "post",
        lambda v, own: reverse(
            "volunteers:own_unavailability_remove", args=[v["own" if own else "foreign"].exceptions.get().pk]
        ),
        expect(HIDDEN, volunteer=REDIRECT),
        expect(HIDDEN),
    ),
    (
        "detail",
        "get",
        lambda v, own: reverse("volunteers:detail", args=[_pk(v, own)]),
        expect(HIDDEN, volunteer=OK, coordinator=OK),
        expect(HIDDEN),
    ),
    (
        "intake",
        "post",
        lambda v, own: reverse("volunteers:intake", args=[_pk(v, own)]),
        COORDINATOR_WORK,
        expect(HIDDEN),
    ),
    (
        "home visit",
        "post",
        lambda v, own: reverse("volunteers:home_visit", args=[_pk(v, own)]),
        COORDINATOR_WORK,
        expect(HIDDEN),
    ),
    (
        "reference add",
        "post",
        lambda v, own: reverse("volunteers:reference_add", args=[_pk(v, own)]),
        COORDINATOR_WORK,
        expect(HIDDEN),
    ),
    (
        "reference record",
        "post",
        lambda v, own: reverse(
            "volunteers:reference_record", args=[v["own" if own else "foreign"].references.get().pk]
        ),
        COORDINATOR_WORK,
        expect(HIDDEN),
    ),
    (
        "vog request",
        "post",
        lambda v, own: reverse("volunteers:vog_request", args=[_pk(v, own)]),
        COORDINATOR_WORK,
        expect(HIDDEN),
    ),
    (
        "vog receive",
        "post",
        lambda v, own: reverse("volunteers:vog_receive", args=[v["own" if own else "foreign"].vog_checks.get().pk]),
        COORDINATOR_WORK,
        expect(HIDDEN),
    ),
]

VALID_POSTS: dict[str, dict[str, Any]] = {
    "own availability": {"availability": ["5-afternoon"]},
    "own unavailability add": {"starts_on": "2099-08-01", "ends_on": "2099-08-10", "reason": ""},
    "intake": {"intake-held_on": "2026-11-20", "intake-outcome": "positive", "intake-note": ""},
    "home visit": {"visit-held_on": "2026-11-20", "visit-outcome": "positive", "visit-note": ""},
    "reference add": {"reference-name": "Els", "reference-relation": "collega", "reference-contact": "06"},
    "vog request": {"vog-requested_on": "2026-11-20"},
}


@pytest.mark.parametrize(
    ("name", "method", "url", "persona", "own", "expected"),
    role_matrix(VIEWS),
)
def test_view_answers_each_role(
    world: World,
    volunteers: dict[str, Volunteer],
    client: Client,
    name: str,
    method: str,
    url: Callable[[dict[str, Volunteer], bool], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    target = url(volunteers, own)
    if name == "reference record":
        reference = Reference.objects.get(pk=target.rstrip("/").split("/")[-1])
        data: dict[str, Any] = {
            f"ref{reference.pk}-contacted_on": "2026-11-20",
            f"ref{reference.pk}-outcome": "positive",
        }
    elif name == "vog receive":
        data = {
            "received-received_on": "2026-11-20",
            "received-issued_on": "2026-11-18",
            "received-screening_profile": "Minderjarigen",
        }
    else:
        data = VALID_POSTS.get(name, {})
    response = getattr(client, method)(target, data)
    assert response.status_code == expected


def test_registration_is_public_and_the_form_shows_errors(db: None, client: Client) -> None:
    page = client.get(reverse("volunteers:register"))
    assert page.status_code == 200
    response = client.post(
        reverse("volunteers:register"), {"first_name": "Anna", "preferred_age_min": "14", "preferred_age_max": "12"}
    )
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert not Volunteer.objects.exists()


def _registration_form(email: str = "anna@test.example") -> dict[str, Any]:
    organisation = Organisation.objects.filter(name="Vrijwilligerscentrum").first()
    municipality = Municipality.objects.filter(name="Leiden").first()
    return {
        "first_name": "Anna",
        "last_name": "de Boer",
        "email": email,
        "organisation": (organisation or OrganisationFactory(name="Vrijwilligerscentrum")).pk,
        "kinds": ["support_family"],
        "home_place": "Leiden",
        "municipality": (municipality or MunicipalityFactory(name="Leiden")).pk,
        "travel_radius_km": "10",
        "capacity": "1",
        "availability": ["5-afternoon", "5-overnight"],
        "languages": ["nl"],
        "preferred_age_min": "4",
        "preferred_age_max": "12",
        "adults": "Anna, Joost",
        "children": "Sam 8\nLotte, 5",
        "pets": "",
        "beds_for_stays": "1",
    }


def test_registration_through_the_page(db: None, client: Client) -> None:
    data = _registration_form()
    response = client.post(reverse("volunteers:register"), data)
    assert response["Location"] == reverse("volunteers:registered")
    volunteer = Volunteer.objects.get()
    assert volunteer.household.members.filter(is_adult=False).count() == 2

    data["children"] = "Sam acht"
    data["email"] = "ander@test.example"
    response = client.post(reverse("volunteers:register"), data)
    assert "children" in response.context["form"].errors


def _page_without_csrf_token(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_registration_answers_the_same_for_a_known_address_and_tells_its_owner(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    assert world.parent.email is not None and world.volunteer.email is not None
    accounts = User.objects.count()
    answers = []
    for email in ["nieuw@test.example", world.parent.email, world.volunteer.email.upper()]:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("volunteers:register"), _registration_form(email), follow=True)
        answers.append((response.status_code, response.redirect_chain, _page_without_csrf_token(response)))
    assert answers[0][1] == [(reverse("volunteers:registered"), 302)]
    assert answers[0] == answers[1] == answers[2]
    # One new account, for the new address only; the owners of the known ones get a notice instead.
    assert User.objects.count() == accounts + 1
    assert not Volunteer.objects.filter(user=world.parent).exists()
    assert [message.to for message in mail.outbox] == [
        ["nieuw@test.example"],
        [world.parent.email],
        [world.volunteer.email],
    ]
    assert mail.outbox[1].subject == mail.outbox[2].subject != mail.outbox[0].subject
    assert "de Boer" not in mail.outbox[1].body  # nothing of what the requester typed

    # A form with a mistake answers the same too: the address is not looked at before the rest is right.
    wrong = {"preferred_age_min": "14", "preferred_age_max": "12"}
    pages = [
        _page_without_csrf_token(client.post(reverse("volunteers:register"), _registration_form(email) | wrong))
        for email in ["nog-een@test.example", world.parent.email]
    ]
    assert pages[0].replace("nog-een@test.example", world.parent.email) == pages[1]
    assert 'class="error-summary"' in pages[1]


def test_many_registrations_from_one_address_are_stopped(db: None, client: Client) -> None:
    statuses = [
        client.post(reverse("volunteers:register"), _registration_form(f"iemand{i}@test.example")).status_code
        for i in range(12)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429] * 7
    assert Volunteer.objects.count() == 5
    refused = client.post(reverse("volunteers:register"), _registration_form("nog-een@test.example"))
    assert "Je hebt dit formulier te vaak verstuurd" in refused.content.decode()
    assert refused.context["form"]["email"].value() == "nog-een@test.example"  # what was typed stays
    # Someone else, from another address, can still register; reading the form is never limited.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(reverse("volunteers:register"), _registration_form("ander@test.example")).status_code == 302
    assert client.get(reverse("volunteers:register")).status_code == 200


def test_a_volunteer_pauses_resumes_and_stops_with_confirmation(world: World, client: Client) -> None:
    volunteer = VolunteerFactory(user=world.volunteer, organisation=world.organisation)
    client.force_login(world.volunteer)
    client.post(reverse("volunteers:own_status"), {"action": "pause"})
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.PAUSED
    client.post(reverse("volunteers:own_status"), {"action": "resume"})
    client.post(reverse("volunteers:own_status"), {"action": "stop"})
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.ACTIVE, "stopping needs the tick box"
    client.post(reverse("volunteers:own_status"), {"action": "stop", "confirm": "yes"})
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.STOPPED
    response = client.post(reverse("volunteers:own_status"), {"action": "explode"}, follow=True)
    assert response.status_code == 200


def test_a_bad_screening_form_shows_its_errors_and_saves_nothing(world: World, client: Client) -> None:
    volunteer = VolunteerFactory(organisation=world.organisation)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("volunteers:intake", args=[volunteer.pk]),
        {"intake-held_on": "2999-01-01", "intake-outcome": "positive"},
    )
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert not Intake.objects.filter(volunteer=volunteer).exists()


def test_a_volunteer_keeps_availability_and_days_away_up_to_date(world: World, client: Client) -> None:
    volunteer = VolunteerFactory(user=world.volunteer, organisation=world.organisation)
    client.force_login(world.volunteer)
    client.post(reverse("volunteers:own_availability"), {"availability": ["0-evening", "6-morning"]})
    assert sorted((s.weekday, s.day_part) for s in volunteer.availability.all()) == [(0, "evening"), (6, "morning")]
    response = client.post(reverse("volunteers:own_availability"), {"availability": []})
    assert response.status_code == 400
    assert volunteer.availability.count() == 2, "an empty week is refused and changes nothing"

    response = client.post(
        reverse("volunteers:own_unavailability_add"), {"starts_on": "2099-08-10", "ends_on": "2099-08-01"}
    )
    assert response.status_code == 400
    assert not volunteer.exceptions.exists()
    client.post(reverse("volunteers:own_unavailability_add"), {"starts_on": "2099-08-01", "ends_on": "2099-08-10"})
    period = volunteer.exceptions.get()
    assert "1 augustus 2099" in client.get(reverse("volunteers:own")).content.decode()
    client.post(reverse("volunteers:own_unavailability_remove", args=[period.pk]))
    assert not volunteer.exceptions.exists()


def test_administrators_set_the_volunteer_policy_and_screening_steps(world: World, client: Client) -> None:
    world.admin.is_superuser = True
    world.admin.save(update_fields=["is_superuser"])
    client.force_login(world.admin)
    for name in ("admin:volunteers_volunteerpolicy_add", "admin:volunteers_screeningrequirement_add"):
        assert client.get(reverse(name)).status_code == 200
