"""Builders for support families (hostfamilies): a screened family ready for a match, support requests, walking a
match through its moves, and an open match in each organisation (`open_matches`, behind the `matches` fixture in
tests/conftest.py).

Moved here from test modules so that no test imports another (issue #24); behaviour unchanged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Organisation, Role, User
from hostfamilies import services
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.services import match_propose, supportrequest_create
from hostfamilies.states import State
from tests.conftest import World
from tests.factories import (
    OrganisationFactory,
    VolunteerFactory,
    agreement_in_force,
    introduction_visits_record,
    user_with_role,
)
from volunteers.models import HomeVisit, Intake, Outcome, Reference, VogCheck, Volunteer, VolunteerKind
from youth.models import Case

TODAY = timezone.localdate()


def screen(volunteer: Volunteer, recorded_by: User) -> Volunteer:
    """Record every screening step a support family needs (the organisation has no courses, so no training)."""
    Intake.objects.create(volunteer=volunteer, held_on=TODAY, outcome=Outcome.POSITIVE, recorded_by=recorded_by)
    HomeVisit.objects.create(volunteer=volunteer, held_on=TODAY, outcome=Outcome.POSITIVE, recorded_by=recorded_by)
    for name in ("Piet", "Els"):
        Reference.objects.create(
            volunteer=volunteer, name=name, relation="buur", contact="06", contacted_on=TODAY, outcome="positive"
        )
    VogCheck.objects.create(
        volunteer=volunteer,
        requested_on=TODAY,
        received_on=TODAY,
        issued_on=TODAY,
        valid_until=TODAY + timedelta(days=3 * 365),
    )
    return volunteer


def support_family(organisation: Organisation, recorded_by: User, *, capacity: int = 1, **kwargs: object) -> Volunteer:
    """A matchable support family of `organisation`."""
    volunteer = VolunteerFactory(
        organisation=organisation, kinds=[VolunteerKind.SUPPORT_FAMILY], capacity=capacity, **kwargs
    )
    return screen(volunteer, recorded_by)


def request_for(world: World, case: Case | None = None) -> SupportRequest:
    return services.supportrequest_create(
        actor=world.coordinator,
        case=case or world.case,
        organisation=world.organisation,
        what_for="Rust voor moeder, plezier voor Sanne",
        wishes="Eén weekend per maand logeren",
    )


# The happy path, with who makes each move. `advance` walks it until the match reaches a state.
def happy_path(world: World) -> list[tuple[str, User, dict[str, Any]]]:
    return [
        ("introduce", world.coordinator, {}),
        ("family_yes", world.parent, {}),
        ("host_yes", world.volunteer, {}),
        ("approve", world.professional, {}),
        ("start_trial", world.coordinator, {}),
        ("activate", world.coordinator, {}),
        ("end", world.coordinator, {"reason": "Het gaat goed thuis", "outcome": "reached"}),
    ]


def advance(world: World, match: SupportFamilyMatch, state: str) -> SupportFamilyMatch:
    if state == State.STOPPED:
        return services.match_move(actor=world.coordinator, match=match, move="stop", reason="Verhuisd")
    for move, actor, extra in happy_path(world):
        if match.state == state:
            break
        if move == "activate":
            # Continuing after the trial needs agreements that both families agreed to.
            agreement_in_force(match, world.coordinator)
        match = services.match_move(actor=actor, match=match, move=move, **extra)
        if move == "introduce":
            # The families say yes only after the introduction visits.
            match = introduction_visits_record(match, world.coordinator)
    assert match.state == state
    return match


def ready_family(organisation: Any, user: Any = None) -> Volunteer:
    """A screened support family with room for one match (no courses exist, so none are required)."""
    extra = {"user": user} if user else {}
    family = VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.SUPPORT_FAMILY], **extra)
    checker = user_with_role(Role.COORDINATOR, organisation)
    Intake.objects.create(volunteer=family, held_on=TODAY, outcome=Outcome.POSITIVE, recorded_by=checker)
    HomeVisit.objects.create(volunteer=family, held_on=TODAY, outcome=Outcome.POSITIVE, recorded_by=checker)
    for name in ("Piet", "Els"):
        Reference.objects.create(volunteer=family, name=name, relation="buur", contact="06", outcome=Outcome.POSITIVE)
    VogCheck.objects.create(
        volunteer=family,
        requested_on=TODAY,
        received_on=TODAY,
        issued_on=TODAY,
        valid_until=TODAY.replace(year=TODAY.year + 3),
    )
    return family


def open_matches(world: World) -> dict[bool, SupportFamilyMatch]:
    """An open match in world.organisation (world.volunteer is the support family), and one in another organisation."""
    own_request = supportrequest_create(
        actor=world.coordinator, case=world.case, organisation=world.organisation, what_for="weekends"
    )
    own = match_propose(
        actor=world.coordinator, request=own_request, volunteer=ready_family(world.organisation, world.volunteer)
    )
    other = OrganisationFactory()
    outsider_coordinator = user_with_role(Role.COORDINATOR, other)
    foreign_request = supportrequest_create(
        actor=outsider_coordinator, case=world.foreign_case, organisation=other, what_for="weekends"
    )
    foreign = match_propose(actor=outsider_coordinator, request=foreign_request, volunteer=ready_family(other))
    return {True: own, False: foreign}
