"""Messaging pages: every view for every persona on their own and a foreign conversation, the no-JavaScript form
post, the JSON send and fetch-since endpoints, escaping, a closed conversation, and a list with constant queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accesslog.models import AccessLogEntry
from mentors import services as mentor_services
from mentors.states import State
from messaging import selectors
from messaging.models import Conversation, Member, Message
from messaging.services import membership, sending
from tests.builders.mentors import foreign_cast, mentorship_at
from tests.conftest import PERSONAS, World
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix


@pytest.fixture(autouse=True)
def english(client: Client) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def build(world: World, own: bool) -> tuple[Conversation, Message]:
    cast: Any = world if own else foreign_cast(world)
    mentorship = mentorship_at(cast, State.ACTIVE)
    conversation = Conversation.objects.get(mentorship=mentorship, kind=Conversation.Kind.TRIAD)
    message, _created = sending.message_send(
        actor=cast.professional, conversation=conversation, body="Hoe gaat het?", client_msg_id="first"
    )
    return conversation, message


MEMBERS_OWN = {"young_person_user": OK, "mentor": OK, "professional": OK}


def codes(ok: int, who: dict[str, int]) -> dict[str, int]:
    return expect(HIDDEN, **{name: ok for name in who})


SEND = {"body": "Fijn!", "client_msg_id": "form-1"}
VIEWS: list[tuple[Any, ...]] = [
    (
        "detail",
        "get",
        lambda c, m: reverse("messaging:detail", args=[c.pk]),
        {},
        codes(OK, MEMBERS_OWN),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "since",
        "get",
        lambda c, m: reverse("messaging:since", args=[c.pk]),
        {},
        codes(OK, MEMBERS_OWN),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "send",
        "post",
        lambda c, m: reverse("messaging:send", args=[c.pk]),
        SEND,
        codes(REDIRECT, MEMBERS_OWN),
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "report",
        "post",
        lambda c, m: reverse("messaging:report", args=[c.pk, m.pk]),
        {"reason": "Zorgen"},
        codes(REDIRECT, MEMBERS_OWN),
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "delete",
        "post",
        lambda c, m: reverse("messaging:delete", args=[c.pk, m.pk]),
        {},
        expect(HIDDEN, young_person_user=FORBIDDEN, mentor=FORBIDDEN, professional=REDIRECT),
        expect(HIDDEN, outsider=REDIRECT),
    ),
]


@pytest.mark.parametrize(("name", "method", "url", "data", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    client: Client,
    name: str,
    method: str,
    url: Callable[..., str],
    data: dict[str, str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    conversation, message = build(world, own)
    client.force_login(world.by_role(persona))
    response = getattr(client, method)(url(conversation, message), data)
    assert response.status_code == expected, response.content.decode()[:2000]


@pytest.mark.parametrize("name", [row[0] for row in VIEWS])
def test_anonymous_visitors_are_sent_to_login(world: World, client: Client, name: str) -> None:
    conversation, message = build(world, True)
    row = next(row for row in VIEWS if row[0] == name)
    response = getattr(client, row[1])(row[2](conversation, message), row[3])
    assert response.status_code == REDIRECT and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_shows_only_own_conversations(world: World, client: Client, persona: str) -> None:
    build(world, True)
    build(world, False)
    client.force_login(world.by_role(persona))
    page = client.get(reverse("messaging:list")).content.decode()
    assert ("About Sanne" in page) == (persona in MEMBERS_OWN)
    assert ("About Mees" in page) == (persona == "outsider")


def test_the_page_works_without_javascript_and_escapes(world: World, client: Client) -> None:
    conversation, _message = build(world, True)
    client.force_login(world.young_person_user)
    page = client.get(reverse("messaging:detail", args=[conversation.pk])).content.decode()
    assert "Who can read this" in page and "Lisa" in page and "Karin" in page and "Sanne" in page
    assert "Your safety comes first" in page
    data = {"body": "<b>hoi</b> & <script>alert(1)</script>", "client_msg_id": "nojs-1"}
    response = client.post(reverse("messaging:send", args=[conversation.pk]), data)
    assert response.status_code == REDIRECT
    # Posting the same form again (a double click, a reload) stores it once.
    client.post(reverse("messaging:send", args=[conversation.pk]), data)
    assert Message.objects.filter(client_msg_id="nojs-1").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_a_too_long_message_is_refused_on_the_form(world: World, client: Client) -> None:
    conversation, _message = build(world, True)
    client.force_login(world.mentor)
    data = {"body": "x" * 2001, "client_msg_id": "long-1"}
    response = client.post(reverse("messaging:send", args=[conversation.pk]), data)
    assert response.status_code == 400 and "at most 2000 characters" in response.content.decode()


def test_json_send_and_fetch_since(world: World, client: Client) -> None:
    conversation, first = build(world, True)
    client.force_login(world.mentor)
    url = reverse("messaging:send", args=[conversation.pk])
    acked = client.post(url, {"body": "Via HTTP", "client_msg_id": "h1"}, headers={"Accept": "application/json"})
    assert acked.status_code == OK and acked.json()["message"]["client_msg_id"] == "h1"
    since = client.get(reverse("messaging:since", args=[conversation.pk]), {"after": first.pk}).json()
    assert [m["body"] for m in since["messages"]] == ["Via HTTP"]
    assert client.get(reverse("messaging:since", args=[conversation.pk]), {"after": "x"}).status_code == OK
    bad = client.post(url, {"body": "", "client_msg_id": "h2"}, headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.json()["type"] == "error"


def test_a_closed_conversation_is_read_only(world: World, client: Client) -> None:
    conversation, _message = build(world, True)
    assert conversation.mentorship is not None
    mentor_services.mentorship_move(
        actor=world.professional, mentorship=conversation.mentorship, move="stop", reason="Klaar"
    )
    client.force_login(world.mentor)
    page = client.get(reverse("messaging:detail", args=[conversation.pk])).content.decode()
    assert "This conversation is closed" in page and 'id="chat-form"' not in page
    assert client.post(reverse("messaging:send", args=[conversation.pk]), SEND).status_code == FORBIDDEN


def test_the_list_and_menu_take_a_constant_number_of_queries(world: World, client: Client) -> None:
    build(world, True)
    client.force_login(world.professional)
    client.get(reverse("messaging:list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("messaging:list"))
    # More of everything: a conversation of their own with unread messages, and messages in one of others.
    with_parent = membership.conversation_with_parent(actor=world.professional, case=world.case, parent=world.parent)
    foreign, _message = build(world, False)
    for number in range(3):
        sending.message_send(actor=world.parent, conversation=with_parent, body="Hoi", client_msg_id=f"p{number}")
        sending.message_send(actor=world.outsider, conversation=foreign, body="Hoi", client_msg_id=f"o{number}")
    with CaptureQueriesContext(connection) as two:
        page = client.get(reverse("messaging:list")).content.decode()
    assert "3 new messages" in page and "About Mees" not in page
    assert len(one) == len(two)


def test_the_list_is_paged_and_says_how_many_there_are(world: World, client: Client) -> None:
    build(world, True)  # the triad and the mentor's coaching: the professional is in both
    client.force_login(world.professional)
    client.get(reverse("messaging:list"))  # the first request does more (session bookkeeping)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("messaging:list"))
    # A coordinator-sized list: 28 more conversations about the same case (no mentorship, so no limit of one).
    more = Conversation.objects.bulk_create(
        Conversation(kind=Conversation.Kind.TRIAD, case=world.case) for _number in range(28)
    )
    Member.objects.bulk_create(Member(conversation=c, user=world.professional, party="professional") for c in more)
    with CaptureQueriesContext(connection) as many:
        first = client.get(reverse("messaging:list")).content.decode()
    assert len(few) == len(many)
    assert first.count('<li class="card">') == 25
    assert 'role="status">30 found · page 1 of 2<' in first and 'href="?pagina=2" rel="next"' in first
    second = client.get(reverse("messaging:list"), {"pagina": "2"}).content.decode()
    assert second.count('<li class="card">') == 5 and 'rel="prev"' in second
    beyond = client.get(reverse("messaging:list"), {"pagina": "9"}).content.decode()
    assert "This page does not exist" in beyond and beyond.count('<li class="card">') == 5


def test_the_menu_shows_the_unread_count(world: World, client: Client) -> None:
    build(world, True)
    client.force_login(world.young_person_user)
    page = client.get(reverse("home")).content.decode()
    assert "Messages" in page and "1 unread" in page


@pytest.mark.parametrize(
    ("persona", "role", "in_organisation"),
    [("young_person_user", "young_person", False), ("mentor", "mentor", False), ("professional", "professional", True)],
)
def test_opening_a_conversation_is_written_to_the_access_log_as_the_members_part(
    world: World, client: Client, persona: str, role: str, in_organisation: bool
) -> None:
    conversation, _message = build(world, True)
    client.force_login(world.by_role(persona))
    assert client.get(reverse("messaging:detail", args=[conversation.pk])).status_code == OK
    entry = AccessLogEntry.objects.get(what=AccessLogEntry.What.MESSAGES)
    assert (entry.actor, entry.young_person, entry.actor_role) == (world.by_role(persona), world.young_person, role)
    assert entry.actor_organisation == (world.organisation.name if in_organisation else "")
    # The list names the young person too.
    client.get(reverse("messaging:list"))
    listed = AccessLogEntry.objects.get(what=AccessLogEntry.What.LIST)
    assert (listed.young_person, listed.actor_role) == (world.young_person, role)


def test_a_foreign_conversation_writes_nothing_to_the_access_log(world: World, client: Client) -> None:
    conversation, _message = build(world, False)
    client.force_login(world.professional)
    assert client.get(reverse("messaging:detail", args=[conversation.pk])).status_code == HIDDEN
    client.get(reverse("messaging:list"))
    assert not AccessLogEntry.objects.exists()


def test_the_coordinator_of_a_match_group_reads_it_through_the_support_organisation(world: World) -> None:
    from hostfamilies import services as match_services
    from tests.builders.hostfamilies import advance, request_for, support_family

    host = support_family(world.organisation, world.coordinator, user=world.volunteer)
    match = match_services.match_propose(actor=world.coordinator, request=request_for(world), volunteer=host)
    match = match_services.match_move(
        actor=world.coordinator, match=advance(world, match, "approved"), move="start_trial"
    )
    group = selectors.conversation_get_for(world.coordinator, Conversation.objects.get(match=match).pk)
    organisation = match.request.organisation.name
    assert selectors.conversation_access_basis(group, "coordinator") == ("coordinator", organisation)
    assert selectors.conversation_access_basis(group, "volunteer") == ("volunteer", "")
    assert selectors.conversation_access_basis(group, "parent") == ("parent", "")
