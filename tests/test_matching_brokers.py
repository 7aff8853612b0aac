"""Proposal rounds for a family waiting for a social broker: the engine proposes ready brokers of the team's pool
near the young person, weighing what the broker should help with, the family chooses, the broker says yes or no,
the coordinator or the case professional approves, and the broker is linked to the request
(community.brokers.services.brokerrequest_link)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from accesslog.models import AccessLogEntry
from accounts.models import Role, User
from accounts.services import role_grant
from community.brokers import services as community_services
from community.brokers.selectors import referral_may_record
from community.models import BrokerRequest
from matching import services
from matching.features import broker_request_to_request, excluded_for_broker
from matching.models import Proposal, ProposalStatus
from tests.builders.matching import accepted, ask, broker, shown_broker_round
from tests.conftest import World, prebuilt
from tests.factories import (
    CaseFactory,
    OrganisationFactory,
    VolunteerFactory,
    assign,
    buddy_request_for,
    give_all_consents,
    ready_volunteer,
    user_with_role,
)
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from volunteers.models import Volunteer, VolunteerKind
from youth.models import Guardianship

TODAY = timezone.localdate()
MAASTRICHT = {"latitude": 50.85, "longitude": 5.69, "home_place": "Maastricht"}


def other_request(world: World) -> BrokerRequest:
    """An open request of another case of the organisation (to take a broker's place)."""
    case = assign(CaseFactory(organisation=world.organisation), world.professional)
    give_all_consents(case.young_person)  # a broker is linked only with consent (youth/consent.py)
    return community_services.brokerrequest_ask(user=world.professional, case=case, purpose="Huiswerkhulp")


def test_a_broker_round_proposes_ready_brokers_of_the_team_pool_with_a_place_left(world: World) -> None:
    near = broker(world.organisation)
    roomy = broker(world.organisation, capacity=2)
    full = broker(world.organisation)
    for taken in (roomy, full):
        community_services.brokerrequest_link(user=world.coordinator, request=other_request(world), broker=taken)
    broker(world.organisation, **MAASTRICHT)  # too far away
    broker(world.organisation, latitude=52.2033, travel_radius_km=2)  # 5 km away, travels 2 km
    VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.SOCIAL_BROKER])  # not screened
    ready_volunteer(world.organisation)  # a buddy, not a broker
    broker(world.other_organisation)  # another team's pool
    centre = OrganisationFactory(name="Vrijwilligerscentrum")
    from_centre = broker(centre)
    request = ask(world)
    proposals = services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert {p.volunteer_id for p in proposals} == {near.pk, roomy.pk}
    (one, _other) = proposals
    assert (one.broker_request_id, one.support_request_id, one.buddy_request_id) == (request.pk, None, None)
    assert one.case_id == world.case.pk and one.reasons
    assert abs(sum(c["points"] for c in one.contributions) - one.score) < 1e-6
    # The pool of `broker_candidates`: also the brokers of the other organisations the coordinator runs.
    role_grant(user=world.coordinator, role=Role.COORDINATOR, organisation=centre)
    coordinator = User.objects.get(pk=world.coordinator.pk)  # roles are read once per user object
    proposals = services.proposal_round_suggest(actor=coordinator, support_request=request)
    assert {p.volunteer_id for p in proposals} == {near.pk, roomy.pk, from_centre.pk}


def test_what_the_broker_should_help_with_is_weighed_and_explained(world: World) -> None:
    plain = broker(world.organisation, interests="lezen")
    fitting = broker(world.organisation, experience=["divorce"], interests="voetbal", languages=["nl", "ar"])
    world.young_person.languages = ["nl", "ar"]
    world.young_person.save()
    request = ask(world, purpose="Na de scheiding van zijn ouders wil Sanne graag voetballen.")
    engine_request = broker_request_to_request(request)
    assert engine_request.needs == ("divorce",)
    assert engine_request.languages == ("nl", "ar") and engine_request.child_age > 0
    assert engine_request.waiting_days == 0 and engine_request.excluded_ids == frozenset()
    proposals = services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert [p.volunteer_id for p in proposals] == [fitting.pk, plain.pk]
    assert {"ervaring met scheiding", "houdt ook van voetbal", "spreekt Arabisch"} <= set(proposals[0].reasons)


def test_the_family_chooses_the_broker_says_yes_and_approval_links_the_broker(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request, _found, shown = shown_broker_round(world)
    assert len(shown) == 3
    assert {a for m in mailoutbox for a in m.to} == {world.parent.email, world.young_person_user.email}
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        chosen = services.proposal_choose(actor=world.young_person_user, proposal=shown[2])
    broker_user = chosen.volunteer.user
    assert broker_user.email in {a for m in mailoutbox for a in m.to}
    assert set(request.proposals.values_list("status", flat=True)) == {ProposalStatus.ASKED, ProposalStatus.NOT_CHOSEN}
    with pytest.raises(ValidationError):
        services.proposal_approve(actor=world.coordinator, proposal=chosen)
    services.proposal_answer(actor=broker_user, proposal=chosen, accept=True)
    for actor in (world.parent, world.young_person_user, broker_user, world.outsider):
        with pytest.raises(PermissionDenied):
            services.proposal_approve(actor=actor, proposal=chosen)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        linked = services.proposal_approve(actor=world.professional, proposal=chosen)
    assert isinstance(linked, BrokerRequest)
    request.refresh_from_db()
    assert (request.broker_id, request.linked_on, request.is_open) == (chosen.volunteer_id, TODAY, True)
    chosen.refresh_from_db()
    assert (chosen.status, chosen.decided_by_id) == (ProposalStatus.APPROVED, world.professional.pk)
    # One notice each for the young person, the parent and the broker (the professional approved); no names.
    recipients = sorted(a for m in mailoutbox for a in m.to)
    assert recipients == sorted(
        cast("list[str]", [world.young_person_user.email, world.parent.email, broker_user.email])
    )
    text = " ".join(m.subject + m.body for m in mailoutbox)
    for secret in ("Sanne", broker_user.first_name, broker_user.last_name, world.parent.first_name):
        assert secret not in text
    # The broker now records referrals; the request no longer waits, so there is no new round.
    assert referral_may_record(broker_user, request)
    with pytest.raises(ValidationError):
        services.proposal_round_suggest(actor=world.coordinator, support_request=request)


def test_approval_is_refused_when_the_broker_has_no_place_left_and_nothing_changes(world: World) -> None:
    request, chosen = accepted(world)
    community_services.brokerrequest_link(user=world.coordinator, request=other_request(world), broker=chosen.volunteer)
    with pytest.raises(ValidationError):
        services.proposal_approve(actor=world.coordinator, proposal=chosen)
    request.refresh_from_db()
    chosen.refresh_from_db()
    assert (request.broker_id, chosen.status) == (None, ProposalStatus.ACCEPTED)


def test_a_colleague_approves_a_broker_of_another_coordinators_pool(world: World) -> None:
    centre = OrganisationFactory(name="Vrijwilligerscentrum")
    role_grant(user=world.coordinator, role=Role.COORDINATOR, organisation=centre)
    colleague = user_with_role(Role.COORDINATOR, world.organisation)  # coordinates the team only
    coordinator = User.objects.get(pk=world.coordinator.pk)
    from_centre = broker(centre)
    request = ask(world)
    services.proposal_round_suggest(actor=coordinator, support_request=request)
    (shown,) = services.proposal_round_show(actor=coordinator, support_request=request)
    chosen = services.proposal_choose(actor=world.parent, proposal=shown)
    services.proposal_answer(actor=from_centre.user, proposal=chosen, accept=True)
    # The colleague's pool does not hold the centre's broker, so the link is made in the name of the coordinator
    # who runs both; the proposal says who approved.
    services.proposal_approve(actor=colleague, proposal=chosen)
    request.refresh_from_db()
    chosen.refresh_from_db()
    assert (request.broker_id, chosen.decided_by_id) == (from_centre.pk, colleague.pk)


def test_without_a_coordinator_of_both_organisations_the_broker_is_not_linked(world: World) -> None:
    request, chosen = accepted(world)
    Volunteer.objects.filter(pk=chosen.volunteer_id).update(organisation=OrganisationFactory())
    with translation.override("en"), pytest.raises(ValidationError, match="A coordinator of both is needed"):
        services.proposal_approve(actor=world.professional, proposal=chosen)
    request.refresh_from_db()
    assert request.broker_id is None


def test_a_declined_broker_is_never_proposed_to_that_family_again_but_kinds_stay_apart(world: World) -> None:
    request, _found, shown = shown_broker_round(world, n=3)
    chosen = services.proposal_choose(actor=world.parent, proposal=shown[0])
    with pytest.raises(ValidationError):
        services.proposal_answer(actor=chosen.volunteer.user, proposal=chosen, accept=False, reason="  ")
    services.proposal_answer(actor=chosen.volunteer.user, proposal=chosen, accept=False, reason="Te druk nu")
    assert chosen.volunteer_id in excluded_for_broker(world.case.pk)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert not request.proposals.filter(volunteer_id=chosen.volunteer_id, status=ProposalStatus.SUGGESTED).exists()
    # Not for a later request of the same family either, and the database refuses it too.
    community_services.brokerrequest_end(user=world.professional, request=request, reason="not_needed")
    later = ask(world)
    services.proposal_round_suggest(actor=world.coordinator, support_request=later)
    assert not later.proposals.filter(volunteer_id=chosen.volunteer_id).exists()
    row = {"case": world.case, "volunteer_id": chosen.volunteer_id, "rank": 1, "score": 0.5, "distance_km": 1}
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(broker_request=later, engine_version="x", **row)
    # Saying no as a broker is not saying no as a buddy: the buddy rule is apart.
    buddy_request = buddy_request_for(world.case, world.professional)
    Proposal.objects.create(buddy_request=buddy_request, engine_version="x", **row)


def test_a_proposal_points_at_exactly_one_of_the_three_requests(world: World) -> None:
    volunteer = broker(world.organisation)
    request = ask(world)
    buddy_request = buddy_request_for(world.case, world.professional)
    row = {"case": world.case, "volunteer": volunteer, "rank": 1, "score": 0.5, "distance_km": 1}
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(broker_request=request, buddy_request=buddy_request, **row)
    Proposal.objects.create(broker_request=request, **row)


def test_a_broker_with_open_proposals_up_to_the_limit_is_not_shown_again(world: World, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_PROPOSALS = 1
    busy = broker(world.organisation)
    free = broker(world.organisation)
    _request, _found, shown = shown_broker_round(world, n=0)
    assert {p.volunteer_id for p in shown} == {busy.pk, free.pk}
    second = other_request(world)
    assert services.proposal_round_suggest(actor=world.coordinator, support_request=second) == []


def test_open_proposals_of_every_kind_count_towards_the_limit(world: World, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_PROPOSALS = 1
    both = ready_volunteer(world.organisation, kinds=[VolunteerKind.BUDDY, VolunteerKind.SOCIAL_BROKER])
    buddy_request = buddy_request_for(world.case, world.professional)
    services.proposal_round_suggest(actor=world.coordinator, support_request=buddy_request)
    (shown,) = services.proposal_round_show(actor=world.coordinator, support_request=buddy_request)
    assert shown.volunteer_id == both.pk
    assert services.proposal_round_suggest(actor=world.coordinator, support_request=ask(world)) == []


def test_the_pages_speak_of_brokers_and_the_request_page_leads_to_the_round(world: World, client: Client) -> None:
    request, _found, shown = shown_broker_round(world, n=1)
    request_url = reverse("community:brokerrequest_detail", args=[request.pk])
    round_url = reverse("matching:broker_round", args=[request.pk])
    choose_url = reverse("matching:broker_choose", args=[request.pk])
    to_round = f'href="{round_url}"'
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        client.force_login(world.coordinator)
        assert to_round in client.get(request_url).content.decode()
        html = client.get(round_url).content.decode()
        assert "The computer suggests social brokers." in html and "support famil" not in html
        assert round_url in client.get(reverse("matching:waiting_list")).content.decode()
        client.force_login(world.parent)
        page = client.get(request_url).content.decode()
        assert choose_url in page and to_round not in page
        html = client.get(choose_url).content.decode()
        assert "Choose a social broker" in html and "support famil" not in html and "buddy" not in html
        client.post(choose_url, {"proposal": shown[0].pk})
        assert choose_url not in client.get(request_url).content.decode()
        broker_user = shown[0].volunteer.user
        client.force_login(broker_user)
        html = client.get(reverse("matching:ask", args=[shown[0].pk])).content.decode()
        assert "Een sportclub voor Sanne" in html and "be the social broker of this family" in html
        client.post(reverse("matching:ask", args=[shown[0].pk]), {"answer": "yes"})
        client.force_login(world.coordinator)
        response = client.post(reverse("matching:approve", args=[shown[0].pk]))
        assert response["Location"] == request_url
        page = client.get(request_url).content.decode()
        assert escape(broker_user.get_full_name()) in page and to_round not in page
    entries = AccessLogEntry.objects.filter(what=AccessLogEntry.What.SOCIAL_BROKER, young_person=world.young_person)
    assert entries.filter(actor=world.coordinator).exists() and entries.filter(actor=world.parent).exists()


def test_the_waiting_list_asks_the_same_queries_for_one_or_three_families_waiting_for_a_broker(
    world: World, client: Client
) -> None:
    ask(world)
    url = reverse("matching:waiting_list")
    client.force_login(world.coordinator)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == OK
    other_request(world)
    other_request(world)
    with CaptureQueriesContext(connection) as three:
        html = client.get(url).content.decode()
    assert html.count("/koppelen/makelaars/") == 3
    assert len(three.captured_queries) == len(one.captured_queries)


# --- Every broker round page for every persona, on its own request and on another organisation's -----------------


@prebuilt
def broker_rounds(world: World) -> dict[bool, Proposal]:
    """Per side, a broker proposal the family chose (asked): own in world.organisation with world.volunteer as the
    broker; foreign in another organisation, for world.foreign_case (whose professional is the outsider)."""
    own_broker = broker(world.organisation, user=world.volunteer)
    request = ask(world)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    (own,) = services.proposal_round_show(actor=world.coordinator, support_request=request)
    assert own.volunteer_id == own_broker.pk
    own = services.proposal_choose(actor=world.parent, proposal=own)
    other = world.foreign_case.organisation
    coordinator = user_with_role(Role.COORDINATOR, other)
    broker(other)
    foreign_request = community_services.brokerrequest_ask(
        user=world.outsider, case=world.foreign_case, purpose="Huiswerkhulp"
    )
    services.proposal_round_suggest(actor=coordinator, support_request=foreign_request)
    (foreign,) = services.proposal_round_show(actor=coordinator, support_request=foreign_request)
    parent = user_with_role(Role.PARENT)
    Guardianship.objects.create(young_person=world.foreign_young_person, guardian=parent, has_custody=True)
    give_all_consents(world.foreign_young_person)  # the new parent's yes too: a broker is linked only with it
    foreign = services.proposal_choose(actor=parent, proposal=foreign)
    return {True: own, False: foreign}


FAMILY_OWN = expect(HIDDEN, parent=FORBIDDEN, young_person_user=FORBIDDEN)
# The broker is not linked yet, so the request itself is hidden from them.
STAFF_OWN = expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN)
VIEWS = [
    (
        "broker round",
        "get",
        lambda p: reverse("matching:broker_round", args=[p.broker_request_id]),
        {**STAFF_OWN, "professional": OK, "coordinator": OK},
        expect(HIDDEN, outsider=OK),
    ),
    (
        "broker suggest",
        "post",
        lambda p: reverse("matching:broker_round_suggest", args=[p.broker_request_id]),
        {**STAFF_OWN, "professional": FORBIDDEN, "coordinator": REDIRECT},
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "broker show",
        "post",
        lambda p: reverse("matching:broker_round_show", args=[p.broker_request_id]),
        {**STAFF_OWN, "professional": FORBIDDEN, "coordinator": REDIRECT},
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "broker choose",
        "get",
        lambda p: reverse("matching:broker_choose", args=[p.broker_request_id]),
        expect(HIDDEN, parent=OK, young_person_user=OK),
        expect(HIDDEN),
    ),
    (
        "broker choose (post)",
        "post",
        lambda p: reverse("matching:broker_choose", args=[p.broker_request_id]),
        expect(HIDDEN, parent=REDIRECT, young_person_user=REDIRECT),
        expect(HIDDEN),
    ),
    (
        "exclude",
        "post",
        lambda p: reverse("matching:exclude", args=[p.pk]),
        {**FAMILY_OWN, "professional": FORBIDDEN, "coordinator": REDIRECT},
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
        "ask",
        "get",
        lambda p: reverse("matching:ask", args=[p.pk]),
        {**FAMILY_OWN, "volunteer": OK, "professional": FORBIDDEN, "coordinator": FORBIDDEN},
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "ask (post)",
        "post",
        lambda p: reverse("matching:ask", args=[p.pk]),
        {**FAMILY_OWN, "volunteer": REDIRECT, "professional": FORBIDDEN, "coordinator": FORBIDDEN},
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
]
POSTS = {"exclude": {"reason": "Kent de familie"}, "ask (post)": {"answer": "no", "reason": "Te druk"}}


def _state(proposal: Proposal) -> list[tuple[Any, ...]]:
    """What a refused request must leave as it was: the round's proposals and the broker request."""
    assert proposal.broker_request_id is not None
    rows = Proposal.objects.filter(broker_request_id=proposal.broker_request_id).order_by("pk")
    request = BrokerRequest.objects.get(pk=proposal.broker_request_id)
    return [*rows.values_list("pk", "volunteer_id", "status", "reason"), (request.broker_id, request.linked_on)]


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), role_matrix(VIEWS))
def test_broker_round_view_answers_each_role(
    world: World,
    broker_rounds: dict[bool, Proposal],
    client: Client,
    name: str,
    method: str,
    url: Callable[[Proposal], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    proposal = broker_rounds[own]
    if name == "approve":
        services.proposal_answer(actor=proposal.volunteer.user, proposal=proposal, accept=True)
    if name in ("exclude", "broker choose (post)"):
        # Only a shown proposal can be excluded or chosen: a second broker shown to the family.
        proposal = Proposal.objects.create(
            broker_request_id=proposal.broker_request_id,
            case_id=proposal.case_id,
            volunteer=broker(proposal.volunteer.organisation),
            rank=2,
            score=0.4,
            distance_km=1,
            engine_version="x",
            status=ProposalStatus.SHOWN,
        )
    before = _state(proposal)
    client.force_login(world.by_role(persona))
    data = {"proposal": proposal.pk} if name == "broker choose (post)" else POSTS.get(name, {})
    response = getattr(client, method)(url(proposal), data)
    assert response.status_code == expected
    if method == "post" and expected != REDIRECT:
        assert _state(proposal) == before


def test_a_coordinator_can_run_a_broker_round_for_noah_in_the_demo(db: None, settings: Any, tmp_path: Any) -> None:
    from django.core.management import call_command

    settings.MATCHING_MODEL_DIR = str(tmp_path)
    call_command("demo_load")
    request = BrokerRequest.objects.get(case__young_person__first_name="Noah", ended_on__isnull=True)
    peter = User.objects.get(first_name="Peter", last_name="Smit")
    proposals = services.proposal_round_suggest(actor=peter, support_request=request)
    assert {"Ahmed", "Gerda"} <= {p.volunteer.user.first_name for p in proposals}
    shown = services.proposal_round_show(actor=peter, support_request=request)
    assert 2 <= len(shown) <= 3
