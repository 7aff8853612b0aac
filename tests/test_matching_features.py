"""From the database to the engine: volunteers as candidates (readiness, places taken, household, availability),
support and buddy requests as requests, and the support families proposed for a real request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import translation

from hostfamilies import services
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.states import State
from matching.engine import GENDER_GIRL
from matching.features import (
    WEEKDAY_AFTERNOONS,
    WEEKEND_STAYS,
    candidates,
    needs_in,
    proposals_for_support_request,
    support_request_to_request,
    young_person_to_request,
)
from tests.builders.hostfamilies import support_family
from tests.conftest import World
from tests.factories import VolunteerFactory, born_years_ago
from volunteers.models import AvailabilitySlot, DayPart, Household, Volunteer, VolunteerKind


def family_request(world: World, **intake: Any) -> SupportRequest:
    values: dict[str, Any] = {"what_for": "Rust voor moeder; Sanne heeft autisme en houdt van voetbal"}
    values.update(intake)
    return services.supportrequest_create(
        actor=world.coordinator,
        case=world.case,
        organisation=world.organisation,
        **values,
    )


def test_a_volunteer_becomes_a_candidate(world: World) -> None:
    family = support_family(
        world.organisation,
        world.coordinator,
        capacity=2,
        experience=["autism"],
        interests="voetbal",
        languages=["nl", "ar"],
        preferred_gender="girl",
        preferred_age_min=4,
        preferred_age_max=12,
    )
    Household.objects.create(volunteer=family, pets="een hond", smoking=True, beds_for_stays=2)
    AvailabilitySlot.objects.create(volunteer=family, weekday=5, day_part=DayPart.OVERNIGHT)
    services.match_propose(actor=world.coordinator, request=family_request(world), volunteer=family)
    unscreened = VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])

    found = {c.id: c for c in candidates(Volunteer.objects.filter(pk__in=[family.pk, unscreened.pk]))}
    one = found[family.pk]
    assert (one.capacity_left, one.open_proposals, one.matchable) == (1, 1, True)
    assert (one.has_pets, one.smoking, one.beds) == (True, True, 2)
    assert one.availability == frozenset({(5, "overnight")})
    assert (one.experience, one.interests, one.languages) == (("autism",), "voetbal", ("nl", "ar"))
    assert (one.gender_preference, one.age_min, one.age_max) == (GENDER_GIRL, 4, 12)
    assert found[unscreened.pk].matchable is False
    assert found[unscreened.pk].has_pets is False  # no household


def test_a_support_request_becomes_a_request(world: World) -> None:
    made = family_request(
        world,
        wants_weekend_stays=True,
        wants_weekday_afternoons=True,
        other_children_ages=[6, 8],
        pet_allergy=True,
        languages=["nl", "tr"],
        culture_or_religion="halal",
    )
    SupportRequest.objects.filter(pk=made.pk).update(created_at=made.created_at - timedelta(days=40))
    made.refresh_from_db()
    request = support_request_to_request(made)
    assert request.asked == WEEKEND_STAYS | WEEKDAY_AFTERNOONS
    assert request.beds_needed == 3  # the child and two brothers or sisters
    assert (request.pet_allergy, request.languages, request.culture) == (True, ("nl", "tr"), "halal")
    assert request.needs == ("autism",)
    assert request.child_age == 15 and request.waiting_days == 40
    assert (request.latitude, request.longitude) == (made.latitude, made.longitude)


def test_a_family_that_declined_is_not_proposed_again(world: World) -> None:
    declined = support_family(world.organisation, world.coordinator)
    other = support_family(world.organisation, world.coordinator)
    request = family_request(world)
    match = services.match_propose(actor=world.coordinator, request=request, volunteer=declined)
    # While it is proposed it is excluded too (already proposed) ...
    assert support_request_to_request(request).excluded_ids == {declined.pk}
    services.match_move(actor=world.coordinator, match=match, move="stop", reason="Past niet")
    assert SupportFamilyMatch.objects.get(pk=match.pk).state == State.STOPPED
    # ... and after it was declined.
    assert support_request_to_request(request).excluded_ids == {declined.pk}
    assert [p.candidate_id for p in proposals_for_support_request(request, use_model=False)] == [other.pk]


def test_the_proposals_for_a_request_follow_the_hard_filters_and_explain_themselves(world: World) -> None:
    with_pets = support_family(world.organisation, world.coordinator, experience=["autism"])
    Household.objects.create(volunteer=with_pets, pets="twee katten")
    no_pets = support_family(world.organisation, world.coordinator, experience=["autism"], interests="voetbal")
    AvailabilitySlot.objects.create(volunteer=no_pets, weekday=5, day_part=DayPart.OVERNIGHT)
    AvailabilitySlot.objects.create(volunteer=with_pets, weekday=5, day_part=DayPart.OVERNIGHT)
    Household.objects.create(volunteer=no_pets, beds_for_stays=1)
    request = family_request(world, pet_allergy=True, wants_weekend_stays=True)
    with translation.override("en"):
        [proposal] = proposals_for_support_request(request, use_model=False)
    assert proposal.candidate_id == no_pets.pk
    assert proposal.reasons == (
        "less than 1 km from home",
        "free on Saturday",
        "a child can stay the night",
        "experience with autism",
        "also likes voetbal",
    )


def test_a_young_person_waiting_for_a_buddy_becomes_a_request(world: World) -> None:
    world.young_person.languages = ["nl", "ar"]
    world.young_person.date_of_birth = born_years_ago(16)
    request = young_person_to_request(world.young_person, request_id=7, waiting_days=3)
    assert (request.id, request.child_age, request.languages, request.waiting_days) == (7, 16, ("nl", "ar"), 3)
    assert not request.asked and not request.pet_allergy
    world.young_person.latitude = None
    with pytest.raises(ValueError, match="no place"):
        young_person_to_request(world.young_person)


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("Hij heeft autisme en ADHD", ("autism", "adhd")),
        ("Na de scheiding van de ouders", ("divorce",)),
        ("Moeder heeft schulden", ("debt",)),
        ("Even rust voor moeder", ()),
    ],
)
def test_needs_are_found_in_the_familys_words(text: str, needs: tuple[str, ...]) -> None:
    assert needs_in(text) == needs
