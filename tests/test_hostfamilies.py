"""Support-family matches: the life of a match through its states table, who may make each move, capacity,
and who sees a match."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import Role
from hostfamilies import services
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.selectors import (
    OPEN_STATES,
    match_get_for,
    match_moves_for,
    match_visible_to,
    open_match_counts,
    supportrequest_visible_to,
)
from hostfamilies.states import ALL_PARTIES, MOVES, State, Visit
from tests.builders.hostfamilies import TODAY, advance, request_for, screen, support_family
from tests.conftest import PERSONAS, World
from tests.factories import (
    CaseFactory,
    VolunteerFactory,
    agreement_in_force,
    give_all_consents,
    introduction_visits_record,
    user_with_role,
)
from volunteers.models import Volunteer, VolunteerKind


def another_request(world: World) -> SupportRequest:
    """A request for another family of the same organisation."""
    case = CaseFactory(organisation=world.organisation)
    give_all_consents(case.young_person)  # a match starts only with consent (youth/consent.py)
    return request_for(world, case)


@pytest.fixture
def host(world: World) -> Volunteer:
    # The world's volunteer persona is the support family, so the permission matrix covers "the volunteer".
    return support_family(world.organisation, world.coordinator, user=world.volunteer)


@pytest.fixture
def match(world: World, host: Volunteer) -> SupportFamilyMatch:
    return services.match_propose(actor=world.coordinator, request=request_for(world), volunteer=host)


def request_status(match: SupportFamilyMatch) -> str:
    return SupportRequest.objects.get(pk=match.request_id).status


def test_the_whole_life_of_a_match(world: World, match: SupportFamilyMatch) -> None:
    assert (match.state, request_status(match)) == (State.PROPOSED, SupportRequest.Status.MATCHED)
    match = services.match_move(actor=world.coordinator, match=match, move="introduce")
    assert match.state == State.INTRODUCTION
    match = introduction_visits_record(match, world.coordinator)
    match = services.match_move(actor=world.parent, match=match, move="family_yes")
    # One yes is not enough: the match waits for the support family's.
    assert (match.state, match.family_yes_by) == (State.INTRODUCTION, world.parent)
    assert match.family_yes_at is not None and match.host_yes_at is None
    match = services.match_move(actor=world.volunteer, match=match, move="host_yes")
    assert match.state == State.BOTH_YES and match.host_yes_at is not None
    match = services.match_move(actor=world.professional, match=match, move="approve")
    assert (match.state, match.approved_by) == (State.APPROVED, world.professional)
    match = services.match_move(actor=world.coordinator, match=match, move="start_trial")
    assert (match.state, match.trial_ends_on) == (State.TRIAL, TODAY + timedelta(weeks=6))
    with pytest.raises(ValidationError, match=r"akkoord|agree"):
        services.match_move(actor=world.coordinator, match=match, move="activate")
    agreement_in_force(match, world.coordinator)
    match = services.match_move(actor=world.coordinator, match=match, move="activate")
    assert (match.state, match.started_on) == (State.ACTIVE, TODAY)
    assert request_status(match) == SupportRequest.Status.MATCHED
    match = services.match_move(
        actor=world.coordinator, match=match, move="end", reason="Het gaat goed thuis", outcome="reached"
    )
    match.refresh_from_db()
    assert (match.state, match.ended_on, match.ended_by) == (State.ENDED, TODAY, world.coordinator)
    assert (match.end_reason, match.outcome) == ("Het gaat goed thuis", "reached")
    # The request was answered: it stays matched (a new need is a new request).
    assert request_status(match) == SupportRequest.Status.MATCHED
    assert open_match_counts([match.volunteer_id]) == {match.volunteer_id: 0}


def test_the_support_family_may_say_yes_first_and_the_professional_for_the_family(
    world: World, match: SupportFamilyMatch
) -> None:
    match = advance(world, match, State.INTRODUCTION)
    match = services.match_move(actor=world.volunteer, match=match, move="host_yes")
    assert match.state == State.INTRODUCTION
    with pytest.raises(ValidationError, match="al"):
        services.match_move(actor=world.volunteer, match=match, move="host_yes")
    match = services.match_move(actor=world.professional, match=match, move="family_yes")
    assert (match.state, match.family_yes_by) == (State.BOTH_YES, world.professional)


def test_a_yes_cannot_be_recorded_twice(world: World, match: SupportFamilyMatch) -> None:
    match = advance(world, match, State.INTRODUCTION)
    services.match_move(actor=world.parent, match=match, move="family_yes")
    with pytest.raises(ValidationError):
        services.match_move(actor=world.professional, match=match, move="family_yes")
    assert [m.name for m in match_moves_for(world.parent, SupportFamilyMatch.objects.get(pk=match.pk))] == ["stop"]


def test_ending_needs_a_reason_and_an_outcome(world: World, match: SupportFamilyMatch) -> None:
    match = advance(world, match, State.ACTIVE)
    with pytest.raises(ValidationError):
        services.match_move(actor=world.coordinator, match=match, move="end", outcome="reached")
    with pytest.raises(ValidationError):
        services.match_move(actor=world.coordinator, match=match, move="end", reason="Klaar")
    with pytest.raises(ValidationError):
        services.match_move(actor=world.coordinator, match=match, move="end", reason="Klaar", outcome="great")
    assert SupportFamilyMatch.objects.get(pk=match.pk).state == State.ACTIVE


INVALID = [
    pytest.param(state, move, id=f"{move}-from-{state}")
    for state in State.values
    for move, step in MOVES.items()
    if state not in step.sources
]


@pytest.mark.parametrize(("state", "move"), INVALID)
def test_a_move_from_the_wrong_state_is_refused_naming_the_state(
    world: World, match: SupportFamilyMatch, state: str, move: str
) -> None:
    match = advance(world, match, state)
    # Someone who may make the move, so the refusal is about the state and not about the person.
    actor = {"family_yes": world.parent, "host_yes": world.volunteer}.get(move, world.coordinator)
    with pytest.raises(ValidationError) as refused:
        services.match_move(actor=actor, match=match, move=move, reason="Omdat", outcome="partly")
    assert str(State(state).label) in " ".join(refused.value.messages)
    assert SupportFamilyMatch.objects.get(pk=match.pk).state == state


def test_an_unknown_move_is_refused(world: World, match: SupportFamilyMatch) -> None:
    with pytest.raises(ValidationError):
        services.match_move(actor=world.coordinator, match=match, move="teleport")


ALLOWED = {
    "introduce": {"coordinator"},
    "family_yes": {"parent", "professional"},
    "host_yes": {"volunteer"},
    "approve": {"coordinator", "professional"},
    "start_trial": {"coordinator"},
    "activate": {"coordinator"},
    "end": {"coordinator"},
    "stop": {"coordinator", "professional", "parent", "volunteer"},
}


def test_the_allowed_parties_are_the_table() -> None:
    assert set(ALLOWED) == set(MOVES)
    # match_writable_by relies on it: everyone who takes part can stop an open match.
    assert MOVES["stop"].parties == ALL_PARTIES
    assert MOVES["stop"].sources == frozenset(OPEN_STATES)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("move", list(MOVES))
def test_only_the_right_party_may_make_a_move(world: World, match: SupportFamilyMatch, move: str, persona: str) -> None:
    match = advance(world, match, sorted(MOVES[move].sources, key=State.values.index)[0])
    if move == "activate":
        agreement_in_force(match, world.coordinator)
    before = match.state
    call: dict[str, Any] = {
        "actor": world.by_role(persona),
        "match": match,
        "move": move,
        "reason": "Omdat",
        "outcome": "partly",
    }
    if persona in ALLOWED[move]:
        services.match_move(**call)
        assert SupportFamilyMatch.objects.get(pk=match.pk).updated_at > match.updated_at
    else:
        with pytest.raises(PermissionDenied):
            services.match_move(**call)
        assert SupportFamilyMatch.objects.get(pk=match.pk).state == before


@pytest.mark.parametrize("state", OPEN_STATES)
def test_any_party_can_stop_an_open_match_with_a_reason(world: World, match: SupportFamilyMatch, state: str) -> None:
    match = advance(world, match, state)
    with pytest.raises(ValidationError):
        services.match_move(actor=world.parent, match=match, move="stop", reason="  ")
    match = services.match_move(actor=world.parent, match=match, move="stop", reason="Het klikt niet")
    match.refresh_from_db()
    assert (match.state, match.ended_on, match.end_reason) == (State.STOPPED, TODAY, "Het klikt niet")
    # The family still needs support: back on the waiting list, and a new proposal is possible.
    assert request_status(match) == SupportRequest.Status.WAITING
    again = services.match_propose(actor=world.coordinator, request=match.request, volunteer=match.volunteer)
    assert again.state == State.PROPOSED


def test_a_full_support_family_cannot_be_proposed_until_a_place_is_free(
    world: World, host: Volunteer, match: SupportFamilyMatch
) -> None:
    second = another_request(world)
    with pytest.raises(ValidationError, match=str(host)):
        services.match_propose(actor=world.coordinator, request=second, volunteer=host)
    services.match_move(actor=world.volunteer, match=match, move="stop", reason="Te druk")
    assert services.match_propose(actor=world.coordinator, request=second, volunteer=host).state == State.PROPOSED


def test_a_request_has_one_open_match(world: World, match: SupportFamilyMatch) -> None:
    other = support_family(world.organisation, world.coordinator)
    with pytest.raises(ValidationError):
        services.match_propose(actor=world.coordinator, request=match.request, volunteer=other)
    # The database says the same when a service is bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportFamilyMatch.objects.create(request=match.request, volunteer=other)


def test_an_unscreened_volunteer_or_one_who_is_no_support_family_cannot_be_proposed(world: World) -> None:
    request = request_for(world)
    unscreened = VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])
    with pytest.raises(ValidationError, match="VOG"):
        services.match_propose(actor=world.coordinator, request=request, volunteer=unscreened)
    buddy = screen(VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.BUDDY]), world.coordinator)
    with pytest.raises(ValidationError):
        services.match_propose(actor=world.coordinator, request=request, volunteer=buddy)
    paused = support_family(world.organisation, world.coordinator, status=Volunteer.Status.PAUSED)
    with pytest.raises(ValidationError):
        services.match_propose(actor=world.coordinator, request=request, volunteer=paused)
    assert not SupportFamilyMatch.objects.exists()
    assert SupportRequest.objects.get(pk=request.pk).status == SupportRequest.Status.WAITING


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "coordinator"])
def test_only_a_coordinator_of_the_requests_organisation_proposes(world: World, host: Volunteer, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.match_propose(actor=world.by_role(persona), request=request_for(world), volunteer=host)


def test_a_request_needs_someone_who_works_on_the_case_and_an_open_case(world: World) -> None:
    made = services.supportrequest_create(
        actor=world.professional, case=world.case, organisation=world.organisation, what_for="Weekendrust"
    )
    assert made.status == SupportRequest.Status.WAITING
    with pytest.raises(PermissionDenied):
        services.supportrequest_create(
            actor=world.parent, case=world.case, organisation=world.organisation, what_for="Weekendrust"
        )
    with pytest.raises(ValidationError):
        services.supportrequest_create(
            actor=world.coordinator, case=world.case, organisation=world.organisation, what_for=" "
        )
    assert list(supportrequest_visible_to(world.parent)) == [made]
    assert not supportrequest_visible_to(world.outsider).exists()


SEES = {"coordinator", "professional", "parent", "volunteer"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_and_moves_a_match(world: World, match: SupportFamilyMatch, persona: str) -> None:
    user = world.by_role(persona)
    if persona in SEES:
        assert list(match_visible_to(user)) == [match]
        assert match_get_for(user, match.pk, write=True) == match
        finished = advance(world, match, State.STOPPED)
        with pytest.raises(PermissionDenied):
            match_get_for(user, finished.pk, write=True)
    else:
        assert not match_visible_to(user).exists()
        with pytest.raises(Http404):
            match_get_for(user, match.pk)


def test_open_match_counts_is_one_query_for_any_number_of_volunteers(
    world: World, host: Volunteer, match: SupportFamilyMatch, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    busy = support_family(world.organisation, world.coordinator, capacity=3)
    for _ in range(2):
        services.match_propose(
            actor=world.coordinator,
            request=another_request(world),
            volunteer=busy,
        )
    stopped = services.match_propose(
        actor=world.coordinator,
        request=another_request(world),
        volunteer=busy,
    )
    services.match_move(actor=world.coordinator, match=stopped, move="stop", reason="Verhuisd")
    idle = support_family(world.organisation, world.coordinator)
    with django_assert_num_queries(1):
        counts = open_match_counts([host.pk, busy.pk, idle.pk, host.pk])
    assert counts == {host.pk: 1, busy.pk: 2, idle.pk: 0}
    with django_assert_num_queries(0):
        assert open_match_counts([]) == {}


# --- The introduction visits -------------------------------------------------------------------------------------


def introduced(world: World, match: SupportFamilyMatch, *, days_ago: int = 0) -> SupportFamilyMatch:
    """The match at its introduction step, without visits; proposed `days_ago` days ago."""
    if days_ago:
        SupportFamilyMatch.objects.filter(pk=match.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return services.match_move(actor=world.coordinator, match=match, move="introduce")


def test_the_coordinator_records_each_visit_and_recording_again_corrects_the_date(
    world: World, match: SupportFamilyMatch
) -> None:
    match = introduced(world, match, days_ago=10)
    match = services.match_introduction_record(
        actor=world.coordinator, match=match, visit=Visit.FAMILY, on=TODAY - timedelta(days=7)
    )
    assert (match.family_visited_on, match.family_visit_recorded_by) == (TODAY - timedelta(days=7), world.coordinator)
    assert (match.host_visited_on, match.families_met_on, match.visits_recorded) == (None, None, False)
    # The proposal day itself is a possible day.
    services.match_introduction_record(
        actor=world.coordinator, match=match, visit=Visit.HOST, on=TODAY - timedelta(days=10)
    )
    services.match_introduction_record(actor=world.coordinator, match=match, visit=Visit.MEETING, on=TODAY)
    second = user_with_role(Role.COORDINATOR, world.organisation)
    services.match_introduction_record(actor=second, match=match, visit=Visit.FAMILY, on=TODAY - timedelta(days=6))
    match.refresh_from_db()
    assert (match.family_visited_on, match.family_visit_recorded_by) == (TODAY - timedelta(days=6), second)
    assert (match.host_visited_on, match.host_visit_recorded_by) == (TODAY - timedelta(days=10), world.coordinator)
    assert (match.families_met_on, match.meeting_recorded_by) == (TODAY, world.coordinator)
    assert match.visits_recorded and match.state == State.INTRODUCTION


@pytest.mark.parametrize("persona", [*PERSONAS, "other_coordinator"])
def test_only_a_coordinator_of_the_requests_organisation_records_a_visit(
    world: World, match: SupportFamilyMatch, persona: str
) -> None:
    match = introduced(world, match)
    if persona == "other_coordinator":
        actor = user_with_role(Role.COORDINATOR, world.other_organisation)
    else:
        actor = world.by_role(persona)
    call: dict[str, Any] = {"actor": actor, "match": match, "visit": Visit.MEETING, "on": TODAY}
    if persona == "coordinator":
        assert services.match_introduction_record(**call).families_met_on == TODAY
    else:
        with pytest.raises(PermissionDenied):
            services.match_introduction_record(**call)
        assert SupportFamilyMatch.objects.get(pk=match.pk).families_met_on is None


@pytest.mark.parametrize("state", [s for s in State.values if s != State.INTRODUCTION])
def test_a_visit_is_recorded_only_at_the_introduction_step(world: World, match: SupportFamilyMatch, state: str) -> None:
    match = advance(world, match, state)
    before = SupportFamilyMatch.objects.get(pk=match.pk)
    with pytest.raises(ValidationError) as refused:
        services.match_introduction_record(actor=world.coordinator, match=match, visit=Visit.HOST, on=TODAY)
    assert str(State(state).label) in " ".join(refused.value.messages)
    after = SupportFamilyMatch.objects.get(pk=match.pk)
    assert (after.updated_at, after.host_visited_on) == (before.updated_at, before.host_visited_on)


@pytest.mark.parametrize(
    ("on", "says"),
    [(TODAY + timedelta(days=1), r"toekomst|future"), (TODAY - timedelta(days=4), r"voorgesteld|proposed")],
    ids=["future", "before-the-proposal"],
)
def test_a_visit_date_in_the_future_or_before_the_proposal_is_refused(
    world: World, match: SupportFamilyMatch, on: date, says: str
) -> None:
    match = introduced(world, match, days_ago=3)
    with pytest.raises(ValidationError, match=says) as refused:
        services.match_introduction_record(actor=world.coordinator, match=match, visit=Visit.FAMILY, on=on)
    assert set(refused.value.message_dict) == {"on"}
    assert SupportFamilyMatch.objects.get(pk=match.pk).family_visited_on is None


def test_an_unknown_visit_is_refused(world: World, match: SupportFamilyMatch) -> None:
    match = introduced(world, match)
    with pytest.raises(ValidationError):
        services.match_introduction_record(actor=world.coordinator, match=match, visit="party", on=TODAY)


def test_the_families_say_yes_only_after_all_three_visits(world: World, match: SupportFamilyMatch) -> None:
    match = introduced(world, match)
    for visit in (None, Visit.FAMILY, Visit.HOST):
        if visit:
            services.match_introduction_record(actor=world.coordinator, match=match, visit=visit, on=TODAY)
        for actor, move in [
            (world.parent, "family_yes"),
            (world.professional, "family_yes"),
            (world.volunteer, "host_yes"),
        ]:
            with pytest.raises(ValidationError, match=r"kennismakingsbezoeken|introduction visits"):
                services.match_move(actor=actor, match=match, move=move)
    refused = SupportFamilyMatch.objects.get(pk=match.pk)
    assert (refused.family_yes_at, refused.host_yes_at) == (None, None)
    services.match_introduction_record(actor=world.coordinator, match=match, visit=Visit.MEETING, on=TODAY)
    services.match_move(actor=world.volunteer, match=match, move="host_yes")
    assert services.match_move(actor=world.parent, match=match, move="family_yes").state == State.BOTH_YES


def test_both_families_hear_when_the_last_visit_is_recorded_and_not_of_a_correction(
    world: World, match: SupportFamilyMatch, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    match = introduced(world, match)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for visit in (Visit.FAMILY, Visit.HOST):
            services.match_introduction_record(actor=world.coordinator, match=match, visit=visit, on=TODAY)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.match_introduction_record(actor=world.coordinator, match=match, visit=Visit.MEETING, on=TODAY)
    assert {address for email in mailoutbox for address in email.to} == {world.parent.email, world.volunteer.email}
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.match_introduction_record(actor=world.coordinator, match=match, visit=Visit.FAMILY, on=TODAY)
    assert mailoutbox == []


def test_the_database_refuses_a_recorder_without_a_date(world: World, match: SupportFamilyMatch) -> None:
    for by in ("family_visit_recorded_by", "host_visit_recorded_by", "meeting_recorded_by"):
        with pytest.raises(IntegrityError), transaction.atomic():
            SupportFamilyMatch.objects.filter(pk=match.pk).update(**{by: world.coordinator})
