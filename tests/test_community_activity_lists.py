"""The list of group activities pages, shows the ones coming up by default, searches title and place, filters by
team and costs the same queries for any number of activities (issue #23)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from community.models import GroupActivity
from tests.builders.community import social_broker
from tests.conftest import World
from tests.querycounts import assert_queries_do_not_grow
from volunteers.models import Volunteer

URL = reverse("community:activity_list")


@pytest.fixture
def organiser(world: World) -> Volunteer:
    return social_broker(world.organisation)


def _activities(
    world: World, organiser: Volunteer, n: int, *, days: int = 7, place: str = "Wijkcentrum", team: Team | None = None
) -> list[GroupActivity]:
    """n activities of world.organisation starting `days` from now (negative: in the past), one hour apart."""
    starts = timezone.now() + timedelta(days=days)
    return GroupActivity.objects.bulk_create(
        GroupActivity(
            organisation=world.organisation,
            team=team,
            organiser=organiser,
            title=f"Club{i}",
            description="Samen koken",
            place=place,
            starts_at=starts + timedelta(hours=i),
            ends_at=starts + timedelta(hours=i + 1),
            places=5,
            created_by=world.coordinator,
        )
        for i in range(n)
    )


def _titles(client: Client, params: dict[str, str]) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [a.title for a in response.context["activities"].rows]


def test_the_list_takes_the_same_queries_for_any_number_of_activities(
    world: World, organiser: Volunteer, client: Client
) -> None:
    client.force_login(world.coordinator)
    assert_queries_do_not_grow(client, URL, lambda n: _activities(world, organiser, n))
    assert_queries_do_not_grow(
        client,
        URL,
        lambda n: _activities(world, organiser, n, days=-7),
        {"wanneer": "past", "q": "club", "pagina": "2"},
    )


def test_the_ones_coming_up_by_default_soonest_first_and_the_past_ones_behind_a_filter(
    world: World, organiser: Volunteer, client: Client
) -> None:
    _activities(world, organiser, 2, days=3)
    _activities(world, organiser, 2, days=-3)
    client.force_login(world.coordinator)
    coming = client.get(URL).context["activities"].rows
    assert [a.starts_at for a in coming] == sorted(a.starts_at for a in coming)
    assert all(a.ends_at > timezone.now() for a in coming) and len(coming) == 2
    past = client.get(URL, {"wanneer": "past"}).context["activities"].rows
    assert [a.starts_at for a in past] == sorted((a.starts_at for a in past), reverse=True)
    assert all(a.ends_at <= timezone.now() for a in past) and len(past) == 2


def test_search_finds_a_title_or_a_place(world: World, organiser: Volunteer, client: Client) -> None:
    _activities(world, organiser, 2, place="Bibliotheek Noord")
    client.force_login(world.coordinator)
    assert _titles(client, {"q": "club1"}) == ["Club1"]
    assert _titles(client, {"q": "bibliotheek"}) == ["Club0", "Club1"]
    assert _titles(client, {"q": "noord club0"}) == ["Club0"]
    page = client.get(URL, {"q": "zwemmen"}).content.decode()
    assert 'class="empty"' in page
    assert 'href="?"' in page  # the way back from an empty search


def test_the_team_filter(world: World, organiser: Volunteer, client: Client) -> None:
    north = Team.objects.create(organisation=world.organisation, name="Noord")
    south = Team.objects.create(organisation=world.organisation, name="Zuid")
    _activities(world, organiser, 1, team=north)
    _activities(world, organiser, 2, team=south)
    client.force_login(world.coordinator)
    assert len(_titles(client, {})) == 3
    assert len(_titles(client, {"team": str(north.pk)})) == 1
    assert len(_titles(client, {"team": str(south.pk)})) == 2


@pytest.mark.parametrize("params", [{"wanneer": "gisteren"}, {"team": "999999"}, {"pagina": "0"}])
def test_a_bad_filter_value_is_an_error_on_the_page_not_a_failure(
    world: World, organiser: Volunteer, client: Client, params: dict[str, str]
) -> None:
    Team.objects.create(organisation=world.organisation, name="Noord")
    Team.objects.create(organisation=world.organisation, name="Zuid")
    _activities(world, organiser, 2)
    client.force_login(world.coordinator)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["activities"].count == 2  # the filter that cannot be read filters nothing
    errors = response.context["search"].errors
    assert list(errors) == [name for name in params if name != "pagina"]
    for messages in errors.values():
        assert messages[0] in response.content.decode()
