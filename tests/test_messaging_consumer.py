"""The chat socket with Channels' WebsocketCommunicator over the real ASGI application (session auth, origin check,
router): who may join, the acknowledgement, an idempotent retry, the broadcast, catch-up after a reconnect, and
closing on deactivation or when the membership ends. Runs with the in-memory layer and with Redis (REDIS_URL)."""

from __future__ import annotations

import asyncio
import sys
import types
from typing import Any

import pytest
from asgiref.sync import sync_to_async

try:
    import daphne.testing  # noqa: F401
except ImportError:
    # channels.testing imports daphne for its live-server class only; we serve with uvicorn and use the
    # communicator alone, so a stand-in keeps daphne (and Twisted) out of the dependencies.
    sys.modules["daphne.testing"] = types.ModuleType("daphne.testing")
    sys.modules["daphne.testing"].DaphneProcess = object  # type: ignore[attr-defined]  # a bare ModuleType has no attributes for mypy
from channels.testing import WebsocketCommunicator

from accounts.models import User
from accounts.services import user_deactivate
from config.asgi import application
from messaging.models import Message
from messaging.services import sending
from tests.builders.mentors import foreign_cast
from tests.builders.sockets import TIMEOUT, connect, cookie_for, receive, triad
from tests.conftest import PERSONAS, World
from youth.services import case_professional_remove

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("_close_thread_connections")]
MEMBERS = {"young_person_user", "mentor", "professional"}


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
    sending.message_send(actor=world.mentor, conversation=conversation, body="Hoi", client_msg_id="m-1")
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
            await sync_to_async(sending.message_send)(
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
