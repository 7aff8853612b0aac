"""The chat socket: one per open conversation page, authenticated by the session cookie (`sockets.sockets_join`).

Joining asks `sockets.sockets_join` (the rule of `conversation_is_visible`, for all the sockets that connect
together). The consumer writes nothing itself: it calls the same services as the HTTP views. Frames from the client:
  (on joining)                                → {"type": "ready"}; a refused join is accepted and closed with 4403,
                                                 so the page sees why (a refusal before accepting reads as 1006)
  {"type": "hello", "after": <last id seen>}  → {"type": "catchup", "messages": [...], "more": bool} (on every
                                                 (re)connect; while `more`, the page asks again after its last id;
                                                 one access-log row when it brings messages)
  {"type": "send", "client_msg_id": "...", "body": "..."} → {"type": "ack", ...} to the sender; the message
      reaches everyone (the sender too) as {"type": "message", ...} after commit
  {"type": "read", "up_to": <id>}              → the read receipt moves forward
  {"type": "ping"}                             → {"type": "pong"} (the heartbeat; also renews presence)
A frame that is not one of these (not JSON, binary, too deep, a wrong field) gets {"type": "error", "error":
"malformed"} and one log line per socket, and the socket stays open. A send whose batch fails on the database is
answered with {"type": "error", "client_msg_id": ..., "retry": true}: the page sends it again with the same id.
A close event on the user's group (deactivation, membership ended, this session logged out) closes the socket at
once, and the session's limits (idle, absolute, per role) are checked on every frame; and a message is
forwarded only to the members it was stored for, so a member who left hears nothing more even if that event is lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils.translation import gettext as _

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record_by
from core.ids import id_clamped
from messaging import selectors
from messaging.models import Conversation
from messaging.services import sending, sockets

CLOSE_LOGGED_OUT = 4401
CLOSE_NOT_ALLOWED = 4403
CLOSE_GONE = 4410
# The database could not admit the socket now (RFC 6455 "try again later"): the page reconnects with its backoff.
CLOSE_TRY_AGAIN = 1013

# A catch-up the database could not answer is asked again after this pause.
CATCH_UP_RETRY_SECONDS = 1.0

# An open socket looks at its session in the database at least this often (a logout whose close event was lost).
SESSION_CHECK_SECONDS = 60

# A chat frame is a few hundred bytes; a send holds at most the body's limit (2,000 characters) and its id.
FRAME_LIMIT = 16_384

logger = logging.getLogger(__name__)

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


def store_sends(sends: list[sending.Send]) -> list[sending.Sent]:
    return sending.messages_send(sends=sends)


def admit_joins(joins: list[sockets.Join]) -> list[sockets.Admitted | None]:
    return sockets.sockets_join(joins=joins)


# One batcher per kind of work and event loop (a process serves on one loop; tests start a loop per test).
_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Callable[..., Any], Batcher[Any, Any]]] = (
    weakref.WeakKeyDictionary()
)


def frame_id(value: Any) -> int | None:
    """A message id from a frame: a whole number (clamped to what a database holds), else None. JSON allows 1e400,
    true and "12abc" where an id belongs; none of those is an id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return id_clamped(value)
    if isinstance(value, str) and value.isdigit():
        return id_clamped(int(value))
    return None


def batcher(work: Callable[[list[Item]], list[Outcome]]) -> Batcher[Item, Outcome]:
    per_loop = _batchers.setdefault(asyncio.get_running_loop(), {})
    if work not in per_loop:
        per_loop[work] = Batcher(work)
    return per_loop[work]


class ChatConsumer(AsyncJsonWebsocketConsumer):
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
        try:
            admitted = await batcher(admit_joins).submit(sockets.Join(session_key, pk)) if session_key else None
        except Exception:  # noqa: BLE001 - the database is away: the page tries again, nothing is lost
            logger.warning("chat: could not admit a socket to conversation %s", pk)
            await self.accept()
            await self.close(code=CLOSE_TRY_AGAIN)
            return
        if admitted is None:
            # Accepted first, so that the browser sees the code and stops; refused before accepting it sees 1006 and
            # reconnects forever.
            await self.accept()
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.scope["user"] = admitted.user
        self.conversation_id, self.user_id, self.joined = pk, admitted.user.pk, True
        self.session_key, self.session_ends_at = session_key, admitted.ends_at
        self.session_checked_at, self.sent_since_check = time.time(), False
        await self.channel_layer.group_add(sockets.conversation_group(self.conversation_id), self.channel_name)
        await self.channel_layer.group_add(sockets.user_group(self.user_id), self.channel_name)
        await self.accept()
        await self.send_json({"type": "ready"})

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        # Events already on their way may still be dispatched after the close; they are dropped, not sent.
        self.closing = True
        await super().close(code=code, reason=reason)

    async def send_json(self, content: Any, close: bool = False) -> None:
        if not getattr(self, "closing", False):
            await super().send_json(content, close=close)

    async def disconnect(self, code: int) -> None:
        if not self.joined:
            return
        await self.channel_layer.group_discard(sockets.conversation_group(self.conversation_id), self.channel_name)
        await self.channel_layer.group_discard(sockets.user_group(self.user_id), self.channel_name)
        await _in_pool(sockets.presence_mark)(user_id=self.user_id, online=False)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        # Channels' own receive lets a frame that is not JSON (or too deep for the parser) end the socket with a
        # traceback; here it is answered and the socket stays.
        if text_data is None or len(text_data) > FRAME_LIMIT:
            await self._malformed("binary or too large")
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._malformed("not JSON")
            return
        await self.receive_json(content)

    async def _malformed(self, what: str) -> None:
        if not getattr(self, "logged_malformed", False):
            # Once per socket, without the frame (it may hold a message's text) and without a traceback.
            logger.warning(
                "chat: malformed frame (%s) from user %s in conversation %s", what, self.user_id, self.conversation_id
            )
            self.logged_malformed = True
        await self.send_json({"type": "error", "error": "malformed"})

    async def _session_holds(self) -> bool:
        """Whether the socket's session still holds (not logged out, not past its idle or absolute limit); closes the
        socket when not. Every frame and every broadcast asks; the database only when the session's end has come or
        SESSION_CHECK_SECONDS have passed since the last look (a logout whose event was lost is seen then)."""
        now = time.time()
        if now < self.session_ends_at and now - self.session_checked_at < SESSION_CHECK_SECONDS:
            return True
        try:
            ends_at = await _in_pool(sockets.socket_session_check)(
                session_key=self.session_key, user_id=self.user_id, active=self.sent_since_check
            )
        except DatabaseError:
            # The database is away for a moment: the session is looked at again with the next frame.
            logger.warning("chat: could not check a socket's session in conversation %s", self.conversation_id)
            return True
        if ends_at is None or ends_at <= now:
            await self.close(code=CLOSE_LOGGED_OUT)
            return False
        self.session_ends_at, self.session_checked_at, self.sent_since_check = ends_at, now, False
        return True

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not await self._session_holds():
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await _in_pool(sockets.presence_mark)(user_id=self.user_id, online=True)
            await self.send_json({"type": "pong"})
        elif kind == "hello" and (after := frame_id(content.get("after", 0))) is not None:
            await self._catch_up(after)
        elif kind == "send" and isinstance(content.get("client_msg_id"), str) and isinstance(content.get("body"), str):
            await self._send(content["client_msg_id"][:100], content["body"])
        elif kind == "read" and (up_to := frame_id(content.get("up_to"))) is not None:
            await self._read(up_to)
        else:
            await self._malformed(f"frame {str(kind)[:20]!r}")

    async def _catch_up(self, after: int) -> None:
        def load() -> selectors.CatchUp:
            user = self.scope["user"]
            if not selectors.conversation_is_visible(user, self.conversation_id):
                raise Http404
            found = selectors.messages_catch_up(Conversation(pk=self.conversation_id), after)
            # Messages caught up are read, as on the conversation's page: one access-log row (none when empty).
            access = selectors.conversation_access_of(user, self.conversation_id) if found.messages else None
            if access is not None:
                client = self.scope.get("client")
                accesslog_record_by(
                    actor=user,
                    ip_address=client[0] if client else None,
                    young_person_id=access[0],
                    what=AccessLogEntry.What.MESSAGES,
                    basis=access[1],
                )
            return found

        try:
            found = await _in_pool(load)()
        except Http404:
            await self.close(code=CLOSE_GONE)
            return
        except DatabaseError:
            # The database is away for a moment: after a pause, "more" makes the page ask again (the socket stays).
            logger.warning("chat: a catch-up failed in conversation %s", self.conversation_id)
            await asyncio.sleep(CATCH_UP_RETRY_SECONDS)
            await self.send_json({"type": "catchup", "messages": [], "more": True})
            return
        messages = [sending.message_payload(m) for m in found.messages]
        await self.send_json({"type": "catchup", "messages": messages, "more": found.more})

    async def _send(self, client_msg_id: str, body: str) -> None:
        # The socket joined through the selector; messages_send checks again, under the conversation's lock, that
        # the user is still an active current member and the conversation open.
        self.sent_since_check = True  # activity: the next session check renews the idle limit
        send = sending.Send(
            actor=self.scope["user"], conversation_id=self.conversation_id, body=body, client_msg_id=client_msg_id
        )
        try:
            sent = await batcher(store_sends).submit(send)
        except Exception:  # noqa: BLE001 - the batch failed on the database: this send is not stored, the socket stays
            logger.warning("chat: a batch of sends failed in conversation %s", self.conversation_id)
            await self.send_json(
                {
                    "type": "error",
                    "client_msg_id": client_msg_id,
                    "errors": [_("Not sent yet. We keep trying.")],
                    "retry": True,
                }
            )
            return
        answer: dict[str, object]
        if isinstance(sent.error, ValidationError):
            answer = {"type": "error", "client_msg_id": client_msg_id, "errors": sent.error.messages}
        elif sent.error is not None or sent.message is None:
            answer = {"type": "error", "client_msg_id": client_msg_id, "errors": [], "closed": True}
        else:
            answer = {"type": "ack", "client_msg_id": client_msg_id, "id": sent.message.pk}
            answer["duplicate"] = not sent.created
        await self.send_json(answer)

    async def _read(self, up_to: int) -> None:
        def mark() -> None:
            user = self.scope["user"]
            if not selectors.conversation_is_visible(user, self.conversation_id):
                raise Http404
            sending.message_mark_read(actor=user, conversation=Conversation(pk=self.conversation_id), up_to=up_to)

        try:
            await _in_pool(mark)()
        except Http404:
            await self.close(code=CLOSE_GONE)
        except DatabaseError:
            pass  # a read receipt only moves forward: the next one carries it

    # --- Events from the channel layer ---------------------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        if not await self._session_holds():
            return
        if self.user_id not in event["members"]:
            # Stored for the members of that moment, and this user was not one: they left (and the event that
            # closes this socket may have been lost with Redis), or joined just after. Ask the database which.
            try:
                member = await _in_pool(selectors.conversation_is_visible)(self.scope["user"], self.conversation_id)
            except DatabaseError:
                member = True  # not forwarded either way; asked again with the next message
            if not member:
                await self.close(code=CLOSE_GONE)
            return
        await self.send_json({"type": "message", "message": event["message"]})

    async def conversation_closed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "closed"})

    async def session_end(self, event: dict[str, Any]) -> None:
        if event.get("session") == self.session_key:
            await self.close(code=CLOSE_LOGGED_OUT)

    async def member_close(self, event: dict[str, Any]) -> None:
        if event.get("conversation") in (0, self.conversation_id):
            await self.close(code=CLOSE_GONE)
