"""The waiting list at the size of a region (issue #23): the pool from values queries equals the pool from model
instances, requests are read in batches, the global assignment is computed by a task and stored, and the waiting
list page and the "suggest" POST take the same queries for any number of requests and volunteers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from accesslog.models import AccessLogEntry
from core.paging import PAGE_SIZE
from hostfamilies import services as hostfamilies_services
from hostfamilies.models import SupportRequest
from matching import services
from matching.engine import CandidatePool, propose
from matching.features import (
    candidates,
    excluded_for_case,
    excluded_for_requests,
    pool_of,
    support_request_to_request,
    support_requests_to_requests,
)
from matching.models import WaitingListPlan
from matching.selectors import waiting_list_fingerprint, waiting_list_fingerprints
from matching.tasks import waiting_list_plan_task
from tests.builders.hostfamilies import ready_family, screen
from tests.builders.training import CourseFactory
from tests.conftest import World
from tests.factories import CaseFactory, OrganisationFactory, VolunteerFactory, YoungPersonFactory
from training.models import CourseCompletion
from volunteers.models import (
    AvailabilitySlot,
    DayPart,
    Household,
    Outcome,
    Reference,
    ScreeningRequirement,
    ScreeningStep,
    VogCheck,
    Volunteer,
    VolunteerKind,
)
from volunteers.selectors import readiness_of_many, volunteer_readiness, with_readiness_data

TODAY = timezone.localdate()
POOL_ARRAYS = (
    "ids",
    "lat",
    "lon",
    "radius_km",
    "capacity_left",
    "open_proposals",
    "matchable",
    "age_min",
    "age_max",
    "has_pets",
    "smoking",
    "beds",
    "availability",
    "experience",
    "interests",
    "languages",
    "gender_preference",
    "culture",
)


@pytest.fixture
def english(client: Client) -> Iterator[None]:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def waiting_request(world: World, *, own_case: bool = False, **intake: Any) -> SupportRequest:
    """A waiting support request of world.organisation: for a new case, or for world.case (whose consent is
    complete, so a match can start) when `own_case`."""
    case = world.case if own_case else CaseFactory(young_person=YoungPersonFactory(), organisation=world.organisation)
    values: dict[str, Any] = {"what_for": "Rust voor moeder; Sanne heeft autisme en houdt van voetbal"}
    values.update(intake)
    return hostfamilies_services.supportrequest_create(
        actor=world.coordinator, case=case, organisation=world.organisation, **values
    )


def varied_world(world: World) -> list[Volunteer]:
    """Support families in every state the pool reads: screened or not, an expired VOG, one reference short, a
    course required and done or not, a paused one, households with pets, smoking and beds, day parts, interests,
    languages, a wish for a girl, culture, an open match and an open proposal taking places."""
    organisation = world.organisation
    course = CourseFactory(organisation=organisation, for_kind=VolunteerKind.SUPPORT_FAMILY, title="Basis")
    found = []
    for i in range(8):
        found.append(
            screen(
                VolunteerFactory(
                    organisation=organisation,
                    kinds=[VolunteerKind.SUPPORT_FAMILY],
                    capacity=1 + i % 3,
                    latitude=52.15 + i * 0.01,
                    longitude=4.49 - i * 0.01,
                    travel_radius_km=5 + i * 4,
                    experience=[["autism"], ["adhd", "trauma"], []][i % 3],
                    interests=["voetbal en koken", "", "tekenen"][i % 3],
                    languages=[["nl"], ["nl", "ar"], ["tr"]][i % 3],
                    preferred_gender=["", "girl", "boy"][i % 3],
                    preferred_age_min=i % 4,
                    preferred_age_max=14 + i,
                    culture_or_religion=["", "halal", "kerk"][i % 3],
                ),
                world.coordinator,
            )
        )
    for volunteer in found[:6]:
        CourseCompletion.objects.create(volunteer=volunteer, course=course, completed_on=TODAY)
    Household.objects.create(volunteer=found[0], pets="een hond", smoking=False, beds_for_stays=2)
    Household.objects.create(volunteer=found[1], pets="  ", smoking=True, beds_for_stays=0)
    Household.objects.create(volunteer=found[2], beds_for_stays=3)
    for volunteer, day, part in ((found[0], 5, DayPart.OVERNIGHT), (found[0], 4, DayPart.OVERNIGHT)):
        AvailabilitySlot.objects.create(volunteer=volunteer, weekday=day, day_part=part)
    AvailabilitySlot.objects.create(volunteer=found[2], weekday=1, day_part=DayPart.AFTERNOON)
    AvailabilitySlot.objects.create(volunteer=found[3], weekday=6, day_part=DayPart.MORNING)
    # A new VOG asked for and not yet received (the latest check counts), an expired one, a reference short, and a
    # paused one.
    VogCheck.objects.create(volunteer=found[3], requested_on=TODAY + timedelta(days=1))
    VogCheck.objects.filter(volunteer=found[4]).update(valid_until=TODAY - timedelta(days=1))
    Reference.objects.filter(volunteer=found[5]).first().delete()  # type: ignore[union-attr]
    Volunteer.objects.filter(pk=found[5].pk).update(status=Volunteer.Status.PAUSED)
    # Not screened at all, and one of an organisation that requires only an intake.
    found.append(VolunteerFactory(organisation=organisation, kinds=[VolunteerKind.SUPPORT_FAMILY]))
    elsewhere = OrganisationFactory()
    ScreeningRequirement.objects.create(
        organisation=elsewhere, kind=VolunteerKind.SUPPORT_FAMILY, step=ScreeningStep.INTAKE
    )
    only_intake = VolunteerFactory(organisation=elsewhere, kinds=[VolunteerKind.SUPPORT_FAMILY, VolunteerKind.BUDDY])
    screen(only_intake, world.coordinator)
    found.append(only_intake)
    # Places taken: an open match, and a proposal shown to a family.
    taken = waiting_request(world, own_case=True, wants_weekend_stays=True)
    hostfamilies_services.match_propose(actor=world.coordinator, request=taken, volunteer=found[1])
    shown = waiting_request(world)
    services.proposal_round_suggest(actor=world.coordinator, support_request=shown)
    services.proposal_round_show(actor=world.coordinator, support_request=shown)
    return found


def test_the_pool_from_values_equals_the_pool_from_instances(world: World) -> None:
    found = varied_world(world)
    volunteers = Volunteer.objects.filter(pk__in=[v.pk for v in found])
    old = CandidatePool.from_candidates(sorted(candidates(volunteers), key=lambda c: c.id))
    new = pool_of(volunteers)
    for name in POOL_ARRAYS:
        assert np.array_equal(getattr(old, name), getattr(new, name)), name
    # The world is varied enough to mean something: both kinds of answer occur in each filter's column.
    assert set(new.matchable.tolist()) == {True, False}
    assert set(new.has_pets.tolist()) == {True, False} and set(new.smoking.tolist()) == {True, False}
    assert len(set(new.capacity_left.tolist())) > 1 and new.open_proposals.max() > 0
    requests = [
        waiting_request(world),
        waiting_request(world, wants_weekend_stays=True, pet_allergy=True),
        waiting_request(world, wants_weekday_afternoons=True, smoke_free=True, languages=["ar"]),
        waiting_request(world, culture_or_religion="halal", what_for="Tekenen en koken"),
    ]
    for support_request in requests:
        request = support_request_to_request(SupportRequest.objects.get(pk=support_request.pk))
        assert propose(old, request, k=10) == propose(new, request, k=10)
    assert any(propose(new, support_request_to_request(r), k=10) for r in requests)


def test_the_pool_of_one_request_gives_the_proposals_of_the_whole_pool(world: World) -> None:
    """`pool_of(..., request=)` leaves out, stage by stage, whoever fails a hard filter for the request: the
    engine's proposals (scores, reasons, the fit model's share) are those of the whole pool, for requests that
    each stage narrows down."""
    found = varied_world(world)
    volunteers = Volunteer.objects.filter(pk__in=[v.pk for v in found])
    whole = pool_of(volunteers)
    requests = [
        waiting_request(world),
        waiting_request(world, wants_weekend_stays=True, pet_allergy=True),
        waiting_request(world, wants_weekday_afternoons=True, smoke_free=True, languages=["ar"]),
        waiting_request(world, culture_or_religion="halal", what_for="Tekenen en koken"),
        waiting_request(world, wants_weekend_stays=True),
        waiting_request(world),
    ]
    # Farther away than some of the families travel, and than any of them.
    SupportRequest.objects.filter(pk=requests[-2].pk).update(latitude=52.24, longitude=4.40)
    SupportRequest.objects.filter(pk=requests[-1].pk).update(latitude=53.40, longitude=6.50)
    narrowed = False
    queries = set()
    for support_request in requests:
        request = support_request_to_request(SupportRequest.objects.get(pk=support_request.pk))
        with CaptureQueriesContext(connection) as context:
            own = pool_of(volunteers, request=request)
        # The same reads, however many each stage leaves out (all of them, for the last request).
        queries.add(len(context.captured_queries))
        narrowed |= own.size < whole.size
        assert set(own.ids.tolist()) <= set(whole.ids.tolist())
        assert propose(own, request, k=10) == propose(whole, request, k=10)
        assert propose(own, request, k=2) == propose(whole, request, k=2)
    assert narrowed and len(queries) == 1
    assert any(propose(whole, support_request_to_request(r), k=10) for r in requests)


def test_readiness_of_many_is_the_readiness_of_each(world: World) -> None:
    found = varied_world(world)
    volunteers = Volunteer.objects.filter(pk__in=[v.pk for v in found])
    many = readiness_of_many(volunteers)
    for volunteer in with_readiness_data(volunteers):
        assert many[volunteer.pk] == volunteer_readiness(volunteer), volunteer.pk
    assert {r.matchable for r in many.values()} == {True, False}
    assert any(r.courses_missing for r in many.values()) and any(r.open_matches for r in many.values())


def test_requests_are_read_in_batches_with_the_same_exclusions(world: World) -> None:
    families = [ready_family(world.organisation) for _i in range(4)]
    first, second = waiting_request(world), waiting_request(world, own_case=True)
    services.proposal_round_suggest(actor=world.coordinator, support_request=first)
    shown = services.proposal_round_show(actor=world.coordinator, support_request=first)
    hostfamilies_services.match_propose(actor=world.coordinator, request=second, volunteer=families[3])
    waiting = list(SupportRequest.objects.filter(pk__in=[first.pk, second.pk]).select_related("case__young_person"))
    batch = excluded_for_requests(waiting)
    assert batch == {r.pk: excluded_for_case(r.case_id, r.pk) for r in waiting}
    assert batch[first.pk] == {p.volunteer_id for p in shown} and batch[second.pk] == {families[3].pk}
    with CaptureQueriesContext(connection) as context:
        requests = support_requests_to_requests(waiting)
    assert len(context.captured_queries) == 3
    assert requests == {r.pk: support_request_to_request(r) for r in waiting}


def _page(client: Client, params: dict[str, str] | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("matching:waiting_list"), params or {})
        assert response.status_code == 200
    return len(context.captured_queries), " ".join(response.content.decode().split())


def test_the_first_view_queues_one_computation_and_says_so(world: World, client: Client, english: None) -> None:
    ready_family(world.organisation)
    waiting_request(world)
    client.force_login(world.coordinator)
    _count, html = _page(client)
    assert "The calculation is being made." in html
    assert "Families matched, whole list at once" not in html
    # Looking again while it is queued queues nothing more (debounced).
    _page(client)
    queued = DBTaskResult.objects.filter(task_path=waiting_list_plan_task.module_path)
    assert queued.count() == 1
    assert queued.get().run_after is not None and queued.get().run_after > timezone.now()
    assert waiting_list_plan_task.call(world.organisation.pk) is True
    assert waiting_list_plan_task.call(world.organisation.pk) is False  # a second run finds it current
    _count, html = _page(client)
    # (split() took the no-break space that timesince puts between number and unit)
    assert "Computed 0 minutes ago." in html and "Families matched, whole list at once</dt><dd>1" in html
    assert "A newer calculation is being made." not in html
    # A change to the waiting list: the stored plan is shown, and a newer one is queued.
    waiting_request(world)
    _count, html = _page(client)
    assert "Families matched, whole list at once</dt><dd>1" in html
    assert "A newer calculation is being made." in html
    assert queued.count() == 2


def test_the_fingerprint_follows_what_the_plan_reads(world: World) -> None:
    family = ready_family(world.organisation)
    organisation = world.organisation.pk
    before = waiting_list_fingerprint(organisation)
    assert waiting_list_fingerprint(organisation) == before
    request = waiting_request(world)
    after_request = waiting_list_fingerprint(organisation)
    assert after_request != before
    AvailabilitySlot.objects.create(volunteer=family, weekday=2, day_part=DayPart.EVENING)
    after_slot = waiting_list_fingerprint(organisation)
    assert after_slot != after_request
    Reference.objects.filter(volunteer=family).update(outcome=Outcome.NEGATIVE)
    assert waiting_list_fingerprint(organisation) != after_slot
    after_screening = waiting_list_fingerprint(organisation)
    # A round's unseen suggestions change nothing the plan reads; showing them does.
    Reference.objects.filter(volunteer=family).update(outcome=Outcome.POSITIVE)
    ready_family(world.organisation)
    base = waiting_list_fingerprint(organisation)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert waiting_list_fingerprint(organisation) == base
    services.proposal_round_show(actor=world.coordinator, support_request=request)
    assert waiting_list_fingerprint(organisation) != base
    assert waiting_list_fingerprint(organisation, on=TODAY + timedelta(days=1)) != waiting_list_fingerprint(
        organisation
    )
    assert after_screening != base


def test_the_fingerprints_of_several_organisations_are_each_ones_own(world: World) -> None:
    """The page reads the fingerprints of all the coordinator's organisations at once (grouped queries): each is
    the one of its organisation alone, and a change in one organisation leaves the other's as it was."""
    varied_world(world)
    own, other = world.organisation.pk, world.other_organisation.pk
    empty = OrganisationFactory().pk
    both = waiting_list_fingerprints([own, other, empty])
    assert both == {pk: waiting_list_fingerprint(pk) for pk in (own, other, empty)}
    ready_family(world.other_organisation)
    after = waiting_list_fingerprints([own, other, empty])
    assert after[own] == both[own] and after[empty] == both[empty] and after[other] != both[other]
    with CaptureQueriesContext(connection) as one:
        waiting_list_fingerprints([own])
    with CaptureQueriesContext(connection) as three:
        waiting_list_fingerprints([own, other, empty])
    assert len(three) == len(one)


def test_a_plan_older_than_its_maximum_age_is_computed_again(world: World) -> None:
    ready_family(world.organisation)
    waiting_request(world)
    assert services.waiting_list_plan_compute(organisation_id=world.organisation.pk) is True
    assert services.waiting_list_plan_compute(organisation_id=world.organisation.pk) is False
    WaitingListPlan.objects.update(computed_at=timezone.now() - timedelta(hours=2))
    assert services.waiting_list_plan_compute(organisation_id=world.organisation.pk) is True


def _grow(world: World, n: int) -> None:
    for i in range(n):
        ready_family(world.organisation)
        waiting_request(world, wants_weekend_stays=bool(i % 2))


def test_the_waiting_families_page_and_only_the_page_is_in_the_access_log(world: World, client: Client) -> None:
    requests = [waiting_request(world) for _ in range(PAGE_SIZE + 3)]  # oldest first
    services.waiting_list_plan_compute(organisation_id=world.organisation.pk)
    client.force_login(world.coordinator)
    param = f"pagina_{world.organisation.pk}"
    for number, expected in ((1, requests[:PAGE_SIZE]), (2, requests[PAGE_SIZE:])):
        before = AccessLogEntry.objects.count()
        _count, html = _page(client, {param: str(number)})
        links = {r.pk for r in requests if reverse("matching:round", args=[r.pk]) + '"' in html}
        assert links == {r.pk for r in expected}
        logged = AccessLogEntry.objects.order_by("-pk")[: AccessLogEntry.objects.count() - before]
        assert {entry.young_person_id for entry in logged} == {r.case.young_person_id for r in expected}
        assert f"{PAGE_SIZE + 3} found" in html or f"{PAGE_SIZE + 3} gevonden" in html


@pytest.mark.parametrize("stored", [True, False], ids=["plan stored", "plan being computed"])
def test_the_waiting_list_takes_the_same_queries_for_any_number_of_requests(
    world: World, client: Client, stored: bool
) -> None:
    client.force_login(world.coordinator)

    def count() -> int:
        if stored:
            services.waiting_list_plan_compute(organisation_id=world.organisation.pk)
        else:
            WaitingListPlan.objects.all().delete()
            DBTaskResult.objects.all().delete()
        queries, html = _page(client)
        assert ("Berekend" in html) is stored
        return queries

    _grow(world, 2)
    _page(client)  # the session and per-process caches
    few = count()
    _grow(world, 10)
    assert count() == few


def test_the_suggest_post_takes_the_same_queries_for_any_number_of_volunteers(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    _grow(world, 2)
    request = waiting_request(world)
    url = reverse("matching:round_suggest", args=[request.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.post(url).status_code == 302
        return len(context.captured_queries)

    count()  # the session and per-process caches
    few = count()
    _grow(world, 10)
    assert count() == few


def test_a_coordinator_sees_and_queues_only_the_plans_of_their_own_organisations(
    world: World, client: Client, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ready_family(world.organisation)
    own = waiting_request(world)
    foreign = hostfamilies_services.supportrequest_create(
        actor=world.outsider, case=world.foreign_case, organisation=world.other_organisation, what_for="Weekends"
    )
    client.force_login(world.coordinator)
    _count, html = _page(client)
    assert reverse("matching:round", args=[own.pk]) in html
    assert reverse("matching:round", args=[foreign.pk]) not in html and world.other_organisation.name not in html
    assert list(WaitingListPlan.objects.values_list("organisation_id", flat=True)) == [world.organisation.pk]
    for persona in ("professional", "parent", "volunteer", "outsider"):
        client.force_login(world.by_role(persona))
        assert client.get(reverse("matching:waiting_list")).status_code == 403
    assert WaitingListPlan.objects.count() == 1


def test_a_round_shown_to_a_family_queues_a_new_plan_once_committed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    ready_family(world.organisation)
    request = waiting_request(world)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    queued = DBTaskResult.objects.filter(task_path=waiting_list_plan_task.module_path)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_round_show(actor=world.coordinator, support_request=request)
    assert list(queued.values_list("args_kwargs", flat=True)) == [{"args": [world.organisation.pk], "kwargs": {}}]
