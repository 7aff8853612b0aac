"""Who works on a case: the coordinator puts professionals on it and takes them off, the case's conversations follow
(never a typed list), a professional opens the conversation with a parent from the case page, and deactivating an
account in the admin goes through the service that closes the person's chat windows."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from messaging import selectors as messaging_selectors
from messaging.models import Conversation, Member
from messaging.services import membership
from tests.builders.messaging import triad
from tests.conftest import World
from tests.factories import user_with_role
from tests.permissions import FORBIDDEN, HIDDEN, REDIRECT, expect, role_matrix
from youth import services
from youth.models import CaseAssignment, Guardianship


@pytest.fixture(autouse=True)
def english(client: Client) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield


def case_pk(world: World, own: bool) -> int:
    return (world.case if own else world.foreign_case).pk


def colleague(world: World) -> User:
    return user_with_role(Role.PROFESSIONAL, world.organisation, first_name="Noor")


UrlOf = Callable[[World, bool], str]
DataOf = Callable[[World], dict[str, object]]
VIEWS: list[tuple[str, UrlOf, DataOf, dict[str, int], dict[str, int]]] = [
    (
        "add a professional",
        lambda w, own: reverse("youth:case_professional_add", args=[case_pk(w, own)]),
        lambda w: {"professional": colleague(w).pk},
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "take a professional off",
        lambda w, own: reverse(
            "youth:case_professional_remove",
            args=[case_pk(w, own), (w.professional if own else w.outsider).pk],
        ),
        lambda w: {},
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "message a parent",
        # The foreign young person has no parent in the cast: the outsider, who works on that case, gets 404.
        lambda w, own: reverse("messaging:with_parent", args=[case_pk(w, own), w.parent.pk]),
        lambda w: {},
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=REDIRECT, coordinator=FORBIDDEN),
        expect(HIDDEN),
    ),
]


@pytest.mark.parametrize(("name", "url", "data", "persona", "own", "expected"), role_matrix(VIEWS))
def test_each_role_on_its_own_case_and_a_foreign_one(
    world: World, client: Client, name: str, url: UrlOf, data: DataOf, persona: str, own: bool, expected: int
) -> None:
    client.force_login(world.by_role(persona))
    assert client.post(url(world, own), data(world)).status_code == expected
    if expected != REDIRECT and name != "message a parent":
        assert set(CaseAssignment.objects.values_list("professional_id", flat=True)) == {
            world.professional.pk,
            world.outsider.pk,
        }


@pytest.mark.parametrize("name", ["add a professional", "take a professional off", "message a parent"])
def test_anonymous_visitors_are_sent_to_login(world: World, client: Client, name: str) -> None:
    url = next(v[1] for v in VIEWS if v[0] == name)
    response = client.post(url(world, True))
    assert response.status_code == REDIRECT
    assert response["Location"].startswith(reverse("account_login"))


def test_a_new_professional_joins_the_conversations_and_can_take_the_lead(world: World, client: Client) -> None:
    conversation = triad(world)
    with_parent = membership.conversation_with_parent(actor=world.professional, case=world.case, parent=world.parent)
    noor = colleague(world)
    client.force_login(world.coordinator)
    page = client.get(reverse("youth:case_detail", args=[world.case.pk])).content.decode()
    assert "Put a professional on this case" in page and "Noor" in page
    response = client.post(
        reverse("youth:case_professional_add", args=[world.case.pk]), {"professional": noor.pk, "lead": "on"}
    )
    assert response.status_code == REDIRECT
    assert CaseAssignment.objects.get(case=world.case, is_lead=True).professional == noor
    assert CaseAssignment.objects.get(case=world.case, professional=world.professional).is_lead is False
    for joined in (conversation, with_parent):
        assert Member.objects.filter(conversation=joined, user=noor, left_at__isnull=True).exists()
    assert (
        "Every professional of this organisation already works on this case."
        in client.get(reverse("youth:case_detail", args=[world.case.pk])).content.decode()
    )


def test_a_professional_taken_off_leaves_the_conversations(world: World, client: Client) -> None:
    conversation = triad(world)
    client.force_login(world.coordinator)
    url = reverse("youth:case_professional_remove", args=[world.case.pk, world.professional.pk])
    assert client.post(url).status_code == REDIRECT
    assert not messaging_selectors.conversation_visible_to(world.professional).exists()
    assert Member.objects.get(conversation=conversation, user=world.professional).left_at is not None
    # Twice: the second time there is nothing to take off.
    assert client.post(url).status_code == 404
    # Back on the case, the professional rejoins and sees the history again.
    services.case_professional_add(actor=world.coordinator, case=world.case, professional=world.professional)
    assert conversation in messaging_selectors.conversation_visible_to(world.professional)


def test_wrong_choices_are_refused_with_a_message_and_change_nothing(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    url = reverse("youth:case_professional_add", args=[world.case.pk])
    for data in (
        {"professional": world.outsider.pk},
        {"professional": world.professional.pk},
        {},
        {"professional": "x"},
    ):
        response = client.post(url, data)
        assert response.status_code == 400
        assert 'aria-invalid="true"' in response.content.decode() or "errorlist" in response.content.decode()
    assert CaseAssignment.objects.filter(case=world.case).count() == 1
    with pytest.raises(ValidationError, match="of this organisation"):
        services.case_professional_add(actor=world.coordinator, case=world.case, professional=world.outsider)
    with pytest.raises(PermissionDenied):
        services.case_professional_add(actor=world.professional, case=world.case, professional=colleague(world))
    world.case.closed_on = timezone.localdate()
    world.case.save()
    with pytest.raises(ValidationError):
        services.case_professional_add(actor=world.coordinator, case=world.case, professional=colleague(world))


def test_the_case_page_offers_the_parent_conversation_to_its_professionals_only(world: World, client: Client) -> None:
    client.force_login(world.professional)
    page = client.get(reverse("youth:case_detail", args=[world.case.pk])).content.decode()
    assert f"Messages with {world.parent.first_name}" in page
    assert "Put a professional on this case" not in page
    response = client.post(reverse("messaging:with_parent", args=[world.case.pk, world.parent.pk]))
    conversation = Conversation.objects.get(kind=Conversation.Kind.PARENT)
    assert response["Location"] == reverse("messaging:detail", args=[conversation.pk])
    # Again: the same conversation, not a second one.
    client.post(reverse("messaging:with_parent", args=[world.case.pk, world.parent.pk]))
    assert Conversation.objects.filter(kind=Conversation.Kind.PARENT).count() == 1
    client.force_login(world.coordinator)
    assert "Messages with" not in client.get(reverse("youth:case_detail", args=[world.case.pk])).content.decode()


def test_a_new_parent_does_not_join_another_parents_conversation(world: World) -> None:
    conversation = membership.conversation_with_parent(actor=world.professional, case=world.case, parent=world.parent)
    services.guardian_add(
        actor=world.professional,
        young_person=world.young_person,
        first_name="Henk",
        last_name="",
        email="henk@test.example",
        kind=Guardianship.Kind.choices[0][0],
        has_custody=True,
    )
    members = Member.objects.filter(conversation=conversation, left_at__isnull=True).values_list("user_id", flat=True)
    assert set(members) == {world.professional.pk, world.parent.pk}


def test_deactivating_in_the_admin_goes_through_the_service(world: World, client: Client) -> None:
    world.admin.is_superuser = True  # the admin site's account pages need Django's permissions
    world.admin.save()
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [world.mentor.pk]},
    )
    assert response.status_code == REDIRECT
    world.mentor.refresh_from_db()
    assert world.mentor.is_active is False
    client.force_login(world.mentor)
    assert client.get(reverse("messaging:list")).status_code == REDIRECT
