"""The chat socket: one per open conversation page, authenticated by the session (AuthMiddlewareStack).

Joining goes through `conversation_get_for` only. The consumer writes nothing itself: it calls the same services as
the HTTP views. Frames from the client:
  {"type": "hello", "after": <last id seen>}  → {"type": "catchup", "messages": [...]} (on every (re)connect)
  {"type": "send", "client_msg_id": "...", "body": "..."} → {"type": "ack", ...} to the sender; the message
      reaches everyone (the sender too) as {"type": "message", ...} after commit
  {"type": "read", "up_to": <id>}              → the read receipt moves forward
  {"type": "ping"}                             → {"type": "pong"} (the heartbeat; also renews presence)
A close event on the user's group (deactivation, membership ended) closes the socket at once.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

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


class ChatConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    conversation_id: int = 0
    user_id: int = 0
    joined: bool = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        if not await _in_pool(selectors.conversation_is_visible)(user, pk):
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.conversation_id, self.user_id, self.joined = pk, user.pk, True
        await self.channel_layer.group_add(services.conversation_group(self.conversation_id), self.channel_name)
        await self.channel_layer.group_add(services.user_group(self.user_id), self.channel_name)
        await self.accept()
        await _in_pool(services.presence_mark)(user_id=self.user_id, online=True)

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
            if not selectors.conversation_is_visible(self.scope["user"], self.conversation_id):
                raise Http404
            messages = selectors.messages_since(Conversation(pk=self.conversation_id), start, limit=500)
            return [services.message_payload(m) for m in messages]

        try:
            return await _in_pool(load)()
        except Http404:
            await self.close(code=CLOSE_GONE)
            return []

    async def _send(self, content: dict[str, Any]) -> None:
        client_msg_id = str(content.get("client_msg_id", ""))[:100]

        def store() -> dict[str, Any]:
            # The socket joined through the selector; message_send checks again, under the conversation's lock,
            # that the user is still an active current member and the conversation open (fewer queries per message).
            user = self.scope["user"]
            conversation = Conversation(pk=self.conversation_id)
            message, created = services.message_send(
                actor=user, conversation=conversation, body=str(content.get("body", "")), client_msg_id=client_msg_id
            )
            return {"type": "ack", "client_msg_id": client_msg_id, "id": message.pk, "duplicate": not created}

        try:
            answer = await _in_pool(store)()
        except ValidationError as error:
            answer = {"type": "error", "client_msg_id": client_msg_id, "errors": error.messages}
        except (Http404, PermissionDenied):
            answer = {"type": "error", "client_msg_id": client_msg_id, "errors": [], "closed": True}
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
