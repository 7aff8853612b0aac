"""Every view of a young person is logged. The sweep itself runs inside the permission matrices
(tests/accesslog_audit.py, switched on in conftest for every `role_matrix` case); here: that the audit can fail and
what it does not count, the rows of the pages it found without one, and the chat's catch-up over HTTP and socket,
whose frames carry a conversation's messages rather than a name on a page."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record_by
from accounts.models import Role
from hostfamilies.models import SupportFamilyMatch
from hostfamilies.services import supportrequest_create
from mentors.states import State
from messaging.models import Conversation
from messaging.services import sending
from tests import accesslog_audit
from tests.accesslog_audit import NotLogged, check_logged, last_log_id, shown_young_people
from tests.builders.mentors import mentorship_at
from tests.conftest import World
from tests.factories import CaseFactory, UserFactory, YoungPersonFactory, assign


def audited_get(client: Client, url: str) -> Any:
    before = last_log_id()
    response = client.get(url)
    assert response.status_code == 200
    # The test client's response is an HttpResponse; its stubs type it as a bare response base.
    check_logged(cast(HttpResponse, response), logged_after=before)
    return response


def rows() -> list[tuple[Any, ...]]:
    return list(
        AccessLogEntry.objects.order_by("pk").values_list(
            "actor_id", "young_person_id", "actor_role", "actor_organisation", "what", "action"
        )
    )


# The audit itself.


def test_the_audit_fails_on_a_page_that_shows_a_young_person_and_writes_no_row(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(world.professional)
    url = reverse("youth:youngperson_detail", args=[world.young_person.pk])
    audited_get(client, url)  # the page as it is: logged
    monkeypatch.setattr("youth.views.accesslog_record", lambda **kwargs: None)
    with pytest.raises(NotLogged, match="Sanne"):
        audited_get(client, url)


def test_a_row_written_before_or_by_someone_else_does_not_count(world: World, client: Client) -> None:
    client.force_login(world.professional)
    # The test client's response is an HttpResponse; its stubs type it as a bare response base.
    response = cast(HttpResponse, client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk])))
    own_row = last_log_id()
    accesslog_record_by(
        actor=world.coordinator,
        ip_address=None,
        young_person_id=world.young_person.pk,
        what=AccessLogEntry.What.PROFILE,
        basis=(Role.COORDINATOR, world.organisation.name),
    )
    check_logged(response, logged_after=own_row - 1)
    with pytest.raises(NotLogged):
        check_logged(response, logged_after=own_row)


def test_names_in_the_menu_in_interface_texts_or_borne_by_others_are_not_counted(world: World) -> None:
    by_name = accesslog_audit.young_people_by_name()
    sanne = world.young_person.pk
    assert by_name["Sanne"] == {sanne}
    menu = "<header>Sanne</header><main>Niets</main>"
    example = "<main>In een paar woorden. Bijvoorbeeld: uitje naar de dierentuin met Sanne.</main>"
    shown = "<main><p>Sanne &amp; haar moeder</p></main>"
    assert shown_young_people(menu, by_name) == {}
    assert shown_young_people(example, by_name) == {}
    assert shown_young_people(shown, by_name) == {"Sanne": {sanne}}
    assert shown_young_people("<main>Sannes</main>", by_name) == {}
    # A user who is not Sanne but bears her name: a page that says "Sanne" could mean either.
    UserFactory(first_name="Sanne")
    assert "Sanne" not in accesslog_audit.young_people_by_name()


def test_two_young_people_with_one_name_are_satisfied_by_a_row_for_either(world: World) -> None:
    twin = YoungPersonFactory(first_name="Mees", last_name="Anders")
    assert accesslog_audit.young_people_by_name()["Mees"] == {world.foreign_young_person.pk, twin.pk}


def test_the_own_home_page_is_no_read_for_the_young_person_and_parent_but_is_for_staff(
    world: World, client: Client
) -> None:
    for reader in (world.young_person_user, world.parent, world.professional):
        client.force_login(reader)
        audited_get(client, reverse("home"))
    assert [(actor, role) for actor, _yp, role, *_rest in rows()] == [(world.professional.pk, Role.PROFESSIONAL)]


# The pages the sweep found without a row.


def test_the_support_family_overview_logs_each_child_in_the_role_of_its_row(
    world: World,
    client: Client,
    matches: dict[bool, SupportFamilyMatch],
) -> None:
    organisation = world.organisation.name
    expected = {
        "parent": (Role.PARENT, ""),
        "volunteer": (Role.VOLUNTEER, organisation),
        "professional": (Role.PROFESSIONAL, organisation),
        "coordinator": (Role.COORDINATOR, organisation),
    }
    for persona, basis in expected.items():
        client.force_login(world.by_role(persona))
        audited_get(client, reverse("hostfamilies:overview"))
        logged = AccessLogEntry.objects.filter(actor=world.by_role(persona))
        assert [(e.young_person_id, (e.actor_role, e.actor_organisation), e.what) for e in logged] == [
            (world.young_person.pk, basis, AccessLogEntry.What.LIST)
        ], persona


def test_the_support_family_overview_takes_the_same_queries_for_more_children(
    world: World,
    client: Client,
    matches: dict[bool, SupportFamilyMatch],
) -> None:
    def ask() -> None:
        case = assign(CaseFactory(organisation=world.organisation), world.professional)
        supportrequest_create(actor=world.coordinator, case=case, organisation=world.organisation, what_for="weekends")

    ask()  # a waiting request too (the waiting-list places take a query of their own)
    client.force_login(world.coordinator)
    url = reverse("hostfamilies:overview")
    client.get(url)  # the session and per-process caches

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    with_two = count()
    for _ in range(3):
        ask()
    before = last_log_id()
    assert count() == with_two
    assert AccessLogEntry.objects.filter(pk__gt=before).count() == 5


def test_the_new_request_form_logs_every_case_it_offers(world: World, client: Client) -> None:
    other = assign(CaseFactory(organisation=world.organisation), world.professional)
    client.force_login(world.professional)
    audited_get(client, reverse("hostfamilies:request_create"))
    assert sorted(rows()) == sorted(
        (world.professional.pk, yp, Role.PROFESSIONAL, world.organisation.name, "list", "view")
        for yp in (world.young_person.pk, other.young_person_id)
    )


def test_adding_a_parent_is_a_read_then_a_change(world: World, client: Client) -> None:
    client.force_login(world.professional)
    url = reverse("youth:guardian_add", args=[world.young_person.pk])
    audited_get(client, url)
    data = {"first_name": "Joost", "last_name": "Bakker", "email": "joost@test.example", "kind": "parent"}
    assert client.post(url, {**data, "has_custody": "yes"}).status_code == 302
    assert [(role, what, action) for _actor, _yp, role, _org, what, action in rows()] == [
        (Role.PROFESSIONAL, "profile", "view"),
        (Role.PROFESSIONAL, "profile", "change"),
    ]


def test_the_ask_for_a_broker_page_logs_the_case_s_young_person(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    audited_get(client, reverse("community:brokerrequest_ask", args=[world.case.pk]))
    assert rows() == [
        (
            world.coordinator.pk,
            world.young_person.pk,
            Role.COORDINATOR,
            world.organisation.name,
            "social_broker",
            "view",
        )
    ]


# The chat's catch-up.


def triad_with_a_message(world: World) -> Conversation:
    conversation = Conversation.objects.get(mentorship=mentorship_at(world, State.ACTIVE), kind=Conversation.Kind.TRIAD)
    sending.message_send(actor=world.mentor, conversation=conversation, body="Hoe gaat het?", client_msg_id="m-1")
    return conversation


def test_an_http_catch_up_that_brings_messages_is_logged(world: World, client: Client) -> None:
    conversation = triad_with_a_message(world)
    last = conversation.messages.latest("pk").pk
    before = last_log_id()
    for reader, role, organisation in (
        (world.young_person_user, Role.YOUNG_PERSON, ""),
        (world.mentor, Role.MENTOR, ""),
        (world.professional, Role.PROFESSIONAL, world.organisation.name),
    ):
        client.force_login(reader)
        url = reverse("messaging:since", args=[conversation.pk])
        assert client.get(url, {"after": 0}, REMOTE_ADDR="192.0.2.9").json()["messages"]
        assert client.get(url, {"after": last}).json()["messages"] == []  # nothing new, nothing read
        entry = AccessLogEntry.objects.filter(pk__gt=before, actor=reader).get()
        assert (entry.young_person_id, entry.actor_role, entry.actor_organisation, entry.what, entry.ip_address) == (
            world.young_person.pk,
            role,
            organisation,
            AccessLogEntry.What.MESSAGES,
            "192.0.2.9",
        )


@pytest.mark.django_db(transaction=True)
# The consumer's pool threads end with the test's event loop: their connections are closed, or one outlives the test
# and keeps PostgreSQL from dropping the test database at the end of the run (seen in CI).
@pytest.mark.usefixtures("_close_thread_connections")
def test_a_socket_catch_up_that_brings_messages_is_logged(world: World) -> None:
    from tests.builders.sockets import connect, cookie_for, receive

    conversation = triad_with_a_message(world)
    last = conversation.messages.latest("pk").pk
    session = cookie_for(world.professional)

    async def run() -> tuple[list[Any], list[Any]]:
        socket, connected = await connect(session, conversation.pk)
        assert connected
        await socket.send_json_to({"type": "hello", "after": last})
        empty = (await receive(socket, "catchup"))["messages"]
        await socket.send_json_to({"type": "hello", "after": 0})
        caught = (await receive(socket, "catchup"))["messages"]
        await socket.disconnect()
        return empty, caught

    empty, caught = asyncio.run(run())
    assert (empty, [m["body"] for m in caught]) == ([], ["Hoe gaat het?"])
    assert [r for r in rows() if r[0] == world.professional.pk] == [
        (
            world.professional.pk,
            world.young_person.pk,
            Role.PROFESSIONAL,
            world.organisation.name,
            AccessLogEntry.What.MESSAGES,
            AccessLogEntry.Action.VIEW,
        )
    ]


def test_the_sweep_is_on_for_matrix_cases_only(request: pytest.FixtureRequest) -> None:
    class Case:
        callspec: Callable[..., Any] | Any

    case = Case()
    case.callspec = type("Spec", (), {"params": {"persona": "parent", "own": True, "expected": 200}})()
    assert accesslog_audit.is_matrix_case(case)
    assert not accesslog_audit.is_matrix_case(request.node)
