"""Writes of messaging about open chat sockets: the channel-layer groups and their events, who may open a socket,
the session checks of open sockets and closing them, and presence (who has a chat page open).

Events go out after commit and at most once (the channel layer is never the store): a client that missed one
catches up from the database (`messages_since`), a socket whose close event is lost finds out at its next session
check.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

from accounts.models import User
from accounts.selectors import sessions_live
from accounts.services import session_touch
from messaging.selectors import memberships_current

logger = logging.getLogger(__name__)

ONLINE_SECONDS = 90


def conversation_group(conversation_id: int) -> str:
    return f"msg-conv-{conversation_id}"


def user_group(user_id: int) -> str:
    return f"msg-user-{user_id}"


def group_send(group: str, event: dict[str, Any]) -> None:
    """Send one event on the channel layer (see `group_send_all`)."""
    group_send_all([(group, event)])


def group_send_all(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Send events on the channel layer, in one hop to the event loop for a whole batch: the events of one group in
    their order (a client asks for what came after the last id it saw), the groups side by side. A layer that is
    down is logged and undoes nothing (clients catch up from the database)."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for group, event in events:
        by_group.setdefault(group, []).append(event)

    async def publish(layer: Any) -> None:
        async def in_order(group: str, group_events: list[dict[str, Any]]) -> None:
            for event in group_events:
                await layer.group_send(group, event)

        await asyncio.gather(*(in_order(group, group_events) for group, group_events in by_group.items()))

    try:
        layer = get_channel_layer()
        if layer is not None and by_group:
            async_to_sync(publish)(layer)
    except Exception:
        logger.exception("Channel layer send to %d groups failed; clients catch up from the database", len(by_group))


# --- Presence and sockets ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Join:
    """A chat socket asking to open: the session cookie it came with, and the conversation of its page."""

    session_key: str
    conversation_id: int


@dataclass(frozen=True)
class Admitted:
    """A socket let in: whose it is, and when its session ends by the idle and absolute limits (epoch seconds)."""

    user: User
    ends_at: float


def sockets_join(*, joins: list[Join]) -> list[Admitted | None]:
    """Who opens each socket: the session's user when they may read the conversation now (an active, current member
    with a live session), else None; those let in are counted in presence. Sockets connect in bursts (a server
    restart reconnects every page at once), so this asks the same four queries for all of them together (sessions,
    users, their staff roles, memberships), then counts each admitted socket in its user's presence."""
    sessions = sessions_live({join.session_key for join in joins})
    wanted = {(live.user.pk, join.conversation_id) for join in joins if (live := sessions.get(join.session_key))}
    allowed = memberships_current(wanted)
    let_in = [
        Admitted(live.user, live.ends_at())
        if (live := sessions.get(join.session_key)) and (live.user.pk, join.conversation_id) in allowed
        else None
        for join in joins
    ]
    for admitted in let_in:
        if admitted is not None:
            _presence_join(admitted.user.pk)
    return let_in


def socket_session_check(*, session_key: str, user_id: int, active: bool) -> float | None:
    """When an open socket's session ends (epoch seconds), or None when it has ended: logged out, past its idle or
    absolute limit, or now another user's. `active`: the user sent messages since the last check, which counts as
    activity as much as a page does (the session's idle time starts again)."""
    live = sessions_live({session_key}).get(session_key)
    if live is None or live.user.pk != user_id:
        return None
    if active:
        touched = session_touch(session_key=session_key)
        return None if touched is None else live.ends_at(last_seen=touched)
    return live.ends_at()


def session_sockets_close(*, user_id: int, session_key: str) -> None:
    """Close the chat sockets of one session (after a logout; the others of the same user stay). A socket whose event
    is lost finds out at its next session check (consumers.SESSION_CHECK_SECONDS)."""
    group_send(user_group(user_id), {"type": "session.end", "session": session_key})


# --- Presence: who has a chat page open -----------------------------------------------------------------------------
# A count of open sockets per user in the cache (Redis in production), kept for ONLINE_SECONDS and renewed by each
# socket's heartbeat, so that closing one of two tabs leaves the user online. Presence only spares online members an
# SMS or email: when the cache is away every member counts as offline (a notice too many, never a message lost), and
# nothing that stores a message waits for it. The notice itself is sent NOTIFY_GRACE_SECONDS later and only if the
# member has not read the message by then (a page that was open while the cache was empty reads it).


def _presence_key(user_id: int) -> str:
    return f"msg-online:{user_id}"


def _presence_join(user_id: int) -> None:
    key = _presence_key(user_id)
    try:
        if cache.add(key, 1, ONLINE_SECONDS):
            return
        try:
            cache.incr(key)
            cache.touch(key, ONLINE_SECONDS)
        except ValueError:  # it expired between the two calls
            cache.set(key, 1, ONLINE_SECONDS)
    except RedisError:
        logger.warning("Presence not recorded: the cache is not reachable")


def presence_mark(*, user_id: int, online: bool) -> None:
    """A socket's heartbeat (online=True) keeps its user's count for ONLINE_SECONDS more, and brings it back as one
    when the cache lost it (a Redis restart); a socket that closes (online=False) counts itself out."""
    key = _presence_key(user_id)
    try:
        if online:
            if not cache.touch(key, ONLINE_SECONDS):
                cache.add(key, 1, ONLINE_SECONDS)
            return
        try:
            left = cache.decr(key)
        except ValueError:  # expired or lost: nothing to count out
            return
        if left <= 0:
            cache.delete(key)
    except RedisError:
        logger.warning("Presence not recorded: the cache is not reachable")


def users_online(user_ids: list[int]) -> set[int]:
    """The users among `user_ids` with a chat page open; nobody when the cache is away (they get a notice)."""
    try:
        found = cache.get_many([_presence_key(uid) for uid in user_ids])
    except RedisError:
        logger.warning("Presence unknown: the cache is not reachable, members count as offline")
        return set()
    return {int(key.split(":")[1]) for key, count in found.items() if count > 0}


def sockets_close(user_id: int, conversation_id: int = 0) -> None:
    """Close the user's open sockets on a conversation (0: on every conversation)."""
    group_send(user_group(user_id), {"type": "member.close", "conversation": conversation_id})


def user_sockets_close(*, user: User) -> None:
    """Close every open socket of the user (after commit): call it when an account is deactivated. The consumer also
    refuses an inactive user on connect."""
    transaction.on_commit(lambda: sockets_close(user.pk, 0))
