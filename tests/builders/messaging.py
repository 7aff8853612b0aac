"""Builders for messaging: the triad conversation of an active mentorship, and a broker's conversation with a linked
family.

Moved here from test modules so that no test imports another (issue #24); behaviour unchanged."""

from __future__ import annotations

from accounts.models import Role
from community.brokers import services as community
from community.models import BrokerRequest
from mentors.states import State
from messaging.models import Conversation
from tests.builders.mentors import mentorship_at
from tests.conftest import World
from tests.factories import ready_volunteer, user_with_role
from volunteers.models import VolunteerKind


def triad(world: World) -> Conversation:
    mentorship_at(world, State.ACTIVE)
    return Conversation.objects.get(kind=Conversation.Kind.TRIAD)


# The world's young person is 15, so she is in it; the mentor, coordinator, analyst and admin are not.
MEMBERS = {"young_person_user", "parent", "volunteer", "professional"}


def linked(world: World, *, own: bool = True) -> BrokerRequest:
    """The own case's request with the world's volunteer as broker, or the foreign case's with a broker of B."""
    organisation = world.organisation if own else world.other_organisation
    coordinator = world.coordinator if own else user_with_role(Role.COORDINATOR, organisation)
    broker = ready_volunteer(
        organisation, kinds=[VolunteerKind.SOCIAL_BROKER], **({"user": world.volunteer} if own else {})
    )
    request = community.brokerrequest_ask(
        user=world.professional if own else world.outsider,
        case=world.case if own else world.foreign_case,
        purpose="Een sportclub vinden",
    )
    return community.brokerrequest_link(user=coordinator, request=request, broker=broker)


def conversation_of(request: BrokerRequest) -> Conversation:
    return Conversation.objects.get(broker_request=request, kind=Conversation.Kind.BROKER)
