"""Group activities and sign-ups: who plans, changes and cancels them; who signs a family up or off; every refusal
with its message (nothing changed); the places under the activity's row lock; who sees what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from accounts.models import User
from community.activities import selectors, services
from community.brokers import services as broker_services
from community.models import ActivitySignUp, GroupActivity
from tests.builders.community import Cast, activity_data, broker_of, link, linked_case
from tests.factories import (
    CaseFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
)
from youth.models import Case


@pytest.fixture
def english() -> Any:
    with translation.override("en"):
        yield


ROLES = [
    "organiser",
    "other_broker",
    "coordinator",
    "foreign_coordinator",
    "professional",
    "foreign_professional",
    "parent",
    "parent_without_custody",
    "young_person",
    "anonymous",
]


# --- planning, changing and cancelling ---------------------------------------------------------------------------


def test_a_broker_plans_for_themselves_and_a_coordinator_for_a_broker(cast: Cast) -> None:
    world = cast.world
    assert (cast.activity.organiser, cast.activity.organisation, cast.activity.created_by) == (
        cast.organiser,
        world.organisation,
        cast.organiser.user,
    )
    planned = services.groupactivity_create(
        actor=world.coordinator, organisation=world.organisation, organiser=cast.other_broker, data=activity_data()
    )
    assert planned.organiser == cast.other_broker
    with pytest.raises(ValidationError) as refused:
        services.groupactivity_create(actor=world.coordinator, organisation=world.organisation, data=activity_data())
    assert "organiser" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.groupactivity_create(
            actor=cast.organiser.user,
            organisation=world.organisation,
            organiser=cast.other_broker,
            data=activity_data(),
        )


@pytest.mark.parametrize(
    "role",
    ["foreign_coordinator", "professional", "foreign_professional", "parent", "young_person", "anonymous"],
)
def test_others_cannot_plan(cast: Cast, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.groupactivity_create(
            actor=cast.role(role), organisation=cast.world.organisation, organiser=cast.organiser, data=activity_data()
        )


def test_an_unscreened_broker_cannot_plan_nor_be_chosen(cast: Cast) -> None:
    from tests.builders.community import social_broker

    unscreened = social_broker(cast.world.organisation, screened=False)
    with pytest.raises(PermissionDenied):
        services.groupactivity_create(actor=unscreened.user, organisation=cast.world.organisation, data=activity_data())
    with pytest.raises(ValidationError):
        services.groupactivity_create(
            actor=cast.world.coordinator,
            organisation=cast.world.organisation,
            organiser=unscreened,
            data=activity_data(),
        )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the activity a name."),
        ({"description": ""}, "description", "Say in a few sentences what happens and for whom."),
        ({"place": ""}, "place", "Say where it is, for example the name of the community centre."),
        ({"title": "x" * 151}, "title", "Use at most 150 characters (now 151)."),
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at", "The start must be in the future."),
        ({"places": 0}, "places", "The number of places must be a whole number from 1 to 500."),
        ({"age_min": 12, "age_max": 8}, "age_max", "The highest age cannot be lower than the lowest age."),
        ({"age_min": 120}, "age_min", "An age must be a whole number from 0 to 99."),
    ],
)
def test_a_bad_activity_is_refused_per_field(
    cast: Cast, english: None, overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.groupactivity_create(
            actor=cast.organiser.user, organisation=cast.world.organisation, data=activity_data(**overrides)
        )
    assert refused.value.message_dict[field] == [message]
    assert GroupActivity.objects.count() == 1


def test_the_end_must_be_after_the_start(cast: Cast, english: None) -> None:
    data = activity_data()
    data["ends_at"] = data["starts_at"]
    with pytest.raises(ValidationError) as refused:
        services.groupactivity_update(actor=cast.organiser.user, activity=cast.activity, data=data, team=None)
    assert refused.value.message_dict["ends_at"] == ["The end must be after the start."]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("organiser", True),
        ("other_broker", False),
        ("coordinator", True),
        ("foreign_coordinator", False),
        ("professional", False),
        ("foreign_professional", False),
        ("parent", False),
        ("parent_without_custody", False),
        ("young_person", False),
        ("anonymous", False),
    ],
)
def test_who_changes_and_cancels(cast: Cast, role: str, allowed: bool) -> None:
    user = cast.role(role)
    if allowed:
        changed = services.groupactivity_update(
            actor=user, activity=cast.activity, data=activity_data(title="Oudergroep Leiden"), team=None
        )
        assert changed.title == "Oudergroep Leiden"
        assert services.groupactivity_cancel(actor=user, activity=cast.activity).cancelled_at is not None
    else:
        with pytest.raises(PermissionDenied):
            services.groupactivity_update(actor=user, activity=cast.activity, data=activity_data(title="X"), team=None)
        with pytest.raises(PermissionDenied):
            services.groupactivity_cancel(actor=user, activity=cast.activity)
        cast.activity.refresh_from_db()
        assert (cast.activity.title, cast.activity.cancelled_at) == ("Oudergroep", None)


def test_fewer_places_than_families_is_refused(cast: Cast, english: None) -> None:
    for case in (cast.world.case, linked_case(cast)):
        services.activitysignup_create(actor=cast.world.professional, activity=cast.activity, case=case)
    with pytest.raises(ValidationError) as refused:
        services.groupactivity_update(
            actor=cast.organiser.user, activity=cast.activity, data=activity_data(places=1), team=None
        )
    assert refused.value.message_dict["places"] == [
        "2 families are already signed up. There cannot be fewer places than that."
    ]
    assert (
        services.groupactivity_update(
            actor=cast.organiser.user, activity=cast.activity, data=activity_data(places=2), team=None
        ).places
        == 2
    )


def test_a_cancelled_or_started_activity_cannot_change(cast: Cast, english: None) -> None:
    services.groupactivity_cancel(actor=cast.world.coordinator, activity=cast.activity)
    for call in (services.groupactivity_cancel, services.groupactivity_update):
        kwargs: dict[str, Any] = {"actor": cast.organiser.user, "activity": cast.activity}
        if call is services.groupactivity_update:
            kwargs.update(data=activity_data(), team=None)
        with pytest.raises(ValidationError) as refused:
            call(**kwargs)
        assert refused.value.messages == ["This activity is cancelled."]
    started = services.groupactivity_create(
        actor=cast.organiser.user, organisation=cast.world.organisation, data=activity_data()
    )
    GroupActivity.objects.filter(pk=started.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(ValidationError) as refused:
        services.groupactivity_cancel(actor=cast.organiser.user, activity=started)
    assert refused.value.messages == ["This activity has already started."]


# --- signing up and off --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("organiser", True),  # the broker linked to the case
        ("other_broker", False),
        ("coordinator", True),  # works on every case of the organisation
        ("foreign_coordinator", False),
        ("professional", True),
        ("foreign_professional", False),
        ("parent", True),
        ("parent_without_custody", False),
        ("young_person", False),
        ("anonymous", False),
    ],
)
def test_who_signs_a_family_up_and_off(cast: Cast, role: str, allowed: bool) -> None:
    user = cast.role(role)
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.activitysignup_create(actor=user, activity=cast.activity, case=cast.world.case)
        assert not ActivitySignUp.objects.exists()
        return
    signup = services.activitysignup_create(actor=user, activity=cast.activity, case=cast.world.case)
    assert (signup.case, signup.signed_up_by, signup.is_live) == (cast.world.case, user, True)
    cancelled = services.activitysignup_cancel(actor=user, signup=signup)
    assert (cancelled.is_live, cancelled.cancelled_by) == (False, user)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("organiser", True),
        ("other_broker", False),
        ("coordinator", True),
        ("foreign_coordinator", False),
        ("professional", True),
        ("foreign_professional", False),
        ("parent", True),
        ("parent_without_custody", False),
        ("young_person", False),
        ("anonymous", False),
    ],
)
def test_who_signs_a_family_off(cast: Cast, role: str, allowed: bool) -> None:
    signup = services.activitysignup_create(actor=cast.world.parent, activity=cast.activity, case=cast.world.case)
    if allowed:
        assert not services.activitysignup_cancel(actor=cast.role(role), signup=signup).is_live
    else:
        with pytest.raises(PermissionDenied):
            services.activitysignup_cancel(actor=cast.role(role), signup=signup)
        signup.refresh_from_db()
        assert signup.is_live


def test_the_organiser_signs_off_a_family_another_broker_helps(cast: Cast) -> None:
    helper = broker_of(cast.world)
    case = assign(CaseFactory(organisation=cast.world.organisation), cast.world.professional)
    link(case, cast.world.professional, cast.world.coordinator, helper)
    signup = services.activitysignup_create(actor=helper.user, activity=cast.activity, case=case)
    with pytest.raises(PermissionDenied):
        services.activitysignup_create(actor=helper.user, activity=cast.activity, case=cast.world.case)
    with pytest.raises(PermissionDenied):
        services.activitysignup_create(actor=cast.other_broker.user, activity=cast.activity, case=case)
    assert not services.activitysignup_cancel(actor=cast.organiser.user, signup=signup).is_live


def _refusal(cast: Cast, case: Case | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        services.activitysignup_create(
            actor=cast.world.professional, activity=cast.activity, case=case or cast.world.case
        )
    return refused.value


def test_refusals_say_why_and_change_nothing(cast: Cast, english: None) -> None:
    world = cast.world
    # A case of the organisation without an open request with a linked broker.
    unlinked = assign(CaseFactory(organisation=world.organisation), world.professional)
    error = _refusal(cast, unlinked)
    assert (error.code, error.messages) == (
        "not_linked",
        ["This activity is for families that a social broker of Jeugdteam A helps."],
    )
    services.activitysignup_create(actor=world.parent, activity=cast.activity, case=world.case)
    error = _refusal(cast)
    assert (error.code, error.messages) == ("already", ["This family is already signed up."])
    assert ActivitySignUp.objects.count() == 1


def test_a_full_activity_refuses_the_next_family(cast: Cast, english: None) -> None:
    others = [linked_case(cast) for _ in range(2)]
    for case in others:
        services.activitysignup_create(actor=cast.organiser.user, activity=cast.activity, case=case)
    services.activitysignup_create(actor=cast.world.parent, activity=cast.activity, case=cast.world.case)
    late = linked_case(cast)
    error = _refusal(cast, late)
    assert (error.code, error.messages) == ("full", ["This activity is full: there is no place left."])
    assert cast.activity.signups.filter(cancelled_at__isnull=True).count() == cast.activity.places
    # Signing one family off frees the place at once.
    services.activitysignup_cancel(actor=cast.world.parent, signup=ActivitySignUp.objects.get(case=cast.world.case))
    assert services.activitysignup_create(actor=cast.world.professional, activity=cast.activity, case=late).is_live


def test_a_cancelled_or_started_activity_and_a_closed_case_are_refused(cast: Cast, english: None) -> None:
    world = cast.world
    Case.objects.filter(pk=world.case.pk).update(closed_on=timezone.localdate())
    error = _refusal(cast)
    assert (error.code, error.messages) == ("case_closed", ["This case is closed, so the family cannot sign up."])
    Case.objects.filter(pk=world.case.pk).update(closed_on=None)
    GroupActivity.objects.filter(pk=cast.activity.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    error = _refusal(cast)
    assert (error.code, error.messages) == ("started", ["This activity has already started."])
    GroupActivity.objects.filter(pk=cast.activity.pk).update(starts_at=timezone.now() + timedelta(hours=1))
    services.groupactivity_cancel(actor=cast.organiser.user, activity=cast.activity)
    error = _refusal(cast)
    assert (error.code, error.messages) == ("cancelled", ["This activity is cancelled."])
    assert not ActivitySignUp.objects.exists()


def test_the_age_range_is_checked_on_the_day_of_the_activity(cast: Cast, english: None) -> None:
    services.groupactivity_update(
        actor=cast.organiser.user, activity=cast.activity, data=activity_data(age_min=4, age_max=12), team=None
    )
    first_name = cast.world.young_person.first_name
    error = _refusal(cast)
    assert (error.code, error.messages) == (
        "age",
        [f"This activity is for ages 4 to 12. {first_name} will be 15 then."],
    )
    young = linked_case(cast, years=8)
    assert services.activitysignup_create(actor=cast.world.professional, activity=cast.activity, case=young).is_live
    # A birthday before the activity counts: 12 today, 13 on the day is too old.
    turns_13 = timezone.localtime(cast.activity.starts_at).date() - timedelta(days=1)
    born = turns_13.replace(year=turns_13.year - 13)
    almost = linked_case(cast)
    almost.young_person.date_of_birth = born
    almost.young_person.save()
    assert _refusal(cast, almost).code == "age"


def test_signing_off_twice_or_after_the_start_is_refused(cast: Cast, english: None) -> None:
    signup = services.activitysignup_create(actor=cast.world.parent, activity=cast.activity, case=cast.world.case)
    services.activitysignup_cancel(actor=cast.world.parent, signup=signup)
    with pytest.raises(ValidationError) as refused:
        services.activitysignup_cancel(actor=cast.world.parent, signup=signup)
    assert refused.value.messages == ["This sign-up is already cancelled."]
    again = services.activitysignup_create(actor=cast.world.parent, activity=cast.activity, case=cast.world.case)
    GroupActivity.objects.filter(pk=cast.activity.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError) as refused:
        services.activitysignup_cancel(actor=cast.world.parent, signup=again)
    assert refused.value.messages == ["This activity has already started."]
    again.refresh_from_db()
    assert again.is_live


def test_the_count_is_taken_under_the_activity_lock(cast: Cast, django_assert_max_num_queries: Any) -> None:
    """The sign-up reads the activity with SELECT ... FOR UPDATE before it counts (SQLite ignores the clause, so
    the query text is what shows it here; the PostgreSQL test shows it works)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.activitysignup_create(actor=cast.world.parent, activity=cast.activity, case=cast.world.case)
    sql = [q["sql"] for q in queries.captured_queries]
    locked = (
        next(i for i, q in enumerate(sql) if 'FROM "community_groupactivity"' in q and "FOR UPDATE" in q)
        if (connection.features.has_select_for_update)
        else None
    )
    counted = next(i for i, q in enumerate(sql) if "COUNT(*)" in q and "community_activitysignup" in q)
    inserted = next(i for i, q in enumerate(sql) if q.startswith('INSERT INTO "community_activitysignup"'))
    assert counted < inserted
    if locked is not None:
        assert locked < counted


# --- who sees what -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees", "writes"),
    [
        ("organiser", True, True),
        ("other_broker", True, False),
        ("coordinator", True, True),
        ("foreign_coordinator", False, False),
        ("professional", True, False),
        ("foreign_professional", False, False),
        ("parent", True, False),
        ("parent_without_custody", False, False),
        ("young_person", False, False),
        ("anonymous", False, False),
    ],
)
def test_who_sees_and_may_change_an_activity(cast: Cast, role: str, sees: bool, writes: bool) -> None:
    user = cast.role(role)
    if not sees:
        with pytest.raises(Http404):
            selectors.groupactivity_get_for(user, cast.activity.pk)
        return
    assert selectors.groupactivity_get_for(user, cast.activity.pk) == cast.activity
    if writes:
        assert selectors.groupactivity_get_for(user, cast.activity.pk, write=True) == cast.activity
    else:
        with pytest.raises(PermissionDenied):
            selectors.groupactivity_get_for(user, cast.activity.pk, write=True)


def test_families_see_upcoming_activities_only_and_their_own_when_cancelled(cast: Cast) -> None:
    world = cast.world
    other = services.groupactivity_create(
        actor=cast.organiser.user, organisation=world.organisation, data=activity_data()
    )
    services.activitysignup_create(actor=world.parent, activity=cast.activity, case=world.case)
    for activity in (cast.activity, other):
        services.groupactivity_cancel(actor=world.coordinator, activity=activity)
    started = services.groupactivity_create(
        actor=cast.organiser.user, organisation=world.organisation, data=activity_data()
    )
    GroupActivity.objects.filter(pk=started.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    for user in (world.parent, world.professional):
        assert set(selectors.groupactivity_visible_to(user)) == {cast.activity}
    assert set(selectors.groupactivity_visible_to(cast.other_broker.user)) == {cast.activity, other, started}
    # Once the request for a broker ends, a family no longer sees new activities.
    broker_services.brokerrequest_end(user=world.professional, request=world.case.broker_requests.get(), reason="done")
    fresh = services.groupactivity_create(
        actor=cast.organiser.user, organisation=world.organisation, data=activity_data()
    )
    assert fresh not in selectors.groupactivity_visible_to(world.parent)


def test_names_only_for_the_organiser_coordinators_and_the_family_itself(cast: Cast) -> None:
    world = cast.world
    mine = services.activitysignup_create(actor=world.parent, activity=cast.activity, case=world.case)
    theirs = services.activitysignup_create(actor=cast.organiser.user, activity=cast.activity, case=linked_case(cast))
    shown = {
        role: {s.pk for s in selectors.signups_shown_on(cast.role(role), cast.activity)}
        for role in ("organiser", "coordinator", "other_broker", "parent", "professional", "foreign_coordinator")
    }
    assert shown == {
        "organiser": {mine.pk, theirs.pk},
        "coordinator": {mine.pk, theirs.pk},
        "other_broker": set(),
        "parent": {mine.pk},
        "professional": {mine.pk, theirs.pk},  # Lisa is the professional on both cases
        "foreign_coordinator": set(),
    }
    # taken and mine are annotations of the query, unknown to the model class.
    activity: Any = selectors.groupactivity_get_for(cast.other_broker.user, cast.activity.pk)
    assert (activity.taken, activity.mine) == (2, False)
    for_parent: Any = selectors.groupactivity_get_for(world.parent, cast.activity.pk)
    assert for_parent.mine is True


def test_the_sign_up_choice_holds_the_users_open_linked_cases_not_signed_up(cast: Cast) -> None:
    world = cast.world
    sibling = CaseFactory(organisation=world.organisation, young_person=YoungPersonFactory(first_name="Daan"))
    add_guardian(sibling.young_person, world.parent)
    assert selectors.cases_to_sign_up(world.parent, cast.activity) == [world.case]
    link(sibling, world.coordinator, world.coordinator, cast.organiser)
    assert set(selectors.cases_to_sign_up(world.parent, cast.activity)) == {world.case, sibling}
    services.activitysignup_create(actor=world.parent, activity=cast.activity, case=sibling)
    assert selectors.cases_to_sign_up(world.parent, cast.activity) == [world.case]
    assert selectors.cases_to_sign_up(world.young_person_user, cast.activity) == []


def test_the_demo_has_two_activities_with_daan_signed_up_and_loads_twice(
    db: None, settings: Any, tmp_path: Any
) -> None:
    from demo.world import demo_load

    settings.MATCHING_MODEL_DIR = str(tmp_path)
    for _ in range(2):
        demo_load(history=False)
    activities = {a.title: a for a in GroupActivity.objects.all()}
    assert set(activities) == {"Oudergroep Leiden", "Voorleesclub"}
    signed = ActivitySignUp.objects.filter(cancelled_at__isnull=True).select_related("case__young_person")
    assert sorted((s.activity.title, s.case.young_person.first_name) for s in signed) == [
        ("Oudergroep Leiden", "Daan"),
        ("Voorleesclub", "Daan"),
    ]
    marieke = User.objects.get(email="marieke@demo.dichtbij.example")
    assert set(selectors.groupactivity_visible_to(marieke)) == set(activities.values())
