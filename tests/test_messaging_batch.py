"""Group commit: `messages_send` stores a batch in one transaction and refuses each send on its own; the socket's
batcher writes the sends that wait together, and the sockets get their acknowledgements and the broadcast in order.
Sockets that connect together are admitted together (`sockets_join`), each on its own merits. Runs with the
in-memory layer and with Redis (REDIS_URL)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone, translation

from accounts.models import User
from accounts.selectors import SESSION_LAST_SEEN
from messaging import consumers
from messaging.models import Conversation, Member, Message, Notification
from messaging.services import sending, sockets
from messaging.services.sending import Send
from messaging.services.sockets import Join
from tests.builders.mentors import foreign_cast
from tests.builders.messaging import triad
from tests.builders.sockets import connect, cookie_for
from tests.builders.sockets import triad as triad_of
from tests.conftest import World

pytestmark = pytest.mark.usefixtures("_close_thread_connections")  # the socket tests' fixture (tests/conftest.py)


def test_a_batch_stores_what_it_may_and_refuses_each_send_on_its_own(world: World) -> None:
    conversation = triad(world)
    earlier, _created = sending.message_send(
        actor=world.mentor, conversation=conversation, body="Eerder", client_msg_id="m-0"
    )
    closed = Conversation.objects.create(kind=Conversation.Kind.PARENT, case=world.case, parent=world.parent)
    Member.objects.create(conversation=closed, user=world.professional, party="professional")
    Conversation.objects.filter(pk=closed.pk).update(closed_at=earlier.created_at)

    def send(user: Any, cid: str, body: str = "Hoi", to: int = conversation.pk) -> Send:
        return Send(actor=user, conversation_id=to, body=body, client_msg_id=cid)

    sent = sending.messages_send(
        sends=[
            send(world.mentor, "m-1", "Eerste"),
            send(world.mentor, "m-1", "Eerste"),  # a resend that caught up with its first try
            send(world.mentor, "m-0"),  # a retry of a stored message
            send(world.mentor, "<bad>"),
            send(world.mentor, "m-2", "   "),
            send(world.parent, "p-1"),  # not a member of the triad
            send(world.professional, "p-2", to=closed.pk),  # read-only
            send(world.professional, "p-3", to=10**9),  # gone
            send(world.young_person_user, "y-1", "Tweede"),
        ]
    )
    first, again, retry, bad_id, empty, outsider, read_only, gone, young = sent
    assert first.created and first.message is not None and first.message.body == "Eerste"
    assert not again.created and again.message is first.message
    assert not retry.created and retry.message == earlier
    assert isinstance(bad_id.error, ValidationError) and isinstance(empty.error, ValidationError)
    for refused in (outsider, read_only, gone):
        assert isinstance(refused.error, PermissionDenied) and refused.message is None
    assert young.created and young.message is not None
    assert list(Message.objects.order_by("id").values_list("client_msg_id", flat=True)) == ["m-0", "m-1", "y-1"]
    # Each sender's read receipt is at their own latest message; the conversation's latest time is the last one's.
    receipts = dict(Member.objects.filter(conversation=conversation).values_list("user_id", "last_read_id"))
    assert receipts[world.mentor.pk] == first.message.pk and receipts[world.young_person_user.pk] == young.message.pk
    assert receipts[world.professional.pk] == 0
    conversation.refresh_from_db()
    assert conversation.last_message_at == young.message.created_at


def test_the_rate_limit_counts_the_sends_of_the_batch_too(world: World, settings: Any) -> None:
    conversation = triad(world)
    settings.MESSAGING_RATE_COUNT = 3
    sending.message_send(actor=world.mentor, conversation=conversation, body="Een", client_msg_id="r-1")
    sends = [
        Send(actor=world.mentor, conversation_id=conversation.pk, body="Hoi", client_msg_id=f"r-{n}") for n in (2, 3, 4)
    ]
    sends.append(Send(actor=world.professional, conversation_id=conversation.pk, body="Hoi", client_msg_id="p"))
    with translation.override("en"):
        sent = sending.messages_send(sends=sends)
    assert [item.created for item in sent] == [True, True, False, True]
    error = sent[2].error
    assert isinstance(error, ValidationError) and "many messages" in str(error.messages)
    # A retry of a stored message is never counted as a new one.
    assert sending.messages_send(sends=[sends[0]])[0].message == sent[0].message


def test_an_offline_member_gets_one_notice_for_a_whole_batch(world: World) -> None:
    conversation = triad(world)
    sockets.presence_mark(user_id=world.professional.pk, online=True)
    sending.messages_send(
        sends=[
            Send(actor=world.mentor, conversation_id=conversation.pk, body=f"Bericht {n}", client_msg_id=f"b-{n}")
            for n in range(3)
        ]
    )
    assert list(Notification.objects.values_list("user_id", flat=True)) == [world.young_person_user.pk]


def test_a_batch_is_broadcast_once_after_commit_in_order_each_naming_the_message_before_it(
    world: World, settings: Any
) -> None:
    conversation = triad(world)
    before, _created = sending.message_send(
        actor=world.professional, conversation=conversation, body="Eerst", client_msg_id="e-1"
    )
    published: list[list[tuple[str, dict[str, Any]]]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sending, "group_send_all", published.append)
        with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
            sent = sending.messages_send(
                sends=[
                    Send(actor=world.mentor, conversation_id=conversation.pk, body=f"B{n}", client_msg_id=f"o-{n}")
                    for n in range(4)
                ]
            )
        assert published == []  # nothing before the commit
        for callback in callbacks:
            callback()
    assert len(published) == 1
    assert [event["message"]["id"] for _group, event in published[0]] == [
        item.message.pk for item in sent if item.message
    ]
    assert {group for group, _event in published[0]} == {sockets.conversation_group(conversation.pk)}
    # "prev" chains the broadcasts, so a client that missed one sees the gap and asks for a catch-up.
    ids = [event["message"]["id"] for _group, event in published[0]]
    assert [event["message"]["prev"] for _group, event in published[0]] == [before.pk, *ids[:-1]]
    conversation.refresh_from_db()
    assert conversation.last_message_id == ids[-1]


async def hear(socket: Any, count: int, acks: int = 0) -> tuple[list[int], list[dict[str, Any]]]:
    """The ids of the next `count` messages the socket hears, in the order heard, and the next `acks` acks."""
    ids: list[int] = []
    acknowledged: list[dict[str, Any]] = []
    while len(ids) < count or len(acknowledged) < acks:
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] == "message":
            ids.append(frame["message"]["id"])
        elif frame["type"] == "ack":
            acknowledged.append(frame)
    return ids, acknowledged


@pytest.mark.django_db(transaction=True)
def test_sends_that_wait_together_are_written_in_one_batch_and_every_socket_hears_them_in_order(world: World) -> None:
    conversation = triad(world)
    cookies = {name: cookie_for(getattr(world, name)) for name in ("young_person_user", "mentor", "professional")}
    batches: list[int] = []
    write = sending.messages_send

    def counting(*, sends: list[Send]) -> list[sending.Sent]:
        batches.append(len(sends))
        return write(sends=sends)

    async def run() -> list[list[int]]:
        sockets = [(await connect(cookie, conversation.pk))[0] for cookie in cookies.values()]
        # Five sends from three sockets reach the queue before its writer runs: one batch.
        queue = consumers.batcher(consumers.store_sends)
        people = (world.young_person_user, world.mentor, world.professional, world.mentor, world.young_person_user)
        outcomes = await asyncio.gather(
            *(
                queue.submit(Send(actor=user, conversation_id=conversation.pk, body=f"Q{n}", client_msg_id=f"q-{n}"))
                for n, user in enumerate(people)
            )
        )
        assert all(outcome.created for outcome in outcomes)
        # Then a socket's own frame goes through the same queue and gets its acknowledgement.
        await sockets[0].send_json_to({"type": "send", "client_msg_id": "s-1", "body": "Via de socket"})
        heard = []
        for socket in sockets:
            ids, acks = await hear(socket, 6, acks=1 if socket is sockets[0] else 0)
            assert all(ack["id"] == ids[-1] and not ack["duplicate"] for ack in acks)
            heard.append(ids)
        for socket in sockets:
            await socket.disconnect()
        return heard

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sending, "messages_send", counting)
        heard = asyncio.run(run())
    assert batches == [5, 1]
    stored = list(Message.objects.order_by("id").values_list("id", flat=True))
    assert len(stored) == 6 and all(ids == stored for ids in heard)


def test_sockets_join_lets_in_only_an_active_current_member_with_a_live_session(
    world: World, settings: Any, django_assert_num_queries: Any
) -> None:
    conversation = triad(world)
    for user, party in ((world.parent, "parent"), (world.volunteer, "volunteer")):
        Member.objects.create(conversation=conversation, user=user, party=party)
    sessions = {name: cookie_for(getattr(world, name)) for name in ("mentor", "young_person_user", "professional")}
    sessions |= {name: cookie_for(getattr(world, name)) for name in ("parent", "volunteer", "coordinator")}
    second_mentor_tab = cookie_for(world.mentor)
    # Each way a socket must be refused, one per member:
    world.young_person_user.set_password("een-nieuw-wachtwoord")  # a changed password logs out every session
    world.young_person_user.save()
    Member.objects.filter(conversation=conversation, user=world.professional).update(left_at=timezone.now())
    User.objects.filter(pk=world.parent.pk).update(is_active=False)
    Session.objects.filter(pk=sessions["volunteer"]).update(expire_date=timezone.now() - timedelta(seconds=1))
    unknown_backend = SessionStore(cookie_for(world.mentor))
    unknown_backend[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    unknown_backend.save()
    anonymous = SessionStore()
    anonymous["taal"] = "nl"
    anonymous.create()
    away_too_long = SessionStore(cookie_for(world.mentor))  # past the idle limit of mentors (8 hours)
    away_too_long[SESSION_LAST_SEEN] = time.time() - settings.SESSION_IDLE_TIMEOUT_OTHERS.total_seconds() - 1
    away_too_long.save()

    joins = [
        Join(sessions["mentor"], conversation.pk),
        Join(second_mentor_tab, conversation.pk),
        Join(sessions["mentor"], 10**9),  # no such conversation
        Join(sessions["mentor"], 10**30),  # past the largest id a database can hold: refused, and the others not harmed
        Join(sessions["young_person_user"], conversation.pk),
        Join(sessions["professional"], conversation.pk),
        Join(sessions["parent"], conversation.pk),
        Join(sessions["volunteer"], conversation.pk),
        Join(sessions["coordinator"], conversation.pk),  # not a member
        Join(unknown_backend.session_key or "", conversation.pk),
        Join(anonymous.session_key or "", conversation.pk),
        Join("not-a-session", conversation.pk),
        Join(away_too_long.session_key or "", conversation.pk),
    ]
    # However many sockets: the sessions, their users, their staff roles and the memberships, one query each.
    with django_assert_num_queries(4):
        admitted = sockets.sockets_join(joins=joins)
    assert [found.user.pk if found else None for found in admitted] == [world.mentor.pk] * 2 + [None] * 11
    # Each socket knows when its session ends: a mentor's after 8 idle hours at most.
    assert all(
        found.ends_at <= time.time() + settings.SESSION_IDLE_TIMEOUT_OTHERS.total_seconds()
        for found in admitted
        if found
    )
    assert sockets.users_online([world.mentor.pk, world.young_person_user.pk]) == {world.mentor.pk}


def test_sockets_join_refuses_a_session_from_before_the_secret_key_changed(world: World, settings: Any) -> None:
    conversation = triad(world)
    session = cookie_for(world.mentor)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-a-new-secret-key-for-this-test"
    # An ordinary request would renew the session (it can set the cookie); a socket cannot, so it is refused.
    assert sockets.sockets_join(joins=[Join(session, conversation.pk)]) == [None]


@pytest.mark.django_db(transaction=True)
def test_sockets_that_join_together_are_admitted_in_one_batch(world: World) -> None:
    own, foreign = triad_of(world), triad_of(foreign_cast(world))
    cookies = [cookie_for(user) for user in (world.young_person_user, world.mentor, world.professional)]
    batches: list[int] = []
    admit = sockets.sockets_join

    def counting(*, joins: list[Join]) -> list[sockets.Admitted | None]:
        batches.append(len(joins))
        return admit(joins=joins)

    async def run() -> list[int | None]:
        queue = consumers.batcher(consumers.admit_joins)
        joins = [Join(cookie, own.pk) for cookie in cookies] + [Join(cookies[0], foreign.pk)]
        admitted = await asyncio.gather(*(queue.submit(join) for join in joins))
        # A socket joins through the same batcher: let in to its own conversation, refused from the foreign one.
        socket, connected = await connect(cookies[1], own.pk)
        stranger, stranger_connected = await connect(cookies[1], foreign.pk)
        assert connected and not stranger_connected
        await socket.disconnect()
        await stranger.disconnect()
        return [found.user.pk if found else None for found in admitted]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sockets, "sockets_join", counting)
        admitted = asyncio.run(run())
    assert batches == [4, 1, 1]
    assert admitted == [world.young_person_user.pk, world.mentor.pk, world.professional.pk, None]
