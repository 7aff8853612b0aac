"""Writes of messaging about messages: sending (one or a batch), reading, deleting.

Messages are stored first and broadcast after commit (`transaction.on_commit`): the channel layer is at-most-once
and never the store. A client that missed a broadcast catches up from the database (`messages_since`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from messaging.models import Concern, Conversation, Member, Message
from messaging.services.outbox import outbox_write
from messaging.services.safeguarding import concern_raise, danger_words_in
from messaging.services.sockets import conversation_group, group_send, group_send_all

logger = logging.getLogger(__name__)

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Control characters other than tab and newline are not text.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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
    outbox_write(new, members)
    for message in new:
        if danger_words_in(message.body):
            concern_raise(message, Concern.Source.WORDS, None, "")
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
    transaction.on_commit(lambda: group_send_all(events))


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
            transaction.on_commit(lambda: group_send(conversation_group(locked.conversation_id), event))
    return locked
