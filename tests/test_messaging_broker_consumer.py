"""Joining the broker conversation's chat socket: only its members, on the own and a foreign request, and after the
request ended the socket still joins for reading (sending is refused)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from community.brokers import services as community
from tests.builders.messaging import MEMBERS, conversation_of, linked
from tests.builders.sockets import connect, cookie_for, receive
from tests.conftest import PERSONAS, World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("_close_thread_connections")]


@pytest.mark.parametrize("persona", PERSONAS)
def test_join_is_allowed_only_to_members(world: World, persona: str) -> None:
    own, foreign = conversation_of(linked(world)), conversation_of(linked(world, own=False))
    session = cookie_for(world.by_role(persona))

    async def run() -> list[bool]:
        results = []
        for conversation in (own, foreign):
            communicator, connected = await connect(session, conversation.pk)
            results.append(connected)
            await communicator.disconnect()
        return results

    assert asyncio.run(run()) == [persona in MEMBERS, persona == "outsider"]


def test_after_the_request_ended_a_member_reads_but_cannot_send(world: World) -> None:
    request = linked(world)
    conversation = conversation_of(request)
    community.brokerrequest_end(user=world.professional, request=request, reason="done")
    session = cookie_for(world.parent)

    async def run() -> dict[str, Any]:
        communicator, connected = await connect(session, conversation.pk)
        assert connected
        await communicator.send_json_to({"type": "send", "client_msg_id": "p-1", "body": "Nog een vraag"})
        frame = await receive(communicator, "error")
        await communicator.disconnect()
        return frame

    frame = asyncio.run(run())
    assert (frame["client_msg_id"], frame["closed"]) == ("p-1", True)
