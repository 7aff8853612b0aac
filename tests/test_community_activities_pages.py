"""Every group-activity page, for every persona, on an activity of their own organisation (with the world's case
linked to its broker) and on a foreign one (organisation B, the outsider's case linked there); the social brokers
on their own; bad input gives a form error, never a 500; the list costs the same queries for 1 and 5 activities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from community.activities import services
from community.models import ActivitySignUp, GroupActivity
from tests.builders.community import activity_data, link
from tests.conftest import World, prebuilt
from tests.factories import CaseFactory, ready_volunteer, user_with_role
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from volunteers.models import Volunteer, VolunteerKind


@dataclass
class Objects:
    activities: dict[bool, GroupActivity]  # no sign-ups yet
    signed: dict[bool, ActivitySignUp]  # the world's case (own) or the foreign case signed up for another one
    brokers: dict[bool, Volunteer]


@prebuilt
def objects(world: World) -> Objects:
    foreign_coordinator = user_with_role(Role.COORDINATOR, world.other_organisation)
    brokers = {
        # Each linked request takes one of a broker's places; some tests link several families.
        True: ready_volunteer(world.organisation, kinds=[VolunteerKind.SOCIAL_BROKER], capacity=10),
        False: ready_volunteer(world.other_organisation, kinds=[VolunteerKind.SOCIAL_BROKER], capacity=10),
    }
    link(world.case, world.professional, world.coordinator, brokers[True])
    link(world.foreign_case, world.outsider, foreign_coordinator, brokers[False])
    organisations = {True: world.organisation, False: world.other_organisation}
    cases = {True: world.case, False: world.foreign_case}
    activities, signed = {}, {}
    for own in (True, False):
        broker = brokers[own].user
        activities[own] = services.groupactivity_create(
            actor=broker, organisation=organisations[own], data=activity_data(title="Voorleesclub")
        )
        other = services.groupactivity_create(
            actor=broker, organisation=organisations[own], data=activity_data(title="Oudergroep")
        )
        signed[own] = services.activitysignup_create(actor=broker, activity=other, case=cases[own])
    return Objects(activities=activities, signed=signed, brokers=brokers)


Url = Callable[[Objects, bool], str]
Post = Callable[[World, Objects, bool], dict[str, Any]]


def fixed(name: str) -> Url:
    return lambda objects, own: reverse(name)


def on_activity(name: str) -> Url:
    return lambda objects, own: reverse(name, args=[objects.activities[own].pk])


def on_signup(name: str) -> Url:
    return lambda objects, own: reverse(name, args=[objects.signed[own].pk])


def activity_form(world: World, objects: Objects, own: bool) -> dict[str, Any]:
    starts = timezone.localtime() + timedelta(days=10)
    return {
        "organiser": objects.brokers[True].pk,
        "title": "Kookclub",
        "description": "Samen koken en eten.",
        "place": "Buurthuis",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "places": 6,
        "age_min": "",
        "age_max": "",
    }


def signup_form(world: World, objects: Objects, own: bool) -> dict[str, Any]:
    return {"case": (world.case if own else world.foreign_case).pk}


FAMILY = expect(HIDDEN, professional=OK, coordinator=OK, parent=OK)
FAMILY_FOREIGN = expect(HIDDEN, outsider=OK)
FAMILY_POST = expect(HIDDEN, professional=REDIRECT, coordinator=REDIRECT, parent=REDIRECT)
FAMILY_FOREIGN_POST = expect(HIDDEN, outsider=REDIRECT)
USERS = expect(FORBIDDEN, professional=OK, coordinator=OK, parent=OK, outsider=OK)
COORDINATOR_ONLY = expect(FORBIDDEN, coordinator=OK)
# Visible to the family's side, changed only by the organiser or a coordinator.
WRITE = expect(HIDDEN, coordinator=OK, professional=FORBIDDEN, parent=FORBIDDEN)
WRITE_POST = expect(HIDDEN, coordinator=REDIRECT, professional=FORBIDDEN, parent=FORBIDDEN)
WRITE_FOREIGN = expect(HIDDEN, outsider=FORBIDDEN)

# (view, method, url, POST data, codes on the own object, codes on the foreign object)
VIEWS: list[tuple[str, str, Url, Post | None, dict[str, int], dict[str, int]]] = [
    ("list", "get", fixed("community:activity_list"), None, USERS, USERS),
    ("create page", "get", fixed("community:activity_create"), None, COORDINATOR_ONLY, COORDINATOR_ONLY),
    (
        "create",
        "post",
        fixed("community:activity_create"),
        activity_form,
        expect(FORBIDDEN, coordinator=REDIRECT),
        expect(FORBIDDEN, coordinator=REDIRECT),
    ),
    ("detail", "get", on_activity("community:activity_detail"), None, FAMILY, FAMILY_FOREIGN),
    ("update page", "get", on_activity("community:activity_update"), None, WRITE, WRITE_FOREIGN),
    ("update", "post", on_activity("community:activity_update"), activity_form, WRITE_POST, WRITE_FOREIGN),
    ("cancel page", "get", on_activity("community:activity_cancel"), None, WRITE, WRITE_FOREIGN),
    ("cancel", "post", on_activity("community:activity_cancel"), None, WRITE_POST, WRITE_FOREIGN),
    ("sign-up page", "get", on_activity("community:signup_create"), None, FAMILY, FAMILY_FOREIGN),
    ("sign up", "post", on_activity("community:signup_create"), signup_form, FAMILY_POST, FAMILY_FOREIGN_POST),
    ("sign-off page", "get", on_signup("community:signup_cancel"), None, FAMILY, FAMILY_FOREIGN),
    ("sign off", "post", on_signup("community:signup_cancel"), None, FAMILY_POST, FAMILY_FOREIGN_POST),
]


@pytest.mark.parametrize(("view", "method", "url", "post", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    client: Client,
    objects: Objects,
    view: str,
    method: str,
    url: Url,
    post: Post | None,
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    payload = post(world, objects, own) if post else {}
    response = getattr(client, method)(url(objects, own), payload)
    assert response.status_code == expected


@pytest.mark.parametrize("view", VIEWS, ids=[v[0] for v in VIEWS])
def test_anonymous_visitors_are_sent_to_login(client: Client, objects: Objects, view: tuple[Any, ...]) -> None:
    _name, method, url, *_rest = view
    response = getattr(client, method)(url(objects, True))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


BROKER_VIEWS = [
    # (view, method, url, organiser on own, organiser on foreign, another broker of A on own)
    ("list", "get", fixed("community:activity_list"), OK, OK, OK),
    ("create page", "get", fixed("community:activity_create"), OK, OK, OK),
    ("detail", "get", on_activity("community:activity_detail"), OK, HIDDEN, OK),
    ("update page", "get", on_activity("community:activity_update"), OK, HIDDEN, FORBIDDEN),
    ("cancel page", "get", on_activity("community:activity_cancel"), OK, HIDDEN, FORBIDDEN),
    ("cancel", "post", on_activity("community:activity_cancel"), REDIRECT, HIDDEN, FORBIDDEN),
    ("sign-up page", "get", on_activity("community:signup_create"), OK, HIDDEN, OK),
    ("sign-off page", "get", on_signup("community:signup_cancel"), OK, HIDDEN, HIDDEN),
]


@pytest.mark.parametrize(
    ("view", "method", "url", "on_own", "on_foreign", "other_on_own"), BROKER_VIEWS, ids=[v[0] for v in BROKER_VIEWS]
)
def test_social_brokers(
    world: World,
    client: Client,
    objects: Objects,
    view: str,
    method: str,
    url: Url,
    on_own: int,
    on_foreign: int,
    other_on_own: int,
) -> None:
    client.force_login(objects.brokers[True].user)
    assert getattr(client, method)(url(objects, True)).status_code == on_own
    assert getattr(client, method)(url(objects, False)).status_code == on_foreign
    client.force_login(ready_volunteer(world.organisation, kinds=[VolunteerKind.SOCIAL_BROKER]).user)
    assert getattr(client, method)(url(objects, True)).status_code == other_on_own


def test_a_broker_plans_an_activity_on_the_page(world: World, client: Client, objects: Objects) -> None:
    client.force_login(objects.brokers[True].user)
    form = activity_form(world, objects, True)
    del form["organiser"]
    response = client.post(reverse("community:activity_create"), form)
    assert response.status_code == 302
    planned = GroupActivity.objects.get(title="Kookclub")
    assert (planned.organiser, planned.organisation) == (objects.brokers[True], world.organisation)


@pytest.mark.parametrize(
    "changes",
    [
        {"places": "abc"},
        {"places": "0"},
        {"starts_at": "gisteren"},
        {"ends_at": "2020-01-01T10:00"},
        {"age_min": "12", "age_max": "4"},
        {"title": ""},
        {"organiser": "999999"},
    ],
)
def test_bad_activity_input_is_a_form_error(
    world: World, client: Client, objects: Objects, changes: dict[str, str]
) -> None:
    client.force_login(world.coordinator)
    before = GroupActivity.objects.count()
    response = client.post(reverse("community:activity_create"), activity_form(world, objects, True) | changes)
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert GroupActivity.objects.count() == before


@pytest.mark.parametrize("case", ["", "abc", "999999", "foreign"])
def test_bad_sign_up_input_is_a_form_error(world: World, client: Client, objects: Objects, case: str) -> None:
    client.force_login(world.parent)
    value = str(world.foreign_case.pk) if case == "foreign" else case
    response = client.post(reverse("community:signup_create", args=[objects.activities[True].pk]), {"case": value})
    assert response.status_code == 400
    assert "Choose who takes part." in response.content.decode() or "Kies wie er meedoet." in response.content.decode()
    assert not objects.activities[True].signups.exists()


def test_a_full_activity_shows_the_refusal_on_the_form(world: World, client: Client, objects: Objects) -> None:
    activity = objects.activities[True]
    GroupActivity.objects.filter(pk=activity.pk).update(places=1)
    other = CaseFactory(organisation=world.organisation)
    link(other, world.coordinator, world.coordinator, objects.brokers[True])
    services.activitysignup_create(actor=world.coordinator, activity=activity, case=other)
    client.force_login(world.parent)
    page = client.get(reverse("community:activity_detail", args=[activity.pk])).content.decode()
    assert reverse("community:signup_create", args=[activity.pk]) in page  # the family itself is not signed up
    response = client.post(reverse("community:signup_create", args=[activity.pk]), {"case": world.case.pk})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Deze activiteit is vol" in content or "This activity is full" in content


def test_the_detail_shows_names_only_to_those_who_may_see_them(world: World, client: Client, objects: Objects) -> None:
    activity = objects.signed[True].activity
    name = str(world.young_person)
    for user, shown in (
        (objects.brokers[True].user, True),
        (world.coordinator, True),
        (world.parent, True),
        (ready_volunteer(world.organisation, kinds=[VolunteerKind.SOCIAL_BROKER]).user, False),
    ):
        client.force_login(user)
        content = client.get(reverse("community:activity_detail", args=[activity.pk])).content.decode()
        assert (name in content) is shown


def test_cancelling_asks_first_then_marks_the_activity_cancelled(
    world: World, client: Client, objects: Objects
) -> None:
    activity = objects.signed[True].activity
    client.force_login(world.coordinator)
    page = client.get(reverse("community:activity_cancel", args=[activity.pk]))
    assert page.status_code == 200
    activity.refresh_from_db()
    assert activity.cancelled_at is None
    client.post(reverse("community:activity_cancel", args=[activity.pk]))
    assert client.post(reverse("community:activity_cancel", args=[activity.pk])).status_code == 400
    client.force_login(world.parent)
    # The family still sees its activity, marked as cancelled, and no sign-up button.
    content = client.get(reverse("community:activity_detail", args=[activity.pk])).content.decode()
    assert reverse("community:signup_create", args=[activity.pk]) not in content


def test_the_list_has_an_empty_state(world: World, client: Client) -> None:
    client.force_login(world.parent)
    response = client.get(reverse("community:activity_list"))
    assert response.status_code == 200
    assert 'class="empty"' in response.content.decode()


@pytest.mark.parametrize("persona", ["parent", "coordinator"])
def test_the_list_costs_the_same_queries_for_1_and_5_activities(
    world: World, client: Client, objects: Objects, persona: str
) -> None:
    client.force_login(world.by_role(persona))
    url = reverse("community:activity_list")
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    GroupActivity.objects.exclude(pk=objects.activities[True].pk).delete()
    one = count()
    for title in ("Kookclub", "Fietsclub", "Oudergroep", "Spelletjesmiddag"):
        services.groupactivity_create(
            actor=objects.brokers[True].user, organisation=world.organisation, data=activity_data(title=title)
        )
    assert GroupActivity.objects.filter(organisation=world.organisation).count() == 5
    assert count() == one


@pytest.mark.parametrize(("persona", "shown"), [("parent", True), ("professional", True), ("mentor", False)])
def test_the_menu_shows_activities(world: World, client: Client, persona: str, shown: bool) -> None:
    client.force_login(world.by_role(persona))
    assert (reverse("community:activity_list") in client.get(reverse("home")).content.decode()) is shown
