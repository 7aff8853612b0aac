"""The chat socket with Channels' WebsocketCommunicator over the real ASGI application (session auth, origin check,
router): who may join, the acknowledgement, an idempotent retry, the broadcast, catch-up after a reconnect, and
closing on deactivation or when the membership ends. Runs with the in-memory layer and with Redis (REDIS_URL)."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

try:
    import daphne.testing  # noqa: F401
except ImportError:
    # channels.testing imports daphne for its live-server class only; we serve with uvicorn and use the
    # communicator alone, so a stand-in keeps daphne (and Twisted) out of the dependencies.
    sys.modules["daphne.testing"] = types.ModuleType("daphne.testing")
    sys.modules["daphne.testing"].DaphneProcess = object  # type: ignore[attr-defined]
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.models import User
from accounts.services import user_deactivate
from config.asgi import application
from mentors.states import State
from messaging import services
from messaging.models import Conversation, Message
from tests.conftest import PERSONAS, World
from tests.test_mentor_pages import foreign_cast
from tests.test_mentors import mentorship_at
from youth.services import case_professional_remove

pytestmark = pytest.mark.django_db(transaction=True)
MEMBERS = {"young_person_user", "mentor", "professional"}
TIMEOUT = 5


@pytest.fixture(autouse=True)
def _close_thread_connections() -> Iterator[None]:
    from django.db import connections

    # On PostgreSQL the consumer works in a pool of threads that ends with each test's event loop; a connection kept
    # for reuse there would outlive its thread and keep the test database from being dropped.
    settings_dict = connections["default"].settings_dict
    kept = settings_dict.get("CONN_MAX_AGE", 0)
    settings_dict["CONN_MAX_AGE"] = 0
    yield
    settings_dict["CONN_MAX_AGE"] = kept
    # On SQLite the consumer's database calls run in asgiref's one worker thread, whose connection outlives the test.
    from channels.db import database_sync_to_async

    asyncio.run(database_sync_to_async(connections.close_all)())
    # A connection object left behind by a pool thread that has ended closes when it is collected.
    gc.collect()


def triad(cast: Any) -> Conversation:
    mentorship = mentorship_at(cast, State.ACTIVE)
    return Conversation.objects.get(mentorship=mentorship, kind=Conversation.Kind.TRIAD)


def cookie_for(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# What a browser sees of a socket refused before it was accepted: no code at all (1006), whatever the server meant.
REFUSED_AT_HANDSHAKE = "refused at the handshake"


async def connect_with_code(
    session: str | None, conversation_id: int
) -> tuple[WebsocketCommunicator, bool, int | str | None]:
    """A socket to the conversation: whether it joined, and the close code when it did not. The consumer accepts
    every socket it can and then says "ready" or closes with a code (so that a browser sees the code)."""
    headers = [(b"origin", b"http://testserver")]
    if session:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    communicator = WebsocketCommunicator(application, f"/ws/berichten/{conversation_id}/", headers=headers)
    accepted, _subprotocol_or_code = await communicator.connect(timeout=TIMEOUT)
    if not accepted:  # refused before accepting: only the origin check should do that
        return communicator, False, REFUSED_AT_HANDSHAKE
    first = await communicator.receive_output(timeout=TIMEOUT)
    if first["type"] == "websocket.close":
        return communicator, False, first.get("code")
    assert json.loads(first["text"]) == {"type": "ready"}
    return communicator, True, None


async def connect(session: str | None, conversation_id: int) -> tuple[WebsocketCommunicator, bool]:
    communicator, joined, _code = await connect_with_code(session, conversation_id)
    return communicator, joined


async def receive(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    """The next frame of `kind` (skipping others)."""
    while True:
        frame = await communicator.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == kind:
            return frame


@pytest.mark.parametrize("persona", PERSONAS)
def test_join_is_allowed_only_to_members(world: World, persona: str) -> None:
    own = triad(world)
    foreign = triad(foreign_cast(world))
    session = cookie_for(world.by_role(persona))

    async def run() -> tuple[bool, bool]:
        results = []
        for conversation in (own, foreign):
            communicator, connected = await connect(session, conversation.pk)
            results.append(connected)
            await communicator.disconnect()
        return results[0], results[1]

    joined_own, joined_foreign = asyncio.run(run())
    assert joined_own == (persona in MEMBERS)
    assert joined_foreign == (persona == "outsider")


def test_anonymous_and_foreign_origin_are_refused(world: World) -> None:
    conversation = triad(world)

    async def run() -> tuple[bool, bool]:
        anonymous, connected_anonymous = await connect(None, conversation.pk)
        await anonymous.disconnect()
        headers = [(b"origin", b"https://evil.example"), (b"cookie", f"sessionid={session}".encode())]
        evil = WebsocketCommunicator(application, f"/ws/berichten/{conversation.pk}/", headers=headers)
        connected_evil, _code = await evil.connect(timeout=TIMEOUT)
        await evil.disconnect()
        return connected_anonymous, connected_evil

    session = cookie_for(world.mentor)
    assert asyncio.run(run()) == (False, False)


def test_ids_past_what_a_database_holds_find_nothing_and_break_nothing(world: World) -> None:
    conversation = triad(world)
    services.message_send(actor=world.mentor, conversation=conversation, body="Hoi", client_msg_id="m-1")
    session = cookie_for(world.young_person_user)

    async def run() -> tuple[bool, list[Any], str]:
        beyond, joined_beyond = await connect(session, 10**30)
        await beyond.disconnect()
        socket, _connected = await connect(session, conversation.pk)
        await socket.send_json_to({"type": "hello", "after": 10**30})
        caught_up = (await receive(socket, "catchup"))["messages"]
        await socket.send_json_to({"type": "read", "up_to": 10**30})
        await socket.send_json_to({"type": "ping"})
        pong = (await receive(socket, "pong"))["type"]
        await socket.disconnect()
        return joined_beyond, caught_up, pong

    assert asyncio.run(run()) == (False, [], "pong")
    # Reading "up to" an impossible id reads up to the last message there is.
    member = conversation.members.get(user=world.young_person_user)
    assert member.last_read_id == Message.objects.get(client_msg_id="m-1").pk


def test_ack_broadcast_retry_and_catch_up_after_reconnect(world: World) -> None:
    conversation = triad(world)
    sanne, karin = cookie_for(world.young_person_user), cookie_for(world.mentor)

    async def run() -> None:
        young, ok_young = await connect(sanne, conversation.pk)
        mentor, ok_mentor = await connect(karin, conversation.pk)
        assert ok_young and ok_mentor
        await young.send_json_to({"type": "hello", "after": 0})
        assert (await receive(young, "catchup"))["messages"] == []
        await young.send_json_to({"type": "send", "client_msg_id": "m-1", "body": "Hoi Karin <3"})
        ack = await receive(young, "ack")
        assert ack["client_msg_id"] == "m-1" and not ack["duplicate"]
        seen = await receive(mentor, "message")
        assert seen["message"]["body"] == "Hoi Karin <3" and seen["message"]["id"] == ack["id"]
        # A retry (the ack got lost): the same id, no second message.
        await young.send_json_to({"type": "send", "client_msg_id": "m-1", "body": "Hoi Karin <3"})
        again = await receive(young, "ack")
        assert again["id"] == ack["id"] and again["duplicate"]
        # Karin drops off; two messages arrive over HTTP meanwhile; she reconnects with her last id.
        await mentor.disconnect()
        for n in (2, 3):
            await sync_to_async(services.message_send)(
                actor=world.professional, conversation=conversation, body=f"Bericht {n}", client_msg_id=f"p-{n}"
            )
        mentor, _ok = await connect(karin, conversation.pk)
        await mentor.send_json_to({"type": "hello", "after": ack["id"]})
        caught = await receive(mentor, "catchup")
        assert [m["body"] for m in caught["messages"]] == ["Bericht 2", "Bericht 3"]
        await mentor.send_json_to({"type": "ping"})
        await receive(mentor, "pong")
        await mentor.send_json_to({"type": "send", "client_msg_id": "k", "body": "x" * 2001})
        error = await receive(mentor, "error")
        assert error["client_msg_id"] == "k"
        await young.disconnect()
        await mentor.disconnect()

    asyncio.run(run())
    assert Message.objects.filter(client_msg_id="m-1").count() == 1


def test_deactivation_and_leaving_close_open_sockets(world: World) -> None:
    conversation = triad(world)
    sanne, lisa = cookie_for(world.young_person_user), cookie_for(world.professional)

    def deactivate() -> None:
        user_deactivate(user=User.objects.get(pk=world.young_person_user.pk))

    def unassign() -> None:
        case_professional_remove(actor=world.coordinator, case=world.case, professional=world.professional)

    async def run() -> None:
        young, _ok = await connect(sanne, conversation.pk)
        professional, _ok = await connect(lisa, conversation.pk)
        await sync_to_async(deactivate)()
        assert (await young.receive_output(timeout=TIMEOUT))["type"] == "websocket.close"
        again, connected = await connect(sanne, conversation.pk)
        assert not connected
        await sync_to_async(unassign)()
        assert (await professional.receive_output(timeout=TIMEOUT))["type"] == "websocket.close"
        await young.disconnect()
        await professional.disconnect()
        await again.disconnect()

    asyncio.run(run())
