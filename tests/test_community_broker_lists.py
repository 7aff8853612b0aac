"""The overview of requests for a social broker pages, searches and filters by stage, logs only the young people it
showed, and costs the same queries for any number of requests (issue #23)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessLogEntry
from accounts.models import Role
from community.models import BrokerRequest
from tests.builders.community import social_broker
from tests.conftest import World
from tests.factories import CaseFactory, YoungPersonFactory
from tests.querycounts import assert_queries_do_not_grow

URL = reverse("community:brokerrequests")
TODAY = timezone.localdate()


def _requests(world: World, n: int, *, stage: str = "waiting", place: str = "Leiden") -> list[BrokerRequest]:
    """n requests of new children in world.organisation at `stage` (waiting, linked or ended), asked one day
    after the other, the first 100 days ago."""
    broker = social_broker(world.organisation) if stage != "waiting" else None
    return BrokerRequest.objects.bulk_create(
        BrokerRequest(
            case=CaseFactory(
                organisation=world.organisation,
                young_person=YoungPersonFactory(first_name=f"Kind{i}", home_place=place),
            ),
            asked_by=world.professional,
            purpose="Een club",
            asked_on=TODAY - timedelta(days=100 - i),
            broker=broker,
            linked_on=TODAY if broker else None,
            ended_on=TODAY if stage == "ended" else None,
            end_reason=BrokerRequest.EndReason.DONE if stage == "ended" else "",
        )
        for i in range(n)
    )


def test_the_page_takes_the_same_queries_for_any_number_of_requests(world: World, client: Client) -> None:
    client.force_login(world.coordinator)

    def grow(n: int) -> None:
        for stage in ("waiting", "linked", "ended"):
            _requests(world, n, stage=stage)

    assert_queries_do_not_grow(client, URL, grow)
    assert_queries_do_not_grow(client, URL, grow, {"staat": "all", "q": "kind", "pagina": "3"})


def test_the_log_holds_exactly_the_young_people_of_the_page(world: World, client: Client) -> None:
    requests = _requests(world, 30)
    client.force_login(world.coordinator)
    for page, expected in (("1", requests[:25]), ("2", requests[25:])):
        before = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        client.get(URL, {"pagina": page})
        logged = AccessLogEntry.objects.filter(pk__gt=before)
        assert sorted(logged.values_list("young_person_id", flat=True)) == sorted(
            r.case.young_person_id for r in expected
        )
        assert {(e.actor_role, e.what) for e in logged} == {(Role.COORDINATOR, AccessLogEntry.What.LIST)}


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("", [0, 1]),
        ("waiting", [0]),
        ("linked", [1]),
        ("ended", [2]),
        ("all", [0, 1, 2]),
    ],
)
def test_the_stage_filter_and_the_order(world: World, client: Client, stage: str, expected: list[int]) -> None:
    for made in ("ended", "linked", "waiting"):
        _requests(world, 2, stage=made)
    client.force_login(world.coordinator)
    rows = client.get(URL, {"staat": stage}).context["found"].rows
    assert sorted({r.stage for r in rows}) == expected
    assert [r.stage for r in rows] == sorted(r.stage for r in rows)  # waiting first, then linked, then ended
    waiting = [r.asked_on for r in rows if r.stage == 0]
    assert waiting == sorted(waiting)  # the longest waiting first


def test_search_finds_a_name_or_a_place(world: World, client: Client) -> None:
    _requests(world, 2, place="Katwijk")
    _requests(world, 1, place="Lisse")
    client.force_login(world.coordinator)

    def found(text: str) -> int:
        return int(client.get(URL, {"q": text}).context["found"].count)

    assert (found("katwijk"), found("lisse kind0"), found("kind1"), found("nergens")) == (2, 1, 1, 0)
    page = client.get(URL, {"q": "nergens"}).content.decode()
    assert "Geen aanvraag past bij je zoekvraag." in page
    assert 'href="?"' in page


@pytest.mark.parametrize("params", [{"staat": "bogus"}, {"organisatie": "7"}, {"pagina": "twee"}])
def test_a_bad_filter_value_is_an_error_on_the_page_not_a_failure(
    world: World, client: Client, params: dict[str, str]
) -> None:
    _requests(world, 2)
    client.force_login(world.coordinator)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["found"].count == 2
    for field, messages in response.context["search"].errors.items():
        assert field in params
        assert messages[0] in response.content.decode()


def test_the_family_sees_its_ended_requests_without_a_search_box(world: World, client: Client) -> None:
    BrokerRequest.objects.create(
        case=world.case,
        asked_by=world.professional,
        purpose="Een club",
        asked_on=TODAY,
        ended_on=TODAY,
        end_reason=BrokerRequest.EndReason.NOT_NEEDED,
    )
    client.force_login(world.parent)
    response = client.get(URL)
    assert response.context["search"] is None
    assert response.context["found"].count == 1
