"""Helpers for the chat socket tests (messaging consumer): a session cookie, connecting to a conversation, receiving a
frame of a kind. Those tests also use the `_close_thread_connections` fixture (tests/conftest.py).

Moved here from test modules so that no test imports another (issue #24); behaviour unchanged."""

from __future__ import annotations

import json
import sys
import types
from typing import Any

try:
    import daphne.testing  # noqa: F401
except ImportError:
    # channels.testing imports daphne for its live-server class only; we serve with uvicorn and use the
    # communicator alone, so a stand-in keeps daphne (and Twisted) out of the dependencies.
    sys.modules["daphne.testing"] = types.ModuleType("daphne.testing")
    sys.modules["daphne.testing"].DaphneProcess = object  # type: ignore[attr-defined]  # a bare module, made above

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.models import User
from config.asgi import application
from mentors.states import State
from messaging.models import Conversation
from tests.builders.mentors import mentorship_at

TIMEOUT = 5


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
    session: str | None, conversation_id: int, *, extra_headers: tuple[tuple[bytes, bytes], ...] = ()
) -> tuple[WebsocketCommunicator, bool, int | str | None]:
    """A socket to the conversation: whether it joined, and the close code when it did not. The consumer accepts
    every socket it can and then says "ready" or closes with a code (so that a browser sees the code)."""
    headers = [(b"origin", b"http://testserver"), *extra_headers]
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
        frame: dict[str, Any] = await communicator.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == kind:
            return frame
