"""Broker requests and referrals: asking, linking a ready social broker, ending; every referral move from the
table in community/states.py, by the broker only, and the refusals (nothing changed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import Role
from accounts.services import role_grant
from community.brokers import selectors, services
from community.models import BrokerRequest, Referral
from community.states import MOVES, State, moves_from
from tests.builders.community import a_resource, broker_for, linked_request
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    OrganisationFactory,
    assign,
    give_all_consents,
    ready_volunteer,
    user_with_role,
)
from volunteers.models import Volunteer, VolunteerKind
from youth.models import Case

TODAY = timezone.localdate()


def other_case(world: World) -> Case:
    """Another open case of the organisation, on which the world's professional works, with its consents."""
    case = assign(CaseFactory(organisation=world.organisation), world.professional)
    give_all_consents(case.young_person)
    return case


def test_ask_link_and_end_keep_the_dates(world: World) -> None:
    request = services.brokerrequest_ask(user=world.professional, case=world.case, purpose="  Een sportclub  ")
    assert (request.purpose, request.asked_on, request.linked_on, request.broker) == (
        "Een sportclub",
        TODAY,
        None,
        None,
    )
    assert [b.pk for b in selectors.broker_candidates(request, world.coordinator)] == []
    broker = broker_for(world)
    ready_volunteer(world.organisation)  # a buddy, not a broker: never a candidate
    assert [b.pk for b in selectors.broker_candidates(request, world.coordinator)] == [broker.pk]
    request = services.brokerrequest_link(user=world.coordinator, request=request, broker=broker)
    assert (request.broker_id, request.linked_on) == (broker.pk, TODAY)
    with pytest.raises(ValidationError):
        services.brokerrequest_link(user=world.coordinator, request=request, broker=broker)
    with pytest.raises(ValidationError):
        services.brokerrequest_end(user=world.professional, request=request, reason="case_closed")
    ended = services.brokerrequest_end(user=world.professional, request=request, reason="done")
    assert (ended.ended_on, ended.end_reason) == (TODAY, "done")
    with pytest.raises(ValidationError):
        services.brokerrequest_end(user=world.coordinator, request=request, reason="done")


def test_ask_is_refused_for_others_twice_and_without_purpose(world: World) -> None:
    for user in (world.parent, world.outsider, world.volunteer, world.young_person_user):
        with pytest.raises(PermissionDenied):
            services.brokerrequest_ask(user=user, case=world.case, purpose="Hulp")
    with pytest.raises(ValidationError):
        services.brokerrequest_ask(user=world.professional, case=world.case, purpose="   ")
    services.brokerrequest_ask(user=world.professional, case=world.case, purpose="Hulp")
    with pytest.raises(ValidationError):
        services.brokerrequest_ask(user=world.coordinator, case=world.case, purpose="Nog eens")
    assert BrokerRequest.objects.count() == 1


def test_only_a_coordinator_links_and_only_a_ready_broker(world: World) -> None:
    request = services.brokerrequest_ask(user=world.professional, case=world.case, purpose="Hulp")
    broker = broker_for(world)
    foreign_coordinator = user_with_role(Role.COORDINATOR, world.other_organisation)
    for user in (world.professional, foreign_coordinator, broker.user):
        with pytest.raises(PermissionDenied):
            services.brokerrequest_link(user=user, request=request, broker=broker)
    paused = broker_for(world)
    Volunteer.objects.filter(pk=paused.pk).update(status=Volunteer.Status.PAUSED)
    with pytest.raises(ValidationError):
        services.brokerrequest_link(user=world.coordinator, request=request, broker=paused)
    request.refresh_from_db()
    assert request.broker_id is None


def test_the_pool_holds_the_brokers_of_the_case_organisation_and_of_the_coordinators_other_organisations(
    world: World,
) -> None:
    request = services.brokerrequest_ask(user=world.professional, case=world.case, purpose="Hulp")
    centre = OrganisationFactory(name="Vrijwilligerscentrum")
    from_centre = ready_volunteer(centre, kinds=[VolunteerKind.SOCIAL_BROKER])
    foreign = ready_volunteer(world.other_organisation, kinds=[VolunteerKind.SOCIAL_BROKER])
    # Not in the pool while the coordinator does not run the centre; a foreign organisation's broker never.
    assert selectors.broker_candidates(request, world.coordinator) == []
    with pytest.raises(ValidationError):
        services.brokerrequest_link(user=world.coordinator, request=request, broker=from_centre)
    role_grant(user=world.coordinator, role=Role.COORDINATOR, organisation=centre)
    world.coordinator = type(world.coordinator).objects.get(pk=world.coordinator.pk)  # roles are read once per user
    assert selectors.broker_candidates(request, world.coordinator) == [from_centre]
    with pytest.raises(ValidationError):
        services.brokerrequest_link(user=world.coordinator, request=request, broker=foreign)
    linked = services.brokerrequest_link(user=world.coordinator, request=request, broker=from_centre)
    assert linked.broker == from_centre


def test_the_reasons_to_end_follow_whether_a_broker_is_linked(world: World) -> None:
    waiting = services.brokerrequest_ask(user=world.professional, case=world.case, purpose="Hulp")
    assert selectors.end_reasons_for(waiting) == ["no_broker", "not_needed", "family_stopped"]
    with pytest.raises(ValidationError):
        services.brokerrequest_end(user=world.professional, request=waiting, reason="done")
    assert (
        services.brokerrequest_end(user=world.professional, request=waiting, reason="no_broker").end_reason
        == "no_broker"
    )
    linked, _broker = linked_request(world)
    assert selectors.end_reasons_for(linked) == ["done", "not_needed", "family_stopped"]
    with pytest.raises(ValidationError):
        services.brokerrequest_end(user=world.professional, request=linked, reason="no_broker")
    assert BrokerRequest.objects.get(pk=linked.pk).is_open


def test_closing_the_case_ends_the_request(world: World) -> None:
    request, _broker = linked_request(world)
    world.case.closed_on = TODAY
    world.case.save()
    assert services.brokerrequests_end_for_case(case=world.case) == 1
    request.refresh_from_db()
    assert (request.ended_on, request.end_reason) == (TODAY, BrokerRequest.EndReason.CASE_CLOSED)


def test_a_referral_is_followed_up_twice(world: World) -> None:
    request, broker = linked_request(world)
    referral = services.referral_record(
        user=broker.user, request=request, resource=a_resource(world), for_whom="young_person"
    )
    assert [m.name for m in moves_from(referral.state)] == ["agree", "decline"]
    yesterday = TODAY - timedelta(days=1)
    referral = services.referral_move(user=broker.user, referral=referral, move="agree", on=yesterday)
    with pytest.raises(ValidationError):
        services.referral_move(user=broker.user, referral=referral, move="contact", on=yesterday - timedelta(days=1))
    referral = services.referral_move(user=broker.user, referral=referral, move="contact", on=TODAY)
    referral = services.referral_move(user=broker.user, referral=referral, move="follow_up_4_weeks", answer="yes")
    referral = services.referral_move(user=broker.user, referral=referral, move="follow_up_3_months", answer="yes")
    referral.refresh_from_db()
    assert (referral.state, referral.agreed_on, referral.first_contact_on) == (State.CONNECTED, yesterday, TODAY)
    assert (referral.week4, referral.month3, referral.month3_on) == ("yes", "yes", TODAY)
    assert moves_from(referral.state) == []


@pytest.mark.parametrize(
    ("moves", "end"),
    [
        ([("decline", {"reason": "Geen tijd"})], State.DECLINED),
        (
            [("agree", {}), ("contact", {}), ("follow_up_4_weeks", {"answer": "no", "reason": "Te ver"})],
            State.NOT_TAKING_PART,
        ),
        (
            [
                ("agree", {}),
                ("contact", {}),
                ("follow_up_4_weeks", {"answer": "yes"}),
                ("follow_up_3_months", {"answer": "stopped", "reason": "Verhuisd"}),
            ],
            State.STOPPED,
        ),
    ],
)
def test_every_ending(world: World, moves: list[tuple[str, dict[str, str]]], end: State) -> None:
    request, broker = linked_request(world)
    referral = services.referral_record(
        user=broker.user, request=request, resource=a_resource(world), for_whom="parent", parent=world.parent
    )
    for move, extra in moves:
        referral = services.referral_move(user=broker.user, referral=referral, move=move, on=TODAY, **extra)
    assert referral.state == end
    # Each reason is kept where it belongs: why the family said no is no answer to a follow-up.
    stored = Referral.objects.get(pk=referral.pk)
    reasons = (stored.declined_reason, stored.week4_reason, stored.month3_reason)
    assert (
        reasons
        == {
            State.DECLINED: ("Geen tijd", "", ""),
            State.NOT_TAKING_PART: ("", "Te ver", ""),
            State.STOPPED: ("", "", "Verhuisd"),
        }[end]
    )


def test_a_broker_whose_places_are_taken_is_no_candidate_and_cannot_be_linked(world: World) -> None:
    request, broker = linked_request(world)
    Volunteer.objects.filter(pk=broker.pk).update(capacity=1)
    other = services.brokerrequest_ask(user=world.professional, case=other_case(world), purpose="Huiswerkhulp")
    assert selectors.broker_candidates(other, world.coordinator) == []
    with translation.override("en"), pytest.raises(ValidationError, match="not a ready social broker"):
        services.brokerrequest_link(user=world.coordinator, request=other, broker=broker)
    assert BrokerRequest.objects.get(pk=other.pk).broker_id is None
    # When the first request ends, the place is free again.
    services.brokerrequest_end(user=world.professional, request=request, reason="done")
    assert [b.pk for b in selectors.broker_candidates(other, world.coordinator)] == [broker.pk]
    assert services.brokerrequest_link(user=world.coordinator, request=other, broker=broker).broker_id == broker.pk


def test_the_candidates_cost_the_same_queries_for_one_or_four_brokers(world: World) -> None:
    request = services.brokerrequest_ask(user=world.professional, case=world.case, purpose="Een sportclub vinden")
    broker_for(world)
    selectors.broker_candidates(request, world.coordinator)  # the coordinator's roles are read once, here
    with CaptureQueriesContext(connection) as one:
        assert len(selectors.broker_candidates(request, world.coordinator)) == 1
    for _i in range(3):
        broker_for(world)
    with CaptureQueriesContext(connection) as four:
        assert len(selectors.broker_candidates(request, world.coordinator)) == 4
    assert len(four) == len(one)


def test_refused_moves_change_nothing(world: World) -> None:
    request, broker = linked_request(world)
    referral = services.referral_record(
        user=broker.user, request=request, resource=a_resource(world), for_whom="young_person"
    )
    refused: list[dict[str, Any]] = [
        {"move": "contact", "on": TODAY},  # not agreed yet
        {"move": "follow_up_4_weeks", "answer": "yes"},
        {"move": "agree"},  # no date
        {"move": "agree", "on": TODAY + timedelta(days=1)},
        {"move": "decline"},  # no reason
        {"move": "fly"},
    ]
    for kwargs in refused:
        with pytest.raises(ValidationError):
            services.referral_move(user=broker.user, referral=referral, **kwargs)
    services.referral_move(user=broker.user, referral=referral, move="agree", on=TODAY)
    services.referral_move(user=broker.user, referral=referral, move="contact", on=TODAY)
    for answer, reason in (("maybe", ""), ("no", ""), ("stopped", " ")):
        with pytest.raises(ValidationError):
            services.referral_move(
                user=broker.user, referral=referral, move="follow_up_4_weeks", answer=answer, reason=reason
            )
    referral.refresh_from_db()
    assert (referral.state, referral.week4) == (State.CONTACTED, "")
    assert set(MOVES) == {"agree", "decline", "contact", "follow_up_4_weeks", "follow_up_3_months"}


def test_only_the_linked_broker_records_and_moves(world: World) -> None:
    request, broker = linked_request(world)
    resource = a_resource(world)
    other_broker = broker_for(world)
    for user in (world.professional, world.coordinator, world.parent, other_broker.user):
        with pytest.raises(PermissionDenied):
            services.referral_record(user=user, request=request, resource=resource, for_whom="young_person")
    with pytest.raises(ValidationError):
        services.referral_record(
            user=broker.user, request=request, resource=resource, for_whom="parent", parent=world.mentor
        )
    referral = services.referral_record(user=broker.user, request=request, resource=resource, for_whom="young_person")
    for user in (world.professional, world.parent, other_broker.user):
        with pytest.raises(PermissionDenied):
            services.referral_move(user=user, referral=referral, move="agree", on=TODAY)
    services.brokerrequest_end(user=world.coordinator, request=request, reason="not_needed")
    with pytest.raises(PermissionDenied):
        services.referral_move(user=broker.user, referral=referral, move="agree", on=TODAY)
    assert Referral.objects.get().state == State.PROPOSED


def test_who_sees_requests_and_referrals(world: World) -> None:
    request, broker = linked_request(world)
    referral = services.referral_record(
        user=broker.user, request=request, resource=a_resource(world), for_whom="young_person"
    )
    for user in (world.professional, world.coordinator, world.parent, world.young_person_user, broker.user):
        assert selectors.referral_get_for(user, referral.pk) == referral
        assert selectors.brokerrequest_get_for(user, request.pk) == request
    for user in (world.outsider, world.mentor, world.volunteer, world.analyst):
        with pytest.raises(Http404):
            selectors.referral_get_for(user, referral.pk)
        with pytest.raises(Http404):
            selectors.brokerrequest_get_for(user, request.pk)
    for user in (world.professional, world.coordinator, world.parent):
        with pytest.raises(PermissionDenied):
            selectors.referral_get_for(user, referral.pk, write=True)
    assert selectors.referral_get_for(broker.user, referral.pk, write=True) == referral
    for user in (world.parent, world.young_person_user, broker.user):
        with pytest.raises(PermissionDenied):
            selectors.brokerrequest_get_for(user, request.pk, write=True)
