"""The support-family overview (/steungezinnen/) pages its two lists, searches and filters them, logs only the
children it showed, and costs the same queries for any number of requests and matches (issue #23)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessLogEntry
from accounts.models import Organisation, Role
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.selectors import (
    REQUESTS_ALL,
    match_visible_to,
    supportrequest_list_for,
    supportrequest_visible_to,
)
from hostfamilies.states import MATCH_PARTIES, REQUEST_PARTIES, State
from tests.conftest import PERSONAS, World
from tests.factories import CaseFactory, VolunteerFactory, YoungPersonFactory, user_with_role
from tests.querycounts import assert_queries_do_not_grow
from youth.parties import Party, parties_filter

URL = reverse("hostfamilies:overview")


def _requests(
    world: World, n: int, *, status: str = SupportRequest.Status.WAITING, place: str = "Leiden", days_ago: int = 0
) -> list[SupportRequest]:
    """n requests of world.organisation, each for a new child, asked `days_ago` (one second apart, so the oldest
    is the first)."""
    made = SupportRequest.objects.bulk_create(
        SupportRequest(
            case=CaseFactory(organisation=world.organisation, young_person=YoungPersonFactory(first_name=f"Kind{i}")),
            organisation=world.organisation,
            what_for="Rust",
            home_place=place,
            status=status,
        )
        for i in range(n)
    )
    start = timezone.now() - timedelta(days=days_ago)
    for i, made_request in enumerate(made):
        SupportRequest.objects.filter(pk=made_request.pk).update(created_at=start + timedelta(seconds=i))
    return made


def _matches(world: World, n: int, *, state: str = State.PROPOSED) -> list[SupportFamilyMatch]:
    requests = _requests(world, n, status=SupportRequest.Status.MATCHED)
    families = VolunteerFactory.create_batch(n, organisation=world.organisation)
    return SupportFamilyMatch.objects.bulk_create(
        SupportFamilyMatch(request=r, volunteer=v, state=state) for r, v in zip(requests, families, strict=True)
    )


def _shown(client: Client, params: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """The first names of the requests and of the matches the page lists."""
    response = client.get(URL, params or {})
    assert response.status_code == 200
    return (
        [r.case.young_person.first_name for r in response.context["requests"].rows],
        [m.request.case.young_person.first_name for m in response.context["matches"].rows],
    )


def test_the_page_takes_the_same_queries_for_any_number_of_requests_and_matches(world: World, client: Client) -> None:
    client.force_login(world.coordinator)

    def grow(n: int) -> None:
        _requests(world, n)
        _matches(world, n)

    assert_queries_do_not_grow(client, URL, grow)


def test_the_page_with_search_and_filters_takes_the_same_queries(world: World, client: Client) -> None:
    client.force_login(world.coordinator)

    def grow(n: int) -> None:
        _requests(world, n, status=SupportRequest.Status.MATCHED)
        _matches(world, n, state=State.ENDED)

    params = {"q": "kind leiden", "status": "all", "stap": "finished", "gevraagd": "", "pagina_aanvragen": "2"}
    assert_queries_do_not_grow(client, URL, grow, params)


def test_the_log_holds_exactly_the_children_of_the_page(world: World, client: Client) -> None:
    requests = _requests(world, 30, days_ago=10)
    client.force_login(world.coordinator)
    for page, expected in (("1", requests[:25]), ("2", requests[25:])):
        before = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        client.get(URL, {"pagina_aanvragen": page})
        logged = AccessLogEntry.objects.filter(pk__gt=before)
        assert sorted(logged.values_list("young_person_id", flat=True)) == sorted(
            r.case.young_person_id for r in expected
        )
        assert {(e.actor_role, e.what) for e in logged} == {(Role.COORDINATOR, AccessLogEntry.What.LIST)}


def test_waiting_requests_come_first_the_longest_waiting_first_with_their_place(world: World, client: Client) -> None:
    _requests(world, 2, status=SupportRequest.Status.MATCHED, days_ago=100)
    newer = _requests(world, 1, days_ago=1)
    older = _requests(world, 1, days_ago=50)
    client.force_login(world.coordinator)
    response = client.get(URL)
    rows = response.context["requests"].rows
    assert [r.pk for r in rows] == [older[0].pk, newer[0].pk]  # the matched ones are behind the filter
    assert [(r.waiting_place, r.waiting_total) for r in rows] == [(1, 2), (2, 2)]
    assert "plek 1 van 2" in response.content.decode()
    all_rows = client.get(URL, {"status": "all"}).context["requests"].rows
    assert [r.status for r in all_rows] == ["waiting", "waiting", "matched", "matched"]


def test_search_finds_a_name_or_a_place(world: World, client: Client) -> None:
    _requests(world, 2, place="Katwijk")
    _requests(world, 1, place="Leiden")
    client.force_login(world.coordinator)
    assert _shown(client, {"q": "katwijk"})[0] == ["Kind0", "Kind1"]
    assert _shown(client, {"q": "KIND1 katwijk"})[0] == ["Kind1"]
    assert _shown(client, {"q": "kind0 leiden"})[0] == ["Kind0"]  # the request made last in Leiden
    page = client.get(URL, {"q": "Nergensdorp"}).content.decode()
    assert "Geen aanvraag past bij je zoekvraag." in page
    assert 'href="?"' in page  # the way back to the whole list


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("", ["waiting"]),
        ("matched", ["matched"]),
        ("withdrawn", ["withdrawn"]),
        ("all", ["waiting", "matched", "withdrawn"]),
    ],
)
def test_the_request_status_filter(world: World, client: Client, status: str, expected: list[str]) -> None:
    for made in SupportRequest.Status.values:
        _requests(world, 1, status=made)
    client.force_login(world.coordinator)
    rows = client.get(URL, {"status": status}).context["requests"].rows
    assert [r.status for r in rows] == expected


def test_the_waiting_since_filter(world: World, client: Client) -> None:
    _requests(world, 1, days_ago=200)
    _requests(world, 1, days_ago=40)
    _requests(world, 1, days_ago=5)
    client.force_login(world.coordinator)
    counts = {days: client.get(URL, {"gevraagd": days}).context["requests"].count for days in ("", "30", "91", "182")}
    assert counts == {"": 3, "30": 2, "91": 1, "182": 1}


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("", {State.PROPOSED, State.ACTIVE}),
        (State.ACTIVE.value, {State.ACTIVE}),
        ("finished", {State.ENDED, State.STOPPED}),
        ("all", {State.PROPOSED, State.ACTIVE, State.ENDED, State.STOPPED}),
    ],
)
def test_the_match_step_filter(world: World, client: Client, step: str, expected: set[str]) -> None:
    for state in (State.PROPOSED, State.ACTIVE, State.ENDED, State.STOPPED):
        _matches(world, 1, state=state)
    client.force_login(world.coordinator)
    rows = client.get(URL, {"stap": step}).context["matches"].rows
    assert {m.state for m in rows} == expected


def test_a_coordinator_of_two_organisations_filters_by_organisation(world: World, client: Client) -> None:
    _requests(world, 2)
    other = Organisation.objects.create(name="Steunpunt Noord")
    coordinator = user_with_role(Role.COORDINATOR, world.organisation)
    coordinator.roles.create(role=Role.COORDINATOR, organisation=other)
    SupportRequest.objects.create(
        case=CaseFactory(organisation=other), organisation=other, what_for="Rust", home_place="Lisse"
    )
    client.force_login(coordinator)
    assert client.get(URL).context["requests"].count == 3
    assert client.get(URL, {"organisatie": other.pk}).context["requests"].count == 1
    # Someone who coordinates for one organisation has nothing to choose.
    client.force_login(world.coordinator)
    assert "organisatie" not in client.get(URL).context["search"].fields


@pytest.mark.parametrize("field", ["status", "stap", "gevraagd", "organisatie"])
def test_a_bad_filter_value_is_an_error_on_the_page_not_a_failure(world: World, client: Client, field: str) -> None:
    _requests(world, 2)
    client.force_login(world.coordinator)
    response = client.get(URL, {field: "bogus"})
    assert response.status_code == 200
    errors = response.context["search"].errors
    assert list(errors) == ([field] if field != "organisatie" else [])  # one organisation: no such field to err
    if errors:
        assert errors[field][0] in response.content.decode()  # said beside the field, in the page's language
    assert response.context["requests"].count == 2  # the filter that cannot be read filters nothing


def test_a_page_that_does_not_exist_shows_the_nearest(world: World, client: Client) -> None:
    _requests(world, 2)
    client.force_login(world.coordinator)
    response = client.get(URL, {"pagina_aanvragen": "zeven", "pagina_koppelingen": "-1"})
    assert response.status_code == 200
    assert response.context["requests"].asked_page_missing
    assert response.context["requests"].count == 2


def test_a_parent_sees_all_their_requests_without_a_search_box(world: World, client: Client) -> None:
    SupportRequest.objects.create(
        case=world.case, organisation=world.organisation, what_for="Rust", home_place="Leiden", status="withdrawn"
    )
    client.force_login(world.parent)
    response = client.get(URL)
    assert response.context["search"] is None
    assert [r.status for r in response.context["requests"].rows] == ["withdrawn"]


def test_the_scopes_by_part_see_the_same_rows_as_the_one_party_filter(world: World) -> None:
    """match_visible_to and supportrequest_visible_to ask youth.parties one part at a time (a subquery of ids per
    part, for PostgreSQL's plans); they must give exactly the rows of the single filter they replace."""
    helper = VolunteerFactory(user=world.volunteer, organisation=world.organisation)
    stranger = VolunteerFactory(organisation=world.other_organisation)
    other_coordinator = user_with_role(Role.COORDINATOR, world.other_organisation)
    # Sanne's case, supported by her own organisation and by the other one; Mees's case by the other one; and a
    # case nobody here works on.
    cases = [world.case, world.case, world.foreign_case, CaseFactory(organisation=world.other_organisation)]
    runners = [world.organisation, world.other_organisation, world.other_organisation, world.organisation]
    for case, runner in zip(cases, runners, strict=True):
        for volunteer, state in ((helper, State.ENDED), (stranger, State.PROPOSED)):
            support_request = SupportRequest.objects.create(
                case=case, organisation=runner, what_for="Rust", home_place="Leiden"
            )
            SupportFamilyMatch.objects.create(request=support_request, volunteer=volunteer, state=state)
    holders = {Party.SUPPORT_FAMILY: "volunteer__user_id"}
    users = [getattr(world, name) for name in PERSONAS] + [other_coordinator, helper.user, stranger.user]
    for user in users:
        request_rule = parties_filter(user, REQUEST_PARTIES, case="case", organisation="organisation_id")
        match_rule = parties_filter(
            user, MATCH_PARTIES, case="request__case", organisation="request__organisation_id", holders=holders
        )
        requests = SupportRequest.objects.filter(request_rule) if request_rule is not None else []
        matches = SupportFamilyMatch.objects.filter(match_rule) if match_rule is not None else []
        assert {r.pk for r in supportrequest_visible_to(user)} == {r.pk for r in requests}, user
        assert {m.pk for m in match_visible_to(user)} == {m.pk for m in matches}, user
    # The rule lets each of them see something here, so the comparison is not between two empty sets.
    for user in (world.coordinator, world.professional, world.parent, helper.user, other_coordinator):
        assert match_visible_to(user).exists(), user


@pytest.mark.parametrize("status", [s.value for s in SupportRequest.Status])
def test_the_order_of_one_status_is_the_order_of_all_requests(world: World, status: str) -> None:
    """A list of one status is ordered by its dates only (for the index); it must be the order that the list of
    every request gives those rows, ties on the date included."""
    requests = _requests(world, 4) + _requests(world, 3, status=SupportRequest.Status.MATCHED)
    requests += _requests(world, 3, status=SupportRequest.Status.WITHDRAWN)
    same_moment = timezone.now() - timedelta(days=3)
    SupportRequest.objects.filter(pk__in=[r.pk for r in requests[::2]]).update(created_at=same_moment)
    one_status = [r.pk for r in supportrequest_list_for(world.coordinator, status=status)]
    every_status = supportrequest_list_for(world.coordinator, status=REQUESTS_ALL)
    assert one_status == [r.pk for r in every_status if r.status == status]
    assert len(one_status) >= 3
