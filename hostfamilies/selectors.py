"""Reads of support requests and support-family matches.

Who sees a match: the coordinators of the request's organisation, the professionals assigned to the request's
case, the parents and guardians with custody of the case's young person, and the support family (the volunteer
of the match). Each of them may make some move while the match is open (at least stop it, states.py), so those
who see an open match may also write to it; a finished match is read-only for everyone.

Who sees a request: its organisation's coordinators, the case's professionals and the custodial parents; all of
them may correct it or withdraw it (the family corrects what is recorded about them). Only the coordinators
propose a support family (`support_families_to_propose`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, F, IntegerField, Model, OrderBy, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import AnyUser
from core.paging import words_in
from core.selectors import object_get_for
from hostfamilies.models import VISIT_FIELDS, MatchReview, SupportFamilyMatch, SupportRequest
from hostfamilies.states import (
    FINISHED_STATES,
    MATCH_PARTIES,
    OPEN_STATES,
    REQUEST_PARTIES,
    VISIT_RECORDERS,
    Move,
    Party,
    State,
    Visit,
    moves_from,
)
from messaging.models import Conversation
from volunteers.models import Volunteer, VolunteerKind
from volunteers.selectors import volunteer_readiness, with_readiness_data
from youth.parties import (
    Support,
    access_basis,
    coordinated_organisation_ids,
    coordinates,
    parties_filter,
    parties_of,
    party_users,
)
from youth.selectors import case_access_bases, youngperson_own_or_in_custody

__all__ = [
    "OPEN_STATES",
    "VisitRecord",
    "match_access_basis",
    "match_agreement_may_propose",
    "match_get_for",
    "match_list_for",
    "match_moves_for",
    "match_parties",
    "match_party_users",
    "match_reviews",
    "match_visible_to",
    "match_visits",
    "match_visits_may_record",
    "match_writable_by",
    "open_match_counts",
    "overview_access_bases",
    "support_families_to_propose",
    "supportrequest_get_for",
    "supportrequest_list_for",
    "supportrequest_visible_to",
    "supportrequest_writable_by",
    "waiting_list_positions",
]


def _by_part(model: type[Model], user: AnyUser, parts: Iterable[Party], *, on: str = "pk", **paths: Any) -> Q | None:
    """`parties_filter` of `parts` on `model`, one subquery of `model` ids per part, OR-ed, as a filter on the
    field `on` (the id itself, or a foreign key to `model`): the same rows as the single filter, but each part is
    planned on its own. Written so because the single filter ORs conditions on several joined tables (the
    request's organisation, the case's young person, the volunteer's user): PostgreSQL then joins every case and
    every volunteer before it can filter (on a region the overview's matches took 18 ms and their count 5 ms for a
    coordinator). None when the user takes none of the parts."""
    scope: Q | None = None
    for part in sorted(parts):
        condition = parties_filter(user, [part], **paths)
        if condition is not None:
            ids = Q(**{f"{on}__in": model._default_manager.filter(condition).values("pk")})
            scope = ids if scope is None else scope | ids
    return scope


def _request_scope(user: AnyUser) -> Q | None:
    """The requests the user takes part in (coordinator of the request's organisation, professional of its case,
    parent with custody), as a filter on SupportRequest; None when there are none."""
    return _by_part(SupportRequest, user, REQUEST_PARTIES, case="case", organisation="organisation_id")


def supportrequest_visible_to(user: AnyUser) -> QuerySet[SupportRequest]:
    """Requests the user works on, and those for their own children (with custody)."""
    if not user.is_authenticated:
        return SupportRequest.objects.none()
    scope = _request_scope(user)
    return SupportRequest.objects.none() if scope is None else SupportRequest.objects.filter(scope)


def supportrequest_writable_by(user: AnyUser) -> QuerySet[SupportRequest]:
    """Requests the user may correct or withdraw: every request they see (see the module docstring)."""
    return supportrequest_visible_to(user)


def waiting_list_positions(requests: Iterable[SupportRequest]) -> dict[int, tuple[int, int]]:
    """For each waiting request among `requests`: (its place on its organisation's waiting list, how many wait
    there), oldest first. One query for any number of requests; requests that do not wait are left out."""
    waiting = [r for r in requests if r.status == SupportRequest.Status.WAITING]
    if not waiting:
        return {}
    queue: dict[int, list[int]] = {}
    rows = (
        SupportRequest.objects.filter(
            status=SupportRequest.Status.WAITING, organisation_id__in={r.organisation_id for r in waiting}
        )
        .order_by("created_at", "pk")
        .values_list("organisation_id", "pk")
    )
    for organisation_id, pk in rows:
        queue.setdefault(organisation_id, []).append(pk)
    return {
        r.pk: (queue[r.organisation_id].index(r.pk) + 1, len(queue[r.organisation_id]))
        for r in waiting
        if r.pk in queue.get(r.organisation_id, [])
    }


# The filters of the overview's lists (hostfamilies.forms.OverviewSearchForm): the empty value is the default.
REQUESTS_WAITING, REQUESTS_ALL = "", "all"
MATCHES_OPEN, MATCHES_FINISHED, MATCHES_ALL = "", "finished", "all"

_REQUEST_STATUS_RANK = SqlCase(
    When(status=SupportRequest.Status.WAITING, then=Value(0)),
    When(status=SupportRequest.Status.MATCHED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _waiting_count(rows: QuerySet[SupportRequest]) -> Subquery:
    """How many of `rows` (correlated to the outer request) wait: a count in one subquery per listed row, so the
    place on the waiting list costs no query and no rows of its own, however long the list."""
    counted = rows.filter(status=SupportRequest.Status.WAITING).order_by().values("organisation_id")
    return Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def supportrequest_list_for(
    user: AnyUser,
    *,
    status: str = REQUESTS_WAITING,
    asked_before: date | None = None,
    organisation_id: int | None = None,
    search: str = "",
) -> QuerySet[SupportRequest]:
    """The requests of the overview: those the user sees with `status` (empty: the waiting ones; "all": every
    one), asked before `asked_before`, of one organisation, with every word of `search` in the child's name or
    the family's place. Waiting ones first, the longest waiting first; then the others, newest first. Each with
    `waiting_place` and `waiting_total` (its place on its organisation's waiting list, None when it does not wait).
    """
    requests = supportrequest_visible_to(user)
    order: tuple[str | OrderBy, ...] = (
        "status_rank",
        F("waiting_since").asc(nulls_last=True),
        "-created_at",
        "-pk",
    )
    if status != REQUESTS_ALL:
        status = status or SupportRequest.Status.WAITING
        requests = requests.filter(status=status)
        # With one status the order above comes down to the dates: the waiting ones the longest waiting first
        # (their `waiting_since` is `created_at`), the others newest first. Said so, the page is read in the
        # order of the (status, created_at, -id) index instead of sorting every request of the status first.
        order = ("created_at", "-pk") if status == SupportRequest.Status.WAITING else ("-created_at", "-pk")
    if asked_before is not None:
        requests = requests.filter(created_at__date__lt=asked_before)
    if organisation_id is not None:
        requests = requests.filter(organisation_id=organisation_id)
    requests = words_in(
        requests, search, ["case__young_person__first_name", "case__young_person__last_name", "home_place"]
    )
    same_list = SupportRequest.objects.filter(organisation_id=OuterRef("organisation_id"))
    # `created_at__lte` adds nothing to the rule; it bounds the range of the (organisation, status, created_at)
    # index, which the OR alone does not.
    ahead = same_list.filter(created_at__lte=OuterRef("created_at")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    waits = Q(status=SupportRequest.Status.WAITING)
    return (
        requests.select_related("case__young_person", "case__organisation", "organisation")
        .annotate(
            status_rank=_REQUEST_STATUS_RANK,
            waiting_place=SqlCase(When(waits, then=Coalesce(_waiting_count(ahead), 0) + 1)),
            waiting_total=SqlCase(When(waits, then=_waiting_count(same_list))),
            waiting_since=SqlCase(When(waits, then=F("created_at"))),
        )
        .order_by(*order)
    )


def asked_before_days(days: int) -> date:
    """The day before which a request was asked to be waiting longer than `days` days (the overview's filter)."""
    return timezone.localdate() - timedelta(days=days)


def supportrequest_get_for(user: AnyUser, pk: int, write: bool = False) -> SupportRequest:
    """One request: 404 when invisible to the user, 403 when `write` is asked and the user only reads."""
    visible = supportrequest_visible_to(user).select_related("case__young_person", "organisation")
    return object_get_for(visible, supportrequest_writable_by(user), pk, write=write)


def match_visible_to(user: AnyUser) -> QuerySet[SupportFamilyMatch]:
    """Matches the user takes part in: through the request (coordinator, professional, custodial parent) or as
    the support family."""
    if not user.is_authenticated:
        return SupportFamilyMatch.objects.none()
    # The parts through the request are found as for the request itself (the same paths from the request on);
    # the support family through the volunteer. Each as a subquery of ids on the match's own columns (`_by_part`).
    through_request = _by_part(
        SupportRequest, user, MATCH_PARTIES & REQUEST_PARTIES, on="request", case="case", organisation="organisation_id"
    )
    as_family = _by_part(
        Volunteer,
        user,
        MATCH_PARTIES - REQUEST_PARTIES,
        on="volunteer",
        case="",
        holders={Party.SUPPORT_FAMILY: "user_id"},
    )
    if through_request is None or as_family is None:
        scope = through_request or as_family
        return SupportFamilyMatch.objects.none() if scope is None else SupportFamilyMatch.objects.filter(scope)
    return SupportFamilyMatch.objects.filter(through_request | as_family)


def match_writable_by(user: AnyUser) -> QuerySet[SupportFamilyMatch]:
    """Matches on which the user may make some move: every visible match that is still open."""
    return match_visible_to(user).filter(state__in=OPEN_STATES)


def match_list_for(
    user: AnyUser, *, state: str = MATCHES_OPEN, organisation_id: int | None = None, search: str = ""
) -> QuerySet[SupportFamilyMatch]:
    """The matches of the overview: those the user sees in `state` (empty: every open one; "finished": ended or
    stopped; "all"; or one step of states.State), of one organisation (the request's), with every word of
    `search` in the child's first name, the support family's name or the family's place. Newest first."""
    matches = match_visible_to(user)
    if state == MATCHES_OPEN:
        matches = matches.filter(state__in=OPEN_STATES)
    elif state == MATCHES_FINISHED:
        matches = matches.filter(state__in=sorted(FINISHED_STATES))
    elif state != MATCHES_ALL:
        matches = matches.filter(state=state)
    if organisation_id is not None:
        matches = matches.filter(request__organisation_id=organisation_id)
    matches = words_in(
        matches,
        search,
        [
            "request__case__young_person__first_name",
            "request__home_place",
            "volunteer__user__first_name",
            "volunteer__user__last_name",
        ],
    )
    return matches.select_related(
        "request__case__young_person",
        "request__case__organisation",
        "request__organisation",
        "volunteer__user",
        "volunteer__organisation",
    ).order_by("-created_at", "-pk")


def match_get_for(user: AnyUser, pk: int, write: bool = False) -> SupportFamilyMatch:
    """One match: 404 when invisible to the user, 403 when `write` is asked and the user can make no move on it."""
    visible = match_visible_to(user).select_related(
        "request__case__young_person",
        "request__organisation",
        "volunteer__user",
        *(by for _on, by in VISIT_FIELDS.values()),
    )
    return object_get_for(visible, match_writable_by(user), pk, write=write)


def match_support(match: SupportFamilyMatch) -> Support:
    """The match as a support on its request's case (youth.parties): run by the request's organisation, held by
    the support family (the volunteer of the match)."""
    return Support(
        organisation_id=match.request.organisation_id, holders={Party.SUPPORT_FAMILY: match.volunteer.user_id}
    )


def match_parties(user: AnyUser, match: SupportFamilyMatch) -> set[Party]:
    """Every part through which the user takes part in this match (empty for anyone else), as youth.parties
    derives them."""
    return parties_of(user, match.request.case, match_support(match), among=MATCH_PARTIES)


def match_moves_for(user: AnyUser, match: SupportFamilyMatch) -> list[Move]:
    """The moves the user may make on the match now (for buttons); a yes already recorded is left out."""
    parties = match_parties(user, match)
    recorded = {"family": match.family_yes_at is not None, "host": match.host_yes_at is not None}
    return [
        move
        for move in moves_from(match.state)
        if parties & move.parties and not (move.records_yes and recorded[move.records_yes])
    ]


# The match has agreements from its approval until it ends; the first version is written by these parties, and
# reviews are recorded by them.
AGREEMENT_STATES: frozenset[str] = frozenset({State.APPROVED, State.TRIAL, State.ACTIVE})
REVIEWERS: frozenset[Party] = frozenset({Party.COORDINATOR, Party.PROFESSIONAL})


def match_agreement_may_propose(parties: set[Party], state: str, *, has_agreement: bool) -> bool:
    """Whether someone taking part through `parties` may propose a version of the agreements now: the first one
    a coordinator or the professional, any later change every party. Pure: the caller passes what it read."""
    if state not in AGREEMENT_STATES or not parties:
        return False
    return has_agreement or bool(parties & REVIEWERS)


def conversation_members(conversation: Conversation) -> list[tuple[User, str]]:
    """Who takes part in a match's group conversation (the parents, the support family, the coordinators), as
    (user, party): registered with messaging in HostfamiliesConfig.ready()."""
    match = SupportFamilyMatch.objects.select_related("request__case", "volunteer").get(pk=conversation.match_id or 0)
    family = match_party_users(match)
    members = [(user, "parent") for user in family[Party.PARENT]]
    members += [(user, "volunteer") for user in family[Party.SUPPORT_FAMILY]]
    members += [(user, "coordinator") for user in family[Party.COORDINATOR]]
    return members


def match_party_users(match: SupportFamilyMatch) -> dict[Party, list[User]]:
    """The active users who take part in the match, per party (the same rules as `match_parties`): for notices and
    for who must agree to the agreements. Four queries; the match must come with `request__case` and `volunteer`."""
    return party_users(
        match.request.case,
        (Party.COORDINATOR, Party.PROFESSIONAL, Party.PARENT, Party.SUPPORT_FAMILY),
        match_support(match),
    )


def match_reviews(match: SupportFamilyMatch) -> tuple[MatchReview | None, list[MatchReview]]:
    """The planned review (or None) and the held ones, newest first. One query."""
    reviews = list(match.reviews.select_related("recorded_by").order_by("-due_on", "-pk"))
    planned = next((review for review in reviews if review.held_on is None), None)
    return planned, [review for review in reviews if review.held_on is not None]


@dataclass(frozen=True)
class VisitRecord:
    """One introduction visit as the match page shows it: not yet recorded when `on` is None."""

    visit: Visit
    on: date | None
    recorded_by: User | None


def match_visits(match: SupportFamilyMatch) -> list[VisitRecord]:
    """The three introduction visits of the match, in the order they usually happen. No query when the match
    comes from `match_get_for` (which joins who recorded them)."""
    return [
        VisitRecord(visit=Visit(visit), on=getattr(match, on), recorded_by=getattr(match, by))
        for visit, (on, by) in VISIT_FIELDS.items()
    ]


def match_visits_may_record(parties: set[Party], state: str) -> bool:
    """Whether someone taking part through `parties` may record introduction visits now: a coordinator of the
    request's organisation, while the match is at the introduction step. Pure: the caller passes what it read."""
    return state == State.INTRODUCTION and bool(parties & VISIT_RECORDERS)


def open_match_counts(volunteer_ids: Iterable[int]) -> dict[int, int]:
    """How many matches in OPEN_STATES each volunteer has: every id asked for is a key (0 when none).

    One query for any number of volunteers (none for an empty list), so matching can check the capacity of a
    whole list of candidates. Not a lock: a service that takes a place re-counts under a row lock.
    """
    ids = list(dict.fromkeys(volunteer_ids))
    if not ids:
        return {}
    counts = dict(
        SupportFamilyMatch.objects.filter(volunteer_id__in=ids, state__in=OPEN_STATES)
        .order_by()
        .values("volunteer_id")
        .annotate(count=Count("pk"))
        .values_list("volunteer_id", "count")
    )
    return {volunteer_id: counts.get(volunteer_id, 0) for volunteer_id in ids}


def support_families_to_propose(user: AnyUser, request: SupportRequest) -> QuerySet[Volunteer] | None:
    """The support families a coordinator of the request's organisation can propose: that organisation's matchable
    support families with room left, without pets when a child is allergic and without smoking when the family
    asked for a smoke-free home. None for anyone who may not propose. (Ranking by distance and fit is the matching
    engine's work; this is the list of who is possible at all.)"""
    if not coordinates(user, request.organisation_id):
        return None
    possible = Volunteer.objects.filter(
        organisation_id=request.organisation_id, roles__kind=VolunteerKind.SUPPORT_FAMILY
    )
    if request.pet_allergy:
        possible = possible.exclude(household__pets__gt="")
    if request.smoke_free:
        possible = possible.exclude(household__smoking=True)
    families = list(with_readiness_data(possible))
    taken = open_match_counts(f.pk for f in families)
    ready = [f.pk for f in families if volunteer_readiness(f, open_matches=taken[f.pk]).matchable]
    return Volunteer.objects.filter(pk__in=ready)


def overview_access_bases(
    user: AnyUser, requests: list[SupportRequest], matches: list[SupportFamilyMatch]
) -> list[tuple[int, tuple[str, str]]]:
    """For the access log of a list of requests and matches: (young person id, (role, organisation)) per row, as
    `match_access_basis` says for one match: a coordinator of the support organisation through the request, the
    case's professionals and parents through the case, the support family through its own organisation. A few
    queries for any number of rows; requests and matches must come with their case, organisations and volunteer."""
    coordinated = set(coordinated_organisation_ids(user))
    # Only the rows the user does not coordinate are asked about their case: a coordinator's page of their own
    # organisation's rows asks nothing (the question reads the cases the user works on, 6 ms on a region).
    by_case = case_access_bases(
        user,
        [r.case for r in requests if r.organisation_id not in coordinated]
        + [m.request.case for m in matches if m.request.organisation_id not in coordinated],
    )

    def request_basis(request: SupportRequest) -> tuple[str, str]:
        if request.organisation_id in coordinated:
            return Role.COORDINATOR, request.organisation.name
        return by_case[request.case_id]

    # Custody is asked only about the young people of the matches seen as "parent" (below), not about every child
    # the user could be a parent of: that reads the region's young people (6 ms for a coordinator), this a few rows.
    # None such (a coordinator's or professional's page): no query.
    maybe_parent = {m.request.case.young_person_id for m in matches if request_basis(m.request)[0] == Role.PARENT}
    in_custody: set[int] = set()
    if maybe_parent:
        in_custody = set(youngperson_own_or_in_custody(user).filter(pk__in=maybe_parent).values_list("pk", flat=True))

    def match_basis(match: SupportFamilyMatch) -> tuple[str, str]:
        basis = request_basis(match.request)
        if basis[0] != Role.PARENT or match.request.case.young_person_id in in_custody:
            return basis
        # case_access_bases says "parent" for anyone who does not work on the case: here, the support family.
        return Role.VOLUNTEER, match.volunteer.organisation.name

    return [(r.case.young_person_id, request_basis(r)) for r in requests] + [
        (m.request.case.young_person_id, match_basis(m)) for m in matches
    ]


def match_access_basis(match: SupportFamilyMatch, parties: set[Party]) -> tuple[str, str]:
    """The role and organisation through which a party sees the match's young person, for the access log."""
    return access_basis(
        parties,
        case_organisation=lambda: match.request.case.organisation.name,
        running_organisation=lambda: match.request.organisation.name,
        volunteer_organisation=lambda: match.volunteer.organisation.name,
    )


def support_family_ids_for(young_person_id: int) -> list[int]:
    """The users who are the support family of an open match of the young person: a support part for
    youth.parties.supporters_of. One query."""
    return list(
        SupportFamilyMatch.objects.filter(
            request__case__young_person_id=young_person_id, state__in=OPEN_STATES
        ).values_list("volunteer__user_id", flat=True)
    )
