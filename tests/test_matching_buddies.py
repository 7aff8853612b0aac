"""Proposal rounds for a young person waiting for a buddy: the engine proposes matchable buddies of the case's
organisation near the young person, the young person and the parents choose, the buddy says yes or no, the
professional or a coordinator approves, and a buddy mentorship starts at the mandate and runs the JIM journey."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import Organisation, Role
from matching import services
from matching.features import excluded_for_buddy
from matching.models import Proposal, ProposalStatus
from mentors import services as mentor_services
from mentors.models import Mandate, Mentorship
from mentors.states import State
from messaging.models import Conversation, Member
from tests.builders.mentors import JIM_TEXTS
from tests.conftest import World, prebuilt
from tests.factories import (
    OrganisationFactory,
    VolunteerFactory,
    born_years_ago,
    buddy_request_for,
    give_all_consents,
    ready_volunteer,
    user_with_role,
)
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from volunteers.models import Volunteer, VolunteerKind
from youth.models import BuddyRequest, Guardianship

MAASTRICHT: dict[str, Any] = {"latitude": 50.85, "longitude": 5.69, "home_place": "Maastricht"}


def buddies(world: World, n: int) -> list[Volunteer]:
    return [ready_volunteer(world.organisation) for _i in range(n)]


def shown_buddy_round(world: World, n: int = 3) -> tuple[BuddyRequest, list[Volunteer], list[Proposal]]:
    found = buddies(world, n)
    request = buddy_request_for(world.case, world.professional)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    shown = services.proposal_round_show(actor=world.coordinator, support_request=request)
    return request, found, shown


def accepted(world: World) -> tuple[BuddyRequest, Proposal]:
    request, _found, shown = shown_buddy_round(world, n=1)
    chosen = services.proposal_choose(actor=world.young_person_user, proposal=shown[0])
    services.proposal_answer(actor=chosen.volunteer.user, proposal=chosen, accept=True)
    chosen.refresh_from_db()
    return request, chosen


def test_a_buddy_round_proposes_only_matchable_buddies_near_the_young_person(world: World) -> None:
    near = ready_volunteer(world.organisation)
    ready_volunteer(world.organisation, **MAASTRICHT)  # too far away
    VolunteerFactory(organisation=world.organisation)  # not screened
    ready_volunteer(world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])  # not a buddy
    plus = ready_volunteer(world.organisation, kinds=[VolunteerKind.PLUS_BUDDY])  # from 16 only
    ready_volunteer(OrganisationFactory(kind=Organisation.Kind.VOLUNTEER_ORGANISATION))  # serves elsewhere
    serving = OrganisationFactory(kind=Organisation.Kind.VOLUNTEER_ORGANISATION)
    serving.municipalities.add(world.young_person.residence_municipality)
    from_serving = ready_volunteer(serving)  # a volunteer centre that serves the young person's municipality
    request = buddy_request_for(world.case, world.professional)
    proposals = services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert {p.volunteer_id for p in proposals} == {near.pk, from_serving.pk}
    from_serving.status = Volunteer.Status.PAUSED
    from_serving.save()
    proposals = services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert [p.volunteer_id for p in proposals] == [near.pk]
    (one,) = proposals
    assert (one.buddy_request_id, one.support_request_id, one.case_id) == (request.pk, None, world.case.pk)
    assert one.reasons and abs(sum(c["points"] for c in one.contributions) - one.score) < 1e-6
    # From 16 a plus-buddy may be proposed too.
    world.young_person.date_of_birth = born_years_ago(16)
    world.young_person.save()
    proposals = services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert {p.volunteer_id for p in proposals} == {near.pk, plus.pk}


def test_only_a_coordinator_of_the_case_organisation_makes_a_buddy_round(world: World) -> None:
    buddies(world, 1)
    request = buddy_request_for(world.case, world.professional)
    for actor in (world.professional, world.parent, world.outsider, world.volunteer):
        with pytest.raises(PermissionDenied):
            services.proposal_round_suggest(actor=actor, support_request=request)
    request.status = BuddyRequest.Status.WITHDRAWN
    request.save()
    with pytest.raises(ValidationError):
        services.proposal_round_suggest(actor=world.coordinator, support_request=request)


def test_the_young_person_chooses_the_buddy_accepts_and_approval_starts_a_buddy_mentorship(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request, _found, shown = shown_buddy_round(world)
    assert {a for m in mailoutbox for a in m.to} == {world.parent.email, world.young_person_user.email}
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        chosen = services.proposal_choose(actor=world.young_person_user, proposal=shown[1])
    volunteer_user = chosen.volunteer.user
    assert volunteer_user.email in {a for m in mailoutbox for a in m.to}
    with pytest.raises(ValidationError):
        services.proposal_approve(actor=world.coordinator, proposal=chosen)
    services.proposal_answer(actor=volunteer_user, proposal=chosen, accept=True)
    for actor in (world.parent, world.young_person_user, volunteer_user, world.outsider):
        with pytest.raises(PermissionDenied):
            services.proposal_approve(actor=actor, proposal=chosen)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mentorship = services.proposal_approve(actor=world.coordinator, proposal=chosen)
    assert isinstance(mentorship, Mentorship)
    assert (mentorship.kind, mentorship.state, mentorship.mentor_id, mentorship.nominee_name) == (
        Mentorship.Kind.BUDDY,
        State.MANDATE,
        volunteer_user.pk,
        volunteer_user.first_name,
    )
    assert (mentorship.young_person_id, mentorship.case_id) == (world.young_person.pk, world.case.pk)
    request.refresh_from_db()
    assert request.status == BuddyRequest.Status.MATCHED and request.status_changed_at is not None
    chosen.refresh_from_db()
    assert (chosen.status, chosen.mentorship_id, chosen.decided_by_id) == (
        ProposalStatus.APPROVED,
        mentorship.pk,
        world.coordinator.pk,
    )
    # One notice per person: the young person, the parent, the buddy and the professional; no names, no reasons.
    recipients = sorted(a for m in mailoutbox for a in m.to)
    assert recipients == sorted(
        cast(
            "list[str]",
            [world.young_person_user.email, world.parent.email, volunteer_user.email, world.professional.email],
        )
    )
    text = " ".join(m.subject + m.body for m in mailoutbox)
    for secret in ("Sanne", volunteer_user.first_name, volunteer_user.last_name, world.parent.first_name):
        assert secret not in text
    # The request no longer waits: no new round.
    with pytest.raises(ValidationError):
        services.proposal_round_suggest(actor=world.coordinator, support_request=request)


def test_the_professional_approves_too_and_the_journey_runs_on_unchanged(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    _request, chosen = accepted(world)
    mentorship = services.proposal_approve(actor=world.professional, proposal=chosen)
    assert isinstance(mentorship, Mentorship)
    volunteer_user = chosen.volunteer.user
    # Mandate: 15 years old, so the young person and the parent say yes.
    for user in (world.young_person_user, world.parent):
        mentor_services.mandate_give(actor=user, mentorship=mentorship, decision=Mandate.Decision.YES)
    mentorship.refresh_from_db()
    assert mentorship.state == State.AGREEMENT
    assert set(mentorship.mandates.values_list("text_version", flat=True)) == {"buddy-mandate-1"}
    # The agreement with its safety clause, agreed by everyone, the buddy among them.
    version = mentor_services.mentorship_agreement_propose(
        actor=world.professional, mentorship=mentorship, sections=dict(JIM_TEXTS)
    )
    signers = {s.user_id for s in version.signatures.all()}
    assert volunteer_user.pk in signers
    for signature in version.signatures.select_related("user"):
        assert signature.user is not None
        version = mentor_services.mentorship_agreement_agree(
            actor=signature.user, mentorship=mentorship, version=version
        )
    assert version.in_force_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        mentorship = mentor_services.mentorship_move(actor=world.professional, mentorship=mentorship, move="activate")
    assert mentorship.state == State.ACTIVE and mentorship.checkins.filter(held_on__isnull=True).exists()
    # The conversations follow: the buddy is the mentor in the triad and in the coaching conversation.
    conversations = Conversation.objects.filter(mentorship=mentorship)
    assert conversations.count() == 2
    for conversation in conversations:
        assert Member.objects.filter(
            conversation=conversation, user=volunteer_user, party="mentor", left_at__isnull=True
        ).exists()
    mentor_services.mentorship_move(actor=volunteer_user, mentorship=mentorship, move="stop", reason="Verhuisd")
    assert all(c.closed_at is not None for c in Conversation.objects.filter(mentorship=mentorship))


def test_approval_is_refused_while_the_young_person_has_an_open_mentorship(world: World) -> None:
    request, chosen = accepted(world)
    Mentorship.objects.create(
        young_person=world.young_person, case=world.case, nominee_name="Karin", nominated_by=world.professional
    )
    with pytest.raises(ValidationError):
        services.proposal_approve(actor=world.coordinator, proposal=chosen)
    request.refresh_from_db()
    chosen.refresh_from_db()
    assert (request.status, chosen.status) == (BuddyRequest.Status.WAITING, ProposalStatus.ACCEPTED)


def test_a_declined_buddy_is_never_proposed_to_that_young_person_again(world: World) -> None:
    request, _found, shown = shown_buddy_round(world, n=3)
    chosen = services.proposal_choose(actor=world.parent, proposal=shown[0])
    with pytest.raises(ValidationError):
        services.proposal_answer(actor=chosen.volunteer.user, proposal=chosen, accept=False, reason="")
    services.proposal_answer(actor=chosen.volunteer.user, proposal=chosen, accept=False, reason="Te druk nu")
    assert chosen.volunteer_id in excluded_for_buddy(world.case.pk)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert not request.proposals.filter(volunteer_id=chosen.volunteer_id, status=ProposalStatus.SUGGESTED).exists()
    # Also not for a later request of the same young person, and the database refuses it too.
    request.status = BuddyRequest.Status.WITHDRAWN
    request.save()
    later = buddy_request_for(world.case, world.professional)
    services.proposal_round_suggest(actor=world.coordinator, support_request=later)
    assert not later.proposals.filter(volunteer_id=chosen.volunteer_id).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(
            buddy_request=later,
            case=world.case,
            volunteer_id=chosen.volunteer_id,
            rank=1,
            score=0.5,
            distance_km=1,
            engine_version="x",
        )


def test_a_proposal_points_at_exactly_one_request(world: World) -> None:
    volunteer = ready_volunteer(world.organisation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(case=world.case, volunteer=volunteer, rank=1, score=0.5, distance_km=1)


def test_the_pages_speak_of_buddies(world: World, client: Client) -> None:
    request, _found, shown = shown_buddy_round(world, n=1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.coordinator)
    with translation.override("en"):
        html = client.get(reverse("matching:buddy_round", args=[request.pk])).content.decode()
        assert "The computer suggests buddies." in html and "support famil" not in html
        waiting = client.get(reverse("matching:waiting_list")).content.decode()
        assert reverse("matching:buddy_round", args=[request.pk]) in waiting
        client.force_login(world.parent)
        html = client.get(reverse("matching:buddy_choose", args=[request.pk])).content.decode()
        assert "Choose a buddy" in html and "support famil" not in html
        chosen = services.proposal_choose(actor=world.parent, proposal=shown[0])
        volunteer_user = chosen.volunteer.user
        client.force_login(volunteer_user)
        html = client.get(reverse("matching:ask", args=[chosen.pk])).content.decode()
        assert "A young person chose you" in html and "support famil" not in html
        client.post(reverse("matching:ask", args=[chosen.pk]), {"answer": "yes"})
        client.force_login(world.professional)
        response = client.post(reverse("matching:approve", args=[chosen.pk]))
        mentorship = Mentorship.objects.get(mentor=volunteer_user)
        assert response["Location"] == reverse("mentors:detail", args=[mentorship.pk])
        html = client.get(response["Location"]).content.decode()
        assert f"Buddy of Sanne: {volunteer_user.first_name}" in html and "JIM of" not in html
        client.force_login(world.parent)
        html = " ".join(client.get(response["Location"]).content.decode().split())
        assert f"{volunteer_user.first_name} becomes the buddy of Sanne." in html and "(JIM)" not in html
        # The buddy, a volunteer without the mentor role, finds the mentorship in the list.
        client.force_login(volunteer_user)
        html = client.get(reverse("mentors:list")).content.decode()
        assert reverse("mentors:detail", args=[mentorship.pk]) in html and "Buddy of Sanne" in html
        assert client.get(reverse("mentors:detail", args=[mentorship.pk])).status_code == OK


# --- Every new page for every persona, on its own request and on another organisation's ---------------------------


@prebuilt
def buddy_rounds(world: World) -> dict[bool, Proposal]:
    """Per side, a buddy proposal the family chose (asked): own in world.organisation with world.volunteer as the
    buddy; foreign in another organisation, for world.foreign_case (whose professional is the outsider)."""
    own_buddy = ready_volunteer(world.organisation, user=world.volunteer)
    request = buddy_request_for(world.case, world.professional)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    (own,) = services.proposal_round_show(actor=world.coordinator, support_request=request)
    assert own.volunteer_id == own_buddy.pk
    own = services.proposal_choose(actor=world.parent, proposal=own)
    other = world.foreign_case.organisation
    coordinator = user_with_role(Role.COORDINATOR, other)
    ready_volunteer(other)
    foreign_request = buddy_request_for(world.foreign_case, world.outsider)
    services.proposal_round_suggest(actor=coordinator, support_request=foreign_request)
    (foreign,) = services.proposal_round_show(actor=coordinator, support_request=foreign_request)
    parent = user_with_role(Role.PARENT)
    Guardianship.objects.create(young_person=world.foreign_young_person, guardian=parent, has_custody=True)
    give_all_consents(world.foreign_young_person)  # the new parent's yes too: a buddy starts only with it
    foreign = services.proposal_choose(actor=parent, proposal=foreign)
    return {True: own, False: foreign}


FAMILY_OWN = expect(HIDDEN, parent=FORBIDDEN, young_person_user=FORBIDDEN)
VIEWS = [
    (
        "buddy round",
        "get",
        lambda p: reverse("matching:buddy_round", args=[p.buddy_request_id]),
        expect(HIDDEN, professional=OK, coordinator=OK),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "buddy suggest",
        "post",
        lambda p: reverse("matching:buddy_round_suggest", args=[p.buddy_request_id]),
        expect(HIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "buddy show",
        "post",
        lambda p: reverse("matching:buddy_round_show", args=[p.buddy_request_id]),
        expect(HIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "exclude",
        "post",
        lambda p: reverse("matching:exclude", args=[p.pk]),
        {**FAMILY_OWN, "volunteer": FORBIDDEN, "professional": FORBIDDEN, "coordinator": REDIRECT},
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "approve",
        "post",
        lambda p: reverse("matching:approve", args=[p.pk]),
        {**FAMILY_OWN, "volunteer": FORBIDDEN, "professional": REDIRECT, "coordinator": REDIRECT},
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "buddy choose",
        "get",
        lambda p: reverse("matching:buddy_choose", args=[p.buddy_request_id]),
        expect(HIDDEN, parent=OK, young_person_user=OK),
        expect(HIDDEN),
    ),
    (
        "ask",
        "get",
        lambda p: reverse("matching:ask", args=[p.pk]),
        {**FAMILY_OWN, "volunteer": OK, "professional": FORBIDDEN, "coordinator": FORBIDDEN},
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "waiting list",
        "get",
        lambda p: reverse("matching:waiting_list"),
        expect(FORBIDDEN, coordinator=OK),
        expect(FORBIDDEN, coordinator=OK),
    ),
]


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), role_matrix(VIEWS))
def test_buddy_view_answers_each_role(
    world: World,
    buddy_rounds: dict[bool, Proposal],
    client: Client,
    name: str,
    method: str,
    url: Callable[[Proposal], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    data = {"reason": "Kent de familie"} if name == "exclude" else {}
    response = getattr(client, method)(url(buddy_rounds[own]), data)
    assert response.status_code == expected


@prebuilt
def buddy_mentorships(world: World) -> dict[bool, Mentorship]:
    """Per side, a buddy mentorship at the mandate: own with world.volunteer as the buddy, foreign in another
    organisation with another buddy."""
    ready_volunteer(world.organisation, user=world.volunteer)
    request = buddy_request_for(world.case, world.professional)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    (own,) = services.proposal_round_show(actor=world.coordinator, support_request=request)
    own = services.proposal_choose(actor=world.parent, proposal=own)
    services.proposal_answer(actor=world.volunteer, proposal=own, accept=True)
    own_mentorship = services.proposal_approve(actor=world.coordinator, proposal=own)
    other = world.foreign_case.organisation
    coordinator = user_with_role(Role.COORDINATOR, other)
    buddy = ready_volunteer(other)
    parent = user_with_role(Role.PARENT)
    Guardianship.objects.create(young_person=world.foreign_young_person, guardian=parent, has_custody=True)
    give_all_consents(world.foreign_young_person)  # the new parent's yes too: a buddy starts only with it
    foreign_request = buddy_request_for(world.foreign_case, world.outsider)
    services.proposal_round_suggest(actor=coordinator, support_request=foreign_request)
    (foreign,) = services.proposal_round_show(actor=coordinator, support_request=foreign_request)
    foreign = services.proposal_choose(actor=parent, proposal=foreign)
    services.proposal_answer(actor=buddy.user, proposal=foreign, accept=True)
    foreign_mentorship = services.proposal_approve(actor=world.outsider, proposal=foreign)
    assert isinstance(own_mentorship, Mentorship) and isinstance(foreign_mentorship, Mentorship)
    return {True: own_mentorship, False: foreign_mentorship}


PARTIES_OWN = dict.fromkeys(("young_person_user", "parent", "volunteer", "professional", "coordinator"), OK)
MENTOR_VIEWS = [
    (
        "detail",
        "get",
        lambda m: reverse("mentors:detail", args=[m.pk]),
        expect(HIDDEN, **PARTIES_OWN),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "list",
        "get",
        lambda m: reverse("mentors:list"),
        expect(FORBIDDEN, **PARTIES_OWN, mentor=OK, outsider=OK),
        expect(FORBIDDEN, **PARTIES_OWN, mentor=OK, outsider=OK),
    ),
]


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), role_matrix(MENTOR_VIEWS))
def test_buddy_mentorship_pages_answer_each_role(
    world: World,
    buddy_mentorships: dict[bool, Mentorship],
    client: Client,
    name: str,
    method: str,
    url: Callable[[Mentorship], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    assert getattr(client, method)(url(buddy_mentorships[own])).status_code == expected


def test_a_coordinator_can_run_a_buddy_round_in_the_demo(db: None, settings: Any, tmp_path: Any) -> None:
    from django.core.management import call_command

    from accounts.models import User

    settings.MATCHING_MODEL_DIR = str(tmp_path)
    call_command("demo_load")
    request = BuddyRequest.objects.get(young_person__first_name="Noah", status=BuddyRequest.Status.WAITING)
    peter = User.objects.get(first_name="Peter", last_name="Smit")
    proposals = services.proposal_round_suggest(actor=peter, support_request=request)
    names = {p.volunteer.user.first_name for p in proposals}
    assert {"Said", "Ilse", "Rob"} <= names
    assert len(services.proposal_round_show(actor=peter, support_request=request)) == 3
