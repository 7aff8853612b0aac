"""The chat socket when its input or its parts fail (issue "Chat that stays up"): a refused socket hears why, a
malformed frame is answered and the socket stays, a failed batch asks for a retry instead of dropping the socket,
and a catch-up continues until the page holds everything. Runs with the in-memory layer and with Redis."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from messaging import consumers, selectors
from messaging.models import Message
from messaging.selectors import CATCH_UP_LIMIT
from messaging.services import membership, sending, sockets
from tests.builders.mentors import foreign_cast
from tests.builders.sockets import TIMEOUT, connect, connect_with_code, cookie_for, receive, triad
from tests.conftest import World
from youth.services import case_professional_remove

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("_close_thread_connections")]


def test_a_refused_socket_is_accepted_and_closed_with_4403_so_the_page_stops(world: World) -> None:
    foreign = triad(foreign_cast(world))
    sessions = (cookie_for(world.mentor), None)

    async def run() -> list[tuple[bool, int | str | None]]:
        answers = []
        for session in sessions:
            socket, joined, code = await connect_with_code(session, foreign.pk)
            answers.append((joined, code))
            await socket.disconnect()
        return answers

    assert asyncio.run(run()) == [(False, consumers.CLOSE_NOT_ALLOWED), (False, consumers.CLOSE_NOT_ALLOWED)]


MALFORMED: list[dict[str, Any]] = [
    {"text_data": "this is not json"},
    {"bytes_data": b"\x00\x01binary"},
    {"text_data": "[" * 100_000 + "]" * 100_000},
    {"text_data": '{"type": "hello", "after": 1e400}'},
    {"text_data": '{"type": "read", "up_to": "12abc"}'},
    {"text_data": '{"type": "send", "client_msg_id": "d-1", "body": {"a": 1}}'},
    {"text_data": '{"type": "send", "client_msg_id": {"a": 1}, "body": "Hoi"}'},
    {"text_data": '["hello"]'},
    {"text_data": '{"type": "unheard-of"}'},
]


def test_malformed_frames_are_answered_logged_once_and_store_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    conversation = triad(world)
    session = cookie_for(world.young_person_user)

    async def run() -> tuple[list[dict[str, Any]], str]:
        socket, joined = await connect(session, conversation.pk)
        assert joined
        answers = []
        for frame in MALFORMED:
            await socket.send_to(**frame)
            answers.append(await socket.receive_json_from(timeout=TIMEOUT))
        # The socket is still there and works.
        await socket.send_json_to({"type": "send", "client_msg_id": "ok-1", "body": "Nog steeds hier"})
        ack = await receive(socket, "ack")
        await socket.disconnect()
        return answers, ack["client_msg_id"]

    with caplog.at_level(logging.WARNING, logger="messaging.consumers"):
        answers, acknowledged = asyncio.run(run())
    assert answers == [{"type": "error", "error": "malformed"}] * len(MALFORMED)
    assert acknowledged == "ok-1"
    assert list(Message.objects.filter(conversation=conversation).values_list("body", flat=True)) == ["Nog steeds hier"]
    malformed_lines = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(malformed_lines) == 1 and malformed_lines[0].exc_info is None
    assert "not json" not in malformed_lines[0].getMessage()


def test_a_failed_batch_answers_each_send_with_a_retry_and_keeps_the_socket(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = triad(world)
    session = cookie_for(world.young_person_user)
    real_store = consumers.store_sends
    failures = [OperationalError("the database went away")]

    def store_once_failing(sends: list[sending.Send]) -> list[sending.Sent]:
        if failures:
            raise failures.pop()
        return real_store(sends)

    monkeypatch.setattr(consumers, "store_sends", store_once_failing)

    async def run() -> tuple[dict[str, Any], dict[str, Any]]:
        socket, joined = await connect(session, conversation.pk)
        assert joined
        await socket.send_json_to({"type": "send", "client_msg_id": "r-1", "body": "Lukt het?"})
        refused = await receive(socket, "error")
        # The page sends it again with the same id, on the same socket.
        await socket.send_json_to({"type": "send", "client_msg_id": "r-1", "body": "Lukt het?"})
        ack = await receive(socket, "ack")
        await socket.disconnect()
        return refused, ack

    refused, ack = asyncio.run(run())
    assert refused["client_msg_id"] == "r-1" and refused["retry"] is True and refused["errors"]
    assert ack["client_msg_id"] == "r-1" and not ack["duplicate"]
    assert Message.objects.filter(client_msg_id="r-1").count() == 1


def test_a_catch_up_continues_until_the_page_holds_everything(world: World, client: Client) -> None:
    conversation = triad(world)
    first, _created = sending.message_send(actor=world.mentor, conversation=conversation, body="0", client_msg_id="c-0")
    missed = CATCH_UP_LIMIT + 200
    Message.objects.bulk_create(
        Message(conversation=conversation, sender=world.mentor, body=str(n), client_msg_id=f"c-{n}")
        for n in range(1, missed + 1)
    )
    session = cookie_for(world.young_person_user)

    async def run() -> list[tuple[int, bool]]:
        socket, _joined = await connect(session, conversation.pk)
        after, answers = first.pk, []
        while True:
            await socket.send_json_to({"type": "hello", "after": after})
            frame = await receive(socket, "catchup")
            answers.append((len(frame["messages"]), frame["more"]))
            if not frame["more"]:
                break
            after = frame["messages"][-1]["id"]
        await socket.disconnect()
        return answers

    assert asyncio.run(run()) == [(CATCH_UP_LIMIT, True), (200, False)]

    # The same over HTTP (the page's fallback while the socket is down).
    client.force_login(world.young_person_user)
    url = reverse("messaging:since", args=[conversation.pk])
    held, after, more = 0, first.pk, True
    while more:
        answer = client.get(url, {"after": after}).json()
        held += len(answer["messages"])
        after, more = answer["messages"][-1]["id"], answer["more"]
    assert held == missed


def test_a_join_the_database_cannot_admit_now_is_told_to_try_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = triad(world)

    def database_away(joins: list[sockets.Join]) -> list[Any]:
        raise OperationalError("the database went away")

    monkeypatch.setattr(consumers, "admit_joins", database_away)
    session = cookie_for(world.mentor)

    async def run() -> tuple[bool, int | str | None]:
        socket, joined, code = await connect_with_code(session, conversation.pk)
        await socket.disconnect()
        return joined, code

    assert asyncio.run(run()) == (False, consumers.CLOSE_TRY_AGAIN)


def test_a_member_who_left_hears_nothing_more_even_when_the_close_event_is_lost(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = triad(world)
    lisa, karin = cookie_for(world.professional), cookie_for(world.mentor)
    # The event that would close Lisa's socket is lost (Redis was away at that moment).
    monkeypatch.setattr(membership, "sockets_close", lambda user_id, conversation_id=0: None)

    def remove_lisa() -> None:
        case_professional_remove(actor=world.coordinator, case=world.case, professional=world.professional)

    async def run() -> dict[str, Any]:
        professional, _joined = await connect(lisa, conversation.pk)
        mentor, _joined = await connect(karin, conversation.pk)
        await sync_to_async(remove_lisa)()
        await mentor.send_json_to({"type": "send", "client_msg_id": "after-1", "body": "Alleen voor wie er nog is"})
        await receive(mentor, "message")
        heard: dict[str, Any] = await professional.receive_output(timeout=TIMEOUT)
        await mentor.disconnect()
        await professional.disconnect()
        return heard

    # Lisa's socket is closed, and never shown the message.
    assert asyncio.run(run()) == {"type": "websocket.close", "code": consumers.CLOSE_GONE}


def test_a_logout_closes_that_sessions_sockets_and_only_those(world: World) -> None:
    conversation = triad(world)
    phone, laptop = Client(), Client()
    phone.force_login(world.mentor)
    laptop.force_login(world.mentor)
    cookie = settings.SESSION_COOKIE_NAME

    def log_out_the_phone() -> int:
        return phone.post(reverse("account_logout")).status_code

    async def run() -> tuple[dict[str, Any], str]:
        on_phone, _joined = await connect(phone.cookies[cookie].value, conversation.pk)
        on_laptop, _joined = await connect(laptop.cookies[cookie].value, conversation.pk)
        assert await sync_to_async(log_out_the_phone)() == 302
        closed = await on_phone.receive_output(timeout=TIMEOUT)
        await on_laptop.send_json_to({"type": "ping"})
        pong = (await receive(on_laptop, "pong"))["type"]
        await on_laptop.disconnect()
        await on_phone.disconnect()
        return closed, pong

    assert asyncio.run(run()) == ({"type": "websocket.close", "code": consumers.CLOSE_LOGGED_OUT}, "pong")


def test_a_logout_whose_event_was_lost_is_seen_at_the_next_session_check(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = triad(world)
    client = Client()
    client.force_login(world.mentor)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    monkeypatch.setattr(sockets, "session_sockets_close", lambda **kwargs: None)  # the event is lost
    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0)  # instead of waiting a minute

    async def run() -> dict[str, Any]:
        socket, _joined = await connect(session, conversation.pk)
        await sync_to_async(client.post)(reverse("account_logout"))
        await socket.send_json_to({"type": "send", "client_msg_id": "na-1", "body": "Na het uitloggen"})
        closed: dict[str, Any] = await socket.receive_output(timeout=TIMEOUT)
        await socket.disconnect()
        return closed

    assert asyncio.run(run()) == {"type": "websocket.close", "code": consumers.CLOSE_LOGGED_OUT}
    assert not Message.objects.filter(client_msg_id="na-1").exists()


def test_the_idle_limit_ends_a_staff_socket_and_sending_counts_as_activity(
    world: World, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    conversation = triad(world)
    settings.SESSION_IDLE_TIMEOUT_STAFF = timedelta(seconds=2)
    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0.5)
    lisa = cookie_for(world.professional)

    async def run() -> tuple[str, dict[str, Any]]:
        socket, _joined = await connect(lisa, conversation.pk)
        # Active: a message every second keeps the session, as pages would.
        for n in range(3):
            await asyncio.sleep(1)
            await socket.send_json_to({"type": "send", "client_msg_id": f"actief-{n}", "body": "Hoi"})
            await receive(socket, "ack")
        await socket.send_json_to({"type": "ping"})
        still = (await receive(socket, "pong"))["type"]
        # Away for longer than the limit: the next frame finds the session ended.
        await asyncio.sleep(2.2)
        await socket.send_json_to({"type": "ping"})
        closed: dict[str, Any] = await socket.receive_output(timeout=TIMEOUT)
        await socket.disconnect()
        return still, closed

    assert asyncio.run(run()) == ("pong", {"type": "websocket.close", "code": consumers.CLOSE_LOGGED_OUT})
    # And the page: logged out too.
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = lisa
    assert client.get(reverse("messaging:detail", args=[conversation.pk])).status_code == 302


def test_a_database_away_for_a_moment_drops_no_socket_for_a_session_check_a_read_or_a_catch_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = triad(world)
    session = cookie_for(world.young_person_user)

    def database_away(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("the database went away")

    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0)  # every frame looks at the session
    monkeypatch.setattr(sockets, "socket_session_check", database_away)
    monkeypatch.setattr(sending, "message_mark_read", database_away)
    monkeypatch.setattr(selectors, "messages_catch_up", database_away)
    monkeypatch.setattr(consumers, "CATCH_UP_RETRY_SECONDS", 0)

    async def run() -> tuple[dict[str, Any], str]:
        socket, _joined = await connect(session, conversation.pk)
        await socket.send_json_to({"type": "read", "up_to": 1})
        await socket.send_json_to({"type": "hello", "after": 1})
        # Nothing now, and "more": the page asks again, on the same socket.
        catchup = await receive(socket, "catchup")
        await socket.send_json_to({"type": "ping"})
        pong = (await receive(socket, "pong"))["type"]
        await socket.disconnect()
        return catchup, pong

    assert asyncio.run(run()) == ({"type": "catchup", "messages": [], "more": True}, "pong")
