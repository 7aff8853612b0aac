"""The chat socket: one per open conversation page, authenticated by the session cookie (`services.sockets_join`).

Joining asks `services.sockets_join` (the rule of `conversation_is_visible`, for all the sockets that connect
together). The consumer writes nothing itself: it calls the same services as the HTTP views. Frames from the client:
  {"type": "hello", "after": <last id seen>}  → {"type": "catchup", "messages": [...]} (on every (re)connect; one
      access-log row when it brings messages)
  {"type": "send", "client_msg_id": "...", "body": "..."} → {"type": "ack", ...} to the sender; the message
      reaches everyone (the sender too) as {"type": "message", ...} after commit
  {"type": "read", "up_to": <id>}              → the read receipt moves forward
  {"type": "ping"}                             → {"type": "pong"} (the heartbeat; also renews presence)
A close event on the user's group (deactivation, membership ended) closes the socket at once.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import AccessLogEntry, User
from accounts.services import accesslog_record_by
from messaging import selectors, services
from messaging.models import Conversation

CLOSE_NOT_ALLOWED = 4403
CLOSE_GONE = 4410

# Channels runs every database call of a process in one thread, one after the other: at a few hundred messages a
# second the sends queue up behind each other. PostgreSQL serves many connections at once, so there the socket's
# database work runs in a pool of threads (each with its own connection). SQLite has one writer at a time anyway.
_in_pool = partial(
    database_sync_to_async,
    thread_sensitive=settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
)


# A batch holds at most this many items; more waiting go in the next one.
BATCH_LIMIT = 200

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class Batcher(Generic[Item, Outcome]):
    """Group commit for one process: items wait here, and one worker at a time hands everything that is waiting to
    `work` (one trip to a database thread, one transaction). While a batch is being worked on, the next items gather,
    so batches grow with the load and nobody waits for a timer. The worker is a task of its own: a socket that closes
    while its item is in a batch does not stop the others'."""

    def __init__(self, work: Callable[[list[Item]], list[Outcome]]) -> None:
        self.work = work
        self.waiting: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self.worker: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        if self.worker is None or self.worker.done():
            self.worker = asyncio.create_task(self._work())
        return await future

    async def _work(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting[:BATCH_LIMIT], self.waiting[BATCH_LIMIT:]
            try:
                outcomes = await _in_pool(self.work)([item for item, _future in batch])
            except Exception as error:  # noqa: BLE001 - each waiting socket gets the failure of its batch
                for _item, future in batch:
                    if not future.done():
                        future.set_exception(error)
            else:
                for (_item, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)


def store_sends(sends: list[services.Send]) -> list[services.Sent]:
    return services.messages_send(sends=sends)


def admit_joins(joins: list[services.Join]) -> list[User | None]:
    return services.sockets_join(joins=joins)


# One batcher per kind of work and event loop (a process serves on one loop; tests start a loop per test).
_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Callable[..., Any], Batcher[Any, Any]]] = (
    weakref.WeakKeyDictionary()
)


def batcher(work: Callable[[list[Item]], list[Outcome]]) -> Batcher[Item, Outcome]:
    per_loop = _batchers.setdefault(asyncio.get_running_loop(), {})
    if work not in per_loop:
        per_loop[work] = Batcher(work)
    return per_loop[work]


class ChatConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    conversation_id: int = 0
    user_id: int = 0
    joined: bool = False

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first hops to the one sync thread to close stale database connections, before every
        # frame and every broadcast, for consumers that use the async ORM on the event loop. This one reaches the
        # database only through database_sync_to_async, which closes them in its own thread, so that hop (three or
        # more per chat message, all through one thread) is skipped.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        session_key = self.scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        user = await batcher(admit_joins).submit(services.Join(session_key, pk)) if session_key else None
        if user is None:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.scope["user"] = user
        self.conversation_id, self.user_id, self.joined = pk, user.pk, True
        await self.channel_layer.group_add(services.conversation_group(self.conversation_id), self.channel_name)
        await self.channel_layer.group_add(services.user_group(self.user_id), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if not self.joined:
            return
        await self.channel_layer.group_discard(services.conversation_group(self.conversation_id), self.channel_name)
        await self.channel_layer.group_discard(services.user_group(self.user_id), self.channel_name)
        await _in_pool(services.presence_mark)(user_id=self.user_id, online=False)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await _in_pool(services.presence_mark)(user_id=self.user_id, online=True)
            await self.send_json({"type": "pong"})
        elif kind == "hello":
            await self.send_json({"type": "catchup", "messages": await self._since(content.get("after"))})
        elif kind == "send":
            await self._send(content)
        elif kind == "read":
            await self._read(content.get("up_to"))

    async def _since(self, after: Any) -> list[dict[str, Any]]:
        try:
            start = max(int(after or 0), 0)
        except (TypeError, ValueError):
            start = 0

        def load() -> list[dict[str, Any]]:
            user = self.scope["user"]
            if not selectors.conversation_is_visible(user, self.conversation_id):
                raise Http404
            messages = selectors.messages_since(Conversation(pk=self.conversation_id), start, limit=500)
            # Messages caught up are read, as on the conversation's page: one access-log row (none when empty).
            access = selectors.conversation_access_of(user, self.conversation_id) if messages else None
            if access is not None:
                client = self.scope.get("client")
                accesslog_record_by(
                    actor=user,
                    ip_address=client[0] if client else None,
                    young_person_id=access[0],
                    what=AccessLogEntry.What.MESSAGES,
                    basis=access[1],
                )
            return [services.message_payload(m) for m in messages]

        try:
            return await _in_pool(load)()
        except Http404:
            await self.close(code=CLOSE_GONE)
            return []

    async def _send(self, content: dict[str, Any]) -> None:
        client_msg_id = str(content.get("client_msg_id", ""))[:100]
        # The socket joined through the selector; messages_send checks again, under the conversation's lock, that
        # the user is still an active current member and the conversation open.
        sent = await batcher(store_sends).submit(
            services.Send(
                actor=self.scope["user"],
                conversation_id=self.conversation_id,
                body=str(content.get("body", "")),
                client_msg_id=client_msg_id,
            )
        )
        if isinstance(sent.error, ValidationError):
            answer = {"type": "error", "client_msg_id": client_msg_id, "errors": sent.error.messages}
        elif sent.error is not None or sent.message is None:
            answer = {"type": "error", "client_msg_id": client_msg_id, "errors": [], "closed": True}
        else:
            answer = {"type": "ack", "client_msg_id": client_msg_id, "id": sent.message.pk}
            answer["duplicate"] = not sent.created
        await self.send_json(answer)

    async def _read(self, up_to: Any) -> None:
        try:
            target = int(up_to)
        except (TypeError, ValueError):
            return

        def mark() -> None:
            user = self.scope["user"]
            if not selectors.conversation_is_visible(user, self.conversation_id):
                raise Http404
            services.message_mark_read(actor=user, conversation=Conversation(pk=self.conversation_id), up_to=target)

        try:
            await _in_pool(mark)()
        except Http404:
            await self.close(code=CLOSE_GONE)

    # --- Events from the channel layer ---------------------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message", "message": event["message"]})

    async def conversation_closed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "closed"})

    async def member_close(self, event: dict[str, Any]) -> None:
        if event.get("conversation") in (0, self.conversation_id):
            await self.close(code=CLOSE_GONE)
