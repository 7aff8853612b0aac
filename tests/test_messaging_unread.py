"""Unread counts (the messages list and the menu badge on every page): what they count (others' messages after the
member's read receipt, not deleted, only in conversations the member is still in), and, on PostgreSQL, that they
read the messages through the (conversation, id) index, never the whole table (issue #23)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import User
from messaging import selectors
from messaging.models import Conversation, Member, Message
from messaging.services import sending
from tests.builders.messaging import triad
from tests.conftest import World


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def send(user: User, conversation: Conversation, cid: str) -> Message:
    return sending.message_send(actor=user, conversation=conversation, body="Hoi!", client_msg_id=cid)[0]


def unread_in_list(user: User) -> dict[int, int]:
    return {conversation.pk: conversation.unread for conversation in selectors.conversation_list_for(user)}


def test_the_count_leaves_out_own_deleted_and_read_messages(world: World) -> None:
    conversation = triad(world)
    send(world.professional, conversation, "p1")
    first = send(world.mentor, conversation, "m1")
    send(world.mentor, conversation, "m2")
    deleted = send(world.mentor, conversation, "m3")
    sending.message_delete(actor=world.mentor, message=deleted)
    # Sending moves the sender's own receipt; one stored past it (another device of theirs) is still not unread.
    Message.objects.create(conversation=conversation, sender=world.professional, client_msg_id="p2", body="Hoi!")
    assert unread_in_list(world.professional)[conversation.pk] == 2
    assert selectors.unread_total_for(world.professional) == 2
    sending.message_mark_read(actor=world.professional, conversation=conversation, up_to=first.pk)
    assert unread_in_list(world.professional)[conversation.pk] == 1
    assert selectors.unread_total_for(world.professional) == 1
    # The young person read nothing: the professional's two and the mentor's two; the deleted one is not counted.
    assert selectors.unread_total_for(world.young_person_user) == 4
    assert unread_in_list(world.young_person_user)[conversation.pk] == 4


def test_a_member_who_left_counts_nothing_of_that_conversation(world: World) -> None:
    conversation = triad(world)
    send(world.professional, conversation, "p1")
    assert selectors.unread_total_for(world.mentor) == 1
    Member.objects.filter(conversation=conversation, user=world.mentor).update(left_at=timezone.now())
    assert selectors.unread_total_for(world.mentor) == 0
    assert conversation.pk not in unread_in_list(world.mentor)


def test_nobody_and_a_switched_off_account_count_nothing(world: World) -> None:
    conversation = triad(world)
    send(world.professional, conversation, "p1")
    world.mentor.is_active = False
    assert selectors.unread_total_for(world.mentor) == 0
    assert selectors.conversation_list_for(world.mentor) == []


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan asked of is PostgreSQL's")

# Messages in conversations of others, spread as in a region (151k messages over some thousand conversations).
OTHER_MESSAGES = 150_000
OTHER_CONVERSATIONS = 1_000


def _fill_other_conversations(world: World) -> None:
    """OTHER_CONVERSATIONS conversations about the foreign case, OTHER_MESSAGES messages among them, in two
    statements; then ANALYZE, so the planner knows the table's size as it would in production."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO messaging_conversation (kind, case_id, created_at, last_message_id)"
            " SELECT 'triad', %s, now(), 0 FROM generate_series(1, %s)",
            [world.foreign_case.pk, OTHER_CONVERSATIONS],
        )
        cursor.execute(
            "INSERT INTO messaging_message (conversation_id, sender_id, client_msg_id, body, created_at)"
            " SELECT c.id, %s, 'bulk-' || g, 'Hallo', now()"
            " FROM generate_series(1, %s) g"
            " JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM messaging_conversation"
            "       WHERE case_id = %s) c ON c.n = g %% %s",
            [world.outsider.pk, OTHER_MESSAGES, world.foreign_case.pk, OTHER_CONVERSATIONS],
        )
        cursor.execute("ANALYZE messaging_message")
        cursor.execute("ANALYZE messaging_conversation")
        cursor.execute("ANALYZE messaging_member")


def _plans(captured: CaptureQueriesContext) -> list[str]:
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


@postgres_only
def test_the_counts_read_the_index_not_the_messages_of_other_conversations(world: World) -> None:
    conversation = triad(world)
    first = send(world.mentor, conversation, "m1")
    send(world.young_person_user, conversation, "y1")
    _fill_other_conversations(world)
    assert Message.objects.count() == OTHER_MESSAGES + 2
    with CaptureQueriesContext(connection) as listed:
        counts = unread_in_list(world.professional)
    with CaptureQueriesContext(connection) as menu:
        total = selectors.unread_total_for(world.professional)
    assert counts[conversation.pk] == 2 and total == 2
    # The list reads the ids of the user's conversations, then their rows with the counts; the menu one query.
    assert len(listed.captured_queries) == 2 and len(menu.captured_queries) == 1
    plans = [plan for plan in _plans(listed) + _plans(menu) if "messaging_message" in plan]
    assert len(plans) == 2
    for plan in plans:
        assert "Seq Scan on messaging_message" not in plan, plan
    # The chat's catch-up and first page read the same (conversation, id) index (Message.conversation has none of
    # its own).
    with CaptureQueriesContext(connection) as chat:
        assert len(selectors.messages_catch_up(conversation, after=first.pk).messages) == 1
        assert len(selectors.messages_since(conversation)) == 2
    for plan in _plans(chat):
        assert "messaging_m_convers" in plan and "Seq Scan on messaging_message" not in plan, plan
