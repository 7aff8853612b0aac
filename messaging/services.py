"""Writes of messaging: conversations that follow their mentorship, match or case; sending, reading, deleting and
reporting messages; the notifications outbox; and the close events for open sockets.

Messages are stored first and broadcast after commit (`transaction.on_commit`): the channel layer is at-most-once
and never the store. A client that missed a broadcast catches up from the database (`messages_since`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from redis.exceptions import RedisError

from accounts.models import User
from accounts.selectors import sessions_live
from accounts.services import session_touch
from core.ids import MAX_ID
from core.notify import contact_channel, notify
from core.sms import sms_transport
from messaging.models import STATUS_RANK, Concern, Conversation, Member, Message, Notification
from messaging.selectors import memberships_current
from youth.ages import CONSENT_OWN_AGE, birthday
from youth.models import Case
from youth.parties import Party, is_custodial_parent, is_professional_of, party_user_queryset

logger = logging.getLogger(__name__)

Kind = Conversation.Kind
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Control characters other than tab and newline are not text.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_ATTEMPTS = 5
ONLINE_SECONDS = 90

CONCERN_NOTICE = gettext_lazy(
    "A message in a conversation about a young person of your case needs your attention (a report or a danger sign)."
)


def conversation_group(conversation_id: int) -> str:
    return f"msg-conv-{conversation_id}"


def user_group(user_id: int) -> str:
    return f"msg-user-{user_id}"


def _group_send(group: str, event: dict[str, Any]) -> None:
    _group_send_all([(group, event)])


def _group_send_all(events: list[tuple[str, dict[str, Any]]]) -> None:
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


# --- Conversations follow their source ------------------------------------------------------------------------------


# The young person reads the broker conversation from this age (the age from which they also consent themselves).
BROKER_CONVERSATION_FROM_AGE = CONSENT_OWN_AGE

# Who takes part in a conversation of a feature (a mentorship's triad and coaching, a support-family match, a
# request for a social broker) is the feature's to say, never a typed list: each feature registers, in its
# AppConfig.ready(), how it finds the users and their party for its kinds of conversation. messaging sits below the
# features (DESIGN.md, Layout) and asks none of them by name.
MembersFinder = Callable[[Conversation], Iterable[tuple[User, str]]]
_members_finders: dict[str, MembersFinder] = {}


def conversation_members_register(kind: str, find: MembersFinder) -> None:
    """Register how the feature of conversations of `kind` finds their members: (user, party) pairs, the first
    party of a user counts. The feature registers when its app is ready."""
    _members_finders[kind] = find


@dataclass(frozen=True)
class _Steps:
    running: frozenset[str]
    finished: frozenset[str]


# The steps of a feature's source (a mentorship, a match) in which its conversations run or end, registered with
# the members by the feature that owns the steps.
_source_steps: dict[str, _Steps] = {}


def conversation_steps_register(source: str, *, running: Iterable[str], finished: Iterable[str]) -> None:
    """Register in which steps of `source` ("mentorship", "match") its conversations run and in which they end."""
    _source_steps[source] = _Steps(running=frozenset(running), finished=frozenset(finished))


class _Stepped(Protocol):
    """A mentorship or a match as messaging sees it: its id and its step."""

    @property
    def pk(self) -> int: ...

    @property
    def state(self) -> str: ...


class _MentorshipLike(_Stepped, Protocol):
    """A mentorship as messaging sees it: its id, its step and its case."""

    @property
    def case_id(self) -> int: ...


class _BrokerRequestLike(Protocol):
    """A request for a social broker as messaging sees it."""

    @property
    def pk(self) -> int: ...

    @property
    def is_open(self) -> bool: ...

    @property
    def broker_id(self) -> int | None: ...

    @property
    def case_id(self) -> int: ...


def case_professionals_of(case: Case) -> QuerySet[User]:
    """The active professionals of the case (youth.parties: assigned, and still working for its organisation): they
    read every conversation of the case."""
    return party_user_queryset(case, Party.PROFESSIONAL)


def _wanted_members(conversation: Conversation) -> dict[int, str]:
    """user id → party, derived from the conversation's mentorship, match or broker request (by the feature that
    registered its kind) or case (never a typed list)."""
    wanted: dict[int, str] = {}
    find = _members_finders.get(conversation.kind)
    if find is not None:
        for user, party in find(conversation):
            wanted.setdefault(user.pk, party)
    elif conversation.kind == Kind.PARENT:
        # The same rule as starting it (`conversation_with_parent`): the parent takes part while they have custody.
        case = conversation.case
        for user in party_user_queryset(case, Party.PARENT).filter(pk=conversation.parent_id or 0):
            wanted.setdefault(user.pk, "parent")
        for user in case_professionals_of(case):
            wanted.setdefault(user.pk, "professional")
    else:
        raise ImproperlyConfigured(f"No app registered the members of {conversation.kind} conversations")
    return wanted


def conversation_sync(*, conversation: Conversation) -> Conversation:
    """Make the members what the source says now: new people join, people who no longer take part leave (their open
    sockets on it are closed after commit), people who come back rejoin. Call it whenever the mentorship, match or
    case changes who takes part. Races: the conversation row is locked, so two syncs do not add a member twice."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().select_related("case").get(pk=conversation.pk)
        wanted = _wanted_members(locked)
        now = timezone.now()
        existing = {member.user_id: member for member in Member.objects.filter(conversation=locked)}
        for user_id, party in wanted.items():
            member = existing.get(user_id)
            if member is None:
                Member.objects.create(conversation=locked, user_id=user_id, party=party)
            elif member.left_at is not None or member.party != party:
                member.left_at, member.party = None, party
                member.save(update_fields=["left_at", "party"])
        for user_id, member in existing.items():
            if user_id not in wanted and member.left_at is None:
                member.left_at = now
                member.save(update_fields=["left_at"])
                transaction.on_commit(_closer(user_id, locked.pk))
    return locked


def conversations_sync_case(*, case: Case) -> None:
    """Sync every open conversation of a case: call it when the case's professionals or the young person's parents
    change (today those change only in the admin, which has no service yet)."""
    for conversation in Conversation.objects.filter(case=case, closed_at__isnull=True):
        conversation_sync(conversation=conversation)


def _closer(user_id: int, conversation_id: int) -> Callable[[], None]:
    return lambda: _sockets_close(user_id, conversation_id)


def _close(conversation: Conversation) -> None:
    if conversation.closed_at is None:
        conversation.closed_at = timezone.now()
        conversation.save(update_fields=["closed_at"])
        pk = conversation.pk
        transaction.on_commit(lambda: _group_send(conversation_group(pk), {"type": "conversation.closed"}))


def conversations_follow_mentorship(*, mentorship: _MentorshipLike) -> None:
    """Called by mentors.services on every change of step: the triad and the coaching conversation start when the
    mentorship starts running and become read-only when it ends (the steps mentors registered). In the caller's
    transaction."""
    steps = _source_steps["mentorship"]
    if mentorship.state in steps.running:
        for kind in (Kind.TRIAD, Kind.COACHING):
            conversation, _created = Conversation.objects.get_or_create(
                mentorship_id=mentorship.pk, kind=kind, defaults={"case_id": mentorship.case_id}
            )
            conversation_sync(conversation=conversation)
    elif mentorship.state in steps.finished:
        for conversation in Conversation.objects.filter(mentorship_id=mentorship.pk):
            _close(conversation)


def conversations_follow_match(*, match: _Stepped, case_id: int) -> None:
    """Called by hostfamilies.services on every move: the match group starts with the trial period (or when the
    match runs) and becomes read-only when the match ends (the steps hostfamilies registered). In the caller's
    transaction."""
    steps = _source_steps["match"]
    if match.state in steps.running:
        conversation, _created = Conversation.objects.get_or_create(
            match_id=match.pk, defaults={"kind": Kind.MATCH, "case_id": case_id}
        )
        conversation_sync(conversation=conversation)
    elif match.state in steps.finished:
        for conversation in Conversation.objects.filter(match_id=match.pk):
            _close(conversation)


def conversations_follow_brokerrequest(*, request: _BrokerRequestLike, born: date) -> None:
    """Called by community.services when a broker is linked and when the request ends: the conversation of the
    family with the broker starts when a broker is linked and becomes read-only when the request ends. While the
    young person is under BROKER_CONVERSATION_FROM_AGE, a task is planned for that birthday to let them in. In the
    caller's transaction; races: the caller holds the request's row lock, and the unique constraint makes one
    conversation per request."""
    if not request.is_open:
        for conversation in Conversation.objects.filter(broker_request_id=request.pk):
            _close(conversation)
        return
    if request.broker_id is None:
        return
    conversation, created = Conversation.objects.get_or_create(
        broker_request_id=request.pk, defaults={"kind": Kind.BROKER, "case_id": request.case_id}
    )
    conversation_sync(conversation=conversation)
    joins_on = birthday(born, BROKER_CONVERSATION_FROM_AGE)
    if created and joins_on > timezone.localdate():
        # tasks.py imports this module to run the work: imported at call time to break the cycle.
        from messaging.tasks import conversation_sync_task

        at = timezone.make_aware(datetime.combine(joins_on, time(0, 5)))
        conversation_sync_task.using(run_after=at).enqueue(conversation.pk)


def conversation_resync(*, conversation_id: int) -> bool:
    """Sync a conversation that is still open (the task planned for a birthday calls this); returns whether it did.
    Safe to run more than once: a sync makes the members what the source says now."""
    conversation = Conversation.objects.filter(pk=conversation_id, closed_at__isnull=True).first()
    if conversation is None:
        return False
    conversation_sync(conversation=conversation)
    return True


def conversation_with_parent(*, actor: User, case: Case, parent: User) -> Conversation:
    """A professional of the case (youth.parties: assigned, and a professional in the case's organisation) starts
    (or finds) the conversation with a parent with custody of the young person. PermissionDenied for anyone else
    or for a parent without custody."""
    if not is_professional_of(actor, case) or not is_custodial_parent(parent, case.young_person_id):
        raise PermissionDenied
    with transaction.atomic():
        try:
            with transaction.atomic():
                conversation, _created = Conversation.objects.get_or_create(case=case, parent=parent, kind=Kind.PARENT)
        except IntegrityError:
            conversation = Conversation.objects.get(case=case, parent=parent, kind=Kind.PARENT)
        return conversation_sync(conversation=conversation)


# --- Messages -----------------------------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    text = CONTROL.sub("", body or "").strip()
    if not text:
        raise ValidationError({"body": _("Write a message first.")})
    if len(text) > settings.MESSAGING_MAX_LENGTH:
        raise ValidationError(
            {"body": _("A message can be at most %(max)d characters.") % {"max": settings.MESSAGING_MAX_LENGTH}}
        )
    return text


def _recent_counts(sender_ids: set[int]) -> dict[int, int]:
    """Messages each sender stored in the last MESSAGING_RATE_SECONDS: the per-user rate limit counts the stored
    messages themselves (one query for a whole batch, exact, and rolled back with a refused batch)."""
    since = timezone.now() - timedelta(seconds=settings.MESSAGING_RATE_SECONDS)
    counts = (
        Message.objects.filter(sender_id__in=sender_ids, created_at__gte=since)
        .order_by()
        .values("sender_id")
        .annotate(n=Count("id"))
        .values_list("sender_id", "n")
    )
    return dict(counts)


@dataclass(frozen=True)
class Send:
    """One message a member wants to send: a frame from a chat socket or a form post."""

    actor: User
    conversation_id: int
    body: str
    client_msg_id: str


@dataclass
class Sent:
    """What became of one Send: the stored message (`created` is False for a retry of a stored one), or the refusal."""

    message: Message | None = None
    created: bool = False
    error: ValidationError | PermissionDenied | None = None


def message_payload(message: Message) -> dict[str, Any]:
    """What a client gets of a message (over the socket and over HTTP). The text is escaped by the client when it
    shows it (textContent) and by the templates; a deleted message carries no text."""
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": message.sender_id,
        "sender_name": message.sender.get_short_name() or str(message.sender),
        "client_msg_id": message.client_msg_id,
        "body": "" if message.deleted_at else message.body,
        "deleted": message.deleted_at is not None,
        "created_at": message.created_at.isoformat(),
    }


def message_send(*, actor: User, conversation: Conversation, body: str, client_msg_id: str) -> tuple[Message, bool]:
    """Store one message of a member and return it with True; a retry with the same `client_msg_id` of the same
    sender stores nothing and returns the stored message with False. Raises the refusal of `messages_send`."""
    sent = messages_send(
        sends=[Send(actor=actor, conversation_id=conversation.pk, body=body, client_msg_id=client_msg_id)]
    )[0]
    if sent.error is not None:
        raise sent.error
    assert sent.message is not None
    return sent.message, sent.created


def messages_send(*, sends: list[Send]) -> list[Sent]:
    """Store a batch of messages in one transaction and return what became of each send, in order. A chat process
    writes together the sends that arrived while its previous batch was being written (group commit): the queries,
    the commit and the broadcast hop are paid once per batch instead of once per message.

    Each send is refused on its own while the others are stored: ValidationError for an empty or too long text, a
    bad client id or too many messages (MESSAGING_RATE_COUNT per MESSAGING_RATE_SECONDS per sender); PermissionDenied
    when the actor is not an active current member, or the conversation is closed or gone. A retry (the same sender
    and `client_msg_id`) stores nothing and gives the stored message. In the same transaction: the senders' read
    receipts, the conversations' latest times, the outbox rows for offline members and a concern for a text with a
    danger sign. After commit: the broadcast to the conversations' sockets.
    Races: the conversation rows are locked in id order (batches that share conversations wait for each other and
    cannot deadlock), so `closed_at` and earlier retries are read once and the latest time only goes forward. The
    unique (sender, client_msg_id) constraint stops a concurrent retry of the same message into another
    conversation; the batch is then written again one send at a time.
    """
    sent = [Sent() for _send in sends]
    texts: dict[int, str] = {}
    for index, send in enumerate(sends):
        try:
            if not CLIENT_ID.match(send.client_msg_id or ""):
                raise ValidationError({"client_msg_id": _("This message has no valid id.")})
            texts[index] = _clean_body(send.body)
        except ValidationError as error:
            sent[index].error = error
    if not texts:
        return sent
    try:
        _messages_store(sends, texts, sent)
    except IntegrityError:
        if len(texts) > 1:
            for index in texts:
                sent[index] = messages_send(sends=[sends[index]])[0]
        else:
            # A concurrent retry stored this message a moment ago and the block rolled back: give the stored one.
            (index,) = texts
            send = sends[index]
            stored = Message.objects.select_related("sender").get(sender=send.actor, client_msg_id=send.client_msg_id)
            sent[index] = Sent(message=stored, created=False)
    return sent


def _messages_store(sends: list[Send], texts: dict[int, str], sent: list[Sent]) -> None:
    with transaction.atomic():
        conversation_ids = sorted({sends[index].conversation_id for index in texts})
        conversations = {
            conversation.pk: conversation
            for conversation in Conversation.objects.select_for_update().filter(pk__in=conversation_ids).order_by("pk")
        }
        members: dict[int, dict[int, Member]] = {}
        for current in Member.objects.filter(
            conversation_id__in=conversation_ids, left_at__isnull=True, user__is_active=True
        ).select_related("user"):
            members.setdefault(current.conversation_id, {})[current.user_id] = current
        sender_ids = {sends[index].actor.pk for index in texts}
        stored = {
            (message.sender_id, message.client_msg_id): message
            for message in Message.objects.filter(
                sender_id__in=sender_ids, client_msg_id__in={sends[index].client_msg_id for index in texts}
            ).select_related("sender")
        }
        recent = _recent_counts(sender_ids)
        new: list[Message] = []
        for index, text in texts.items():
            send = sends[index]
            conversation = conversations.get(send.conversation_id)
            member = members.get(send.conversation_id, {}).get(send.actor.pk)
            if conversation is None or conversation.closed_at is not None or member is None:
                sent[index].error = PermissionDenied()
                continue
            earlier = stored.get((send.actor.pk, send.client_msg_id))
            if earlier is not None:
                # Stored before, or earlier in this batch (a resend that caught up with its first try).
                sent[index] = Sent(message=earlier, created=False)
                continue
            if recent.get(send.actor.pk, 0) >= settings.MESSAGING_RATE_COUNT:
                sent[index].error = ValidationError(
                    {"body": _("You are sending many messages quickly. Wait a minute and try again.")}
                )
                continue
            recent[send.actor.pk] = recent.get(send.actor.pk, 0) + 1
            message = Message(
                conversation=conversation, sender=member.user, client_msg_id=send.client_msg_id, body=text
            )
            stored[(send.actor.pk, send.client_msg_id)] = message
            sent[index] = Sent(message=message, created=True)
            new.append(message)
        if new:
            Message.objects.bulk_create(new)  # sets the ids (PostgreSQL, SQLite 3.35+)
            _messages_stored(new, conversations, members)


def _messages_stored(
    new: list[Message], conversations: dict[int, Conversation], members: dict[int, dict[int, Member]]
) -> None:
    """What follows from storing `new`, in the batch's transaction: the latest times, the senders' read receipts, the
    outbox, the concerns, and the broadcast after commit."""
    # One UPDATE each, whatever the batch holds: the latest time of each conversation written to, and each sender's
    # read receipt in it (the sender has read everything up to their own message).
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    Conversation.objects.filter(pk__in={message.conversation_id for message in new}).update(
        last_message_at=Subquery(latest.values("created_at")[:1]), last_message_id=Subquery(latest.values("id")[:1])
    )
    own_latest = Message.objects.filter(conversation=OuterRef("conversation"), sender=OuterRef("user")).order_by("-id")
    Member.objects.filter(pk__in={members[message.conversation_id][message.sender_id].pk for message in new}).update(
        last_read_id=Subquery(own_latest.values("id")[:1])
    )
    _outbox_write(new, members)
    for message in new:
        if danger_words_in(message.body):
            _concern_raise(message, Concern.Source.WORDS, None, "")
    # Each broadcast names the message before it in its conversation: the latest before the batch (read under the
    # conversation's lock), then the batch's own in order.
    # Each also names the members it was stored for (read under the same lock): a socket forwards it only to one of
    # them, so a member who left never hears what came after, even when the event that closes their socket is lost.
    previous = {pk: conversation.last_message_id for pk, conversation in conversations.items()}
    events = []
    for message in new:
        payload = {**message_payload(message), "prev": previous[message.conversation_id]}
        previous[message.conversation_id] = message.pk
        readers = sorted(members[message.conversation_id])
        event = {"type": "chat.message", "message": payload, "members": readers}
        events.append((conversation_group(message.conversation_id), event))
    transaction.on_commit(lambda: _group_send_all(events))


def message_mark_read(*, actor: User, conversation: Conversation, up_to: int) -> int:
    """Move the actor's read receipt forward to `up_to` (never back, never past the last message). Returns it."""
    last = Message.objects.filter(conversation=conversation, id__lte=up_to).order_by("-id").values_list("id", flat=True)
    target = last.first() or 0
    Member.objects.filter(conversation=conversation, user=actor, left_at__isnull=True, last_read_id__lt=target).update(
        last_read_id=target
    )
    member = Member.objects.filter(conversation=conversation, user=actor).first()
    return member.last_read_id if member else 0


def _current_member_ids(conversation_id: int) -> Iterable[int]:
    return Member.objects.filter(
        conversation_id=conversation_id, left_at__isnull=True, user__is_active=True
    ).values_list("user_id", flat=True)


def message_delete(*, actor: User, message: Message) -> Message:
    """The sender hides their own message (soft: the row stays with who and when, and it is logged). Nobody edits or
    deletes another person's message: PermissionDenied. The concern reports on it stay."""
    if message.sender_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = Message.objects.select_for_update().select_related("sender").get(pk=message.pk)
        if locked.deleted_at is None:
            locked.deleted_at, locked.deleted_by = timezone.now(), actor
            locked.save(update_fields=["deleted_at", "deleted_by"])
            logger.info("Message %s deleted by user %s", locked.pk, actor.pk)
            event = {
                "type": "chat.message",
                "message": message_payload(locked),
                "members": list(_current_member_ids(locked.conversation_id)),
            }
            transaction.on_commit(lambda: _group_send(conversation_group(locked.conversation_id), event))
    return locked


# --- Safeguarding -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _danger_pattern(path: str, mtime: float) -> re.Pattern[str] | None:
    words = [
        line.strip().lower()
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.IGNORECASE)


def danger_words_in(text: str) -> list[str]:
    """The danger-signal words and phrases of the configured list found in `text` (empty when none)."""
    path = Path(settings.MESSAGING_DANGER_WORDS_FILE)
    if not path.exists():
        return []
    pattern = _danger_pattern(str(path), path.stat().st_mtime)
    return sorted({found.lower() for found in pattern.findall(text)}) if pattern else []


def _case_professionals(conversation: Conversation) -> list[User]:
    return list(case_professionals_of(conversation.case))


def _concern_raise(message: Message, source: str, reporter: User | None, reason: str) -> Concern:
    concern = Concern.objects.create(message=message, source=source, reported_by=reporter, reason=reason)
    notify(
        _case_professionals(message.conversation),
        notice=CONCERN_NOTICE,
        path=f"/berichten/{message.conversation_id}/#bericht-{message.pk}",
    )
    return concern


def message_report(*, actor: User, message: Message, reason: str = "") -> Concern:
    """A member reports a message they can read; the case professional hears of it (without the text)."""
    if not Member.objects.filter(conversation_id=message.conversation_id, user=actor, left_at__isnull=True).exists():
        raise PermissionDenied
    if len(reason) > 1000:
        raise ValidationError({"reason": _("Keep the reason under 1,000 characters.")})
    with transaction.atomic():
        return _concern_raise(message, Concern.Source.REPORT, actor, reason.strip())


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
    _group_send(user_group(user_id), {"type": "session.end", "session": session_key})


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


def _online(user_ids: list[int]) -> set[int]:
    """The users among `user_ids` with a chat page open; nobody when the cache is away (they get a notice)."""
    try:
        found = cache.get_many([_presence_key(uid) for uid in user_ids])
    except RedisError:
        logger.warning("Presence unknown: the cache is not reachable, members count as offline")
        return set()
    return {int(key.split(":")[1]) for key, count in found.items() if count > 0}


def _sockets_close(user_id: int, conversation_id: int = 0) -> None:
    _group_send(user_group(user_id), {"type": "member.close", "conversation": conversation_id})


def user_sockets_close(*, user: User) -> None:
    """Close every open socket of the user (after commit): call it when an account is deactivated. The consumer also
    refuses an inactive user on connect."""
    transaction.on_commit(lambda: _sockets_close(user.pk, 0))


# --- The notifications outbox -------------------------------------------------------------------------------------


def quiet_until(now: datetime) -> datetime | None:
    """The end of the quiet hours when `now` falls in them (local time), else None."""
    local = timezone.localtime(now)
    start, end = settings.MESSAGING_QUIET_START, settings.MESSAGING_QUIET_END
    hour = local.hour
    inside = (hour >= start or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime(day.year, day.month, day.day, end), timezone.get_current_timezone())


def _outbox_write(new: list[Message], members: dict[int, dict[int, Member]]) -> None:
    """Outbox rows for the current members (`members`, with their users) of the conversations `new` went to, other
    than the sender, who are offline and had no notice of that conversation in the last
    MESSAGING_NOTIFY_EVERY_MINUTES minutes: one per member and conversation, however many messages the batch holds.
    A young person's notice waits for the end of the quiet hours."""
    now = timezone.now()
    wanted: dict[tuple[int, int], Member] = {}
    newest: dict[tuple[int, int], int] = {}
    for message in new:
        for user_id, member in members[message.conversation_id].items():
            if user_id != message.sender_id:
                wanted.setdefault((message.conversation_id, user_id), member)
                newest[message.conversation_id, user_id] = message.pk
    if not wanted:
        return
    online = _online(sorted({user_id for _conversation, user_id in wanted}))
    wanted = {key: member for key, member in wanted.items() if key[1] not in online}
    if not wanted:
        return
    recent = set(
        Notification.objects.filter(
            conversation_id__in={conversation for conversation, _user in wanted},
            user_id__in={user for _conversation, user in wanted},
            created_at__gte=now - timedelta(minutes=settings.MESSAGING_NOTIFY_EVERY_MINUTES),
        ).values_list("conversation_id", "user_id")
    )
    due = now + timedelta(seconds=settings.MESSAGING_NOTIFY_AFTER_SECONDS)
    quiet = quiet_until(due)
    for (conversation_id, user_id), member in wanted.items():
        if (conversation_id, user_id) in recent:
            continue
        user = member.user
        channel = contact_channel(user)  # an account reachable by phone only gets an SMS whatever it chose
        if channel is None:
            logger.warning("Chat notice to user %s skipped: no email address and no mobile number", user.pk)
            continue
        sms = channel == User.Contact.SMS
        send_after = quiet if (quiet and member.party == "young_person") else due
        notification = Notification.objects.create(
            conversation_id=conversation_id,
            message_id=newest[conversation_id, user_id],
            user=user,
            channel=Notification.Channel.SMS if sms else Notification.Channel.EMAIL,
            send_after=send_after,
        )
        transaction.on_commit(_enqueuer(notification))


def _enqueuer(notification: Notification) -> Callable[[], None]:
    return lambda: _enqueue(notification.pk, notification.send_after)


def _enqueue(notification_id: int, run_after: datetime) -> None:
    # tasks.py imports this module to run the work: imported at call time to break the cycle.
    from messaging.tasks import notification_send_task

    notification_send_task.using(run_after=max(run_after, timezone.now())).enqueue(notification_id)


def _has_read(notification: Notification) -> bool:
    """Whether the member read up to the message the notice is about (a notice from before messages were named is
    always sent)."""
    return Member.objects.filter(
        conversation_id=notification.conversation_id,
        user_id=notification.user_id,
        last_read_id__gte=notification.message_id or MAX_ID,
    ).exists()


NOTICE = gettext_lazy("You have a new message in Dichtbij. Read it here: %(url)s")


def _is_definite_refusal(error: Exception) -> bool:
    """True when the provider surely did not accept the SMS: Twilio answered 4xx (a refusal, 429 included), or the
    connection was never made. A 5xx, a read timeout or anything else is ambiguous: it may have been sent."""
    # Only for the error of an online transport; neither is loaded when none is configured.
    import requests
    from twilio.base.exceptions import TwilioRestException

    if isinstance(error, TwilioRestException):
        return 400 <= int(error.status or 0) < 500
    return isinstance(error, requests.exceptions.ConnectTimeout | requests.exceptions.ConnectionError) and not (
        isinstance(error, requests.exceptions.ReadTimeout)
    )


def notification_send(*, notification_id: int) -> str:
    """Send one notification (the task calls this) and return its status.

    At most one SMS per notification: the attempt is recorded and committed (status `sending`) before the provider
    is called, and only a `pending` notification is ever sent. After an ambiguous failure (Twilio 5xx, a timeout,
    a crash of the worker mid-call) Twilio may have sent the SMS already and its API has no idempotency key for a
    new message, so we mark it `unknown` and never send it again: a missed notice is safer than a double one, and
    the message itself is in Dichtbij. A definite refusal (4xx, no connection) goes back to `pending` with a
    growing delay (1, 2, 4, 8 minutes) for at most MAX_ATTEMPTS attempts; email likewise on an SMTP error.
    """
    with transaction.atomic():
        n = Notification.objects.select_for_update().select_related("user").get(pk=notification_id)
        if n.status != Notification.Status.PENDING:
            return n.status
        now = timezone.now()
        if n.send_after > now:
            transaction.on_commit(lambda: _enqueue(n.pk, n.send_after))
            return n.status
        if _has_read(n):
            n.status = Notification.Status.READ
            n.save(update_fields=["status"])
            return n.status
        n.status, n.attempts, n.attempted_at = Notification.Status.SENDING, n.attempts + 1, now
        n.save(update_fields=["status", "attempts", "attempted_at"])
    user = n.user
    with translation.override(settings.LANGUAGE_CODE):
        body = str(NOTICE) % {"url": f"{settings.SITE_URL}/berichten/{n.conversation_id}/"}
        subject = _("New message in Dichtbij")
    called = False  # until the provider is called, a failure is surely not a sent SMS
    try:
        if n.channel == Notification.Channel.SMS:
            transport = sms_transport()
            called = True
            callback = settings.MESSAGING_TWILIO_STATUS_URL
            extra = {"status_callback": callback} if callback else {}
            sid = transport.send(to=user.phone, body=body, **extra)
            status, n.provider_sid = Notification.Status.QUEUED, sid[:64]
        else:
            if not user.email:  # the address was taken off the account after the notice was queued
                raise ValueError("no email address")
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
            status = Notification.Status.SENT
    except Exception as error:  # noqa: BLE001 - every failure is sorted into definite or ambiguous below
        definite = not called or n.channel == Notification.Channel.EMAIL or _is_definite_refusal(error)
        logger.warning("Notification %s failed (%s, definite=%s)", n.pk, type(error).__name__, definite)
        if definite and n.attempts < MAX_ATTEMPTS:
            retry_at = timezone.now() + timedelta(minutes=2 ** (n.attempts - 1))
            Notification.objects.filter(pk=n.pk, status=Notification.Status.SENDING).update(
                status=Notification.Status.PENDING, send_after=retry_at
            )
            _enqueue(n.pk, retry_at)
            return Notification.Status.PENDING
        status = Notification.Status.FAILED if definite else Notification.Status.UNKNOWN
    Notification.objects.filter(pk=n.pk, status=Notification.Status.SENDING).update(
        status=status, provider_sid=n.provider_sid
    )
    return status


TWILIO_STATUSES = {
    "accepted": Notification.Status.QUEUED,
    "queued": Notification.Status.QUEUED,
    "sending": Notification.Status.QUEUED,
    "sent": Notification.Status.SENT,
    "delivered": Notification.Status.DELIVERED,
    "read": Notification.Status.DELIVERED,
    "undelivered": Notification.Status.UNDELIVERED,
    "failed": Notification.Status.FAILED,
}


def notification_status_update(*, provider_sid: str, status: str) -> Notification | None:
    """Twilio's status callback: move the notification forward; a status never goes back (a late `sent` after
    `delivered` changes nothing). None when no notification has that sid. Races: the row is locked."""
    new = TWILIO_STATUSES.get(status)
    if not provider_sid or new is None:
        return None
    with transaction.atomic():
        n = Notification.objects.select_for_update().filter(provider_sid=provider_sid).first()
        if n is None:
            return None
        if STATUS_RANK[new] > STATUS_RANK[n.status]:
            n.status = new
            n.save(update_fields=["status"])
        return n
