"""The proposal round's part of the pages of the requests that matching finds someone for.

A broker request's page (community) and a support request's page (hostfamilies) show the way into the round that
matching keeps for them. Those apps sit below matching and do not import it: their templates load this library
(`{% load proposal_rounds %}`) and matching renders its own part, with who may see which link.
"""

from __future__ import annotations

from typing import Any

from django import template

from community.models import BrokerRequest
from hostfamilies.models import SupportRequest
from matching.selectors import RoundRequest, proposal_choosable_by, proposal_is_staff

register = template.Library()


@register.inclusion_tag("matching/_round_of_broker_request.html", takes_context=True)
def broker_request_round(context: template.Context, broker_request: BrokerRequest) -> dict[str, Any]:
    """While no broker is linked: for those who work on the request, the way to the round; for the family, the way
    to choose once brokers are shown to them."""
    user = context["request"].user
    found = RoundRequest(broker_request)
    looking = found.is_waiting
    return {
        "round": found,
        "round_open": looking and proposal_is_staff(user, found),
        "may_choose": looking and proposal_choosable_by(user).filter(broker_request=broker_request).exists(),
    }


@register.inclusion_tag("matching/_round_of_support_request.html", takes_context=True)
def support_request_round(context: template.Context, support_request: SupportRequest) -> dict[str, Any]:
    """Choosing together: the round for those who work on the request, the choice for the family while waiting."""
    return {
        "round": RoundRequest(support_request),
        "proposals_staff": proposal_is_staff(context["request"].user, support_request),
    }
