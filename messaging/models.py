"""Conversations between the people around a young person, their messages, read receipts, the notifications
outbox and safeguarding concerns.

Members are never typed in by hand: services derive them from the mentorship, the support-family match, the request
for a social broker or the case (messaging/services/membership.py, `conversation_sync`). Changes go through the
modules of messaging/services/ only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from youth.models import Case


class Conversation(models.Model):
    class Kind(models.TextChoices):
        TRIAD = "triad", _("young person, mentor and professional")
        COACHING = "coaching", _("coaching of the mentor")
        MATCH = "match", _("family, support family and coordinator")
        PARENT = "parent", _("professional and parent")
        BROKER = "broker", _("family and social broker")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="conversations")
    mentorship = models.ForeignKey(
        "mentors.Mentorship", on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    match = models.ForeignKey(
        "hostfamilies.SupportFamilyMatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conversations",
    )
    # For the broker kind: the request for a social broker it belongs to.
    broker_request = models.ForeignKey(
        "community.BrokerRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conversations",
    )
    # For the professional-with-parent kind: the parent it is with.
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Read-only from this moment: the mentorship, match or request for a broker ended.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Kept by message_send so the list is ordered by latest message without an aggregate.
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The id of the latest message (0: none), kept with it: each broadcast names the message before it in the
    # conversation ("prev"), so a client that missed one (a dropped broadcast) sees the gap and catches up.
    last_message_id = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "kind"], condition=Q(mentorship__isnull=False), name="conversation_one_per_kind"
            ),
            models.UniqueConstraint(
                fields=["match"], condition=Q(match__isnull=False), name="conversation_one_per_match"
            ),
            models.UniqueConstraint(
                fields=["case", "parent"], condition=Q(kind="parent"), name="conversation_one_per_parent"
            ),
            models.UniqueConstraint(
                fields=["broker_request"],
                condition=Q(broker_request__isnull=False),
                name="conversation_one_per_broker_request",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["triad", "coaching", "match", "parent", "broker"]), name="conv_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind="broker", broker_request__isnull=False) | ~Q(kind="broker") & Q(broker_request=None),
                name="conv_broker_request_for_broker_kind",
            ),
        ]


class Member(models.Model):
    """One person in a conversation, as derived from its source; `left_at` set when they no longer take part."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversation_members")
    # The party they take part as (young_person, mentor, professional, parent, volunteer, coordinator, broker).
    party = models.CharField(max_length=20)
    # Read receipt: the highest message id this member has seen (0: none).
    last_read_id = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="member_once")]
        indexes = [models.Index(fields=["user", "left_at"])]


class Message(models.Model):
    # No index of its own: the (conversation, id) index below serves every lookup by conversation, and with a
    # single-column one beside it PostgreSQL counted a member's unread messages by filtering all of a
    # conversation's messages instead of reading the range after the read receipt (5.6 against 0.8 ms on the
    # menu's badge of a coordinator in 393 conversations, issue #23).
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages", db_index=False)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Chosen by the sender's client: a retry of the same message carries the same id and stores nothing new.
    client_msg_id = models.CharField(max_length=64)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Soft delete: the text is hidden from the members, the row and who deleted it stay (logged).
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["sender", "client_msg_id"], name="message_client_id_once")]
        # (sender, created_at): the per-user rate limit counts a sender's recent messages.
        indexes = [models.Index(fields=["conversation", "id"]), models.Index(fields=["sender", "created_at"])]


class Notification(models.Model):
    """The outbox: written in the same transaction as the message, sent by a background task."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("email")

    class Status(models.TextChoices):
        # Order matters: a status never goes back to an earlier rank (STATUS_RANK).
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        UNKNOWN = "unknown", _("not known if sent")
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        UNDELIVERED = "undelivered", _("not delivered")
        FAILED = "failed", _("failed")
        # Not sent: the member read the message before the notice was due.
        READ = "read", _("read before it was sent")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notifications")
    # The newest message the notice is about: it is not sent when the member has read up to it by then.
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not before this moment (the end of the quiet hours).
    send_after = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempted_at = models.DateTimeField(null=True, blank=True)
    provider_sid = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "user", "created_at"])]


STATUS_RANK: dict[str, int] = {
    Notification.Status.PENDING: 0,
    Notification.Status.SENDING: 1,
    Notification.Status.UNKNOWN: 2,
    Notification.Status.QUEUED: 3,
    Notification.Status.SENT: 4,
    Notification.Status.DELIVERED: 5,
    Notification.Status.UNDELIVERED: 5,
    Notification.Status.FAILED: 5,
    Notification.Status.READ: 5,
}


class Concern(models.Model):
    """A worry about a message for the case professional: reported by a member, or raised by the danger words."""

    class Source(models.TextChoices):
        REPORT = "report", _("reported by a member")
        WORDS = "words", _("danger signal in the text")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="concerns")
    source = models.CharField(max_length=10, choices=Source.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
