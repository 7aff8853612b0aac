"""Group activities, the rest of #8: choosing a team on the form, telling the signed-up families when an activity is
cancelled, and access-log rows for every page that shows a family's name (with the role that gave access, and a
constant number of queries)."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accesslog.models import AccessLogEntry
from accounts.models import Role, Team
from community.activities import services
from community.models import GroupActivity
from tests.builders.community import Cast, activity_data, linked_case
from tests.factories import OrganisationFactory, add_guardian, user_with_role


@pytest.fixture(autouse=True)
def _english(client: Client) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def form_data(**overrides: Any) -> dict[str, Any]:
    starts = timezone.localtime() + timedelta(days=10)
    return {
        "title": "Kookclub",
        "description": "Samen koken en eten.",
        "place": "Buurthuis",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "places": 6,
        "age_min": "",
        "age_max": "",
        **overrides,
    }


# --- the team ------------------------------------------------------------------------------------------------------


def test_the_broker_chooses_a_team_of_the_organisation_and_changes_it(cast: Cast, client: Client) -> None:
    world = cast.world
    north = Team.objects.create(organisation=world.organisation, name="Team Noord")
    south = Team.objects.create(organisation=world.organisation, name="Team Zuid")
    foreign = Team.objects.create(organisation=world.other_organisation, name="Team Elders")
    client.force_login(cast.organiser.user)
    page = client.get(reverse("community:activity_create")).content.decode()
    assert "Team Noord" in page and "Team Zuid" in page and "Team Elders" not in page
    refused = client.post(reverse("community:activity_create"), form_data(team=foreign.pk))
    assert refused.status_code == 200 and "team" in refused.context["form"].errors
    assert GroupActivity.objects.count() == 1, "nothing saved"
    response = client.post(reverse("community:activity_create"), form_data(team=north.pk))
    made = GroupActivity.objects.get(title="Kookclub")
    assert response.status_code == 302 and made.team == north
    assert "Team Noord" in client.get(reverse("community:activity_detail", args=[made.pk])).content.decode()
    assert "Team Noord" in client.get(reverse("community:activity_list")).content.decode()
    update = reverse("community:activity_update", args=[made.pk])
    assert f'<option value="{north.pk}" selected>' in client.get(update).content.decode()
    client.post(update, form_data(team=south.pk))
    made.refresh_from_db()
    assert made.team == south
    client.post(update, form_data(team=""))
    made.refresh_from_db()
    assert made.team is None


def test_without_teams_the_form_does_not_ask(cast: Cast, client: Client) -> None:
    client.force_login(cast.organiser.user)
    assert 'name="team"' not in client.get(reverse("community:activity_create")).content.decode()


def test_a_coordinator_of_two_organisations_chooses_a_team_of_the_chosen_one(cast: Cast, client: Client) -> None:
    world = cast.world
    second = OrganisationFactory(name="Vrijwilligerscentrum")
    world.coordinator.roles.create(role=Role.COORDINATOR, organisation=second)
    elsewhere = Team.objects.create(organisation=second, name="Team Centrum")
    client.force_login(world.coordinator)
    data = form_data(organisation=world.organisation.pk, organiser=cast.organiser.pk, team=elsewhere.pk)
    response = client.post(reverse("community:activity_create"), data)
    assert response.context["form"].errors["team"] == ["Choose a team of this organisation."]
    assert not GroupActivity.objects.filter(title="Kookclub").exists()


def test_the_services_refuse_a_team_of_another_organisation(cast: Cast) -> None:
    foreign = Team.objects.create(organisation=cast.world.other_organisation, name="Team Elders")
    with pytest.raises(ValidationError) as refused:
        services.groupactivity_update(
            actor=cast.organiser.user, activity=cast.activity, data=activity_data(), team=foreign
        )
    assert refused.value.message_dict["team"] == ["Choose a team of this organisation."]
    cast.activity.refresh_from_db()
    assert cast.activity.team is None


# --- cancelling tells the families -------------------------------------------------------------------------------


def test_cancelling_tells_the_signed_up_families_without_names(
    cast: Cast, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    world = cast.world
    second_parent = user_with_role(Role.PARENT, first_name="Jeroen")
    add_guardian(world.young_person, second_parent)
    services.activitysignup_create(actor=world.professional, activity=cast.activity, case=world.case)
    signed_off = linked_case(cast)
    other_parent = user_with_role(Role.PARENT, first_name="Ilse")
    add_guardian(signed_off.young_person, other_parent)
    signup = services.activitysignup_create(actor=other_parent, activity=cast.activity, case=signed_off)
    services.activitysignup_cancel(actor=other_parent, signup=signup)
    with django_capture_on_commit_callbacks(execute=True):
        services.groupactivity_cancel(actor=cast.organiser.user, activity=cast.activity)
    told = sorted(address for email in mailoutbox for address in email.to)
    # The custodial parents and the professional who signed Sanne up; not the parent without custody, not the
    # family that had signed off, not the organiser who cancelled.
    assert told == sorted(typing.cast("list[str]", [world.parent.email, second_parent.email, world.professional.email]))
    email = mailoutbox[0]
    assert "gaat niet door" in email.body
    assert f"/sociale-kaart/activiteiten/{cast.activity.pk}/" in email.body
    for secret in (world.young_person.first_name, cast.activity.title, cast.activity.place):
        assert secret not in email.body and secret not in email.subject


def test_cancelling_without_sign_ups_tells_nobody(
    cast: Cast, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.groupactivity_cancel(actor=cast.world.coordinator, activity=cast.activity)
    assert mailoutbox == []


# --- the access log ----------------------------------------------------------------------------------------------


def rows(after: int = 0) -> set[tuple[int | None, str, str]]:
    """The access-log rows written after row `after` (the log is append-only)."""
    return {(e.young_person_id, e.actor_role, e.what) for e in AccessLogEntry.objects.filter(pk__gt=after)}


def last_row() -> int:
    return AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


GROUP = AccessLogEntry.What.GROUP_ACTIVITY


@pytest.mark.parametrize(
    ("persona", "role"),
    [
        ("organiser", Role.VOLUNTEER),
        ("coordinator", Role.COORDINATOR),
        ("professional", Role.PROFESSIONAL),
        ("parent", Role.PARENT),
    ],
)
def test_the_activity_page_logs_the_names_it_shows(cast: Cast, client: Client, persona: str, role: str) -> None:
    world = cast.world
    signup = services.activitysignup_create(actor=world.parent, activity=cast.activity, case=world.case)
    client.force_login(cast.role(persona))
    assert client.get(reverse("community:activity_detail", args=[cast.activity.pk])).status_code == 200
    assert rows() == {(world.young_person.pk, role, GROUP)}
    after = last_row()
    assert client.get(reverse("community:signup_cancel", args=[signup.pk])).status_code == 200
    assert rows(after) == {(world.young_person.pk, role, GROUP)}


def test_the_broker_of_the_family_is_logged_as_volunteer(cast: Cast, client: Client) -> None:
    """The broker linked to the family (not the organiser) sees the family's own sign-up and the sign-up choice."""
    world = cast.world
    activity = services.groupactivity_create(
        actor=cast.other_broker.user, organisation=world.organisation, data=activity_data(title="Voorleesclub")
    )
    client.force_login(cast.organiser.user)
    assert client.get(reverse("community:signup_create", args=[activity.pk])).status_code == 200
    assert rows() == {(world.young_person.pk, Role.VOLUNTEER, GROUP)}
    client.post(reverse("community:signup_create", args=[activity.pk]), {"case": world.case.pk})
    after = last_row()
    client.get(reverse("community:activity_detail", args=[activity.pk]))
    assert rows(after) == {(world.young_person.pk, Role.VOLUNTEER, GROUP)}


def test_a_page_without_names_writes_no_row(cast: Cast, client: Client) -> None:
    services.activitysignup_create(actor=cast.world.parent, activity=cast.activity, case=cast.world.case)
    client.force_login(cast.other_broker.user)  # sees how many places are left, not who
    assert client.get(reverse("community:activity_detail", args=[cast.activity.pk])).status_code == 200
    client.force_login(cast.world.coordinator)
    client.get(reverse("community:activity_list"))
    assert rows() == set()


def test_the_activity_page_costs_the_same_queries_for_1_and_4_families(cast: Cast, client: Client) -> None:
    world = cast.world
    services.activitysignup_create(actor=world.parent, activity=cast.activity, case=world.case)
    url = reverse("community:activity_detail", args=[cast.activity.pk])
    client.force_login(cast.organiser.user)
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    one = count()
    GroupActivity.objects.filter(pk=cast.activity.pk).update(places=4)
    for _n in range(3):
        services.activitysignup_create(actor=world.professional, activity=cast.activity, case=linked_case(cast))
    assert count() == one
    assert AccessLogEntry.objects.filter(what=GROUP).values("young_person").distinct().count() == 4
