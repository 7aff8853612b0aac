"""Respite options and stays: every refusal with its message, the confirm / wait / cancel / offer flow, and who
may do what. Messages are checked in English, so they hold before and after the Dutch catalogue has them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, cast

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.http import Http404
from django.utils import formats, timezone, translation
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from accounts.models import Role
from respite import selectors, services
from respite.models import RespiteOption, Stay
from tests.conftest import PERSONAS, World
from tests.factories import (
    CaseFactory,
    VolunteerFactory,
    assign,
    born_years_ago,
    give_all_consents,
    user_with_role,
)
from volunteers.models import Household, VolunteerKind
from youth.models import Case


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def soon(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def option(world: World) -> RespiteOption:
    return services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis De Linde",
        beds_per_night=1,
        age_min=4,
        age_max=17,
    )


def request(world: World, option: RespiteOption, arrival: int = 7, departure: int = 9, **kwargs: Any) -> Stay:
    return services.stay_request(
        actor=kwargs.pop("actor", world.professional),
        option=option,
        case=kwargs.pop("case", world.case),
        arrival=soon(arrival),
        departure=soon(departure),
        **kwargs,
    )


def other_child(world: World) -> Case:
    """Another child of the organisation, with an open case the world's professional works on."""
    case = assign(CaseFactory(organisation=world.organisation), world.professional)
    give_all_consents(case.young_person)  # a stay is booked only with consent (youth/consent.py)
    return case


def fresh(stay: Stay) -> Stay:
    return Stay.objects.get(pk=stay.pk)


# Options


def test_family_beds_default_to_the_household(world: World) -> None:
    family = VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])
    Household.objects.create(volunteer=family, beds_for_stays=2)
    option = services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS,
        name="Logeren bij de familie",
        volunteer=family,
    )
    assert option.beds_per_night == 2


def test_family_without_beds_is_refused(world: World) -> None:
    family = VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])
    with pytest.raises(ValidationError, match="at least one bed"):
        services.respiteoption_create(
            actor=world.coordinator,
            organisation=world.organisation,
            coordinator=world.coordinator,
            kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS,
            name="Geen bedden",
            volunteer=family,
        )


@pytest.mark.parametrize("persona", ["professional", "parent", "outsider"])
def test_only_the_coordinator_offers_an_option(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.respiteoption_create(
            actor=world.by_role(persona),
            organisation=world.organisation,
            coordinator=world.coordinator,
            kind=RespiteOption.Kind.STAY_HOUSE,
            name="Logeerhuis",
            beds_per_night=3,
        )


def test_option_age_range_ordered(world: World) -> None:
    with pytest.raises(ValidationError, match="highest age"):
        services.respiteoption_create(
            actor=world.coordinator,
            organisation=world.organisation,
            coordinator=world.coordinator,
            kind=RespiteOption.Kind.STAY_HOUSE,
            name="Logeerhuis",
            beds_per_night=3,
            age_min=12,
            age_max=4,
        )


# Requests and their refusals


@pytest.mark.parametrize("persona", ["professional", "parent", "coordinator"])
def test_case_professional_parent_and_coordinator_may_request(
    world: World, option: RespiteOption, persona: str
) -> None:
    stay = request(world, option, actor=world.by_role(persona), with_parent=True)
    assert (stay.status, stay.requested_by, stay.with_parent) == (Stay.Status.REQUESTED, world.by_role(persona), True)
    assert stay.nights == [soon(7), soon(8)]


@pytest.mark.parametrize("persona", ["young_person_user", "mentor", "volunteer", "analyst", "admin", "outsider"])
def test_others_may_not_request(world: World, option: RespiteOption, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        request(world, option, actor=world.by_role(persona))
    assert not Stay.objects.exists()


def test_parent_without_custody_may_not_request(world: World, option: RespiteOption) -> None:
    world.young_person.guardianships.update(has_custody=False)
    with pytest.raises(PermissionDenied):
        request(world, option, actor=world.parent)


def test_closed_case_is_refused(world: World, option: RespiteOption) -> None:
    world.case.closed_on = timezone.localdate()
    world.case.save()
    with pytest.raises(ValidationError, match="This case is closed"):
        request(world, option)


def test_inactive_option_is_refused(world: World, option: RespiteOption) -> None:
    RespiteOption.objects.filter(pk=option.pk).update(active=False)
    option.refresh_from_db()
    with pytest.raises(ValidationError, match="does not take bookings"):
        request(world, option)


@pytest.mark.parametrize("departure", [7, 6])
def test_departure_on_or_before_arrival_is_refused(world: World, option: RespiteOption, departure: int) -> None:
    with pytest.raises(ValidationError, match="departure must come after the day of arrival"):
        request(world, option, arrival=7, departure=departure)


def test_arrival_in_the_past_is_refused(world: World, option: RespiteOption) -> None:
    with pytest.raises(ValidationError, match="already passed"):
        request(world, option, arrival=-1, departure=2)
    # Today is still possible.
    assert request(world, option, arrival=0, departure=1).arrival == timezone.localdate()


@pytest.mark.parametrize("years", [3, 18])
def test_child_outside_the_age_range_is_refused(world: World, option: RespiteOption, years: int) -> None:
    world.young_person.date_of_birth = born_years_ago(years, days_after_birthday=30)
    world.young_person.save()
    with pytest.raises(ValidationError, match=f"will be {years} on the day of arrival.*from 4 up to 17"):
        request(world, option)


def test_age_is_taken_on_the_day_of_arrival(world: World, option: RespiteOption) -> None:
    # Turns 18 between today and the day of arrival: too old for this option by then.
    world.young_person.date_of_birth = born_years_ago(18, days_after_birthday=-3)
    world.young_person.save()
    with pytest.raises(ValidationError, match="will be 18"):
        request(world, option, arrival=7, departure=8)
    assert request(world, option, arrival=1, departure=2)


def test_overlapping_stay_of_the_same_child_is_refused_at_any_option(world: World, option: RespiteOption) -> None:
    elsewhere = services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis Elders",
        beds_per_night=4,
    )
    request(world, option, arrival=7, departure=9)
    with pytest.raises(ValidationError, match="already has a stay"):
        request(world, elsewhere, arrival=8, departure=10)
    # Back to back is fine: departure day 9 is the next arrival day.
    assert request(world, elsewhere, arrival=9, departure=10)


def test_cancelled_or_refused_stay_does_not_block_the_child(world: World, option: RespiteOption) -> None:
    first = request(world, option)
    services.stay_cancel(actor=world.parent, stay=first)
    second = request(world, option)
    services.stay_refuse(actor=world.coordinator, stay=second, reason="Geen begeleiding die week")
    assert request(world, option).status == Stay.Status.REQUESTED


# Confirm, waiting list, cancel, offer


def test_confirm_until_full_then_no_bed(world: World, option: RespiteOption) -> None:
    stay = request(world, option, arrival=7, departure=10)
    assert services.stay_confirm(actor=world.coordinator, stay=stay).status == Stay.Status.CONFIRMED
    assert fresh(stay).decided_by == world.coordinator
    case = other_child(world)
    other = request(world, option, arrival=9, departure=12, case=case)
    with pytest.raises(ValidationError, match="There is no bed left on") as refused:
        services.stay_confirm(actor=world.coordinator, stay=other)
    assert refused.value.code == "full"
    assert fresh(other).status == Stay.Status.REQUESTED
    assert services.stay_wait(actor=world.coordinator, stay=other).status == Stay.Status.WAITING


def test_no_bed_names_the_first_full_night(world: World, option: RespiteOption) -> None:
    services.stay_confirm(actor=world.coordinator, stay=request(world, option, arrival=9, departure=10))
    case = other_child(world)
    other = request(world, option, arrival=7, departure=12, case=case)
    with pytest.raises(ValidationError, match=f"no bed left on {formats.date_format(soon(9))}"):
        services.stay_confirm(actor=world.coordinator, stay=other)


def test_with_parent_takes_one_bed(world: World) -> None:
    two_beds = services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Twee bedden",
        beds_per_night=2,
    )
    services.stay_confirm(actor=world.coordinator, stay=request(world, two_beds, with_parent=True))
    case = other_child(world)
    second = services.stay_confirm(actor=world.coordinator, stay=request(world, two_beds, case=case))
    assert second.status == Stay.Status.CONFIRMED
    assert selectors.nights_booked(two_beds, soon(6), soon(9)) == {
        soon(6): 0,
        soon(7): 2,
        soon(8): 2,
        soon(9): 0,
    }


def test_departure_night_is_free(world: World, option: RespiteOption) -> None:
    services.stay_confirm(actor=world.coordinator, stay=request(world, option, arrival=7, departure=9))
    case = other_child(world)
    after = request(world, option, arrival=9, departure=11, case=case)
    assert services.stay_confirm(actor=world.coordinator, stay=after).status == Stay.Status.CONFIRMED


def test_cancel_offers_the_bed_to_the_oldest_waiting_stay_that_fits(world: World, option: RespiteOption) -> None:
    confirmed = services.stay_confirm(actor=world.coordinator, stay=request(world, option, arrival=7, departure=10))
    # Also full on night 12 through another confirmed stay, so the oldest waiting stay (7-13) does not fit.
    blocker_case = other_child(world)
    services.stay_confirm(
        actor=world.coordinator, stay=request(world, option, arrival=12, departure=13, case=blocker_case)
    )
    # A plain request from before, on other days: the offered stay still comes first in the coordinator's list.
    earlier = request(world, option, arrival=20, departure=21, case=other_child(world))
    waiting = []
    for arrival, departure in [(7, 13), (8, 10), (7, 9)]:
        case = other_child(world)
        stay = request(world, option, arrival=arrival, departure=departure, case=case)
        waiting.append(services.stay_wait(actor=world.coordinator, stay=stay))

    services.stay_cancel(actor=world.parent, stay=confirmed)

    assert fresh(confirmed).status == Stay.Status.CANCELLED
    too_long, offered, later = (fresh(stay) for stay in waiting)
    assert (too_long.status, too_long.offered_at) == (Stay.Status.WAITING, None)
    assert offered.status == Stay.Status.REQUESTED and offered.offered_at is not None
    # Only one offer per freed bed; the later one waits on.
    assert later.status == Stay.Status.WAITING
    requested = list(selectors.stay_visible_to(world.coordinator).filter(status=Stay.Status.REQUESTED))
    assert requested == [offered, earlier]
    assert services.stay_confirm(actor=world.coordinator, stay=offered).status == Stay.Status.CONFIRMED


def test_cancelling_a_stay_that_held_no_bed_offers_nothing(world: World, option: RespiteOption) -> None:
    services.stay_confirm(actor=world.coordinator, stay=request(world, option))
    case = other_child(world)
    waiting = services.stay_wait(actor=world.coordinator, stay=request(world, option, case=case))
    third_case = other_child(world)
    services.stay_cancel(actor=world.professional, stay=request(world, option, case=third_case))
    assert fresh(waiting).status == Stay.Status.WAITING


def test_stay_of_a_case_closed_meanwhile_is_not_confirmed(world: World, option: RespiteOption) -> None:
    stay = request(world, option)
    world.case.closed_on = timezone.localdate()
    world.case.save()
    with pytest.raises(ValidationError, match="case of this child was closed"):
        services.stay_confirm(actor=world.coordinator, stay=stay)
    assert fresh(stay).status == Stay.Status.REQUESTED


def test_waiting_stay_can_be_confirmed_when_a_bed_is_free(world: World, option: RespiteOption) -> None:
    stay = services.stay_wait(actor=world.coordinator, stay=request(world, option))
    assert services.stay_confirm(actor=world.coordinator, stay=stay).status == Stay.Status.CONFIRMED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Stay.Status.CONFIRMED, "confirm"),
        (Stay.Status.CONFIRMED, "wait"),
        (Stay.Status.CONFIRMED, "refuse"),
        (Stay.Status.CANCELLED, "confirm"),
        (Stay.Status.CANCELLED, "cancel"),
        (Stay.Status.REFUSED, "confirm"),
        (Stay.Status.WAITING, "wait"),
    ],
)
def test_steps_that_do_not_fit_the_status_are_refused(
    world: World, option: RespiteOption, status: str, action: str
) -> None:
    stay = request(world, option)
    Stay.objects.filter(pk=stay.pk).update(status=status)
    call = {
        "confirm": lambda: services.stay_confirm(actor=world.coordinator, stay=stay),
        "wait": lambda: services.stay_wait(actor=world.coordinator, stay=stay),
        "refuse": lambda: services.stay_refuse(actor=world.coordinator, stay=stay, reason="Nee"),
        "cancel": lambda: services.stay_cancel(actor=world.coordinator, stay=stay),
    }[action]
    with pytest.raises(ValidationError, match="This is not possible now: the stay is"):
        call()
    assert fresh(stay).status == status


def test_refuse_needs_a_reason(world: World, option: RespiteOption) -> None:
    stay = request(world, option)
    with pytest.raises(ValidationError, match="Write down why"):
        services.stay_refuse(actor=world.coordinator, stay=stay, reason="  ")
    refused = services.stay_refuse(actor=world.coordinator, stay=stay, reason="Vol met begeleiding")
    assert (refused.status, refused.refusal_reason, refused.decided_by) == (
        Stay.Status.REFUSED,
        "Vol met begeleiding",
        world.coordinator,
    )


# Who may do what


DECIDERS = {"coordinator"}
CANCELLERS = {"coordinator", "professional", "parent"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ["confirm", "wait", "refuse"])
def test_only_the_coordinator_decides(world: World, option: RespiteOption, persona: str, action: str) -> None:
    stay = request(world, option)
    actor = world.by_role(persona)
    call = {
        "confirm": lambda: services.stay_confirm(actor=actor, stay=stay),
        "wait": lambda: services.stay_wait(actor=actor, stay=stay),
        "refuse": lambda: services.stay_refuse(actor=actor, stay=stay, reason="Nee"),
    }[action]
    if persona in DECIDERS:
        assert call().status != Stay.Status.REQUESTED
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert fresh(stay).status == Stay.Status.REQUESTED


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_cancel(world: World, option: RespiteOption, persona: str) -> None:
    stay = services.stay_confirm(actor=world.coordinator, stay=request(world, option))
    actor = world.by_role(persona)
    if persona in CANCELLERS:
        assert services.stay_cancel(actor=actor, stay=stay).status == Stay.Status.CANCELLED
    else:
        with pytest.raises(PermissionDenied):
            services.stay_cancel(actor=actor, stay=stay)
        assert fresh(stay).status == Stay.Status.CONFIRMED


def test_the_requester_may_cancel_after_leaving_the_case(world: World, option: RespiteOption) -> None:
    stay = request(world, option, actor=world.professional)
    world.case.assignments.filter(professional=world.professional).delete()
    assert services.stay_cancel(actor=world.professional, stay=stay).status == Stay.Status.CANCELLED


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_and_decides_on_a_stay(world: World, option: RespiteOption, persona: str) -> None:
    stay = request(world, option)
    user = world.by_role(persona)
    sees = persona in CANCELLERS
    assert selectors.stay_visible_to(user).filter(pk=stay.pk).exists() == sees
    if not sees:
        with pytest.raises(Http404):
            selectors.stay_get_for(user, stay.pk)
    elif persona in DECIDERS:
        assert selectors.stay_get_for(user, stay.pk, write=True) == stay
    else:
        assert selectors.stay_get_for(user, stay.pk) == stay
        with pytest.raises(PermissionDenied):
            selectors.stay_get_for(user, stay.pk, write=True)


def test_coordinator_of_another_organisation_sees_no_stay(world: World, option: RespiteOption) -> None:
    stay = request(world, option)
    stranger = user_with_role(Role.COORDINATOR, world.other_organisation)
    with pytest.raises(Http404):
        selectors.stay_get_for(stranger, stay.pk)
    with pytest.raises(PermissionDenied):
        services.stay_confirm(actor=stranger, stay=stay)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_options(world: World, option: RespiteOption, persona: str) -> None:
    inactive = services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Gesloten",
        beds_per_night=1,
    )
    RespiteOption.objects.filter(pk=inactive.pk).update(active=False)
    user = world.by_role(persona)
    visible = set(selectors.respiteoption_visible_to(user))
    expected = {
        "coordinator": {option, inactive},
        "professional": {option},
        "parent": {option},
        "outsider": {option},
    }.get(persona, set())
    assert visible == expected
    if persona == "coordinator":
        assert selectors.respiteoption_get_for(user, inactive.pk, write=True) == inactive
    elif expected:
        with pytest.raises(PermissionDenied):
            selectors.respiteoption_get_for(user, option.pk, write=True)
    else:
        with pytest.raises(Http404):
            selectors.respiteoption_get_for(user, option.pk)


def test_nights_booked_counts_only_confirmed_stays_in_one_query(
    world: World, option: RespiteOption, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    services.stay_confirm(actor=world.coordinator, stay=request(world, option, arrival=1, departure=4))
    case = other_child(world)
    request(world, option, arrival=5, departure=6, case=case)  # requested only: no bed taken
    with django_assert_num_queries(1):
        booked = selectors.nights_booked(option, soon(2), soon(5))
    assert booked == {soon(2): 1, soon(3): 1, soon(4): 0, soon(5): 0}


# The named coordinator


def stay_house(world: World, **kwargs: Any) -> RespiteOption:
    return services.respiteoption_create(
        actor=kwargs.pop("actor", world.coordinator),
        organisation=world.organisation,
        coordinator=kwargs.pop("coordinator", world.coordinator),
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis",
        beds_per_night=kwargs.pop("beds_per_night", 2),
        **kwargs,
    )


def test_a_colleague_can_be_named_as_coordinator(world: World) -> None:
    colleague = user_with_role(Role.COORDINATOR, world.organisation, first_name="Ineke")
    option = stay_house(world, coordinator=colleague)
    assert RespiteOption.objects.get(pk=option.pk).coordinator == colleague


@pytest.mark.parametrize("who", ["professional", "volunteer", "foreign_coordinator", "inactive_coordinator"])
def test_the_coordinator_must_be_an_active_coordinator_of_the_organisation(world: World, who: str) -> None:
    if who == "foreign_coordinator":
        person = user_with_role(Role.COORDINATOR, world.other_organisation)
    elif who == "inactive_coordinator":
        person = user_with_role(Role.COORDINATOR, world.organisation, is_active=False)
    else:
        person = world.by_role(who)
    with pytest.raises(ValidationError, match="Choose a coordinator of the organisation") as refused:
        stay_house(world, coordinator=person)
    assert "coordinator" in refused.value.message_dict
    assert not RespiteOption.objects.exists()
    option = stay_house(world)
    with pytest.raises(ValidationError, match="Choose a coordinator of the organisation"):
        services.respiteoption_update(actor=world.coordinator, option=option, coordinator=person, name="Nieuw")
    assert (fresh_option(option).coordinator, fresh_option(option).name) == (world.coordinator, "Logeerhuis")


def test_a_support_family_of_another_organisation_is_refused(world: World) -> None:
    family = VolunteerFactory(organisation=world.other_organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])
    Household.objects.create(volunteer=family, beds_for_stays=2)
    buddy = VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.BUDDY])
    for volunteer in (family, buddy):
        with pytest.raises(ValidationError, match="Choose a support family of this organisation"):
            services.respiteoption_create(
                actor=world.coordinator,
                organisation=world.organisation,
                coordinator=world.coordinator,
                kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS,
                name="Logeren",
                volunteer=volunteer,
            )
    assert not RespiteOption.objects.exists()


def test_a_new_request_tells_the_named_coordinator_only(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, mailoutbox: list[EmailMessage]
) -> None:
    named = user_with_role(Role.COORDINATOR, world.organisation, first_name="Ineke")
    option = stay_house(world, coordinator=named)
    with django_capture_on_commit_callbacks(execute=True):
        request(world, option)
    assert [m.to for m in mailoutbox] == [[named.email]]


@pytest.mark.parametrize("why", ["none named", "left the role", "account closed"])
def test_without_a_named_coordinator_every_coordinator_hears(
    world: World,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mailoutbox: list[EmailMessage],
    why: str,
) -> None:
    named = user_with_role(Role.COORDINATOR, world.organisation, first_name="Ineke")
    option = stay_house(world, coordinator=named)
    if why == "none named":
        RespiteOption.objects.filter(pk=option.pk).update(coordinator=None)
    elif why == "left the role":
        named.roles.all().delete()
    else:
        type(named).objects.filter(pk=named.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        request(world, fresh_option(option))
    everyone = cast(
        "list[str]", [world.coordinator.email, named.email] if why == "none named" else [world.coordinator.email]
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(everyone)


@pytest.mark.parametrize("action", ["confirm", "wait", "refuse"])
def test_a_colleague_does_not_decide_on_the_stays_of_an_option_with_a_named_coordinator(
    world: World, action: str
) -> None:
    named = user_with_role(Role.COORDINATOR, world.organisation, first_name="Ineke")
    stay = request(world, stay_house(world, coordinator=named))
    call = {
        "confirm": lambda actor: services.stay_confirm(actor=actor, stay=stay),
        "wait": lambda actor: services.stay_wait(actor=actor, stay=stay),
        "refuse": lambda actor: services.stay_refuse(actor=actor, stay=stay, reason="Nee"),
    }[action]
    with pytest.raises(PermissionDenied, match="Only the coordinator of this respite option decides"):
        call(world.coordinator)
    assert fresh(stay).status == Stay.Status.REQUESTED
    # The colleague still sees the stay, and may still cancel it; only the deciding is the named coordinator's.
    assert selectors.stay_get_for(world.coordinator, stay.pk) == stay
    with pytest.raises(PermissionDenied):
        selectors.stay_get_for(world.coordinator, stay.pk, write=True)
    assert selectors.stays_to_decide(world.coordinator) == ([], [])
    assert selectors.stays_to_decide(named)[0] == [stay]
    assert call(named).status != Stay.Status.REQUESTED


@pytest.mark.parametrize("why", ["none named", "left the role", "account closed"])
def test_without_a_named_coordinator_every_coordinator_decides(world: World, why: str) -> None:
    named = user_with_role(Role.COORDINATOR, world.organisation, first_name="Ineke")
    option = stay_house(world, coordinator=named)
    if why == "none named":
        RespiteOption.objects.filter(pk=option.pk).update(coordinator=None)
    elif why == "left the role":
        named.roles.all().delete()
    else:
        type(named).objects.filter(pk=named.pk).update(is_active=False)
    stay = request(world, fresh_option(option))
    assert selectors.stays_to_decide(world.coordinator)[0] == [stay]
    assert services.stay_confirm(actor=world.coordinator, stay=stay).status == Stay.Status.CONFIRMED
    # A coordinator of another organisation never decides, named or not.
    stranger = user_with_role(Role.COORDINATOR, world.other_organisation)
    assert not selectors.stay_writable_by(stranger).exists()


def test_the_migration_names_the_first_coordinator_where_there_is_one(world: World) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("hostfamilies.migrations.0004_respiteoption_coordinator")
    user_with_role(Role.COORDINATOR, world.organisation, first_name="Later")
    own = stay_house(world)
    lone = user_with_role(Role.COORDINATOR, world.other_organisation)
    foreign = services.respiteoption_create(
        actor=lone,
        organisation=world.other_organisation,
        coordinator=lone,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Elders",
        beds_per_night=1,
    )
    lone.roles.all().delete()  # the other organisation has no coordinator any more
    RespiteOption.objects.update(coordinator=None)

    class Moved:  # the registry as the migration knew it: RespiteOption has since moved to the respite app
        def get_model(self, app_label: str, model_name: str) -> type:
            return apps.get_model("respite" if model_name == "RespiteOption" else app_label, model_name)

    migration.name_a_coordinator(Moved(), None)
    assert fresh_option(own).coordinator == world.coordinator
    assert fresh_option(foreign).coordinator is None


# Changing an option


def fresh_option(option: RespiteOption) -> RespiteOption:
    return RespiteOption.objects.get(pk=option.pk)


def confirmed(world: World, option: RespiteOption, arrival: int, departure: int) -> Stay:
    return services.stay_confirm(
        actor=world.coordinator,
        stay=request(world, option, arrival=arrival, departure=departure, case=other_child(world)),
    )


def test_a_coordinator_changes_an_option(world: World) -> None:
    option = stay_house(world, age_min=4, age_max=17)
    colleague = user_with_role(Role.COORDINATOR, world.organisation)
    changed = services.respiteoption_update(
        actor=world.coordinator,
        option=option,
        name="  Logeerhuis De Beuk ",
        beds_per_night=5,
        age_min=6,
        age_max=12,
        rules=" Om 20 uur naar bed. ",
        coordinator=colleague,
        active=False,
    )
    saved = fresh_option(option)
    assert changed.name == saved.name == "Logeerhuis De Beuk"
    assert (saved.beds_per_night, saved.age_min, saved.age_max) == (5, 6, 12)
    assert (saved.rules, saved.coordinator, saved.active) == ("Om 20 uur naar bed.", colleague, False)
    assert (saved.kind, saved.organisation) == (RespiteOption.Kind.STAY_HOUSE, world.organisation)


def test_lowering_the_beds_below_confirmed_stays_names_the_first_night_and_changes_nothing(world: World) -> None:
    option = stay_house(world, beds_per_night=3)
    confirmed(world, option, 7, 9)
    confirmed(world, option, 8, 10)
    confirmed(world, option, 8, 9)  # night 8: three children
    with pytest.raises(ValidationError) as refused:
        services.respiteoption_update(actor=world.coordinator, option=option, beds_per_night=1, name="Anders")
    message = refused.value.message_dict["beds_per_night"][0]
    assert message.startswith(f"On {formats.date_format(soon(8))}, 3 children are already staying here.")
    assert "Keep at least 3 beds" in message
    with pytest.raises(ValidationError, match=f"On {formats.date_format(soon(8))}, 3 children"):
        services.respiteoption_update(actor=world.coordinator, option=option, beds_per_night=2)
    saved = fresh_option(option)
    assert (saved.beds_per_night, saved.name) == (3, "Logeerhuis")


def test_lowering_to_what_the_stays_need_is_fine_and_past_nights_do_not_count(world: World) -> None:
    option = stay_house(world, beds_per_night=3)
    past = [confirmed(world, option, 7, 9), confirmed(world, option, 7, 9)]
    confirmed(world, option, 7, 9)
    # Two of the stays were in the past (asking for those is refused, so they are moved there).
    Stay.objects.filter(pk__in=[s.pk for s in past]).update(arrival=soon(-5), departure=soon(-3))
    assert services.respiteoption_update(actor=world.coordinator, option=option, beds_per_night=1).beds_per_night == 1

    services.respiteoption_update(actor=world.coordinator, option=option, beds_per_night=2)
    # A child who arrived two days ago is still there tonight and tomorrow night; another comes tomorrow.
    Stay.objects.filter(pk=confirmed(world, option, 0, 2).pk).update(arrival=soon(-2))
    confirmed(world, option, 1, 2)
    with pytest.raises(ValidationError, match=f"On {formats.date_format(soon(1))}, 2 children"):
        services.respiteoption_update(actor=world.coordinator, option=option, beds_per_night=1)
    assert fresh_option(option).beds_per_night == 2


def test_raising_the_beds_is_always_fine(world: World) -> None:
    option = stay_house(world, beds_per_night=1)
    confirmed(world, option, 7, 9)
    assert services.respiteoption_update(actor=world.coordinator, option=option, beds_per_night=4).beds_per_night == 4
    assert fresh_option(option).beds_per_night == 4


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"beds_per_night": 0}, "beds_per_night", "at least one bed"),
        ({"beds_per_night": 101}, "beds_per_night", "at most 100 beds"),
        ({"name": "  "}, "name", "Give the respite option a name"),
        ({"age_min": 12}, "age_max", "highest age"),
        ({"age_min": 6, "age_max": 5}, "age_max", "highest age"),
    ],
)
def test_wrong_changes_are_refused_on_their_field(
    world: World, changes: dict[str, Any], field: str, message: str
) -> None:
    option = stay_house(world, age_min=4, age_max=10)
    with pytest.raises(ValidationError) as refused:
        services.respiteoption_update(actor=world.coordinator, option=option, **changes)
    assert message in refused.value.message_dict[field][0]
    saved = fresh_option(option)
    assert (saved.beds_per_night, saved.name, saved.age_min, saved.age_max) == (2, "Logeerhuis", 4, 10)


def test_only_some_fields_can_be_changed(world: World) -> None:
    option = stay_house(world)
    with pytest.raises(TypeError, match="organisation"):
        services.respiteoption_update(
            actor=world.coordinator,
            option=option,
            organisation=world.other_organisation,  # type: ignore[call-arg]  # the wrong call under test
        )


def test_a_new_age_range_leaves_the_stays_alone(world: World) -> None:
    option = stay_house(world, age_min=4, age_max=17)
    stay = request(world, option)  # Sanne is 15
    services.respiteoption_update(actor=world.coordinator, option=option, age_min=4, age_max=10)
    assert fresh(stay).status == Stay.Status.REQUESTED
    assert services.stay_confirm(actor=world.coordinator, stay=stay).status == Stay.Status.CONFIRMED
    with pytest.raises(ValidationError, match="will be 15 on the day of arrival"):
        request(world, fresh_option(option), arrival=20, departure=21)


def test_closing_keeps_the_stays_and_stops_new_requests(world: World) -> None:
    option = stay_house(world)
    kept = confirmed(world, option, 7, 9)
    asked = request(world, option, arrival=10, departure=11)
    closed = services.respiteoption_update(actor=world.coordinator, option=option, active=False)
    assert closed.active is False
    assert fresh(kept).status == Stay.Status.CONFIRMED
    assert services.stay_confirm(actor=world.coordinator, stay=asked).status == Stay.Status.CONFIRMED
    with pytest.raises(ValidationError, match="does not take bookings"):
        request(world, closed, arrival=20, departure=21, case=other_child(world))
    reopened = services.respiteoption_update(actor=world.coordinator, option=option, active=True)
    assert request(world, reopened, arrival=20, departure=21, case=other_child(world))


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_a_coordinator_of_the_organisation_changes_an_option(world: World, persona: str) -> None:
    option = stay_house(world)
    actor = world.by_role(persona)
    if persona == "coordinator":
        assert services.respiteoption_update(actor=actor, option=option, beds_per_night=3).beds_per_night == 3
        return
    with pytest.raises(PermissionDenied):
        services.respiteoption_update(actor=actor, option=option, beds_per_night=3)
    assert fresh_option(option).beds_per_night == 2


def test_a_coordinator_of_another_organisation_changes_nothing(world: World) -> None:
    option = stay_house(world)
    stranger = user_with_role(Role.COORDINATOR, world.other_organisation)
    with pytest.raises(PermissionDenied):
        services.respiteoption_update(actor=stranger, option=option, active=False)
    assert fresh_option(option).active is True
