"""Writes of messaging about the notifications outbox: a notice (SMS or email) for members who are offline when a
message arrives, sent by a task after a grace period (and after the quiet hours for a young person), at most once
per SMS; and the provider's status callbacks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.notify import contact_channel
from core.ids import MAX_ID
from core.sms import sms_transport
from messaging.models import STATUS_RANK, Member, Message, Notification
from messaging.services.sockets import users_online

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


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


def outbox_write(new: list[Message], members: dict[int, dict[int, Member]]) -> None:
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
    online = users_online(sorted({user_id for _conversation, user_id in wanted}))
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
