"""From the database to the engine: volunteers become a CandidatePool, support, buddy and broker requests become
Requests, and past support-family matches become the history the fit model learns from. The only matching module that
reads the ORM; it reads through the owning apps' selectors where they have one (readiness, open matches).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Organisation
from community.brokers.selectors import open_broker_link_counts
from community.models import BrokerRequest
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.selectors import OPEN_STATES, open_match_counts
from hostfamilies.states import State
from matching.engine import (
    CULTURES,
    DAY_PARTS,
    EXPERIENCES,
    GENDER_ANY,
    GENDER_BOY,
    GENDER_GIRL,
    INTERESTS,
    LANGUAGES,
    Candidate,
    CandidatePool,
    Proposal,
    Request,
    bits,
    passes_hard_filters,
    propose,
    words_bits,
)
from matching.model import LASTED_DAYS, History, history_from_pairs, load_current
from matching.models import OPEN_STATUSES, ProposalStatus
from matching.models import Proposal as MatchProposal
from mentors.selectors import open_buddy_counts
from volunteers.models import AvailabilitySlot, Volunteer, VolunteerKind
from volunteers.selectors import readiness_of_many, volunteer_readiness, with_readiness_data
from youth.ages import PLUS_BUDDY_FROM_AGE, age_on
from youth.models import BuddyRequest, YoungPerson

# What the family says it needs support with is free text in its own words (no diagnoses are stored); these
# stems find the kinds of experience a volunteer can record (volunteers.models.Experience).
NEEDS_STEMS: dict[str, tuple[str, ...]] = {
    "autism": ("autis",),
    "adhd": ("adhd",),
    "lvb": ("lvb", "verstandelijk", "intellectual"),
    "trauma": ("trauma",),
    "divorce": ("scheiding", "divorce", "gescheiden"),
    "debt": ("schuld", "debt", "geldzorg"),
    "addiction": ("verslav", "alcohol", "drugs", "addiction"),
}
assert set(NEEDS_STEMS) == set(EXPERIENCES)
GENDERS: dict[str, int] = {Volunteer.Gender.GIRL.value: GENDER_GIRL, Volunteer.Gender.BOY.value: GENDER_BOY}
# What a support request's tick boxes ask for, as weekly slots (weekday 0 = Monday).
WEEKEND_STAYS = frozenset({(4, "overnight"), (5, "overnight")})
WEEKDAY_AFTERNOONS = frozenset((day, "afternoon") for day in range(5))
# A match that stopped before it started (no started_on) was declined by one of the two sides.
DECLINED_STATES = frozenset({State.STOPPED})
# Proposals still waiting for both sides' yes: they count towards MATCHING_MAX_OPEN_PROPOSALS.
PROPOSAL_STATES = (State.PROPOSED, State.INTRODUCTION)


def needs_in(text: str) -> tuple[str, ...]:
    """The kinds of experience a family's own words ask for."""
    folded = text.casefold()
    return tuple(code for code in EXPERIENCES if any(stem in folded for stem in NEEDS_STEMS[code]))


def ids_in(ids: list[int]) -> list[int] | RawSQL:
    """Ids as the right-hand side of an `__in` filter, for lists of hundreds (a region's pool). On PostgreSQL one
    array parameter: a list becomes one parameter per id, which Django compiles and the driver splices into the
    query one by one (milliseconds per query at 500 ids, more than the database takes to answer it). Elsewhere
    the list itself."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


def volunteers_of_kind(
    kind: str | tuple[str, ...], organisation_id: int | Iterable[int] | None = None
) -> QuerySet[Volunteer]:
    """The active volunteers registered for a kind of volunteering (support family, buddy, social broker), or for
    any of several kinds (buddy or plus-buddy); of one organisation or of several, when given."""
    kinds = (kind,) if isinstance(kind, str) else kind
    volunteers = Volunteer.objects.filter(roles__kind__in=kinds, status=Volunteer.Status.ACTIVE)
    if isinstance(organisation_id, int):
        volunteers = volunteers.filter(organisation_id=organisation_id)
    elif organisation_id is not None:
        volunteers = volunteers.filter(organisation_id__in=list(organisation_id))
    return volunteers.distinct()


def candidates(volunteers: QuerySet[Volunteer], *, on: date | None = None) -> list[Candidate]:
    """The engine's view of volunteers: constant queries for any number of them.

    `matchable` is the readiness decision without its capacity part (asked with no open matches), so that the
    engine's own capacity filter can say which of the two keeps someone out."""
    today = on or timezone.localdate()
    rows = list(
        with_readiness_data(volunteers)
        .select_related("household")
        .prefetch_related(Prefetch("availability", queryset=AvailabilitySlot.objects.order_by()))
    )
    taken, proposals = _places_and_proposals({v.pk: v.user_id for v in rows})
    result = []
    for volunteer in rows:
        household = getattr(volunteer, "household", None)
        result.append(
            Candidate(
                id=volunteer.pk,
                latitude=volunteer.latitude,
                longitude=volunteer.longitude,
                travel_radius_km=volunteer.travel_radius_km,
                capacity_left=volunteer.capacity - taken[volunteer.pk],
                open_proposals=proposals.get(volunteer.pk, 0),
                matchable=volunteer_readiness(volunteer, on=today, open_matches=0).matchable,
                age_min=volunteer.preferred_age_min,
                age_max=volunteer.preferred_age_max,
                has_pets=bool(household and household.pets.strip()),
                smoking=bool(household and household.smoking),
                beds=household.beds_for_stays if household else 0,
                availability=frozenset((slot.weekday, slot.day_part) for slot in volunteer.availability.all()),
                experience=tuple(volunteer.experience),
                interests=volunteer.interests,
                languages=tuple(volunteer.languages),
                gender_preference=GENDERS.get(volunteer.preferred_gender, GENDER_ANY),
                culture=volunteer.culture_or_religion,
            )
        )
    return result


def _places_and_proposals(user_of: dict[int, int]) -> tuple[dict[int, int], dict[int, int]]:
    """For volunteers (id → user id): the places their open matches take (every id a key) and their open
    proposals (absent when none). Five queries for any number of them."""
    return _places_taken(user_of), _open_proposals(list(user_of))


def _places_taken(user_of: dict[int, int]) -> dict[int, int]:
    """For volunteers (id → user id): the places their open matches take (every id a key). Three queries."""
    taken = open_match_counts(user_of)
    # A buddy mentorship and an open broker request the volunteer is linked to take a place too, as a
    # support-family match does (community.brokers.selectors.broker_can_take counts them the same way).
    by_user = {user_id: volunteer_id for volunteer_id, user_id in user_of.items()}
    for user_id, count in open_buddy_counts(by_user).items():
        taken[by_user[user_id]] += count
    for volunteer_id, count in open_broker_link_counts(user_of).items():
        taken[volunteer_id] += count
    return taken


def _open_proposals(volunteer_ids: list[int]) -> dict[int, int]:
    """For volunteers: their open proposals (absent when none). Two queries."""
    proposals = _counts(
        SupportFamilyMatch.objects.filter(volunteer_id__in=ids_in(volunteer_ids), state__in=PROPOSAL_STATES),
        "volunteer_id",
    )
    # Proposals a family has seen or chose count too (matching.models.OPEN_STATUSES).
    for volunteer_id, count in open_proposal_counts(volunteer_ids).items():
        proposals[volunteer_id] = proposals.get(volunteer_id, 0) + count
    return proposals


# The columns of a volunteer (and their household, when they have one) that the engine reads.
POOL_COLUMNS = (
    "pk",
    "user_id",
    "latitude",
    "longitude",
    "travel_radius_km",
    "capacity",
    "preferred_age_min",
    "preferred_age_max",
    "household__pets",
    "household__smoking",
    "household__beds_for_stays",
    "experience",
    "interests",
    "languages",
    "preferred_gender",
    "culture_or_religion",
)


def pool_of(
    volunteers: QuerySet[Volunteer], *, on: date | None = None, request: Request | None = None
) -> CandidatePool:
    """The engine's pool of volunteers straight from values queries into the pool's arrays: the same pool as
    `CandidatePool.from_candidates(candidates(volunteers))` (a test holds them equal), without a model instance
    or a prefetch per volunteer. About twenty queries for any number of volunteers.

    With `request`, the pool of that one request: a volunteer is left out as soon as what was read says they fail
    one of the engine's hard filters for it (place, age, household, conflict; then day parts; then places left;
    then screening and training), so each later read is of fewer volunteers. `propose` finds the same proposals for
    the request in it as in the whole pool (a test holds them equal): a candidate who fails a hard filter is never
    scored, ranked or counted. The same queries for any data (`_passing`)."""
    today = on or timezone.localdate()
    scope = volunteers.order_by().values("pk")
    rows = list(Volunteer.objects.filter(pk__in=scope).order_by("pk").values_list(*POOL_COLUMNS))
    interests = _memo(lambda text: words_bits(text, INTERESTS))
    cultures = _memo(lambda text: words_bits(text, CULTURES))
    # What is not read yet lets everyone through: free at every day part, a place left, matchable (`_pool`).
    everywhere = (1 << 32) - 1
    if request is not None:
        rows = _passing(rows, request, availability={}, everywhere=everywhere)
    # The other reads take the volunteers of these rows by id: the scope (a join with the roles) is read once.
    slots: dict[int, int] = defaultdict(int)
    for volunteer_id, day, part in (
        AvailabilitySlot.objects.filter(volunteer_id__in=ids_in([row[0] for row in rows]))
        .order_by()
        .values_list("volunteer_id", "weekday", "day_part")
    ):
        slots[volunteer_id] |= 1 << (day * len(DAY_PARTS) + DAY_PARTS.index(part))
    if request is not None:
        rows = _passing(rows, request, availability=slots)
    taken = _places_taken({row[0]: row[1] for row in rows})
    if request is not None:
        rows = _passing(rows, request, availability=slots, taken=taken)
    # `matchable` is the readiness decision without its capacity part, as in `candidates`.
    readiness = readiness_of_many(
        Volunteer.objects.filter(pk__in=ids_in([row[0] for row in rows])), on=today, open_matches={}
    )
    matchable = {pk for pk, found in readiness.items() if found.matchable}
    if request is not None:
        rows = _passing(rows, request, availability=slots, taken=taken, matchable=matchable)
    proposals = _open_proposals([row[0] for row in rows])
    return _pool(rows, interests, cultures, availability=slots, taken=taken, proposals=proposals, matchable=matchable)


def _passing(
    rows: list[tuple[Any, ...]],
    request: Request,
    *,
    availability: dict[int, int],
    everywhere: int | None = None,
    taken: dict[int, int] | None = None,
    matchable: set[int] | None = None,
) -> list[tuple[Any, ...]]:
    """The rows that can still pass the engine's hard filters for the request, from what was read so far; all of
    them when that would leave nobody (nobody can be proposed then anyway), so that the reads after it are the
    same queries whatever the data."""
    pool = _pool(rows, None, None, availability=availability, everywhere=everywhere, taken=taken, matchable=matchable)
    keep = passes_hard_filters(pool, request, max_open_proposals=settings.MATCHING_MAX_OPEN_PROPOSALS)
    return [row for row, kept in zip(rows, keep.tolist(), strict=True) if kept] or rows


def _pool(
    rows: list[tuple[Any, ...]],
    interests: Callable[[str], int] | None,
    cultures: Callable[[str], int] | None,
    *,
    availability: dict[int, int],
    everywhere: int | None = None,
    taken: dict[int, int] | None = None,
    proposals: dict[int, int] | None = None,
    matchable: set[int] | None = None,
) -> CandidatePool:
    """The pool of `rows` (POOL_COLUMNS); what is None was not read yet and lets everyone through. Without
    `interests` and `cultures` (to check the hard filters only) what is only scored is left empty."""
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(POOL_COLUMNS)
    c = dict(zip(POOL_COLUMNS, columns, strict=True))
    pks = c["pk"]
    if interests is None or cultures is None:
        nothing = [0] * n
        scored: dict[str, Any] = dict.fromkeys(("experience", "interests", "languages", "culture"), nothing)
        scored["gender_preference"] = [GENDER_ANY] * n
    else:
        scored = {
            "experience": [bits(codes, EXPERIENCES) for codes in c["experience"]],
            "interests": [interests(text) for text in c["interests"]],
            "languages": [bits(codes, LANGUAGES) for codes in c["languages"]],
            "gender_preference": [GENDERS.get(gender, GENDER_ANY) for gender in c["preferred_gender"]],
            "culture": [cultures(text) for text in c["culture_or_religion"]],
        }
    return CandidatePool(
        ids=np.fromiter(pks, dtype=np.int64, count=n),
        latitude=c["latitude"],
        longitude=c["longitude"],
        travel_radius_km=c["travel_radius_km"],
        capacity_left=[1] * n
        if taken is None
        else [capacity - taken[pk] for pk, capacity in zip(pks, c["capacity"], strict=True)],
        open_proposals=[0] * n if proposals is None else [proposals.get(pk, 0) for pk in pks],
        matchable=[True] * n if matchable is None else [pk in matchable for pk in pks],
        age_min=c["preferred_age_min"],
        age_max=c["preferred_age_max"],
        has_pets=[bool(pets and pets.strip()) for pets in c["household__pets"]],
        smoking=[bool(smoking) for smoking in c["household__smoking"]],
        beds=[beds or 0 for beds in c["household__beds_for_stays"]],
        availability=np.fromiter(
            (availability.get(pk, 0) if everywhere is None else everywhere for pk in pks), dtype=np.uint32, count=n
        ),
        **scored,
    )


def _memo(compute: Callable[[str], int]) -> Callable[[str], int]:
    """Free text repeats across volunteers ("voetbal", ""): each distinct text is read once."""
    seen: dict[str, int] = {}

    def read(text: str) -> int:
        if text not in seen:
            seen[text] = compute(text)
        return seen[text]

    return read


def _counts(matches: QuerySet[Any], key: str) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for value in matches.values_list(key, flat=True):
        counts[value] += 1
    return dict(counts)


def candidate_pool(
    kind: str | tuple[str, ...],
    organisation_id: int | Iterable[int] | None = None,
    *,
    on: date | None = None,
    request: Request | None = None,
) -> CandidatePool:
    """The pool of one kind of volunteer, or of several kinds (of one organisation, when given); with `request`,
    only those who can pass its hard filters (`pool_of`)."""
    return pool_of(volunteers_of_kind(kind, organisation_id), on=on, request=request)


def open_proposal_counts(volunteer_ids: Iterable[int]) -> dict[int, int]:
    """How many open proposals (shown to a family, chosen, accepted) each volunteer has; absent when none."""
    ids = list(volunteer_ids)
    if not ids:
        return {}
    return _counts(
        MatchProposal.objects.filter(volunteer_id__in=ids_in(ids), status__in=OPEN_STATUSES).order_by(), "volunteer_id"
    )


def excluded_for_case(case_id: int, request_id: int | None = None) -> frozenset[int]:
    """Support families not to propose to this family: those with an open match on one of its requests (already
    proposed), those who declined it before (a match of its requests stopped before it started, or a proposal they
    said no to), and for `request_id` those already in its proposal rounds (shown, chosen, not chosen, excluded by
    the coordinator). Suggestions the family has not seen yet are made again each round, so they are not here.
    The batch `excluded_for_requests` for one request."""
    excluded = set(_excluded_by_case([case_id]).get(case_id, ()))
    if request_id is not None:
        excluded |= _excluded_by_request([request_id]).get(request_id, set())
    return frozenset(excluded)


def excluded_for_requests(support_requests: Iterable[SupportRequest]) -> dict[int, frozenset[int]]:
    """`excluded_for_case(request.case_id, request.pk)` of every request, by request id: three queries for any
    number of requests."""
    pairs = [(r.pk, r.case_id) for r in support_requests]
    by_case = _excluded_by_case({case_id for _pk, case_id in pairs})
    by_request = _excluded_by_request([pk for pk, _case_id in pairs])
    return {pk: frozenset(by_case.get(case_id, set()) | by_request.get(pk, set())) for pk, case_id in pairs}


def _excluded_by_case(case_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per case: the support families with an open match on one of its requests, or who declined it before."""
    ids = list(case_ids)
    excluded: dict[int, set[int]] = defaultdict(set)
    if not ids:
        return excluded
    for case_id, volunteer_id, state, started_on in SupportFamilyMatch.objects.filter(
        request__case_id__in=ids
    ).values_list("request__case_id", "volunteer_id", "state", "started_on"):
        if state in OPEN_STATES or (state in DECLINED_STATES and started_on is None):
            excluded[case_id].add(volunteer_id)
    for case_id, volunteer_id in MatchProposal.objects.filter(
        case_id__in=ids, status=ProposalStatus.DECLINED, support_request__isnull=False
    ).values_list("case_id", "volunteer_id"):
        excluded[case_id].add(volunteer_id)
    return excluded


def _excluded_by_request(request_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per support request: the volunteers already in its proposal rounds (anything but an unseen suggestion)."""
    ids = list(request_ids)
    excluded: dict[int, set[int]] = defaultdict(set)
    if not ids:
        return excluded
    for request_id, volunteer_id in (
        MatchProposal.objects.filter(support_request_id__in=ids)
        .exclude(status=ProposalStatus.SUGGESTED)
        .values_list("support_request_id", "volunteer_id")
    ):
        assert request_id is not None
        excluded[request_id].add(volunteer_id)
    return excluded


def support_request_to_request(support_request: SupportRequest, *, on: date | None = None) -> Request:
    """A family's support request as the engine reads it. Its place comes from the request, or else from the
    young person; a request without coordinates cannot be matched (ValueError). The request must come with
    `case__young_person`; `support_requests_to_requests` reads many in constant queries."""
    excluded = excluded_for_case(support_request.case_id, support_request.pk)
    return _as_request(support_request, excluded=excluded, today=on or timezone.localdate())


def support_requests_to_requests(
    support_requests: Sequence[SupportRequest], *, on: date | None = None
) -> dict[int, Request]:
    """`support_request_to_request` of every request that has a place with coordinates, by request id (the others
    are left out): three queries for any number of requests, which must come with `case__young_person`."""
    today = on or timezone.localdate()
    excluded = excluded_for_requests(support_requests)
    found = {}
    for support_request in support_requests:
        try:
            found[support_request.pk] = _as_request(support_request, excluded=excluded[support_request.pk], today=today)
        except ValueError:
            continue
    return found


def _as_request(support_request: SupportRequest, *, excluded: frozenset[int], today: date) -> Request:
    child = support_request.case.young_person
    latitude = support_request.latitude if support_request.latitude is not None else child.latitude
    longitude = support_request.longitude if support_request.longitude is not None else child.longitude
    if latitude is None or longitude is None:
        raise ValueError("The request has no place with coordinates.")
    asked: frozenset[tuple[int, str]] = frozenset()
    if support_request.wants_weekend_stays:
        asked |= WEEKEND_STAYS
    if support_request.wants_weekday_afternoons:
        asked |= WEEKDAY_AFTERNOONS
    words = f"{support_request.what_for} {support_request.wishes}"
    return Request(
        id=support_request.pk,
        latitude=latitude,
        longitude=longitude,
        max_km=settings.MATCHING_AREA_KM,
        child_age=age_on(child.date_of_birth, today),
        needs=needs_in(words),
        interests=words,
        languages=tuple(support_request.languages),
        asked=asked,
        pet_allergy=support_request.pet_allergy,
        smoke_free=support_request.smoke_free,
        # Brothers and sisters who come along sleep over too.
        beds_needed=1 + len(support_request.other_children_ages) if support_request.wants_weekend_stays else 0,
        culture=support_request.culture_or_religion,
        excluded_ids=excluded,
        waiting_days=(today - timezone.localdate(support_request.created_at)).days,
    )


def _excluded_by_proposals(case_id: int, field: str, request_id: int | None) -> frozenset[int]:
    """Volunteers who said no to this case in a round of one kind (`field`: the proposal's foreign key), and for
    `request_id` those already in its proposal rounds (shown, chosen, not chosen, excluded, approved). Unseen
    suggestions are made again each round, so they are not here."""
    proposals = MatchProposal.objects.filter(
        case_id=case_id, status=ProposalStatus.DECLINED, **{f"{field}__isnull": False}
    )
    if request_id is not None:
        proposals = proposals | MatchProposal.objects.filter(**{f"{field}_id": request_id}).exclude(
            status=ProposalStatus.SUGGESTED
        )
    return frozenset(proposals.values_list("volunteer_id", flat=True))


def excluded_for_buddy(case_id: int, buddy_request_id: int | None = None) -> frozenset[int]:
    """Buddies not to propose to this young person: those who said no to being their buddy before (any of the
    case's buddy requests), and for `buddy_request_id` those already in its proposal rounds."""
    return _excluded_by_proposals(case_id, "buddy_request", buddy_request_id)


def excluded_for_broker(case_id: int, broker_request_id: int | None = None) -> frozenset[int]:
    """Social brokers not to propose to this family: those who said no to being its broker before (any of the
    case's broker requests), and for `broker_request_id` those already in its proposal rounds."""
    return _excluded_by_proposals(case_id, "broker_request", broker_request_id)


def buddy_organisation_ids(buddy_request: BuddyRequest) -> list[int]:
    """Whose buddies may be proposed: those of the case's organisation, and of the volunteer organisations that
    serve the municipality where the young person lives. One query."""
    serving = Organisation.objects.filter(
        kind=Organisation.Kind.VOLUNTEER_ORGANISATION,
        municipalities=buddy_request.young_person.residence_municipality_id,
    ).values_list("pk", flat=True)
    return sorted({buddy_request.case.organisation_id, *serving})


def buddy_kinds(young_person: YoungPerson, *, on: date | None = None) -> tuple[str, ...]:
    """Which volunteers may be a young person's buddy: buddies, and from 16 also plus-buddies (who help towards
    living independently)."""
    if age_on(young_person.date_of_birth, on or timezone.localdate()) >= PLUS_BUDDY_FROM_AGE:
        return (VolunteerKind.BUDDY, VolunteerKind.PLUS_BUDDY)
    return (VolunteerKind.BUDDY,)


def young_person_to_request(
    young_person: YoungPerson,
    *,
    request_id: int = 0,
    waiting_days: int = 0,
    on: date | None = None,
    excluded_ids: frozenset[int] = frozenset(),
) -> Request:
    """A young person looking for a buddy or a social broker: their place, age and languages. Nothing about pets,
    smoking, beds or day parts is asked, so those filters let everyone through (a broker's request adds its
    purpose: `broker_request_to_request`)."""
    if young_person.latitude is None or young_person.longitude is None:
        raise ValueError("The young person has no place with coordinates.")
    today = on or timezone.localdate()
    return Request(
        id=request_id,
        latitude=young_person.latitude,
        longitude=young_person.longitude,
        max_km=settings.MATCHING_AREA_KM,
        child_age=age_on(young_person.date_of_birth, today),
        languages=tuple(young_person.languages),
        excluded_ids=excluded_ids,
        waiting_days=waiting_days,
    )


def buddy_request_to_request(buddy_request: BuddyRequest, *, on: date | None = None) -> Request:
    """A young person's request for a buddy as the engine reads it; buddies who said no before, or are already in
    its rounds, are excluded. ValueError when the young person's place has no coordinates."""
    today = on or timezone.localdate()
    return young_person_to_request(
        buddy_request.young_person,
        request_id=buddy_request.pk,
        waiting_days=(today - timezone.localdate(buddy_request.requested_at)).days,
        on=today,
        excluded_ids=excluded_for_buddy(buddy_request.case_id, buddy_request.pk),
    )


def _propose(pool: CandidatePool, request: Request, *, k: int, use_model: bool) -> list[Proposal]:
    """The engine's k best for one request within settings.MATCHING_MAX_OPEN_PROPOSALS, with the current fit model
    blended in when `use_model` and one was trained (else the rule score stands)."""
    fit = load_current() if use_model else None
    return propose(pool, request, k=k, max_open_proposals=settings.MATCHING_MAX_OPEN_PROPOSALS, model=fit)


def proposals_for_support_request(
    support_request: SupportRequest, *, k: int = 10, use_model: bool = True
) -> list[Proposal]:
    """The k best support families of the request's organisation for it, with reasons. With `use_model` the
    current fit model is blended in when one was trained; without one the rule score stands.
    Read-only and not a permission check: callers go through the hostfamilies selectors first."""
    request = support_request_to_request(support_request)
    pool = candidate_pool(VolunteerKind.SUPPORT_FAMILY, support_request.organisation_id, request=request)
    return _propose(pool, request, k=k, use_model=use_model)


def proposals_for_buddy_request(
    buddy_request: BuddyRequest,
    *,
    kind: str | tuple[str, ...] | None = None,
    organisation_id: int | Iterable[int] | None = None,
    k: int = 10,
    use_model: bool = True,
) -> list[Proposal]:
    """The k best volunteers of a kind (by default buddies, and plus-buddies for a young person of 16 or older:
    `buddy_kinds`) for a young person waiting for a buddy: of the organisations given, or of all when none are
    given (a buddy request names no volunteer organisation; the proposal rounds ask `buddy_organisation_ids`).
    Read-only and not a permission check."""
    request = buddy_request_to_request(buddy_request)
    pool = candidate_pool(kind or buddy_kinds(buddy_request.young_person), organisation_id, request=request)
    return _propose(pool, request, k=k, use_model=use_model)


def broker_request_to_request(broker_request: BrokerRequest, *, on: date | None = None) -> Request:
    """A case's request for a social broker as the engine reads it: the young person's place, age and languages,
    and what the broker should help with (`purpose`, in the family's words) as the needs and interests to compare
    with the broker's experience and interests. Brokers who said no before, or are already in its rounds, are
    excluded. ValueError when the young person's place has no coordinates."""
    today = on or timezone.localdate()
    request = young_person_to_request(
        broker_request.case.young_person,
        request_id=broker_request.pk,
        waiting_days=(today - broker_request.asked_on).days,
        on=today,
        excluded_ids=excluded_for_broker(broker_request.case_id, broker_request.pk),
    )
    return replace(request, needs=needs_in(broker_request.purpose), interests=broker_request.purpose)


def proposals_for_broker_request(
    broker_request: BrokerRequest, *, organisation_id: int | Iterable[int], k: int = 10
) -> list[Proposal]:
    """The k best social brokers of the organisations given (the team's pool:
    community.brokers.selectors.broker_pool_organisation_ids) for a family waiting for a broker. A broker's places are
    taken by open broker requests, support-family matches and buddy mentorships (`candidates`). The rule score
    alone ranks them: the fit model learned how long support-family matches lasted, which says nothing about a broker
    who links a family to its neighbourhood, so it would add a reason ("similar matches often lasted...") that is
    not true for brokers. Read-only and not a permission check."""
    request = broker_request_to_request(broker_request)
    pool = candidate_pool(VolunteerKind.SOCIAL_BROKER, organisation_id, request=request)
    return _propose(pool, request, k=k, use_model=False)


def history_from_database(*, on: date | None = None) -> History:
    """Past support-family matches whose outcome is known: lasted (ran LASTED_DAYS days or more, finished or
    still running) or not (finished sooner). Matches that never started, or run shorter so far, are left out.
    The features are computed from the request and the family as they are now: the past is not versioned."""
    today = on or timezone.localdate()
    matches = list(
        SupportFamilyMatch.objects.filter(started_on__isnull=False)
        .select_related("request__case__young_person")
        .order_by("pk")
    )
    known = []
    for match in matches:
        assert match.started_on is not None
        days = ((match.ended_on or today) - match.started_on).days
        if days >= LASTED_DAYS:
            known.append((match, 1))
        elif match.state in (State.ENDED, State.STOPPED):
            known.append((match, 0))
    pool = pool_of(Volunteer.objects.filter(pk__in={m.volunteer_id for m, _lasted in known}), on=today)
    pairs = []
    for match, lasted in known:
        try:
            request = support_request_to_request(match.request, on=match.started_on)
        except ValueError:
            continue
        pairs.append((request, match.volunteer_id, lasted))
    return history_from_pairs(pool, pairs, source="database")


def waiting_support_requests(organisation_id: int) -> Iterable[SupportRequest]:
    """The organisation's waiting list, oldest first, ready for `support_request_to_request`."""
    return (
        SupportRequest.objects.filter(organisation_id=organisation_id, status=SupportRequest.Status.WAITING)
        .select_related("case__young_person")
        .order_by("created_at", "pk")
    )
