"""The respite overview (/logeren/) pages its stays, the stays to decide on and the waiting list, searches and
filters the stays, logs only the children it showed, and costs the same queries for any number of stays (#23)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessLogEntry
from accounts.models import Role
from respite import services
from respite.models import RespiteOption, Stay
from tests.conftest import World
from tests.factories import CaseFactory, YoungPersonFactory
from tests.querycounts import assert_queries_do_not_grow

URL = reverse("respite:overview")
TODAY = timezone.localdate()


@pytest.fixture
def option(world: World) -> RespiteOption:
    return services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis De Linde",
        beds_per_night=2,
    )


def _stays(
    world: World, option: RespiteOption, n: int, *, status: str = Stay.Status.CONFIRMED, in_days: int = 7
) -> list[Stay]:
    """n stays at `option`, each of a new child, arriving `in_days` from today one day after the other. Made
    directly: the list pages read stays, whatever rules made them."""
    return Stay.objects.bulk_create(
        Stay(
            option=option,
            case=CaseFactory(organisation=world.organisation, young_person=YoungPersonFactory(first_name=f"Kind{i}")),
            arrival=TODAY + timedelta(days=in_days + i),
            departure=TODAY + timedelta(days=in_days + i + 2),
            status=status,
            requested_by=world.professional,
        )
        for i in range(n)
    )


def test_the_page_takes_the_same_queries_for_any_number_of_stays(
    world: World, option: RespiteOption, client: Client
) -> None:
    client.force_login(world.coordinator)

    def grow(n: int) -> None:
        for status in (Stay.Status.CONFIRMED, Stay.Status.REQUESTED, Stay.Status.WAITING):
            _stays(world, option, n, status=status)

    assert_queries_do_not_grow(client, URL, grow)


def test_the_page_with_a_search_takes_the_same_queries(world: World, option: RespiteOption, client: Client) -> None:
    client.force_login(world.coordinator)
    params = {"q": "kind linde", "wanneer": "all", "status": "confirmed", "pagina": "2"}
    assert_queries_do_not_grow(client, URL, lambda n: _stays(world, option, n, in_days=-30), params)
    assert client.get(URL, params).context["stays"].count == 2 + 30  # the search finds every row it grew by


def test_the_log_holds_exactly_the_children_of_the_page(world: World, option: RespiteOption, client: Client) -> None:
    stays = _stays(world, option, 30)
    client.force_login(world.coordinator)
    for page, expected in (("1", stays[:25]), ("2", stays[25:])):
        before = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        client.get(URL, {"pagina": page})
        logged = AccessLogEntry.objects.filter(pk__gt=before)
        assert sorted(logged.values_list("young_person_id", flat=True)) == sorted(
            s.case.young_person_id for s in expected
        )
        assert {(e.actor_role, e.what) for e in logged} == {(Role.COORDINATOR, AccessLogEntry.What.LIST)}


def test_the_waiting_list_pages_and_keeps_each_place(world: World, option: RespiteOption, client: Client) -> None:
    _stays(world, option, 27, status=Stay.Status.WAITING)
    client.force_login(world.coordinator)
    waiting = client.get(URL, {"pagina_wachtlijst": "2"}).context["waiting"]
    assert [s.position for s in waiting.rows] == [26, 27]
    assert waiting.previous_link == "?pagina_wachtlijst=1"


@pytest.mark.parametrize(
    ("when", "expected"), [("", ["Kind0", "Kind1"]), ("past", ["Kind0"]), ("all", ["Kind0", "Kind0", "Kind1"])]
)
def test_the_when_filter(world: World, option: RespiteOption, client: Client, when: str, expected: list[str]) -> None:
    _stays(world, option, 2, in_days=3)
    _stays(world, option, 1, in_days=-10)  # ended a week ago
    client.force_login(world.coordinator)
    rows = client.get(URL, {"wanneer": when}).context["stays"].rows
    assert sorted(s.case.young_person.first_name for s in rows) == expected


def test_the_status_filter(world: World, option: RespiteOption, client: Client) -> None:
    for status in Stay.Status.values:
        _stays(world, option, 1, status=status)
    client.force_login(world.coordinator)
    for status in Stay.Status.values:
        assert [s.status for s in client.get(URL, {"status": status}).context["stays"].rows] == [status]


def test_search_finds_a_child_or_a_place_to_stay(world: World, option: RespiteOption, client: Client) -> None:
    _stays(world, option, 3)
    client.force_login(world.coordinator)

    def names(text: str) -> list[str]:
        return sorted(s.case.young_person.first_name for s in client.get(URL, {"q": text}).context["stays"].rows)

    assert names("kind2") == ["Kind2"]
    assert names("linde kind1") == ["Kind1"]
    assert names("eik") == []
    page = client.get(URL, {"q": "eik"}).content.decode()
    assert 'href="?"' in page  # the way back from an empty search


@pytest.mark.parametrize("params", [{"wanneer": "morgen"}, {"status": "bogus"}, {"organisatie": "x"}])
def test_a_bad_filter_value_is_an_error_on_the_page_not_a_failure(
    world: World, option: RespiteOption, client: Client, params: dict[str, str]
) -> None:
    _stays(world, option, 2)
    client.force_login(world.coordinator)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["stays"].count == 2  # the filter that cannot be read filters nothing
    errors = response.context["search"].errors
    for field, messages in errors.items():
        assert field in params
        assert messages[0] in response.content.decode()
