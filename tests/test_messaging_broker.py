"""The family talks with the social broker in a conversation that follows the request for a broker: it starts when a
broker is linked, holds the broker, the custodial parents, the young person from 12 and the case's professionals
(derived, never typed), follows changes of the case, and becomes read-only when the request ends. Pages and the
broker request's link per role on the own and a foreign request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from accounts.models import Role
from community.brokers import services as community
from community.models import BrokerRequest
from messaging import selectors
from messaging.models import Conversation, Message
from messaging.services import membership, sending
from tests.builders.messaging import MEMBERS, conversation_of, linked
from tests.conftest import PERSONAS, World
from tests.factories import add_guardian, born_years_ago, user_with_role
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from youth import services as youth

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english(client: Client) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def members(conversation: Conversation) -> dict[int, str]:
    return {m.user_id: m.party for m in conversation.members.filter(left_at__isnull=True)}


def test_the_conversation_starts_when_a_broker_is_linked_with_the_people_of_the_request(world: World) -> None:
    waiting = community.brokerrequest_ask(user=world.professional, case=world.case, purpose="Een oudergroep")
    assert not Conversation.objects.filter(broker_request=waiting).exists(), "no broker, no conversation"
    BrokerRequest.objects.filter(pk=waiting.pk).delete()
    conversation = conversation_of(linked(world))
    assert conversation.case_id == world.case.pk and conversation.closed_at is None
    assert members(conversation) == {
        world.volunteer.pk: "broker",
        world.parent.pk: "parent",
        world.young_person_user.pk: "young_person",
        world.professional.pk: "professional",
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_membership_per_role_on_the_own_and_a_foreign_request(world: World, persona: str) -> None:
    own, foreign = conversation_of(linked(world)), conversation_of(linked(world, own=False))
    visible = set(selectors.conversation_visible_to(world.by_role(persona)).values_list("pk", flat=True))
    assert (own.pk in visible) == (persona in MEMBERS)
    assert (foreign.pk in visible) == (persona == "outsider")


def test_a_parent_without_custody_and_an_inactive_parent_are_not_in_it(world: World) -> None:
    without_custody = user_with_role(Role.PARENT)
    add_guardian(world.young_person, without_custody, custody=False)
    conversation = conversation_of(linked(world))
    assert without_custody.pk not in members(conversation)
    world.parent.is_active = False
    world.parent.save(update_fields=["is_active"])
    membership.conversation_sync(conversation=conversation)
    assert world.parent.pk not in members(conversation)


def test_under_12_the_young_person_joins_on_her_12th_birthday(world: World) -> None:
    world.young_person.date_of_birth = born_years_ago(12, days_after_birthday=-10)  # 12 in ten days
    world.young_person.save(update_fields=["date_of_birth"])
    conversation = conversation_of(linked(world))
    assert world.young_person_user.pk not in members(conversation)
    [task] = DBTaskResult.objects.filter(task_path="messaging.tasks.conversation_sync_task")
    assert task.args_kwargs["args"] == [conversation.pk]
    assert timezone.localtime(task.run_after).date() == TODAY + timedelta(days=10)
    assert membership.conversation_resync(conversation_id=conversation.pk)
    assert world.young_person_user.pk not in members(conversation), "not yet 12"
    world.young_person.date_of_birth = born_years_ago(12, days_after_birthday=0)
    world.young_person.save(update_fields=["date_of_birth"])
    assert membership.conversation_resync(conversation_id=conversation.pk)
    assert members(conversation)[world.young_person_user.pk] == "young_person"


def test_no_birthday_task_from_12(world: World) -> None:
    linked(world)
    assert not DBTaskResult.objects.filter(task_path="messaging.tasks.conversation_sync_task").exists()


def test_the_members_follow_the_case(world: World) -> None:
    conversation = conversation_of(linked(world))
    colleague = user_with_role(Role.PROFESSIONAL, world.organisation, first_name="Joris")
    youth.case_professional_add(actor=world.coordinator, case=world.case, professional=colleague)
    assert members(conversation)[colleague.pk] == "professional"
    youth.case_professional_remove(actor=world.coordinator, case=world.case, professional=world.professional)
    assert world.professional.pk not in members(conversation)
    second = youth.guardian_add(
        actor=world.coordinator,  # the professional was just taken off the case: they may no longer link a parent
        young_person=world.young_person,
        first_name="Jeroen",
        last_name="Jansen",
        email="jeroen@example.org",
        kind="parent",
        has_custody=True,
    )
    assert members(conversation)[second.guardian_id] == "parent"


@pytest.mark.parametrize("how", ["ended", "case closed"])
def test_ending_the_request_makes_the_conversation_read_only(world: World, client: Client, how: str) -> None:
    request = linked(world)
    conversation = conversation_of(request)
    if how == "ended":
        community.brokerrequest_end(user=world.professional, request=request, reason="done")
    else:
        world.case.closed_on = TODAY
        world.case.save(update_fields=["closed_on"])
        community.brokerrequests_end_for_case(case=world.case)
    conversation.refresh_from_db()
    assert conversation.closed_at is not None
    assert membership.conversation_resync(conversation_id=conversation.pk) is False
    with pytest.raises(PermissionDenied):
        sending.message_send(actor=world.parent, conversation=conversation, body="Hallo", client_msg_id="p-1")
    client.force_login(world.parent)
    page = client.get(reverse("messaging:detail", args=[conversation.pk]))
    assert page.status_code == OK and "You can still read it" in page.content.decode()
    assert 'id="chat-form"' not in page.content.decode()
    send = client.post(reverse("messaging:send", args=[conversation.pk]), {"body": "Hallo", "client_msg_id": "p-2"})
    assert send.status_code == FORBIDDEN and not Message.objects.exists()
    request_page = client.get(reverse("community:brokerrequest_detail", args=[request.pk])).content.decode()
    assert "Read the conversation (closed)" in request_page


MEMBER_READS_OWN = expect(HIDDEN, young_person_user=OK, parent=OK, volunteer=OK, professional=OK)
MEMBER_WRITES_OWN = expect(
    HIDDEN, young_person_user=REDIRECT, parent=REDIRECT, volunteer=REDIRECT, professional=REDIRECT
)
VIEWS = [
    ("conversation", "get", "messaging:detail", MEMBER_READS_OWN, expect(HIDDEN, outsider=OK)),
    ("send (post)", "post", "messaging:send", MEMBER_WRITES_OWN, expect(HIDDEN, outsider=REDIRECT)),
]


@pytest.mark.parametrize(("name", "method", "url_name", "persona", "own", "expected"), role_matrix(VIEWS))
def test_the_conversation_pages_per_role(
    world: World, client: Client, name: str, method: str, url_name: str, persona: str, own: bool, expected: int
) -> None:
    conversation = conversation_of(linked(world, own=own))
    client.force_login(world.by_role(persona))
    payload = {"body": "Hoi allemaal", "client_msg_id": "m-1"} if method == "post" else {}
    response = getattr(client, method)(reverse(url_name, args=[conversation.pk]), payload)
    assert response.status_code == expected
    if method == "post":
        assert Message.objects.filter(conversation=conversation).count() == (1 if expected == REDIRECT else 0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_request_page_links_to_the_conversation_for_its_members_only(
    world: World, client: Client, persona: str
) -> None:
    own, foreign = linked(world), linked(world, own=False)
    client.force_login(world.by_role(persona))
    for request, members_of in ((own, MEMBERS), (foreign, {"outsider"})):
        page = client.get(reverse("community:brokerrequest_detail", args=[request.pk]))
        link = reverse("messaging:detail", args=[conversation_of(request).pk])
        if page.status_code == OK:
            assert (link in page.content.decode()) == (persona in members_of)
        else:
            assert persona not in members_of


def test_the_conversation_says_who_is_in_it(world: World, client: Client) -> None:
    conversation = conversation_of(linked(world))
    client.force_login(world.volunteer)
    page = client.get(reverse("messaging:detail", args=[conversation.pk])).content.decode()
    assert "About Sanne: family and social broker" in page
    assert "This conversation is with the social broker." in page
    for name in ("Ahmed", "Marieke", "Sanne", "Lisa"):
        assert name in page
    assert "Peter" not in page, "the coordinator is not in it"
