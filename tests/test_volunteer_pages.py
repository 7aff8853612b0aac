"""Volunteer pages: every view for every role, registration through the page, and the coordinator's screening."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

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

VALID_POSTS = {
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
    url: Callable,
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


def test_registration_through_the_page(db: None, client: Client) -> None:
    organisation = OrganisationFactory(name="Vrijwilligerscentrum")
    data = {
        "first_name": "Anna",
        "last_name": "de Boer",
        "email": "anna@test.example",
        "organisation": organisation.pk,
        "kinds": ["support_family"],
        "home_place": "Leiden",
        "municipality": MunicipalityFactory(name="Leiden").pk,
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
    response = client.post(reverse("volunteers:register"), data)
    assert response["Location"] == reverse("volunteers:registered")
    volunteer = Volunteer.objects.get()
    assert volunteer.household.members.filter(is_adult=False).count() == 2

    data["children"] = "Sam acht"
    data["email"] = "ander@test.example"
    response = client.post(reverse("volunteers:register"), data)
    assert "children" in response.context["form"].errors


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
