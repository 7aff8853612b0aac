"""Writes of messaging about who takes part: conversations follow their mentorship, match, broker request or case
(each feature registers how it finds the members and in which steps its conversations run), and the conversation
of a professional with a parent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from messaging.models import Conversation, Member
from messaging.services.sockets import conversation_group, group_send, sockets_close
from youth.ages import CONSENT_OWN_AGE, birthday
from youth.models import Case
from youth.parties import Party, is_custodial_parent, is_professional_of, party_user_queryset

Kind = Conversation.Kind


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
    return lambda: sockets_close(user_id, conversation_id)


def _close(conversation: Conversation) -> None:
    if conversation.closed_at is None:
        conversation.closed_at = timezone.now()
        conversation.save(update_fields=["closed_at"])
        pk = conversation.pk
        transaction.on_commit(lambda: group_send(conversation_group(pk), {"type": "conversation.closed"}))


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
