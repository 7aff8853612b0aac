"""The network map pages: who gets what answer, access-log rows, bad input, and a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessLogEntry
from accounts.models import Role
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    born_years_ago,
    give_all_consents,
    user_with_role,
)
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from youth.models import BuddyRequest, MentorChoice, NetworkPerson, NetworkSearch, YoungPerson


@pytest.fixture
def world(world: World) -> World:
    # Sanne changes her own map from 12 (the consent age); make her 14 whatever the factory's default is.
    YoungPerson.objects.filter(pk=world.young_person.pk).update(date_of_birth=born_years_ago(14))
    world.young_person.refresh_from_db()
    return world


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def person(world: World, name: str, *, own: bool = True, trusted: bool = True, closeness: int = 1) -> NetworkPerson:
    return NetworkPerson.objects.create(
        young_person=world.young_person if own else world.foreign_young_person,
        first_name=name,
        relation=NetworkPerson.Relation.FAMILY,
        closeness=closeness,
        trusted=trusted,
        added_by=world.professional if own else world.outsider,
    )


def yp(world: World, own: bool) -> int:
    return (world.young_person if own else world.foreign_young_person).pk


def person_url(name: str) -> Callable[[World, bool], str]:
    def build(world: World, own: bool) -> str:
        someone = person(world, "Karin", own=own)
        return reverse(name, args=[someone.young_person_id, someone.pk])

    return build


WRITERS_OWN = expect(HIDDEN, young_person_user=OK, parent=FORBIDDEN, professional=OK, coordinator=OK)
WRITERS_FOREIGN = expect(HIDDEN, outsider=OK)
WRITES_OWN = expect(HIDDEN, young_person_user=REDIRECT, parent=FORBIDDEN, professional=REDIRECT, coordinator=REDIRECT)
WRITES_FOREIGN = expect(HIDDEN, outsider=REDIRECT)

VIEWS: list[tuple[str, str, Callable[[World, bool], str], dict[str, int], dict[str, int]]] = [
    (
        "map",
        "get",
        lambda w, own: reverse("youth:network_map", args=[yp(w, own)]),
        expect(HIDDEN, young_person_user=OK, parent=OK, professional=OK, coordinator=OK),
        WRITERS_FOREIGN,
    ),
    ("add", "get", lambda w, own: reverse("youth:networkperson_add", args=[yp(w, own)]), WRITERS_OWN, WRITERS_FOREIGN),
    ("change", "get", person_url("youth:networkperson_change"), WRITERS_OWN, WRITERS_FOREIGN),
    ("remove", "get", person_url("youth:networkperson_remove"), WRITERS_OWN, WRITERS_FOREIGN),
    (
        "remove (post)",
        "post",
        person_url("youth:networkperson_remove"),
        expect(HIDDEN, young_person_user=REDIRECT, parent=FORBIDDEN, professional=REDIRECT, coordinator=REDIRECT),
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "choice",
        "get",
        lambda w, own: reverse("youth:mentorchoice_edit", args=[yp(w, own)]),
        WRITERS_OWN,
        WRITERS_FOREIGN,
    ),
    (
        "search",
        "get",
        lambda w, own: reverse("youth:networksearch_record", args=[yp(w, own)]),
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=OK, coordinator=OK),
        WRITERS_FOREIGN,
    ),
    # The writes, each with valid data (POST_DATA): a writer is sent on, everyone else changes nothing.
    (
        "add (post)",
        "post",
        lambda w, own: reverse("youth:networkperson_add", args=[yp(w, own)]),
        WRITES_OWN,
        WRITES_FOREIGN,
    ),
    ("change (post)", "post", person_url("youth:networkperson_change"), WRITES_OWN, WRITES_FOREIGN),
    (
        "choice (post)",
        "post",
        lambda w, own: reverse("youth:mentorchoice_edit", args=[yp(w, own)]),
        WRITES_OWN,
        WRITES_FOREIGN,
    ),
    (
        "search (post)",
        "post",
        lambda w, own: reverse("youth:networksearch_record", args=[yp(w, own)]),
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=REDIRECT, coordinator=REDIRECT),
        WRITES_FOREIGN,
    ),
]


def _choice(world: World, own: bool) -> dict[str, Any]:
    return {"rank_1": person(world, "Oma", own=own).pk}


PERSON = {"first_name": "Karin", "relation": "family", "closeness": "1", "trusted": "yes", "note": ""}
POST_DATA: dict[str, Callable[[World, bool], dict[str, Any]]] = {
    "add (post)": lambda w, own: PERSON,
    "change (post)": lambda w, own: PERSON,
    "choice (post)": _choice,
    "search (post)": lambda w, own: {
        "searched_on": timezone.localdate().isoformat(),
        "with_whom": "Sanne",
        "outcome": "Niemand gevonden.",
    },
}


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    client: Client,
    name: str,
    method: str,
    url: Callable[[World, bool], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    address = url(world, own)
    data = POST_DATA[name](world, own) if name in POST_DATA else {}
    before = NetworkPerson.objects.count(), MentorChoice.objects.count(), NetworkSearch.objects.count()
    client.force_login(world.by_role(persona))
    response = getattr(client, method)(address, data)
    assert response.status_code == expected
    if name in POST_DATA and expected != REDIRECT:
        after = NetworkPerson.objects.count(), MentorChoice.objects.count(), NetworkSearch.objects.count()
        assert after == before, "a refused write changes nothing"


@pytest.mark.parametrize(("name", "method", "url"), [(v[0], v[1], v[2]) for v in VIEWS])
def test_anonymous_visitors_are_sent_to_login(
    world: World, client: Client, name: str, method: str, url: Callable[[World, bool], str]
) -> None:
    response = getattr(client, method)(url(world, True), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_a_person_of_another_young_person_is_not_found_under_sanne(world: World, client: Client) -> None:
    foreign = person(world, "Vreemd", own=False)
    client.force_login(world.professional)
    url = reverse("youth:networkperson_change", args=[world.young_person.pk, foreign.pk])
    assert client.get(url).status_code == HIDDEN
    # Even the outsider, who may change that person, does not reach them under Sanne's address.
    client.force_login(world.outsider)
    assert client.get(url).status_code == HIDDEN


def test_a_child_under_12_sees_their_map_and_cannot_change_it(world: World, english: Client) -> None:
    child_user = user_with_role(Role.YOUNG_PERSON, first_name="Daan")
    child = YoungPersonFactory(
        first_name="Daan", user=child_user, date_of_birth=born_years_ago(11, days_after_birthday=360)
    )
    assign(CaseFactory(young_person=child, organisation=world.organisation), world.professional)
    add_guardian(child, user_with_role(Role.PARENT))
    give_all_consents(child)  # the network is shown only with the parents' consent (youth/consent.py)
    english.force_login(child_user)
    page = english.get(reverse("youth:network_map", args=[child.pk]))
    assert page.status_code == OK
    assert "Nobody in your network yet. Who do you know?" in page.content.decode()
    assert reverse("youth:networkperson_add", args=[child.pk]) not in page.content.decode()
    assert english.get(reverse("youth:networkperson_add", args=[child.pk])).status_code == FORBIDDEN
    english.force_login(world.professional)
    assert english.get(reverse("youth:networkperson_add", args=[child.pk])).status_code == OK


# Access log


@pytest.mark.parametrize(
    ("persona", "role", "organisation"),
    [
        ("young_person_user", Role.YOUNG_PERSON, ""),
        ("parent", Role.PARENT, ""),
        ("professional", Role.PROFESSIONAL, "Jeugdteam A"),
        ("coordinator", Role.COORDINATOR, "Jeugdteam A"),
    ],
)
def test_the_map_page_writes_an_access_log_row(
    world: World, client: Client, persona: str, role: str, organisation: str
) -> None:
    client.force_login(world.by_role(persona))
    client.get(reverse("youth:network_map", args=[world.young_person.pk]))
    entry = AccessLogEntry.objects.get()
    assert (entry.young_person, entry.what, entry.action, entry.actor_role, entry.actor_organisation) == (
        world.young_person,
        AccessLogEntry.What.NETWORK,
        AccessLogEntry.Action.VIEW,
        role,
        organisation,
    )


def test_a_change_is_logged_as_a_change(world: World, client: Client) -> None:
    client.force_login(world.young_person_user)
    data = {"first_name": "Karin", "relation": "family", "closeness": "1", "trusted": "yes", "note": ""}
    client.post(reverse("youth:networkperson_add", args=[world.young_person.pk]), data)
    assert list(AccessLogEntry.objects.values_list("what", "action")) == [("network", "change")]


def test_a_refused_visit_writes_no_row(world: World, client: Client) -> None:
    client.force_login(world.outsider)
    client.get(reverse("youth:network_map", args=[world.young_person.pk]))
    assert not AccessLogEntry.objects.exists()


# The journey through the pages


def test_sanne_adds_people_and_chooses_two_in_order(world: World, english: Client) -> None:
    english.force_login(world.young_person_user)
    add_url = reverse("youth:networkperson_add", args=[world.young_person.pk])
    for name, closeness, trusted in [("Karin", "1", "yes"), ("Ali", "2", "yes"), ("Kees", "3", "no")]:
        data = {"first_name": name, "relation": "friend", "closeness": closeness, "trusted": trusted}
        response = english.post(add_url, data)
        assert response.status_code == REDIRECT, response.context["form"].errors
    karin, ali = (NetworkPerson.objects.get(first_name=n) for n in ("Karin", "Ali"))
    choice_url = reverse("youth:mentorchoice_edit", args=[world.young_person.pk])
    form = english.get(choice_url).content.decode()
    assert ">Kees</option>" not in form  # only trusted people are offered
    assert ">Karin</option>" in form
    response = english.post(choice_url, {"rank_1": ali.pk, "rank_2": "", "rank_3": karin.pk})
    assert response.status_code == REDIRECT
    assert [c.person for c in MentorChoice.objects.order_by("rank")] == [ali, karin]
    page = english.get(reverse("youth:network_map", args=[world.young_person.pk])).content.decode()
    assert 'role="img"' in page
    assert "My network" in page
    assert "Ali" in page and "choice 1" in page


def test_the_home_page_links_sanne_to_her_network(world: World, english: Client) -> None:
    english.force_login(world.young_person_user)
    page = english.get(reverse("home")).content.decode()
    assert reverse("youth:network_map", args=[world.young_person.pk]) in page
    assert "My network" in page


def test_the_professional_records_a_search_and_asks_for_a_buddy(world: World, english: Client) -> None:
    english.force_login(world.professional)
    map_url = reverse("youth:network_map", args=[world.young_person.pk])
    assert "Record a search" in english.get(map_url).content.decode()
    data = {
        "searched_on": timezone.localdate().isoformat(),
        "with_whom": "Sanne en haar moeder",
        "outcome": "Niemand gevonden.",
        "ask_for_buddy": "on",
    }
    response = english.post(reverse("youth:networksearch_record", args=[world.young_person.pk]), data, follow=True)
    assert response.redirect_chain[-1][0] == map_url
    assert BuddyRequest.objects.get().status == BuddyRequest.Status.WAITING
    assert "The request is waiting for matching." in response.content.decode()


# Bad input: a clear error, nothing changed, never a 500


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda w, p: {"rank_1": p["Karin"], "rank_2": p["Karin"]}, "You chose the same person twice."),
        (lambda w, p: {"rank_1": p["Vreemd"]}, "You can only choose people from your own network."),
        (lambda w, p: {"rank_1": p["Kees"]}, "You can only choose people you trust."),
        (lambda w, p: {"rank_1": "Karin"}, "Enter a whole number."),
        (lambda w, p: {"rank_1": "99999999999999999999999"}, "own network"),
    ],
    ids=["twice", "foreign", "not-trusted", "not-a-number", "huge-number"],
)
def test_a_wrong_choice_gets_a_clear_error_and_changes_nothing(
    world: World, english: Client, build: Callable[[World, dict[str, int]], dict[str, Any]], expected: str
) -> None:
    people = {
        "Karin": person(world, "Karin").pk,
        "Ali": person(world, "Ali").pk,
        "Kees": person(world, "Kees", trusted=False).pk,
        "Vreemd": person(world, "Vreemd", own=False).pk,
    }
    MentorChoice.objects.create(
        young_person=world.young_person, person_id=people["Ali"], rank=1, chosen_by=world.young_person_user
    )
    english.force_login(world.young_person_user)
    response = english.post(reverse("youth:mentorchoice_edit", args=[world.young_person.pk]), build(world, people))
    assert response.status_code == OK
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert expected in page
    assert list(MentorChoice.objects.values_list("person_id", flat=True)) == [people["Ali"]]


@pytest.mark.parametrize(
    "overrides",
    [
        {"first_name": "x" * 101},
        {"first_name": ""},
        {"note": "x" * 201},
        {"relation_description": "x" * 101},
        {"relation": "pet"},
        {"closeness": "4"},
        {"closeness": "dichtbij"},
        {"trusted": "maybe"},
    ],
)
def test_a_wrong_person_gets_a_clear_error_and_saves_nothing(
    world: World, english: Client, overrides: dict[str, str]
) -> None:
    english.force_login(world.young_person_user)
    data = {"first_name": "Karin", "relation": "family", "closeness": "1", "trusted": "yes"} | overrides
    response = english.post(reverse("youth:networkperson_add", args=[world.young_person.pk]), data)
    assert response.status_code == OK
    assert 'class="error-summary"' in response.content.decode()
    assert response.context["form"].errors[next(iter(overrides))]
    assert not NetworkPerson.objects.exists()


def test_marking_a_chosen_person_not_trusted_shows_why_on_the_form(world: World, english: Client) -> None:
    karin = person(world, "Karin")
    MentorChoice.objects.create(
        young_person=world.young_person, person=karin, rank=1, chosen_by=world.young_person_user
    )
    english.force_login(world.young_person_user)
    url = reverse("youth:networkperson_change", args=[world.young_person.pk, karin.pk])
    response = english.post(url, {"first_name": "Karin", "relation": "family", "closeness": "1", "trusted": "no"})
    assert response.status_code == OK
    assert "Take Karin off your choice first." in response.content.decode()
    karin.refresh_from_db()
    assert karin.trusted


@pytest.mark.parametrize(
    "overrides",
    [{"searched_on": "2999-01-01"}, {"searched_on": "gisteren"}, {"outcome": "x" * 201}, {"with_whom": ""}],
)
def test_a_wrong_search_gets_a_clear_error_and_saves_nothing(
    world: World, english: Client, overrides: dict[str, str]
) -> None:
    english.force_login(world.professional)
    data = {
        "searched_on": timezone.localdate().isoformat(),
        "with_whom": "Sanne",
        "outcome": "Niemand",
        "ask_for_buddy": "on",
    }
    response = english.post(reverse("youth:networksearch_record", args=[world.young_person.pk]), data | overrides)
    assert response.status_code == OK
    assert 'class="error-summary"' in response.content.decode()
    assert not NetworkSearch.objects.exists()
    assert not BuddyRequest.objects.exists()


def test_a_second_buddy_request_gets_a_clear_error(world: World, english: Client) -> None:
    english.force_login(world.professional)
    url = reverse("youth:networksearch_record", args=[world.young_person.pk])
    data = {
        "searched_on": timezone.localdate().isoformat(),
        "with_whom": "Sanne",
        "outcome": "Niemand",
        "ask_for_buddy": "on",
    }
    english.post(url, data)
    response = english.post(url, data)
    assert response.status_code == OK
    assert "A buddy has already been asked for." in response.content.decode()
    assert (NetworkSearch.objects.count(), BuddyRequest.objects.count()) == (1, 1)


# Queries


def test_the_map_page_uses_the_same_number_of_queries_for_1_or_10_people(world: World, client: Client) -> None:
    client.force_login(world.young_person_user)
    url = reverse("youth:network_map", args=[world.young_person.pk])
    first = person(world, "P0")
    MentorChoice.objects.create(
        young_person=world.young_person, person=first, rank=1, chosen_by=world.young_person_user
    )
    client.get(url)  # warm the session and the per-process caches

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == OK
        return len(context.captured_queries)

    with_one = count()
    for number in range(1, 10):
        person(world, f"P{number}", closeness=number % 3 + 1, trusted=number % 2 == 0)
    assert count() == with_one


@pytest.mark.parametrize(
    "url",
    [
        "/jongeren/99999999999999999999999/netwerk/",
        "/jongeren/{yp}/netwerk/99999999999999999999999/wijzigen/",
        "/jongeren/{yp}/netwerk/99999999999999999999999/verwijderen/",
    ],
)
def test_a_very_large_id_is_a_404(world: World, client: Client, url: str) -> None:
    client.force_login(world.professional)
    assert client.get(url.format(yp=world.young_person.pk)).status_code == HIDDEN
