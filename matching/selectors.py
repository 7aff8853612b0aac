"""Reads of proposal rounds.

A round is for a family's support request (support families, handled by the request's organisation), for a young
person's request for a buddy (buddies and plus-buddies, handled by the case's organisation) or for a case's request
for a social broker (brokers of the team's pool, handled by the case's organisation): `RoundRequest` gives the
three one face, so every read, write and page below serves all of them.

Who sees a proposal: the coordinators of the request's organisation and the professionals assigned to the
request's case (everything, with the engine's scores); the family — the custodial parents, and the young person
from 12 with an account — once it was shown to them, anonymised by the pages; the volunteer once the family chose
them. Who may act on it: the coordinator and the professional while it is on its way (exclude, approve), the
family while it is shown (choose), the volunteer while asked (accept or decline).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, User
from accounts.selectors import AnyUser
from community.brokers.selectors import brokerrequest_get_for
from community.models import BrokerRequest
from core.selectors import object_get_for
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.selectors import supportrequest_get_for
from matching.engine import FACTOR_LABELS, Assignment, Comparison, compare_assignments
from matching.features import candidate_pool, support_requests_to_requests, waiting_support_requests
from matching.model import load_current
from matching.models import (
    FAMILY_STATUSES,
    LIVE_STATUSES,
    VOLUNTEER_STATUSES,
    Proposal,
    ProposalStatus,
    WaitingListPlan,
)
from training.models import CourseCompletion
from volunteers.models import (
    AvailabilitySlot,
    HomeVisit,
    Household,
    Intake,
    Outcome,
    Reference,
    VogCheck,
    Volunteer,
    VolunteerKind,
)
from youth.ages import CONSENT_OWN_AGE, born_by
from youth.models import BuddyRequest, Case, YoungPerson
from youth.parties import (
    STAFF_PARTS,
    Party,
    Support,
    coordinated_organisation_ids,
    coordinates,
    family_young_people,
    parties_filter,
    parties_of,
    party_users,
)
from youth.selectors import case_writable_by

# Where a request for a buddy is shown: the young person's network map, where it was asked for; a request for a
# social broker has a page of its own.
BUDDY_BACK_URL = "youth:network_map"
BROKER_BACK_URL = "community:brokerrequest_detail"
# Lower case: read inside a sentence ("Status: waiting for a social broker").
BROKER_WAITING = gettext_lazy("waiting for a social broker")
BROKER_LINKED = gettext_lazy("a social broker is linked")
BROKER_REQUEST_ENDED = gettext_lazy("ended")

BUDDY = "buddy"
BROKER = "broker"
SUPPORT = "support"


@dataclass(frozen=True)
class RoundRequest:
    """What a proposal round is for: a family's support request, a young person's request for a buddy, or a case's
    request for a social broker. The request must come with `case__young_person` (and `case__organisation` or
    `organisation` for the name)."""

    request: SupportRequest | BuddyRequest | BrokerRequest

    @property
    def is_buddy(self) -> bool:
        return isinstance(self.request, BuddyRequest)

    @property
    def is_broker(self) -> bool:
        return isinstance(self.request, BrokerRequest)

    @property
    def kind(self) -> str:
        if isinstance(self.request, BuddyRequest):
            return BUDDY
        if isinstance(self.request, BrokerRequest):
            return BROKER
        return SUPPORT

    @property
    def model(self) -> type[SupportRequest] | type[BuddyRequest] | type[BrokerRequest]:
        return type(self.request)

    @property
    def pk(self) -> int:
        return self.request.pk

    @property
    def case(self) -> Case:
        return self.request.case

    @property
    def case_id(self) -> int:
        return self.request.case_id

    @property
    def young_person(self) -> YoungPerson:
        return self.request.case.young_person

    @property
    def organisation_id(self) -> int:
        """The organisation whose coordinators run the rounds: the support request's organisation (whose support
        families are proposed), or else the case's organisation."""
        if isinstance(self.request, SupportRequest):
            return self.request.organisation_id
        return self.request.case.organisation_id

    @property
    def organisation_name(self) -> str:
        if isinstance(self.request, SupportRequest):
            return self.request.organisation.name
        return self.request.case.organisation.name

    @property
    def is_waiting(self) -> bool:
        """Still looking: a broker request is waiting while it is open and has no broker linked."""
        if isinstance(self.request, BrokerRequest):
            return self.request.is_open and self.request.broker_id is None
        return self.request.status == "waiting"

    @property
    def status_label(self) -> str:
        if isinstance(self.request, BrokerRequest):
            if not self.request.is_open:
                return str(BROKER_REQUEST_ENDED)
            return str(BROKER_WAITING if self.request.broker_id is None else BROKER_LINKED)
        return self.request.get_status_display()

    @property
    def field(self) -> str:
        """The proposal's foreign key that points at this request."""
        return {BUDDY: "buddy_request", BROKER: "broker_request", SUPPORT: "support_request"}[self.kind]

    def proposals(self) -> QuerySet[Proposal]:
        return Proposal.objects.filter(**{f"{self.field}_id": self.pk})

    def path(self, name: str = "round") -> str:
        """The page of this round: round, round_suggest, round_show or choose."""
        prefix = "" if self.kind == SUPPORT else f"{self.kind}_"
        return reverse(f"matching:{prefix}{name}", args=[self.pk])

    @property
    def round_path(self) -> str:
        return self.path("round")

    @property
    def suggest_path(self) -> str:
        return self.path("round_suggest")

    @property
    def show_path(self) -> str:
        return self.path("round_show")

    @property
    def choose_path(self) -> str:
        return self.path("choose")

    @property
    def back_path(self) -> str:
        """Where the request itself is shown: the support request's page, the young person's network map, or the
        broker request's page."""
        if isinstance(self.request, SupportRequest):
            return reverse("hostfamilies:request_detail", args=[self.pk])
        if isinstance(self.request, BrokerRequest):
            return reverse(BROKER_BACK_URL, args=[self.pk])
        return reverse(BUDDY_BACK_URL, args=[self.request.young_person_id])


AnyRequest = SupportRequest | BuddyRequest | BrokerRequest


def as_round(request: AnyRequest | RoundRequest) -> RoundRequest:
    return request if isinstance(request, RoundRequest) else RoundRequest(request)


def round_of(proposal: Proposal) -> RoundRequest:
    """The round a proposal belongs to (one query when its request was not selected with it)."""
    if proposal.buddy_request_id is not None:
        assert proposal.buddy_request is not None
        return RoundRequest(proposal.buddy_request)
    if proposal.broker_request_id is not None:
        assert proposal.broker_request is not None
        return RoundRequest(proposal.broker_request)
    assert proposal.support_request is not None
    return RoundRequest(proposal.support_request)


def _staff_scope(user: AnyUser) -> Q | None:
    """The proposals the user works on: as coordinator of the organisation that runs the request (a support
    request's own organisation, a buddy or broker request's case's organisation) or as the professional of the
    case (youth.parties)."""
    scope: Q | None = None
    for organisation in (
        "support_request__organisation_id",
        "buddy_request__case__organisation_id",
        "broker_request__case__organisation_id",
    ):
        coordinated = parties_filter(user, {Party.COORDINATOR}, case="case", organisation=organisation)
        if coordinated is not None:
            scope = coordinated if scope is None else scope | coordinated
    assigned = parties_filter(user, {Party.PROFESSIONAL}, case="case")
    if assigned is not None:
        scope = assigned if scope is None else scope | assigned
    return scope


def _family_scope(user: AnyUser) -> Q:
    """The cases where the user chooses as family: custodial parent, or the young person from the age at which
    their own yes is needed (CONSENT_OWN_AGE, 12)."""
    # One set of young people (a UNION), not "in custody OR own and old enough": PostgreSQL walked every case of a
    # region for that OR (21-27 ms on the family's home page, issue #23).
    family = family_young_people(user, (Party.PARENT, Party.YOUNG_PERSON), own_born_by=born_by(CONSENT_OWN_AGE))
    return Q(pk__in=[]) if family is None else Q(case__young_person_id__in=family)


def proposal_visible_to(user: AnyUser) -> QuerySet[Proposal]:
    """Proposals the user may read (see the module docstring)."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    scope = (_family_scope(user) & Q(status__in=FAMILY_STATUSES)) | Q(
        volunteer__user_id=user.pk, status__in=VOLUNTEER_STATUSES
    )
    staff = _staff_scope(user)
    if staff is not None:
        scope |= staff
    return Proposal.objects.filter(scope)


def proposal_writable_by(user: AnyUser) -> QuerySet[Proposal]:
    """Proposals on which the user may act now."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    scope = (_family_scope(user) & Q(status=ProposalStatus.SHOWN)) | Q(
        volunteer__user_id=user.pk, status=ProposalStatus.ASKED
    )
    staff = _staff_scope(user)
    if staff is not None:
        scope |= staff & Q(status__in=LIVE_STATUSES)
    return Proposal.objects.filter(scope)


def proposal_choosable_by(user: AnyUser) -> QuerySet[Proposal]:
    """Proposals the user may choose, or set aside by asking for others: shown to their own family."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    return Proposal.objects.filter(_family_scope(user), status=ProposalStatus.SHOWN)


def proposal_get_for(user: AnyUser, pk: int, write: bool = False) -> Proposal:
    """One proposal: 404 when invisible to the user, 403 when `write` is asked and the user may not act on it."""
    visible = proposal_visible_to(user).select_related(
        "support_request__organisation",
        "support_request__case__young_person",
        "buddy_request__case__organisation",
        "buddy_request__case__young_person",
        "broker_request__case__organisation",
        "broker_request__case__young_person",
        "case__young_person",
        "volunteer__user",
        "volunteer__household",
    )
    return object_get_for(visible, proposal_writable_by(user), pk, write=write)


def proposal_is_staff(user: AnyUser, request: AnyRequest | RoundRequest) -> bool:
    """Whether the user works on the request's proposals: a coordinator of its organisation or the professional of
    its case (they see scores and may approve)."""
    found = as_round(request)
    return bool(parties_of(user, found.case, Support(organisation_id=found.organisation_id), among=STAFF_PARTS))


def proposal_is_coordinator(user: AnyUser, request: AnyRequest | RoundRequest) -> bool:
    return coordinates(user, as_round(request).organisation_id)


def _requests(kind: str) -> QuerySet[SupportRequest] | QuerySet[BuddyRequest] | QuerySet[BrokerRequest]:
    if kind == BUDDY:
        return BuddyRequest.objects.select_related("case__young_person", "case__organisation")
    if kind == BROKER:
        return BrokerRequest.objects.select_related("case__young_person", "case__organisation")
    return SupportRequest.objects.select_related("case__young_person", "organisation")


def proposal_family_request(user: AnyUser, pk: int, kind: str = SUPPORT) -> RoundRequest:
    """The request whose family page the user may open (custodial parent, or the young person from 12);
    404 for anyone else, the same answer as "does not exist"."""
    if not user.is_authenticated:
        raise Http404
    found = _requests(kind).filter(_family_scope(user), pk=pk).first()
    if found is None:
        raise Http404
    return RoundRequest(found)


def round_request_get_for(user: AnyUser, pk: int, kind: str = SUPPORT, write: bool = False) -> RoundRequest:
    """The request whose proposal round the user opens: 404 when they cannot see it, 403 when they see it but do not
    work on its proposals (a coordinator of its organisation or a professional of its case). `write` is checked by
    the services (only a coordinator makes a round)."""
    if kind == BUDDY:
        buddy_request = _requests(BUDDY).filter(case__in=case_writable_by(user).values("pk")).filter(pk=pk).first()
        if buddy_request is None:
            raise Http404
        found = RoundRequest(buddy_request)
    elif kind == BROKER:
        found = RoundRequest(brokerrequest_get_for(user, pk))
    else:
        found = RoundRequest(supportrequest_get_for(user, pk, write=write))
    if not proposal_is_staff(user, found):
        raise PermissionDenied
    return found


def proposal_round(request: AnyRequest | RoundRequest) -> list[Proposal]:
    """All proposals of a request, best first, with their volunteers; each gets `parts`: (label in the reader's
    language, contribution) per factor of its snapshot. One query."""
    proposals = list(
        as_round(request).proposals().select_related("volunteer__user", "decided_by").order_by("rank", "pk")
    )
    for proposal in proposals:
        proposal.parts = [  # type: ignore[attr-defined]
            (str(FACTOR_LABELS.get(part["factor"], part["label"])), part) for part in proposal.contributions
        ]
    return proposals


def proposal_family_rows(user: AnyUser, request: AnyRequest | RoundRequest) -> list[Proposal]:
    """What the family sees of the round: proposals shown to them and what became of them, with what the
    anonymised profile needs."""
    found = as_round(request)
    return list(
        proposal_visible_to(user)
        .filter(**{f"{found.field}_id": found.pk}, status__in=FAMILY_STATUSES)
        .select_related("volunteer__user", "volunteer__household")
        .prefetch_related("volunteer__household__members")
        .order_by("rank", "pk")
    )


@dataclass(frozen=True)
class Profile:
    """What the family may know of a proposed volunteer before a match is approved: no surname, address, postcode,
    phone or email, and nobody else in the household by name."""

    first_name: str
    place: str
    adults: int
    children_ages: list[int]
    pets: bool
    interests: str
    reasons: list[str]


def anonymised_profile(proposal: Proposal, today: date | None = None) -> Profile:
    """The anonymised profile of a proposal's volunteer (the volunteer must come with user and household)."""
    volunteer: Volunteer = proposal.volunteer
    year = (today or timezone.localdate()).year
    household = getattr(volunteer, "household", None)
    members = list(household.members.all()) if household else []
    adults = 1 + sum(1 for m in members if m.is_adult)
    children = sorted(year - m.birth_year for m in members if not m.is_adult and m.birth_year)
    children_without_year = sum(1 for m in members if not m.is_adult and not m.birth_year)
    return Profile(
        first_name=volunteer.user.first_name,
        place=volunteer.home_place,
        adults=adults,
        children_ages=children + [-1] * children_without_year,
        pets=bool(household and household.pets.strip()),
        interests=volunteer.interests,
        reasons=list(proposal.reasons),
    )


def request_people(request: AnyRequest | RoundRequest) -> dict[str, list[User]]:
    """Who hears of a proposal round: the family (custodial parents, the young person from 12 with an account),
    the coordinators of the request's organisation and the case's professionals. Four queries."""
    found = as_round(request)
    case = found.case
    young_person = case.young_person
    people = party_users(
        case,
        (Party.PARENT, Party.COORDINATOR, Party.PROFESSIONAL),
        Support(organisation_id=found.organisation_id),
        young_person=young_person,
    )
    family = people[Party.PARENT]
    if young_person.date_of_birth <= born_by(CONSENT_OWN_AGE):
        family += party_users(case, (Party.YOUNG_PERSON,), young_person=young_person)[Party.YOUNG_PERSON]
    return {"family": family, "coordinators": people[Party.COORDINATOR], "professionals": people[Party.PROFESSIONAL]}


def waiting_buddy_requests_for(user: AnyUser) -> QuerySet[BuddyRequest]:
    """The waiting requests for a buddy of the organisations where the user is a coordinator, oldest first."""
    return (
        BuddyRequest.objects.filter(
            case__organisation_id__in=coordinated_organisation_ids(user),
            status=BuddyRequest.Status.WAITING,
        )
        .select_related("young_person", "case__organisation")
        .order_by("requested_at", "pk")
    )


def waiting_broker_requests_for(user: AnyUser) -> QuerySet[BrokerRequest]:
    """The open requests for a social broker without a broker, of the organisations where the user is a
    coordinator, oldest first."""
    return (
        BrokerRequest.objects.filter(
            case__organisation_id__in=coordinated_organisation_ids(user),
            ended_on__isnull=True,
            broker__isnull=True,
        )
        .select_related("case__young_person", "case__organisation")
        .order_by("asked_on", "pk")
    )


def waiting_requests_for(user: AnyUser) -> QuerySet[SupportRequest]:
    """The waiting support requests of the organisations where the user is a coordinator, oldest first."""
    return SupportRequest.objects.filter(
        organisation_id__in=coordinated_organisation_ids(user), status=SupportRequest.Status.WAITING
    ).order_by("created_at", "pk")


# A stored plan older than this is computed again even when its fingerprint still matches: the fingerprint
# counts rows and reads change times, and an edit it cannot see (a volunteer's travel radius) waits at most this long.
PLAN_MAX_AGE = timedelta(hours=1)


def waiting_list_fingerprint(organisation_id: int, *, on: date | None = None) -> str:
    """`waiting_list_fingerprints` of one organisation."""
    return waiting_list_fingerprints([organisation_id], on=on)[organisation_id]


def _grouped(rows: QuerySet[Any], key: str, among: list[int], /, **aggregates: Any) -> dict[int, dict[str, Any]]:
    """`aggregates` of `rows` per organisation (`key`), for each of `among`: what `.aggregate(**aggregates)` gives
    for that organisation's rows alone, an empty set included (counts 0, sums and maxima None)."""
    found = {
        row.pop(key): row for row in rows.filter(**{f"{key}__in": among}).order_by().values(key).annotate(**aggregates)
    }
    empty = {name: 0 if isinstance(aggregate, Count) else None for name, aggregate in aggregates.items()}
    return {pk: found.get(pk, empty) for pk in among}


def waiting_list_fingerprints(organisation_ids: list[int], *, on: date | None = None) -> dict[int, str]:
    """A cheap summary, per organisation, of everything its waiting-list plan is computed from: its waiting support
    requests, its active support families and what makes them matchable (screening, training, availability), the
    matches and proposals that take their places or exclude them, the fit model's version and the day (waiting
    days and the validity of a VOG change with it). Equal fingerprints: the plan stands. Thirteen small grouped
    aggregate queries for any number of organisations of any size."""
    ids = list(dict.fromkeys(organisation_ids))
    if not ids:
        return {}
    today = on or timezone.localdate()
    accepted = (Outcome.POSITIVE, Outcome.DOUBTS)
    of_volunteers = "volunteer__organisation_id"
    fit = load_current()
    n, pks = Count("pk"), Sum("pk")
    # A match or proposal counts when the organisation's volunteer has it or its request is the organisation's:
    # read as two groups (each answered through an index, where one OR over two joins reads every row); a change
    # to a row of either changes the summary of the group it is in.
    columns: list[dict[int, dict[str, Any]]] = [
        _grouped(
            SupportRequest.objects.filter(status=SupportRequest.Status.WAITING),
            "organisation_id",
            ids,
            n=n,
            ids=pks,
            changed=Max("updated_at"),
        ),
        _grouped(
            Volunteer.objects.filter(status=Volunteer.Status.ACTIVE, roles__kind=VolunteerKind.SUPPORT_FAMILY),
            "organisation_id",
            ids,
            n=n,
            ids=pks,
            changed=Max("status_changed_at"),
        ),
        _grouped(SupportFamilyMatch.objects.all(), of_volunteers, ids, n=n, changed=Max("updated_at")),
        _grouped(SupportFamilyMatch.objects.all(), "request__organisation_id", ids, n=n, changed=Max("updated_at")),
        # Suggestions nobody but the coordinator saw neither exclude nor take a place: a new round changes nothing.
        _grouped(
            Proposal.objects.exclude(status=ProposalStatus.SUGGESTED),
            of_volunteers,
            ids,
            n=n,
            changed=Max("updated_at"),
        ),
        _grouped(
            Proposal.objects.exclude(status=ProposalStatus.SUGGESTED),
            "support_request__organisation_id",
            ids,
            n=n,
            changed=Max("updated_at"),
        ),
        _grouped(Intake.objects.filter(outcome__in=accepted), of_volunteers, ids, n=n),
        _grouped(HomeVisit.objects.filter(outcome__in=accepted), of_volunteers, ids, n=n),
        _grouped(Reference.objects.filter(outcome__in=accepted), of_volunteers, ids, n=n),
        _grouped(
            VogCheck.objects.all(), of_volunteers, ids, n=n, received=Max("received_on"), valid=Max("valid_until")
        ),
        _grouped(CourseCompletion.objects.all(), of_volunteers, ids, n=n, ids=pks),
        _grouped(AvailabilitySlot.objects.all(), of_volunteers, ids, n=n, ids=pks),
        _grouped(Household.objects.all(), of_volunteers, ids, n=n, beds=Sum("beds_for_stays")),
    ]
    return {
        pk: hashlib.sha256(
            repr(
                [today.isoformat(), fit.version if fit is not None else "", *(column[pk] for column in columns)]
            ).encode()
        ).hexdigest()
        for pk in ids
    }


def waiting_list_plan_result(organisation_id: int, *, on: date | None = None) -> dict[str, Any]:
    """The organisation's waiting list assigned globally (scipy) and the old way, on the same shortlists, as the
    JSON `WaitingListPlan.result` stores. Constant queries for any size (the pool from values queries, the
    requests in three); the assignment itself takes the time."""
    today = on or timezone.localdate()
    pool = candidate_pool(VolunteerKind.SUPPORT_FAMILY, organisation_id, on=today)
    waiting = list(waiting_support_requests(organisation_id))
    requests = support_requests_to_requests(waiting, on=today)
    comparison = compare_assignments(
        pool, list(requests.values()), max_open_proposals=settings.MATCHING_MAX_OPEN_PROPOSALS, model=load_current()
    )
    return {
        "requests": {
            str(pk): {
                "global": comparison.global_.pairs.get(pk),
                "first": comparison.first_come_first_served.pairs.get(pk),
            }
            for pk in requests
        },
        "without_place": len(waiting) - len(requests),
        "global": {"matched": comparison.global_.matched, "total_fit": comparison.global_.total_fit},
        "first_come_first_served": {
            "matched": comparison.first_come_first_served.matched,
            "total_fit": comparison.first_come_first_served.total_fit,
        },
    }


def waiting_list_plan_stored(organisation_id: int) -> WaitingListPlan | None:
    return WaitingListPlan.objects.filter(organisation_id=organisation_id).first()


def waiting_list_plan_is_current(plan: WaitingListPlan | None, fingerprint: str) -> bool:
    """Whether a stored plan was computed from these inputs, and recently enough (PLAN_MAX_AGE)."""
    return (
        plan is not None
        and plan.computed_at is not None
        and plan.fingerprint == fingerprint
        and plan.computed_at > timezone.now() - PLAN_MAX_AGE
    )


@dataclass(frozen=True)
class PlanRow:
    """One waiting request of the plan, as the page shows it: plain values, not model instances, since a region's
    list has hundreds of rows. The picks are the volunteers' accounts (their names)."""

    support_request_id: int
    young_person_id: int
    first_name: str
    home_place: str
    waiting_days: int
    global_pick: User | None
    first_come_pick: User | None


@dataclass(frozen=True)
class WaitingListPage:
    """The global assignment beside first-come-first-served for one organisation's waiting list, as last computed:
    a planning aid, not a decision (people choose through the proposal rounds). `computed_at` is None while the
    first one is being computed; `computing` says a newer one is on its way."""

    organisation_id: int
    organisation_name: str
    rows: list[PlanRow]
    without_place: int
    comparison: Comparison | None
    computed_at: datetime | None
    computing: bool

    @property
    def extra_matched(self) -> int:
        return self.comparison.extra_matched if self.comparison else 0

    @property
    def extra_fit(self) -> float:
        return self.comparison.extra_fit if self.comparison else 0.0


def waiting_list_organisations(user: AnyUser) -> list[Organisation]:
    """The organisations whose waiting list the user plans: where they are a coordinator, by name."""
    return list(Organisation.objects.filter(pk__in=coordinated_organisation_ids(user)).order_by("name", "pk"))


def _assignment(stored: dict[str, Any], key: str, pairs: dict[int, int]) -> Assignment:
    return Assignment(pairs, int(stored[key]["matched"]), float(stored[key]["total_fit"]))


def waiting_list_pages(
    organisations: list[Organisation], *, computing: set[int], plans: dict[int, WaitingListPlan]
) -> list[WaitingListPage]:
    """The stored `plans` of these organisations (as matching.services.waiting_list_plans_keep_current read them)
    over their waiting lists as they are now (a request that started waiting after the last computation shows no
    pick yet), oldest first. Three queries for any number of organisations, requests and volunteers."""
    today = timezone.localdate()
    ids = [organisation.pk for organisation in organisations]
    stored = {pk: plans[pk] for pk in ids if pk in plans}
    waiting: dict[int, list[tuple[int, str, datetime, int, str]]] = {pk: [] for pk in ids}
    for pk, organisation_id, home_place, created_at, young_person_id, first_name in (
        SupportRequest.objects.filter(organisation_id__in=ids, status=SupportRequest.Status.WAITING)
        .order_by("created_at", "pk")
        .values_list(
            "pk",
            "organisation_id",
            "home_place",
            "created_at",
            "case__young_person_id",
            "case__young_person__first_name",
        )
    ):
        waiting[organisation_id].append((pk, home_place, created_at, young_person_id, first_name))
    picked = {
        volunteer_id
        for plan in stored.values()
        if plan.computed_at is not None
        for row in plan.result.get("requests", {}).values()
        for volunteer_id in (row["global"], row["first"])
        if volunteer_id is not None
    }
    user_of = dict(Volunteer.objects.filter(pk__in=picked).values_list("pk", "user_id")) if picked else {}
    users = User.objects.only("first_name", "last_name", "email", "phone").in_bulk(user_of.values()) if picked else {}
    volunteers = {volunteer_id: users[user_id] for volunteer_id, user_id in user_of.items()}
    pages = []
    for organisation in organisations:
        plan = stored.get(organisation.pk)
        result = plan.result if plan is not None and plan.computed_at is not None else None
        picks: dict[str, dict[str, int | None]] = result["requests"] if result else {}
        comparison = None
        if result is not None:
            comparison = Comparison(
                _assignment(result, "global", {int(k): v["global"] for k, v in picks.items() if v["global"]}),
                _assignment(
                    result, "first_come_first_served", {int(k): v["first"] for k, v in picks.items() if v["first"]}
                ),
            )
        rows = []
        for pk, home_place, created_at, young_person_id, first_name in waiting[organisation.pk]:
            pick = picks.get(str(pk), {})
            global_id, first_id = pick.get("global"), pick.get("first")
            rows.append(
                PlanRow(
                    support_request_id=pk,
                    young_person_id=young_person_id,
                    first_name=first_name,
                    home_place=home_place,
                    waiting_days=(today - timezone.localdate(created_at)).days,
                    global_pick=volunteers.get(global_id) if global_id is not None else None,
                    first_come_pick=volunteers.get(first_id) if first_id is not None else None,
                )
            )
        pages.append(
            WaitingListPage(
                organisation_id=organisation.pk,
                organisation_name=organisation.name,
                rows=rows,
                without_place=int(result["without_place"]) if result else 0,
                comparison=comparison,
                computed_at=plan.computed_at if plan is not None else None,
                computing=organisation.pk in computing,
            )
        )
    return pages


def rounds_to_choose_for(user: AnyUser) -> list[RoundRequest]:
    """The rounds whose proposals are shown to the user's family and wait for its choice (a support family, a buddy
    or a social broker), oldest first, each with `case__young_person`: for the home page's "to do" list. The same
    rule as the choosing page (`proposal_choosable_by`). One query."""
    proposals = (
        proposal_choosable_by(user)
        .select_related(
            "support_request__case__young_person",
            "buddy_request__case__young_person",
            "broker_request__case__young_person",
        )
        .order_by("created_at", "pk")
    )
    rounds: dict[tuple[str, int], RoundRequest] = {}
    for proposal in proposals:
        found = round_of(proposal)
        rounds.setdefault((found.kind, found.pk), found)
    return list(rounds.values())


def proposals_asking(user: AnyUser) -> list[Proposal]:
    """The proposals on which a family chose this volunteer and that wait for their yes or no, oldest first, with
    `case` (whose young person decides whether the page is paused). One query."""
    if not user.is_authenticated:
        return []
    return list(
        proposal_writable_by(user)
        .filter(volunteer__user_id=user.pk, status=ProposalStatus.ASKED)
        .select_related("case")
        .order_by("updated_at", "pk")
    )
