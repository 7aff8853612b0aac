"""The coordinator's volunteer list at the size of a region: search, filters, paging and queries that do not grow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.paging import PAGE_SIZE
from tests.conftest import World
from tests.factories import VolunteerFactory
from tests.querycounts import assert_queries_do_not_grow
from volunteers import services
from volunteers.models import Outcome, Volunteer, VolunteerKind

URL = reverse("volunteers:pipeline")


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _volunteer(world: World, first_name: str, **kwargs: object) -> Volunteer:
    volunteer = VolunteerFactory(organisation=world.organisation, **kwargs)
    volunteer.user.first_name = first_name
    volunteer.user.save(update_fields=["first_name"])
    return volunteer


def _names(client: Client, **params: str) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [row.volunteer.user.first_name for row in response.context["rows"]]


def test_search_and_each_filter(world: World, client: Client) -> None:
    _volunteer(world, "Anouk", home_place="Katwijk")
    family = _volunteer(world, "Bram", kinds=[VolunteerKind.SUPPORT_FAMILY])
    paused = _volunteer(world, "Cas", status=Volunteer.Status.PAUSED)
    early = _volunteer(world, "Dirk")
    Volunteer.objects.filter(pk=early.pk).update(registered_at=timezone.now() - timedelta(weeks=5))
    services.intake_record(
        actor=world.coordinator, volunteer=family, held_on=timezone.localdate(), outcome=Outcome.POSITIVE, note=""
    )
    client.force_login(world.coordinator)
    assert _names(client, q="anouk") == ["Anouk"]
    assert _names(client, q="katwijk") == ["Anouk"]
    assert _names(client, soort=VolunteerKind.SUPPORT_FAMILY) == ["Bram"]
    assert _names(client, status=Volunteer.Status.PAUSED) == [paused.user.first_name]
    assert "Dirk" in _names(client, weken="4")
    assert "Anouk" not in _names(client, weken="4")
    without_intake = _names(client, zonder_intake="on")
    assert "Bram" not in without_intake and {"Anouk", "Cas", "Dirk"} <= set(without_intake)
    # Active first, the longest registered first: Dirk (five weeks) before Anouk, the paused Cas last.
    everyone = _names(client)
    assert everyone.index("Dirk") < everyone.index("Anouk") < everyone.index("Cas")


@pytest.mark.parametrize(("param", "value"), [("status", "gone"), ("soort", "astronaut"), ("weken", "abc")])
def test_a_bad_filter_value_is_a_clear_error(world: World, english: Client, param: str, value: str) -> None:
    _volunteer(world, "Anouk")
    english.force_login(world.coordinator)
    response = english.get(URL, {param: value})
    assert response.status_code == 200
    assert response.context["search"].errors[param]
    assert "Select a valid choice" in response.content.decode()
    assert "Anouk" in [row.volunteer.user.first_name for row in response.context["rows"]]


def test_nothing_found_says_so_with_a_way_back(world: World, english: Client) -> None:
    _volunteer(world, "Anouk")
    english.force_login(world.coordinator)
    page = english.get(URL, {"q": "nobody-is-called-this"}).content.decode()
    assert "No volunteer matches your search." in page
    assert 'href="?"' in page and 'role="status"' in page


def test_the_list_pages(world: World, client: Client) -> None:
    for n in range(PAGE_SIZE + 3):
        _volunteer(world, f"V{n:02d}")
    client.force_login(world.coordinator)
    first = client.get(URL)
    assert len(first.context["rows"]) == PAGE_SIZE
    total = first.context["listing"].count
    second = client.get(URL, {"pagina": "2"})
    assert len(second.context["rows"]) == total - PAGE_SIZE
    assert not {r.volunteer.pk for r in first.context["rows"]} & {r.volunteer.pk for r in second.context["rows"]}


def _grow(world: World) -> Callable[[int], None]:
    def grow(n: int) -> None:
        for i in range(n):
            volunteer = _volunteer(world, f"Groei{i}", kinds=[VolunteerKind.BUDDY, VolunteerKind.SUPPORT_FAMILY])
            if i % 2:
                services.intake_record(
                    actor=world.coordinator,
                    volunteer=volunteer,
                    held_on=timezone.localdate(),
                    outcome=Outcome.POSITIVE,
                    note="",
                )
                services.reference_add(volunteer=volunteer, name="Piet", relation="buur", contact="06")

    return grow


@pytest.mark.parametrize(
    "params", [{}, {"pagina": "2"}, {"q": "groei", "soort": VolunteerKind.BUDDY, "status": "active"}]
)
def test_the_queries_do_not_grow_with_the_volunteers(world: World, client: Client, params: dict[str, str]) -> None:
    client.force_login(world.coordinator)
    assert_queries_do_not_grow(client, URL, _grow(world), params)
