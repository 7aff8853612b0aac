"""Messaging services: conversations follow the mentorship, sending is idempotent and limited, read receipts and
unread counts, the outbox rules (offline, quiet hours, 15 minutes), at most one SMS under injected Twilio faults,
the status webhook with Twilio's real RequestValidator, and safeguarding."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

import pytest
import requests
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from accounts.models import User
from core.sms import TwilioTransport
from mentors import services as mentor_services
from messaging import selectors
from messaging.models import Concern, Conversation, Member, Message, Notification
from messaging.services import membership, outbox, safeguarding, sending, sockets
from tests.builders.messaging import triad
from tests.conftest import World

TOKEN = "test-auth-token"
STATUS_URL = "https://dichtbij.example/berichten/twilio/status/"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_FROM_NUMBER = "+3197000000000"
    settings.MESSAGING_TWILIO_STATUS_URL = STATUS_URL


def send(user: User, conversation: Conversation, body: str = "Hoi!", cid: str = "c1") -> tuple[Message, bool]:
    return sending.message_send(actor=user, conversation=conversation, body=body, client_msg_id=cid)


# --- Conversations follow the mentorship ----------------------------------------------------------------------


def test_a_running_mentorship_gets_a_triad_and_a_coaching_conversation(world: World) -> None:
    conversation = triad(world)
    members = {m.user_id: m.party for m in Member.objects.filter(conversation=conversation, left_at__isnull=True)}
    assert members == {
        world.young_person_user.pk: "young_person",
        world.mentor.pk: "mentor",
        world.professional.pk: "professional",
    }
    coaching = Conversation.objects.get(kind=Conversation.Kind.COACHING)
    assert set(coaching.members.values_list("user_id", flat=True)) == {world.mentor.pk, world.professional.pk}
    # The parent and the coordinator are not in the triad: it is the young person's own place.
    for outsider in (world.parent, world.coordinator, world.outsider, world.analyst, world.admin):
        assert not selectors.conversation_visible_to(outsider).exists()


def test_a_finished_mentorship_makes_its_conversations_read_only(world: World) -> None:
    conversation = triad(world)
    assert conversation.mentorship is not None
    mentor_services.mentorship_move(
        actor=world.professional, mentorship=conversation.mentorship, move="stop", reason="Klaar"
    )
    conversation.refresh_from_db()
    assert conversation.closed_at is not None
    assert selectors.conversation_get_for(world.mentor, conversation.pk) == conversation
    with pytest.raises(PermissionDenied):
        selectors.conversation_get_for(world.mentor, conversation.pk, write=True)
    with pytest.raises(PermissionDenied):
        send(world.mentor, conversation)


def test_membership_follows_the_case(world: World) -> None:
    from youth.services import case_professional_remove

    conversation = triad(world)
    case_professional_remove(actor=world.coordinator, case=world.case, professional=world.professional)
    assert not selectors.conversation_visible_to(world.professional).exists()
    assert Member.objects.get(conversation=conversation, user=world.professional).left_at is not None


def test_a_professional_talks_with_a_parent_with_custody(world: World) -> None:
    conversation = membership.conversation_with_parent(actor=world.professional, case=world.case, parent=world.parent)
    assert set(conversation.members.values_list("user_id", flat=True)) == {world.parent.pk, world.professional.pk}
    again = membership.conversation_with_parent(actor=world.professional, case=world.case, parent=world.parent)
    assert again.pk == conversation.pk
    with pytest.raises(PermissionDenied):
        membership.conversation_with_parent(actor=world.outsider, case=world.case, parent=world.parent)


# --- Sending ------------------------------------------------------------------------------------------------------


def test_a_retry_with_the_same_client_id_stores_one_message(world: World) -> None:
    conversation = triad(world)
    first, created = send(world.young_person_user, conversation, cid="abc")
    again, created_again = send(world.young_person_user, conversation, cid="abc")
    assert created and not created_again and first.pk == again.pk
    assert Message.objects.count() == 1
    # Another sender may use the same client id.
    _other, created_other = send(world.mentor, conversation, cid="abc")
    assert created_other and Message.objects.count() == 2


def test_limits_length_empty_client_id_and_rate(world: World, settings: Any) -> None:
    conversation = triad(world)
    with pytest.raises(ValidationError):
        send(world.mentor, conversation, body="x" * 2001)
    with pytest.raises(ValidationError):
        send(world.mentor, conversation, body="  \x00 ")
    with pytest.raises(ValidationError):
        send(world.mentor, conversation, cid="<script>")
    send(world.mentor, conversation, body="x" * 2000, cid="long")
    settings.MESSAGING_RATE_COUNT = 3
    send(world.mentor, conversation, cid="r1")
    send(world.mentor, conversation, cid="r2")
    with pytest.raises(ValidationError, match="many messages"):
        send(world.mentor, conversation, cid="r3")


def test_only_current_members_send(world: World) -> None:
    conversation = triad(world)
    for user in (world.parent, world.outsider, world.coordinator):
        with pytest.raises(PermissionDenied):
            send(user, conversation)


def test_unread_counts_read_receipts_and_order(world: World) -> None:
    conversation = triad(world)
    coaching = Conversation.objects.get(kind=Conversation.Kind.COACHING)
    send(world.professional, coaching, cid="p1")
    send(world.mentor, conversation, cid="m1")
    last, _created = send(world.mentor, conversation, cid="m2")
    listed = selectors.conversation_list_for(world.professional)
    assert [c.pk for c in listed] == [conversation.pk, coaching.pk]
    assert [c.unread for c in listed] == [2, 0]
    assert selectors.unread_total_for(world.professional) == 2
    assert selectors.unread_total_for(world.mentor) == 1  # the professional's coaching message
    sending.message_mark_read(actor=world.professional, conversation=conversation, up_to=last.pk)
    assert selectors.unread_total_for(world.professional) == 0
    # A receipt never goes back.
    sending.message_mark_read(actor=world.professional, conversation=conversation, up_to=1)
    assert Member.objects.get(conversation=conversation, user=world.professional).last_read_id == last.pk


def test_a_sender_deletes_softly_and_nobody_deletes_another_persons_message(world: World) -> None:
    conversation = triad(world)
    message, _created = send(world.young_person_user, conversation)
    with pytest.raises(PermissionDenied):
        sending.message_delete(actor=world.professional, message=message)
    sending.message_delete(actor=world.young_person_user, message=message)
    message.refresh_from_db()
    assert message.deleted_at and message.deleted_by == world.young_person_user and message.body == "Hoi!"
    assert sending.message_payload(message)["body"] == ""


# --- Safeguarding ---------------------------------------------------------------------------------------------


def test_danger_words_alert_the_case_professional_without_blocking(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    conversation = triad(world)
    mail.outbox.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "users_online", lambda ids: set(ids))  # everyone online: no outbox notices
        with_django_commit = _commit_hooks()
        with with_django_commit:
            message, created = send(world.young_person_user, conversation, body="Ik wil soms niet meer leven.")
    assert created
    concern = Concern.objects.get()
    assert concern.source == Concern.Source.WORDS and concern.message == message
    assert [m.to for m in mail.outbox] == [[world.professional.email]]
    assert "leven" not in mail.outbox[0].body  # never the text of the message
    assert safeguarding.danger_words_in("Hij SLAAT ME soms") == ["slaat me"]
    assert safeguarding.danger_words_in("een mesje? nee, messing") == []


def test_a_member_reports_a_message_to_the_case_professional(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    conversation = triad(world)
    message, _created = send(world.mentor, conversation)
    mail.outbox.clear()
    with _commit_hooks():
        safeguarding.message_report(actor=world.young_person_user, message=message, reason="Raar")
    assert Concern.objects.get().reported_by == world.young_person_user
    assert [m.to for m in mail.outbox] == [[world.professional.email]]
    with pytest.raises(PermissionDenied):
        safeguarding.message_report(actor=world.parent, message=message)


def _commit_hooks() -> Any:
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


# --- The outbox -------------------------------------------------------------------------------------------------


def test_offline_members_get_one_notice_per_15_minutes(world: World) -> None:
    conversation = triad(world)
    sockets.presence_mark(user_id=world.professional.pk, online=True)
    send(world.mentor, conversation, cid="1")
    send(world.mentor, conversation, cid="2")
    # The young person (offline) once, the professional (online) not, the sender never.
    assert list(Notification.objects.values_list("user_id", flat=True)) == [world.young_person_user.pk]
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    send(world.mentor, conversation, cid="3")
    assert Notification.objects.filter(user=world.young_person_user).count() == 2


def test_two_tabs_count_and_a_notice_read_meanwhile_is_not_sent(world: World) -> None:
    conversation = triad(world)
    mentor = world.mentor.pk
    # Two tabs open, one closes: still online, so no notice.
    sockets.presence_mark(user_id=mentor, online=True)
    sockets._presence_join(mentor)
    sockets.presence_mark(user_id=mentor, online=False)
    send(world.professional, conversation, cid="1")
    assert not Notification.objects.filter(user=world.mentor).exists()
    # The last one closes; then the cache forgets everyone (a Redis restart): notices are written ...
    sockets.presence_mark(user_id=mentor, online=False)
    Notification.objects.all().delete()
    send(world.young_person_user, conversation, cid="2")
    notice = _due(Notification.objects.get(user=world.mentor))
    # ... but a page that was open reads the message before the notice is due, and nothing is sent.
    member = Member.objects.get(conversation=conversation, user=world.mentor)
    sending.message_mark_read(actor=world.mentor, conversation=conversation, up_to=notice.message_id or 0)
    assert Member.objects.get(pk=member.pk).last_read_id >= (notice.message_id or 0)
    assert outbox.notification_send(notification_id=notice.pk) == Notification.Status.READ
    assert mail.outbox == []


def test_storing_a_message_never_waits_for_redis(world: World, settings: Any) -> None:
    # A Redis that is not there (nothing listens on port 1): presence cannot be read or written.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # (pytest-django's settings fixture makes Django start new cache connections with these settings.)
    conversation = triad(world)
    sockets.presence_mark(user_id=world.professional.pk, online=True)  # lost, and no error
    message, created = send(world.mentor, conversation, body="Ook zonder Redis", cid="r")
    # Stored, and every other member counts as offline: a notice too many, never a message lost.
    assert created and Message.objects.get(pk=message.pk).body == "Ook zonder Redis"
    assert set(Notification.objects.values_list("user_id", flat=True)) == {
        world.young_person_user.pk,
        world.professional.pk,
    }


def test_quiet_hours_hold_a_young_persons_notice_until_seven(world: World) -> None:
    conversation = triad(world)
    late = timezone.make_aware(datetime(2026, 3, 10, 23, 30))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: late)
        send(world.professional, conversation)
    young = Notification.objects.get(user=world.young_person_user)
    assert timezone.localtime(young.send_after) == timezone.make_aware(datetime(2026, 3, 11, 7, 0))
    mentor = Notification.objects.get(user=world.mentor)
    # Quiet hours are for young people; others' notices wait only to see whether the message is read meanwhile.
    assert mentor.send_after == late + timedelta(seconds=settings.MESSAGING_NOTIFY_AFTER_SECONDS)
    assert outbox.quiet_until(timezone.make_aware(datetime(2026, 3, 11, 6, 59))) is not None
    assert outbox.quiet_until(timezone.make_aware(datetime(2026, 3, 11, 7, 0))) is None
    assert outbox.quiet_until(timezone.make_aware(datetime(2026, 3, 11, 21, 59))) is None
    # The task does not send before then.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: late + timedelta(minutes=5))
        assert outbox.notification_send(notification_id=young.pk) == Notification.Status.PENDING
    assert Notification.objects.get(pk=young.pk).attempts == 0


class FakeTwilio(HttpClient):
    """Twilio's HTTP boundary, faked: answers each request with the next scripted fault or success."""

    calls: ClassVar[list[dict[str, Any]]] = []
    script: ClassVar[list[Any]] = []

    def __init__(self) -> None:
        super().__init__(logger=None, is_async=False)

    def request(self, method: str, url: str, params: Any = None, data: Any = None, **kwargs: Any) -> Response:
        FakeTwilio.calls.append(dict(data or {}))
        outcome = FakeTwilio.script.pop(0) if FakeTwilio.script else 201
        if isinstance(outcome, Exception):
            raise outcome
        if outcome == 201:
            return Response(201, '{"sid": "SM' + "a" * 32 + '", "status": "queued"}')
        return Response(outcome, '{"code": 20500, "message": "fault", "status": ' + str(outcome) + "}")


class FakeTwilioTransport(TwilioTransport):
    def __init__(self) -> None:
        super().__init__(http_client=FakeTwilio())


@pytest.fixture
def sms_user(world: World, settings: Any) -> User:
    settings.SMS_TRANSPORT = "tests.test_messaging.FakeTwilioTransport"
    FakeTwilio.calls, FakeTwilio.script = [], []
    User.objects.filter(pk=world.mentor.pk).update(phone="+31612345678", contact_preference=User.Contact.SMS)
    return world.mentor


def _one_notice(world: World) -> Notification:
    conversation = triad(world)
    send(world.professional, conversation, body="Geheim: de tekst")
    notice = Notification.objects.get(user=world.mentor)
    return _due(notice)


def _due(notice: Notification) -> Notification:
    """The notice's wait (MESSAGING_NOTIFY_AFTER_SECONDS) is over."""
    Notification.objects.filter(pk=notice.pk).update(send_after=timezone.now())
    notice.refresh_from_db()
    return notice


@pytest.mark.parametrize(
    "fault",
    [500, 503, requests.exceptions.ReadTimeout("read timed out")],
    ids=["500", "503", "timeout"],
)
def test_an_ambiguous_twilio_failure_never_sends_twice(world: World, sms_user: User, fault: Any) -> None:
    notice = _one_notice(world)
    assert notice.channel == Notification.Channel.SMS
    FakeTwilio.script = [fault]
    assert outbox.notification_send(notification_id=notice.pk) == Notification.Status.UNKNOWN
    for _again in range(3):
        assert outbox.notification_send(notification_id=notice.pk) == Notification.Status.UNKNOWN
    assert len(FakeTwilio.calls) == 1


def test_a_definite_refusal_is_retried_with_backoff_and_sends_once(world: World, sms_user: User) -> None:
    notice = _one_notice(world)
    FakeTwilio.script = [429]
    assert outbox.notification_send(notification_id=notice.pk) == Notification.Status.PENDING
    notice.refresh_from_db()
    assert notice.send_after > timezone.now() + timedelta(seconds=50)
    Notification.objects.filter(pk=notice.pk).update(send_after=timezone.now())
    assert outbox.notification_send(notification_id=notice.pk) == Notification.Status.QUEUED
    assert outbox.notification_send(notification_id=notice.pk) == Notification.Status.QUEUED
    assert len(FakeTwilio.calls) == 2
    body = FakeTwilio.calls[-1]["Body"]
    assert "Geheim" not in body and "/berichten/" in body
    assert FakeTwilio.calls[-1]["StatusCallback"] == STATUS_URL


def test_email_notice_has_no_message_text(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    conversation = triad(world)
    send(world.mentor, conversation, body="Geheim")
    notice = _due(Notification.objects.get(user=world.professional))
    assert outbox.notification_send(notification_id=notice.pk) == Notification.Status.SENT
    assert len(mail.outbox) == 1 and "Geheim" not in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_outbox(world: World, sms_user: User, settings: Any) -> None:
    from django.core.management import call_command

    settings.MESSAGING_NOTIFY_AFTER_SECONDS = 0  # the task is queued for when the notice is due
    notice = _one_notice(world)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    notice.refresh_from_db()
    ours = [call for call in FakeTwilio.calls if "/berichten/" in call["Body"]]
    assert notice.status == Notification.Status.QUEUED and len(ours) == 1


# --- The status webhook -----------------------------------------------------------------------------------------


def _post_status(client: Client, data: dict[str, str], *, signature: str | None) -> HttpResponseBase:
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    return client.post(reverse("messaging:twilio_status"), data, headers=headers)


def test_the_webhook_checks_the_signature_and_never_goes_back(world: World, sms_user: User, client: Client) -> None:
    notice = _one_notice(world)
    outbox.notification_send(notification_id=notice.pk)
    sid = Notification.objects.get(pk=notice.pk).provider_sid
    validator = RequestValidator(TOKEN)

    def status(value: str, *, signature: str | None = "valid") -> int:
        data = {"MessageSid": sid, "MessageStatus": value, "AccountSid": "AC" + "0" * 32}
        if signature == "valid":
            signature = validator.compute_signature(STATUS_URL, data)
        return _post_status(client, data, signature=signature).status_code

    assert status("delivered", signature=None) == 403
    assert status("delivered", signature="bm90IGEgc2lnbmF0dXJl") == 403
    assert Notification.objects.get(pk=notice.pk).status == Notification.Status.QUEUED
    assert status("sent") == 204
    assert Notification.objects.get(pk=notice.pk).status == Notification.Status.SENT
    assert status("delivered") == 204
    assert status("sent") == 204  # late, out of order
    assert status("queued") == 204
    assert Notification.objects.get(pk=notice.pk).status == Notification.Status.DELIVERED


def test_the_demo_has_sannes_triad_with_a_few_messages(db: None, settings: Any, tmp_path: Any) -> None:
    from django.core.management import call_command

    settings.MATCHING_MODEL_DIR = str(tmp_path)
    call_command("demo_load")
    conversation = Conversation.objects.get(case__young_person__first_name="Sanne", kind=Conversation.Kind.TRIAD)
    names = {m.user.first_name for m in selectors.conversation_members(conversation)}
    assert names == {"Sanne", "Karin", "Lisa"}
    assert conversation.messages.count() == 5


def test_a_support_family_match_gets_its_group_from_the_trial_on(world: World) -> None:
    from hostfamilies import services as match_services
    from hostfamilies.states import State as MatchState
    from tests.builders.hostfamilies import advance, request_for, support_family

    host = support_family(world.organisation, world.coordinator, user=world.volunteer)
    match = match_services.match_propose(actor=world.coordinator, request=request_for(world), volunteer=host)
    match = advance(world, match, MatchState.APPROVED)
    assert not Conversation.objects.filter(match=match).exists()
    match = match_services.match_move(actor=world.coordinator, match=match, move="start_trial")
    group = Conversation.objects.get(match=match)
    assert set(group.members.values_list("user_id", flat=True)) == {
        world.parent.pk,
        world.volunteer.pk,
        world.coordinator.pk,
    }
    advance(world, match, MatchState.STOPPED)
    group.refresh_from_db()
    assert group.closed_at is not None
