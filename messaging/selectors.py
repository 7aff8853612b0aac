"""Reads of conversations. Every access goes through `conversation_visible_to` / `conversation_get_for`.

Who sees a conversation: its current members (Member rows without `left_at`, kept in step with the mentorship,
match, request for a social broker or case by messaging/services/membership.py), while their account is active.
Everyone else gets 404, the same answer as "does not exist": also coordinators, analysts and administrators who are
not members. A closed conversation (the mentorship, match or request ended) stays readable for its members and is
read-only (403 on write).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import Role, User
from accounts.selectors import AnyUser
from core.ids import id_in_range
from core.selectors import object_get_for
from messaging.models import Conversation, Member, Message

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

__all__ = [
    "CATCH_UP_LIMIT",
    "Banner",
    "CatchUp",
    "conversation_access_basis",
    "conversation_access_of",
    "conversation_banner",
    "conversation_get_for",
    "conversation_is_visible",
    "conversation_list_for",
    "conversation_list_query",
    "conversation_members",
    "conversation_of_brokerrequest",
    "conversation_visible_to",
    "conversation_writable_by",
    "memberships_current",
    "messages_catch_up",
    "messages_since",
    "unread_total_for",
]


def conversation_visible_to(user: AnyUser) -> QuerySet[Conversation]:
    """Conversations the user is a current member of (none for anonymous or deactivated users; `is_active` is read
    in the same query, so an open chat socket holding an old user object loses access as soon as it is switched off).
    """
    if not user.is_authenticated or not user.is_active:
        return Conversation.objects.none()
    return Conversation.objects.filter(
        pk__in=Member.objects.filter(user=user, left_at__isnull=True, user__is_active=True).values("conversation_id")
    )


def conversation_writable_by(user: AnyUser) -> QuerySet[Conversation]:
    """Visible conversations that are not closed."""
    return conversation_visible_to(user).filter(closed_at__isnull=True)


def conversation_get_for(user: AnyUser, pk: int, write: bool = False) -> Conversation:
    """One conversation: 404 when the user is not a member, 403 when `write` is asked and it is closed."""
    visible = conversation_visible_to(user).select_related(
        "case__young_person", "case__organisation", "mentorship", "parent", "match__request__organisation"
    )
    return object_get_for(visible, conversation_writable_by(user), pk, write=write)


def conversation_is_visible(user: AnyUser, pk: int) -> bool:
    """Whether the user may read conversation `pk` now: an open chat socket's check on every catch-up and read receipt.
    The rule of `conversation_visible_to` (a current member whose account is active, read in the same query) asked of
    the one membership row, without that queryset's joins."""
    return user.is_authenticated and user.is_active and bool(memberships_current({(user.pk, pk)}))


def memberships_current(pairs: Collection[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (user id, conversation id) pairs are a current member with an active account, in one query:
    for one socket (`conversation_is_visible`) or for many joining at once. An id out of range is no member
    (core.ids: the `__in` list must not reach SQLite)."""
    pairs = {(user_id, conversation_id) for user_id, conversation_id in pairs if id_in_range(conversation_id)}
    if not pairs:
        return set()
    rows = Member.objects.filter(
        user_id__in={user_id for user_id, _ in pairs},
        conversation_id__in={conversation_id for _, conversation_id in pairs},
        left_at__isnull=True,
        user__is_active=True,
    ).values_list("user_id", "conversation_id")
    return set(rows) & pairs


def conversation_of_brokerrequest(user: AnyUser, request: Any) -> Conversation | None:
    """The conversation of a request for a social broker, when the user is one of its members (for a link from the
    request's page). One query."""
    return conversation_visible_to(user).filter(broker_request=request).first()


# The part a member takes in a conversation → the role that gave them access, for the access log.
PARTY_ROLES = {
    "young_person": Role.YOUNG_PERSON,
    "parent": Role.PARENT,
    "mentor": Role.MENTOR,
    "volunteer": Role.VOLUNTEER,
    "broker": Role.VOLUNTEER,
    "professional": Role.PROFESSIONAL,
    "coordinator": Role.COORDINATOR,
}


def conversation_access_basis(conversation: Conversation, party: str) -> tuple[str, str]:
    """The role and organisation through which a member with `party` sees the conversation's young person, for the
    access log: a professional through the case's organisation, a coordinator through the support organisation of
    the match. No queries: the conversation comes from `conversation_get_for` or `conversation_list_for`."""
    role = PARTY_ROLES.get(party, "")
    if role == Role.PROFESSIONAL:
        return role, conversation.case.organisation.name
    if role == Role.COORDINATOR and conversation.match is not None:
        return role, conversation.match.request.organisation.name
    return role, ""


def conversation_access_of(user: AnyUser, pk: int) -> tuple[int, tuple[str, str]] | None:
    """For the access log of a catch-up (HTTP or socket): the conversation's young person and the role and
    organisation through which the user, as a current member, reads it (`conversation_access_basis`); None for
    anyone else. One query."""
    if not user.is_authenticated or not id_in_range(pk):  # core.ids: a foreign key's lookup
        return None
    member = (
        Member.objects.filter(user_id=user.pk, conversation_id=pk, left_at__isnull=True)
        .select_related("conversation__case__organisation", "conversation__match__request__organisation")
        .first()
    )
    if member is None:
        return None
    conversation = member.conversation
    return conversation.case.young_person_id, conversation_access_basis(conversation, member.party)


def conversation_members(conversation: Conversation) -> list[Member]:
    """Current members with their users, in a stable order. One query."""
    return list(conversation.members.filter(left_at__isnull=True).select_related("user").order_by("party", "user_id"))


class ConversationListRow(TypedDict):
    """What `conversation_list_for` adds to each conversation, for the list page and the access log."""

    my_last_read: int | None
    my_party: str
    unread: int


def _unread_after(conversation: OuterRef, marker: OuterRef, user_id: int) -> Subquery:
    """The number of messages of others, not deleted, after `marker` in `conversation` (both of the outer query),
    as a correlated subquery: a range of the (conversation, id) index from the marker on, so its cost is the
    member's unread messages and never the messages of other conversations. (Issue #23: the list's count over a
    join with every message read the whole table, 127 ms on PostgreSQL with 150k messages elsewhere, now 1.6 ms;
    tests/test_messaging_unread.py checks the plan.)"""
    unread = (
        Message.objects.filter(conversation=conversation, id__gt=marker, deleted_at__isnull=True)
        .exclude(sender_id=user_id)
        .order_by()
        .values("conversation")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Subquery(unread, output_field=IntegerField())


def conversation_list_for(user: AnyUser) -> list[WithAnnotations[Conversation, ConversationListRow]]:
    """The user's conversations, latest message first, each with `unread` (messages of others after the user's read
    receipt, `_unread_after`). Two queries whatever the number of conversations and of messages (the ids, the
    rows)."""
    if not user.is_authenticated or not user.is_active:
        return []
    assert isinstance(user, User)  # an authenticated user is one
    return list(conversation_list_query(user))


def conversation_list_query(user: User) -> QuerySet[WithAnnotations[Conversation, ConversationListRow]]:
    """The rows of `conversation_list_for` as a query not yet run, so the list page can take one page of it
    (core.paging). Reads the ids of the user's conversations first (one query)."""
    # The ids first, then the rows by id. In one query, the membership subquery and the eight tables of the list
    # were more than PostgreSQL reorders (join_collapse_limit), so it joined all of a region's conversations before
    # keeping the user's (12 against 0.3 ms); with fewer tables it spent 6-10 ms choosing the join order. By ids it
    # plans in 1 ms and reads only the user's rows (issue #23).
    ids = list(conversation_visible_to(user).values_list("pk", flat=True))
    mine = Member.objects.filter(conversation=OuterRef("pk"), user=user)
    return (
        Conversation.objects.filter(pk__in=ids)
        .select_related("case__young_person", "case__organisation", "match__request__organisation")
        .annotate(my_last_read=Subquery(mine.values("last_read_id")[:1]), my_party=Subquery(mine.values("party")[:1]))
        .annotate(unread=Coalesce(_unread_after(OuterRef("pk"), OuterRef("my_last_read"), user.pk), 0))
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
    )


def unread_total_for(user: AnyUser) -> int:
    """How many messages of others the user has not read, over all their conversations (the menu, on every page).
    One query: the user's current memberships (the (user, left_at) index), and for each the unread messages after
    its read receipt (`_unread_after`)."""
    if not user.is_authenticated or not user.is_active:
        return 0
    total = (
        Member.objects.filter(user_id=user.pk, left_at__isnull=True)
        .annotate(unread=_unread_after(OuterRef("conversation_id"), OuterRef("last_read_id"), user.pk))
        .aggregate(total=Sum("unread"))["total"]
    )
    return int(total or 0)


# A catch-up answers at most this many messages at a time; `more` tells the client to ask again after the last.
CATCH_UP_LIMIT = 500


@dataclass(frozen=True)
class CatchUp:
    messages: list[Message]
    more: bool


def messages_catch_up(conversation: Conversation, after: int, *, limit: int = CATCH_UP_LIMIT) -> CatchUp:
    """The messages after id `after`, oldest first, at most `limit`, and whether more follow (so a page that missed
    more than `limit` asks again until it holds everything). One query (one row more than it answers)."""
    if not after:
        # A page that holds nothing yet gets the latest, as the page itself shows them; older ones are history.
        return CatchUp(messages_since(conversation, 0, limit=limit), more=False)
    found = messages_since(conversation, after, limit=limit + 1)
    return CatchUp(found[:limit], more=len(found) > limit)


def messages_since(conversation: Conversation, after: int = 0, *, limit: int = 200) -> list[Message]:
    """Messages after id `after`, oldest first (the latest `limit` when `after` is 0, for a page). One query."""
    messages = Message.objects.filter(conversation=conversation).select_related("sender")
    if after:
        return list(messages.filter(id__gt=after).order_by("id")[:limit])
    return list(reversed(messages.order_by("-id")[:limit]))


@dataclass(frozen=True)
class Banner:
    names: list[str]
    young_person_told: bool


def conversation_banner(conversation: Conversation, members: list[Member]) -> Banner:
    """Who can read this conversation: the first names of its members, for the banner at the top."""
    names = [member.user.get_short_name() or str(member.user) for member in members]
    return Banner(names=names, young_person_told=any(m.party == "young_person" for m in members))


def member_users(conversation: Conversation) -> list[User]:
    return [member.user for member in conversation_members(conversation)]
