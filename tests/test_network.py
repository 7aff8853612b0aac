"""The network map's rules: who may change it, the choice of up to three trusted candidates, searches and buddies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone, translation

from accounts.models import Role
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    OrganisationFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    born_years_ago,
    give_all_consents,
    user_with_role,
)
from youth.ages import age_on, born_by
from youth.models import BuddyRequest, MentorChoice, NetworkPerson, NetworkSearch, YoungPerson
from youth.network.selectors import (
    network_map_for,
    network_may_change_own,
    networkperson_get_for,
    networkperson_visible_to,
    youngperson_network_writable_by,
)
from youth.network.services import (
    buddyrequest_create,
    mentorchoice_set,
    networkperson_add,
    networkperson_change,
    networkperson_remove,
    networksearch_record,
)


@pytest.fixture
def world(world: World) -> World:
    # Sanne maps her own network: the rule is "from 12", so make her 14 whatever the factory's default is.
    YoungPerson.objects.filter(pk=world.young_person.pk).update(date_of_birth=born_years_ago(14))
    world.young_person.refresh_from_db()
    return world


def add(world: World, name: str, *, trusted: bool = True, closeness: int = 1) -> NetworkPerson:
    return networkperson_add(
        actor=world.professional,
        young_person=world.young_person,
        first_name=name,
        relation=NetworkPerson.Relation.FAMILY,
        closeness=closeness,
        trusted=trusted,
    )


def message(call: Callable[[], Any]) -> str:
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        call()
    return " ".join(raised.value.messages)


def choice_names(world: World) -> list[str]:
    return [c.person.first_name for c in MentorChoice.objects.filter(young_person=world.young_person).order_by("rank")]


# Who may change a map


def test_sanne_adds_someone_to_her_own_network(world: World) -> None:
    person = networkperson_add(
        actor=world.young_person_user,
        young_person=world.young_person,
        first_name="  Karin ",
        relation=NetworkPerson.Relation.FAMILY,
        relation_description="mijn tante",
        closeness=1,
        trusted=True,
        note="Woont in Leiden",
    )
    assert (person.first_name, person.added_by, person.young_person) == (
        "Karin",
        world.young_person_user,
        world.young_person,
    )


@pytest.mark.parametrize("persona", ["parent", "mentor", "volunteer", "analyst", "admin", "outsider"])
def test_others_cannot_add_to_sanne_network(world: World, persona: str) -> None:
    with pytest.raises(ValidationError):
        networkperson_add(
            actor=world.by_role(persona),
            young_person=world.young_person,
            first_name="Karin",
            relation="family",
            closeness=1,
            trusted=True,
        )
    assert not NetworkPerson.objects.exists()


@pytest.mark.parametrize("persona", ["professional", "coordinator"])
def test_the_case_professional_and_the_coordinator_change_the_map(world: World, persona: str) -> None:
    person = networkperson_add(
        actor=world.by_role(persona),
        young_person=world.young_person,
        first_name="Ali",
        relation="sport",
        closeness=3,
        trusted=False,
    )
    assert person.added_by == world.by_role(persona)


def test_a_child_under_12_sees_the_map_but_the_professional_writes_it(world: World) -> None:
    child_user = user_with_role(Role.YOUNG_PERSON, first_name="Daan")
    child = YoungPersonFactory(first_name="Daan", user=child_user, date_of_birth=born_years_ago(10))
    assign(CaseFactory(young_person=child, organisation=world.organisation), world.professional)
    add_guardian(child, user_with_role(Role.PARENT))
    give_all_consents(child)  # the network is kept only with the parents' consent (youth/consent.py)
    person = networkperson_add(
        actor=world.professional, young_person=child, first_name="Opa", relation="family", closeness=1, trusted=True
    )
    assert not network_may_change_own(child)
    assert networkperson_visible_to(child_user).get() == person
    with pytest.raises(PermissionDenied):
        networkperson_get_for(child_user, person.pk, write=True)
    with pytest.raises(ValidationError):
        mentorchoice_set(actor=child_user, young_person=child, person_ids=[person.pk])
    mentorchoice_set(actor=world.professional, young_person=child, person_ids=[person.pk])
    assert MentorChoice.objects.get(young_person=child).chosen_by == world.professional


@pytest.mark.parametrize("days", [-1, 0, 1])
def test_the_age_of_12_is_the_same_day_as_the_consent_rule_says(world: World, days: int) -> None:
    today = timezone.localdate()
    born = born_by(12, today) + timedelta(days=days)
    YoungPerson.objects.filter(pk=world.young_person.pk).update(date_of_birth=born)
    world.young_person.refresh_from_db()
    writable = youngperson_network_writable_by(world.young_person_user).filter(pk=world.young_person.pk).exists()
    assert writable == network_may_change_own(world.young_person) == (age_on(born, today) >= 12)


def test_the_12th_birthday_on_29_february(world: World) -> None:
    assert born_by(12, date(2027, 3, 1)) == date(2015, 3, 1)
    assert born_by(12, date(2028, 2, 29)) == date(2016, 2, 29)
    assert born_by(13, date(2028, 2, 29)) == date(2015, 2, 28)
    assert age_on(date(2015, 2, 28), date(2028, 2, 29)) == 13


def test_the_parent_sees_and_a_foreign_professional_or_young_person_sees_nothing(world: World) -> None:
    person = add(world, "Karin")
    assert networkperson_get_for(world.parent, person.pk) == person
    with pytest.raises(PermissionDenied):
        networkperson_get_for(world.parent, person.pk, write=True)
    foreign_user = user_with_role(Role.YOUNG_PERSON, first_name="Mees")
    YoungPerson.objects.filter(pk=world.foreign_young_person.pk).update(user=foreign_user)
    for stranger in (world.outsider, foreign_user, world.mentor, world.volunteer, world.analyst, world.admin):
        assert not networkperson_visible_to(stranger).exists()
        with pytest.raises(Http404):
            networkperson_get_for(stranger, person.pk)


# Changing and removing


def test_too_long_or_unknown_values_are_refused(world: World) -> None:
    bad_values: list[dict[str, Any]] = [
        {"first_name": "x" * 101},
        {"note": "x" * 201},
        {"relation": "pet"},
        {"closeness": 4},
        {"first_name": " "},
    ]
    for bad in bad_values:
        arguments: dict[str, Any] = {"first_name": "Karin", "relation": "family", "closeness": 1, "trusted": True} | bad
        with pytest.raises(ValidationError):
            networkperson_add(actor=world.professional, young_person=world.young_person, **arguments)
    assert not NetworkPerson.objects.exists()


def test_the_database_refuses_a_closeness_outside_the_rings(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        NetworkPerson.objects.create(
            young_person=world.young_person,
            first_name="X",
            relation="family",
            closeness=4,
            trusted=True,
            added_by=world.professional,
        )


def test_a_chosen_person_cannot_be_marked_not_trusted(world: World) -> None:
    karin = add(world, "Karin")
    mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[karin.pk])
    text = message(
        lambda: networkperson_change(
            actor=world.young_person_user,
            person=karin,
            first_name="Karin",
            relation="family",
            closeness=1,
            trusted=False,
        )
    )
    assert text == "Karin is one of the people you chose. Take Karin off your choice first."
    karin.refresh_from_db()
    assert karin.trusted
    changed = networkperson_change(
        actor=world.young_person_user, person=karin, first_name="Karin B.", relation="family", closeness=2, trusted=True
    )
    assert (changed.first_name, changed.closeness) == ("Karin B.", 2)


def test_removing_a_chosen_person_moves_the_later_choices_up(world: World) -> None:
    a, b, c = add(world, "Anna"), add(world, "Bert"), add(world, "Cor")
    mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[a.pk, b.pk, c.pk])
    networkperson_remove(actor=world.young_person_user, person=a)
    assert choice_names(world) == ["Bert", "Cor"]
    assert list(MentorChoice.objects.order_by("rank").values_list("rank", flat=True)) == [1, 2]
    assert not NetworkPerson.objects.filter(pk=a.pk).exists()


def test_the_parent_cannot_remove(world: World) -> None:
    karin = add(world, "Karin")
    with pytest.raises(ValidationError):
        networkperson_remove(actor=world.parent, person=karin)
    assert NetworkPerson.objects.filter(pk=karin.pk).exists()


# The choice of a mentor


def test_sanne_chooses_two_in_order_and_then_replaces_the_order(world: World) -> None:
    karin, ali, opa = add(world, "Karin"), add(world, "Ali"), add(world, "Opa")
    mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[karin.pk, ali.pk])
    assert choice_names(world) == ["Karin", "Ali"]
    mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[opa.pk, karin.pk])
    assert choice_names(world) == ["Opa", "Karin"]
    mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[])
    assert choice_names(world) == []


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda w, p: [p[0], p[1], p[2], p[3]], "You can choose at most three people."),
        (lambda w, p: [p[0], p[0]], "You chose the same person twice. Choose each person only once."),
        (lambda w, p: [p[0], w.foreign_person], "You can only choose people from your own network."),
        (lambda w, p: [999999], "You can only choose people from your own network."),
        (lambda w, p: [p[0], p[4]], "You can only choose people you trust. You do not trust Eef (yet)."),
    ],
    ids=["four", "twice", "foreign", "missing", "not-trusted"],
)
def test_a_wrong_choice_is_refused_with_a_clear_message_and_changes_nothing(
    world: World, build: Callable[[Any, list[int]], list[int]], expected: str
) -> None:
    people = [add(world, name).pk for name in ("Anna", "Bert", "Cor", "Dirk")] + [add(world, "Eef", trusted=False).pk]
    foreign = NetworkPerson.objects.create(
        young_person=world.foreign_young_person,
        first_name="Vreemd",
        relation="friend",
        closeness=1,
        trusted=True,
        added_by=world.outsider,
    )
    world.foreign_person = foreign.pk  # type: ignore[attr-defined]  # read by the `build` lambdas above
    mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[people[3]])
    text = message(
        lambda: mentorchoice_set(
            actor=world.young_person_user, young_person=world.young_person, person_ids=build(world, people)
        )
    )
    assert text == expected
    assert choice_names(world) == ["Dirk"]


def test_the_database_keeps_ranks_unique_and_at_most_three(world: World) -> None:
    people = [add(world, name) for name in ("Anna", "Bert", "Cor", "Dirk")]
    mentorchoice_set(actor=world.professional, young_person=world.young_person, person_ids=[p.pk for p in people[:3]])
    for rank, person in [(1, people[3]), (4, people[3])]:
        with pytest.raises(IntegrityError), transaction.atomic():
            MentorChoice.objects.create(
                young_person=world.young_person, person=person, rank=rank, chosen_by=world.professional
            )
    with pytest.raises(IntegrityError), transaction.atomic():
        MentorChoice.objects.filter(rank=3).update(person=people[0])


def test_the_parent_cannot_choose(world: World) -> None:
    karin = add(world, "Karin")
    with pytest.raises(ValidationError):
        mentorchoice_set(actor=world.parent, young_person=world.young_person, person_ids=[karin.pk])
    assert not MentorChoice.objects.exists()


# Searching the network and asking for a buddy


def _search(world: World, **overrides: Any) -> NetworkSearch:
    arguments: dict[str, Any] = {
        "actor": world.professional,
        "young_person": world.young_person,
        "searched_on": timezone.localdate(),
        "with_whom": "Sanne en haar moeder",
        "outcome": "Niemand gevonden die mentor kan zijn.",
    } | overrides
    return networksearch_record(**arguments)


def test_the_professional_records_a_search_and_asks_for_a_buddy(world: World) -> None:
    search = _search(world, ask_for_buddy=True)
    request = BuddyRequest.objects.get()
    assert (request.status, request.search, request.case, request.requested_by) == (
        BuddyRequest.Status.WAITING,
        search,
        world.case,
        world.professional,
    )
    assert network_map_for(world.young_person).waiting_buddy_request == request


def test_only_one_buddy_request_waits(world: World) -> None:
    _search(world, ask_for_buddy=True)
    text = message(lambda: _search(world, ask_for_buddy=True))
    assert text == "A buddy has already been asked for. The request is waiting for matching."
    assert (NetworkSearch.objects.count(), BuddyRequest.objects.count()) == (1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        BuddyRequest.objects.create(
            young_person=world.young_person,
            case=world.case,
            search=NetworkSearch.objects.get(),
            requested_by=world.professional,
        )


def test_no_buddy_while_the_young_person_chose_someone(world: World) -> None:
    karin = add(world, "Karin")
    mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[karin.pk])
    text = message(lambda: _search(world, ask_for_buddy=True))
    assert text == "Sanne chose people from their own network. Ask for a buddy only when nobody can be a mentor."
    assert not NetworkSearch.objects.exists()
    assert not BuddyRequest.objects.exists()


@pytest.mark.parametrize("persona", ["young_person_user", "parent", "outsider", "mentor"])
def test_only_the_case_professional_or_coordinator_records_a_search(world: World, persona: str) -> None:
    with pytest.raises(ValidationError):
        _search(world, actor=world.by_role(persona), ask_for_buddy=True)
    assert not NetworkSearch.objects.exists()


def test_the_coordinator_records_a_search(world: World) -> None:
    _search(world, actor=world.coordinator, ask_for_buddy=True)
    assert BuddyRequest.objects.get().requested_by == world.coordinator


@pytest.mark.parametrize(
    "overrides", [{"searched_on": date.today() + timedelta(days=2)}, {"outcome": "x" * 201}, {"with_whom": ""}]
)
def test_a_wrong_search_is_refused(world: World, overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _search(world, ask_for_buddy=True, **overrides)
    assert not NetworkSearch.objects.exists()


def test_no_buddy_without_an_open_case(world: World) -> None:
    search = _search(world)
    world.case.closed_on = timezone.localdate()
    world.case.save()
    with pytest.raises(ValidationError):
        buddyrequest_create(actor=world.professional, search=search)
    assert not BuddyRequest.objects.exists()


# The reader


def test_the_map_is_grouped_by_ring_with_the_choice_in_order(world: World) -> None:
    karin = add(world, "Karin", closeness=1)
    add(world, "Ali", closeness=3, trusted=False)
    opa = add(world, "Opa", closeness=2)
    mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[opa.pk, karin.pk])
    network = network_map_for(world.young_person)
    assert [[p.first_name for p in ring.people] for ring in network.rings] == [["Karin"], ["Opa"], ["Ali"]]
    assert [c.person.first_name for c in network.choices] == ["Opa", "Karin"]
    assert [p.first_name for p in network.trusted] == ["Karin", "Opa"]
    assert len(network.placed) == 3


def test_the_map_costs_the_same_queries_for_1_or_10_people(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            network = network_map_for(world.young_person)
            [(p.first_name, getattr(p, "mentor_choice", None)) for p in network.people]
        return len(context.captured_queries)

    first = add(world, "P0")
    mentorchoice_set(actor=world.professional, young_person=world.young_person, person_ids=[first.pk])
    one = count()
    for number in range(1, 10):
        add(world, f"P{number}", closeness=number % 3 + 1)
    assert count() == one == 3


# Races, on PostgreSQL (SQLite serialises all writes, so there the row lock never has anything to do)

THREADS = 10


def _race(work: Callable[[int], Any]) -> tuple[list[Any], list[ValidationError], list[BaseException]]:
    import threading

    from django.db import connections

    start = threading.Barrier(THREADS)
    done: list[Any] = []
    refused: list[ValidationError] = []
    unexpected: list[BaseException] = []

    def run(number: int) -> None:
        try:
            with translation.override("en"):
                start.wait(timeout=10)
                done.append(work(number))
        except ValidationError as error:
            refused.append(error)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return done, refused, unexpected


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_choices_leave_one_whole_choice() -> None:
    organisation = OrganisationFactory()
    professional = user_with_role(Role.PROFESSIONAL, organisation)
    young_person = YoungPersonFactory(date_of_birth=born_years_ago(14))
    give_all_consents(young_person)  # the network is kept only with consent (youth/consent.py)
    assign(CaseFactory(young_person=young_person, organisation=organisation), professional)
    people = [
        networkperson_add(
            actor=professional,
            young_person=young_person,
            first_name=f"P{n}",
            relation="friend",
            closeness=1,
            trusted=True,
        ).pk
        for n in range(5)
    ]
    # Each thread saves its own order of three out of five people.
    orders = [[people[n % 5], people[(n + 1) % 5], people[(n + 2) % 5]] for n in range(THREADS)]
    done, refused, unexpected = _race(
        lambda n: mentorchoice_set(actor=professional, young_person=young_person, person_ids=orders[n])
    )
    assert not unexpected, unexpected
    assert (len(done), refused) == (THREADS, [])
    final = list(
        MentorChoice.objects.filter(young_person=young_person).order_by("rank").values_list("person_id", "rank")
    )
    assert [rank for _, rank in final] == [1, 2, 3]
    assert [pk for pk, _ in final] in orders


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_buddy_requests_make_one() -> None:
    organisation = OrganisationFactory()
    young_person = YoungPersonFactory()
    give_all_consents(young_person)  # a search is recorded only with the consent to keep data
    case = CaseFactory(young_person=young_person, organisation=organisation)
    professionals = [user_with_role(Role.PROFESSIONAL, organisation) for _ in range(THREADS)]
    for professional in professionals:
        assign(case, professional)
    done, refused, unexpected = _race(
        lambda n: networksearch_record(
            actor=professionals[n],
            young_person=young_person,
            searched_on=timezone.localdate(),
            with_whom="de jongere",
            outcome="niemand",
            ask_for_buddy=True,
        )
    )
    assert not unexpected, unexpected
    assert len(done) == 1
    assert {" ".join(e.messages) for e in refused} == {
        "A buddy has already been asked for. The request is waiting for matching."
    }
    assert BuddyRequest.objects.filter(young_person=young_person, status=BuddyRequest.Status.WAITING).count() == 1
    assert NetworkSearch.objects.filter(young_person=young_person).count() == 1
