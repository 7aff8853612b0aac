"""Builders for matching: a running support-family match with agreements, brokers, and a broker round with an accepted
proposal.

Moved here from test modules so that no test imports another (issue #24); behaviour unchanged."""

from __future__ import annotations

from typing import Any

from community.brokers import services as community_services
from community.models import BrokerRequest
from hostfamilies import services as hostfamilies_services
from matching import services
from matching.models import Proposal
from tests.conftest import World
from tests.factories import (
    SUPPORT_FAMILY_TEXTS,
    agreement_in_force,
    introduction_visits_record,
    ready_volunteer,
)
from volunteers.models import Volunteer, VolunteerKind


def running_match(coordinator: Any, professional: Any, parent: Any, case: Any, organisation: Any, family: Any) -> Any:
    """A running match with agreements in force (version 1) and a change waiting for both families (version 2)."""
    request = hostfamilies_services.supportrequest_create(
        actor=coordinator, case=case, organisation=organisation, what_for="rust"
    )
    match = hostfamilies_services.match_propose(actor=coordinator, request=request, volunteer=family)
    for actor, move in [
        (coordinator, "introduce"),
        (parent or professional, "family_yes"),
        (family.user, "host_yes"),
        (coordinator, "approve"),
        (coordinator, "start_trial"),
    ]:
        match = hostfamilies_services.match_move(actor=actor, match=match, move=move)
        if move == "introduce":
            match = introduction_visits_record(match, coordinator)
    agreement_in_force(match, coordinator)
    match = hostfamilies_services.match_move(actor=coordinator, match=match, move="activate")
    hostfamilies_services.match_agreement_propose(
        actor=coordinator, match=match, sections={**SUPPORT_FAMILY_TEXTS, "schedule": "Elk weekend"}
    )
    return match


def broker(organisation: Any, **kwargs: Any) -> Volunteer:
    return ready_volunteer(organisation, kinds=[VolunteerKind.SOCIAL_BROKER], **kwargs)


def ask(world: World, purpose: str = "Een sportclub voor Sanne") -> BrokerRequest:
    return community_services.brokerrequest_ask(user=world.professional, case=world.case, purpose=purpose)


def shown_broker_round(world: World, n: int = 3) -> tuple[BrokerRequest, list[Volunteer], list[Proposal]]:
    found = [broker(world.organisation) for _i in range(n)]
    request = ask(world)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    shown = services.proposal_round_show(actor=world.coordinator, support_request=request)
    return request, found, shown


def accepted(world: World) -> tuple[BrokerRequest, Proposal]:
    request, _found, shown = shown_broker_round(world, n=1)
    chosen = services.proposal_choose(actor=world.parent, proposal=shown[0])
    services.proposal_answer(actor=chosen.volunteer.user, proposal=chosen, accept=True)
    chosen.refresh_from_db()
    return request, chosen
