"""Reads of the sociale kaart, and who may use it.

Who reads: professionals, coordinators and social brokers (volunteers registered as social broker, active, with
their screening done) read and search the whole directory: it is public information about organisations, not
about people, so no access-log rows are written. Parents, young people, mentors, analysts and other volunteers do
not use it here; a family gets the printed overview.
Who writes: coordinators, and such social brokers, add and update the entries of their own organisation.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from accounts.selectors import AnyUser, has_role
from community.models import REVIEW_AFTER, BrokerRequest, Referral, Resource, ResourceTheme
from core.geo import Place, distance_km
from core.selectors import object_get_for
from hostfamilies.selectors import open_match_counts
from messaging.models import Conversation
from messaging.services.membership import BROKER_CONVERSATION_FROM_AGE, case_professionals_of
from volunteers.models import Volunteer, VolunteerKind
from volunteers.selectors import volunteer_readiness, with_readiness_data
from youth.ages import age_on
from youth.parties import Party, access_basis, coordinated_organisation_ids, party_user_queryset
from youth.selectors import case_visible_to, case_writable_by

# How many entries a family's printed overview holds: one page.
PRINT_LIMIT = 8
KM_PER_DEGREE_LATITUDE = 111.2


def fold(text: str) -> str:
    """Lower case without accents ("Café" → "cafe"): how `Resource.search_text` and search terms are compared."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", plain.casefold()).strip()


def search_text_for(name: str, description: str) -> str:
    """What the free-text search looks in: name and description, folded."""
    return fold(f"{name} {description}")


def is_active_social_broker(user: AnyUser) -> bool:
    """Whether the user is a volunteer registered as social broker and active (one query). Screening is not
    checked here: that is `social_broker_organisation_ids`; this cheap test is for the menu."""
    if not user.is_authenticated:
        return False
    return Volunteer.objects.filter(
        user=user, status=Volunteer.Status.ACTIVE, roles__kind=VolunteerKind.SOCIAL_BROKER
    ).exists()


def social_broker_organisation_ids(user: AnyUser) -> list[int]:
    """The organisation of the user's volunteer profile when they are an active social broker whose screening is
    complete and valid (the same rule matching uses, `volunteer_readiness`); else nothing. Read once per request
    object, as every view and template asks."""
    if not user.is_authenticated:
        return []
    cached: list[int] | None = getattr(user, "_dichtbij_broker_orgs", None)
    if cached is not None:
        return cached
    found: list[int] = []
    if has_role(user, Role.VOLUNTEER) and is_active_social_broker(user):
        volunteer = with_readiness_data(Volunteer.objects.filter(user=user)).first()
        # Capacity is about matches, not about keeping the directory: count none.
        if volunteer is not None and not volunteer_readiness(volunteer, open_matches=0).screening_missing:
            found = [volunteer.organisation_id]
    user._dichtbij_broker_orgs = found  # type: ignore[attr-defined]
    return found


def can_read_directory(user: AnyUser) -> bool:
    """Professionals, coordinators and screened social brokers read the whole directory."""
    return has_role(user, Role.PROFESSIONAL, Role.COORDINATOR) or bool(social_broker_organisation_ids(user))


def organisation_ids_keeping(user: AnyUser) -> list[int]:
    """The organisations whose entries the user may add and update: as coordinator or as screened broker."""
    ids = coordinated_organisation_ids(user) + social_broker_organisation_ids(user)
    return sorted(set(ids))


def can_import(user: AnyUser) -> bool:
    """CSV import and export are coordinators' tools."""
    return bool(coordinated_organisation_ids(user))


def _with_display_data(resources: QuerySet[Resource]) -> QuerySet[Resource]:
    return resources.select_related("organisation", "municipality", "checked_by").prefetch_related(
        Prefetch("themes", queryset=ResourceTheme.objects.order_by("theme"))
    )


def resource_visible_to(user: AnyUser) -> QuerySet[Resource]:
    """The whole directory for those who may read it (see the module docstring); nothing for anyone else."""
    if not can_read_directory(user):
        return Resource.objects.none()
    return _with_display_data(Resource.objects.all())


def resource_writable_by(user: AnyUser) -> QuerySet[Resource]:
    """The entries of the organisations the user keeps the directory for."""
    return Resource.objects.filter(organisation_id__in=organisation_ids_keeping(user))


def resource_get_for(user: AnyUser, pk: int, write: bool = False) -> Resource:
    """One entry: 404 when invisible, 403 when `write` and it belongs to another organisation."""
    return object_get_for(resource_visible_to(user), resource_writable_by(user), pk, write=write)


def resource_due_for_review(user: AnyUser, *, today: date | None = None) -> QuerySet[Resource]:
    """Entries of the user's own organisations that nobody checked for a year, oldest check first."""
    today = today or timezone.localdate()
    due = resource_writable_by(user).filter(checked_on__lt=today - REVIEW_AFTER)
    return _with_display_data(due).order_by("checked_on", "pk")


@dataclass(frozen=True)
class Search:
    """What a search asks for. Every part is optional; `near` with `within_km` is a distance from a place."""

    text: str = ""
    theme: str = ""
    category: str = ""
    age: int | None = None
    near: Place | None = None
    within_km: float = 10.0


@dataclass(frozen=True)
class Hit:
    resource: Resource
    distance_km: float | None


def bounding_box(centre: Place, km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) around `centre` that holds every point within `km` (a little more)."""
    dlat = km / KM_PER_DEGREE_LATITUDE
    # Longitude degrees shrink towards the poles; the widest is at the latitude nearest the equator in the box.
    widest = max(math.cos(math.radians(min(abs(centre.latitude) + dlat, 89.9))), 0.01)
    dlon = km / (KM_PER_DEGREE_LATITUDE * widest)
    return centre.latitude - dlat, centre.latitude + dlat, centre.longitude - dlon, centre.longitude + dlon


def resource_search(user: AnyUser, search: Search) -> list[Hit]:
    """The visible entries that match every part of `search`.

    Text: every word must occur in the name or description, case- and accent-insensitive (`fold`).
    Age: the entry's age range holds the age. Distance: a bounding box in the database (indexed latitude and
    longitude), then the exact distance over the earth (geopy) on what is left, nearest first; without a place,
    by name. Queries: a constant number, whatever the number of hits.
    """
    found = resource_visible_to(user)
    for word in fold(search.text).split():
        found = found.filter(search_text__contains=word)
    if search.theme:
        found = found.filter(themes__theme=search.theme)
    if search.category:
        found = found.filter(category=search.category)
    if search.age is not None:
        found = found.filter(age_min__lte=search.age, age_max__gte=search.age)
    if search.near is None:
        return [Hit(resource, None) for resource in found]
    south, north, west, east = bounding_box(search.near, search.within_km)
    boxed = found.filter(latitude__range=(south, north), longitude__range=(west, east))
    hits = []
    for resource in boxed:
        km = distance_km(search.near, Place(resource.place, resource.latitude, resource.longitude))
        if km <= search.within_km:
            hits.append(Hit(resource, km))
    hits.sort(key=lambda hit: (hit.distance_km, hit.resource.name))
    return hits


def resources_for_print(user: AnyUser, ids: list[int]) -> list[Resource]:
    """The chosen visible entries for a family's overview, in the order chosen (unknown ids are left out)."""
    by_pk = {r.pk: r for r in resource_visible_to(user).filter(pk__in=ids)}
    return [by_pk[pk] for pk in dict.fromkeys(ids) if pk in by_pk]


def resource_export_queryset(user: AnyUser, *, everything: bool) -> QuerySet[Resource]:
    """What a coordinator's CSV export holds: the entries of their own organisations, or the whole directory."""
    if everything:
        return resource_visible_to(user).order_by("name", "pk")
    return _with_display_data(resource_writable_by(user)).order_by("name", "pk")


# Broker requests and referrals. Who reads: the case's professionals and the organisation's coordinators (through
# the case), the young person and custodial parents (their own case, read-only), and the linked broker. Who
# writes: the case's professionals and coordinators end a request; coordinators link a broker; only the linked
# broker records referrals while the request is open. Pages that show these write access-log rows.


def brokerrequest_visible_to(user: AnyUser) -> QuerySet[BrokerRequest]:
    """Requests of the cases the user may see, and the requests the user is the linked broker of."""
    if not user.is_authenticated:
        return BrokerRequest.objects.none()
    return BrokerRequest.objects.filter(Q(case__in=case_visible_to(user)) | Q(broker__user=user)).select_related(
        "case__young_person", "case__organisation", "broker__user", "broker__organisation", "asked_by"
    )


def brokerrequest_writable_by(user: AnyUser) -> QuerySet[BrokerRequest]:
    """Requests the user may end: those of the cases they work on as professional or coordinator."""
    if not user.is_authenticated:
        return BrokerRequest.objects.none()
    return BrokerRequest.objects.filter(case__in=case_writable_by(user))


def brokerrequest_get_for(user: AnyUser, pk: int, write: bool = False) -> BrokerRequest:
    """One request: 404 when invisible, 403 when visible but `write` is asked and not allowed."""
    return object_get_for(brokerrequest_visible_to(user), brokerrequest_writable_by(user), pk, write=write)


def referral_visible_to(user: AnyUser) -> QuerySet[Referral]:
    """Referrals of the requests the user may see."""
    return Referral.objects.filter(request__in=brokerrequest_visible_to(user).values("pk")).select_related(
        "resource", "request__case__young_person", "parent"
    )


def referral_writable_by(user: AnyUser) -> QuerySet[Referral]:
    """Referrals the user may move: they are the linked broker and the request is open."""
    if not user.is_authenticated:
        return Referral.objects.none()
    return Referral.objects.filter(request__broker__user=user, request__ended_on__isnull=True)


def referral_get_for(user: AnyUser, pk: int, write: bool = False) -> Referral:
    """One referral: 404 when invisible, 403 when visible but `write` is asked and not allowed."""
    return object_get_for(referral_visible_to(user), referral_writable_by(user), pk, write=write)


def may_see_broker_requests(user: AnyUser) -> bool:
    """Who has a page of broker requests: the people who can ask, link or read along, and active brokers."""
    return has_role(user, Role.PROFESSIONAL, Role.COORDINATOR, Role.PARENT, Role.YOUNG_PERSON) or (
        is_active_social_broker(user)
    )


@dataclass(frozen=True)
class BrokerRequests:
    """The overview: open requests still waiting for a broker (oldest first), open linked ones, and recently
    ended ones; each request with `referral_count`."""

    waiting: list[BrokerRequest]
    linked: list[BrokerRequest]
    ended: list[BrokerRequest]


ENDED_SHOWN = 20


def brokerrequests_overview(user: AnyUser) -> BrokerRequests:
    """The user's visible requests, split for the overview. Two queries, whatever the number of requests."""
    visible = brokerrequest_visible_to(user).annotate(referral_count=Count("referrals"))
    open_requests = list(visible.filter(ended_on__isnull=True).order_by("asked_on", "pk"))
    return BrokerRequests(
        waiting=[r for r in open_requests if r.broker_id is None],
        linked=[r for r in open_requests if r.broker_id is not None],
        ended=list(visible.filter(ended_on__isnull=False).order_by("-ended_on", "-pk")[:ENDED_SHOWN]),
    )


def brokerrequest_of_case(user: AnyUser, case_id: int) -> BrokerRequest | None:
    """The case's open request, or else its latest one, as far as the user may see it (for the case page)."""
    return brokerrequest_visible_to(user).filter(case_id=case_id).order_by("ended_on", "-asked_on", "-pk").first()


def conversation_members(conversation: Conversation) -> list[tuple[User, str]]:
    """Who takes part in the family's conversation with their social broker, as (user, party): the broker, the
    parents with custody, the young person from BROKER_CONVERSATION_FROM_AGE and the case's professionals.
    Registered with messaging in CommunityConfig.ready()."""
    request = BrokerRequest.objects.select_related("case__young_person__user", "broker__user").get(
        pk=conversation.broker_request_id or 0
    )
    members: list[tuple[User, str]] = []
    if request.broker is not None and request.broker.user.is_active:
        members.append((request.broker.user, "broker"))
    members += [(user, "parent") for user in custodial_parents(request)]
    young_person = request.case.young_person
    if (
        young_person.user is not None
        and young_person.user.is_active
        and age_on(young_person.date_of_birth, timezone.localdate()) >= BROKER_CONVERSATION_FROM_AGE
    ):
        members.append((young_person.user, "young_person"))
    members += [(user, "professional") for user in case_professionals_of(request.case)]
    return members


def custodial_parents(request: BrokerRequest) -> QuerySet[User]:
    """The active parents and guardians with custody of the case's young person: for whom a referral can be."""
    return party_user_queryset(request.case, Party.PARENT).order_by("first_name", "pk")


def referral_may_record(user: AnyUser, request: BrokerRequest) -> bool:
    """Only the linked broker records referrals, and only while the request is open."""
    return request.is_open and request.broker is not None and request.broker.user_id == user.pk


def end_reasons_for(request: BrokerRequest) -> list[str]:
    """The reasons a person can give for ending this request: "no broker found" only while none is linked, "the
    family is connected" only once one is ("the case was closed" is never given: closing the case says it)."""
    reasons = [BrokerRequest.EndReason.NOT_NEEDED, BrokerRequest.EndReason.FAMILY_STOPPED]
    first = BrokerRequest.EndReason.DONE if request.broker_id else BrokerRequest.EndReason.NO_BROKER
    return [first, *reasons]


def brokerrequest_access_basis(user: AnyUser, request: BrokerRequest) -> tuple[str, str] | None:
    """The linked broker sees the young person through the request, not the case (for the access log); everyone
    else through the case (None)."""
    broker = request.broker
    if broker is not None and broker.user_id == user.pk:
        return access_basis({Party.BROKER}, volunteer_organisation=broker.organisation.name)
    return None


def open_broker_link_counts(volunteer_ids: Iterable[int]) -> dict[int, int]:
    """How many open broker requests each volunteer is linked to as broker (absent when none): each takes one of
    the volunteer's places, as a support-family match does. One query (none for an empty list); not a lock."""
    ids = list(volunteer_ids)
    if not ids:
        return {}
    return dict(
        BrokerRequest.objects.filter(broker_id__in=ids, ended_on__isnull=True)
        .order_by()
        .values("broker_id")
        .annotate(n=Count("pk"))
        .values_list("broker_id", "n")
    )


def _ready_brokers(brokers: QuerySet[Volunteer]) -> list[Volunteer]:
    """Those of `brokers` who can take a request now (`volunteer_readiness`): a broker's places are taken by their
    open broker requests and any support-family matches. A constant number of queries."""
    found = list(with_readiness_data(brokers))
    ids = [broker.pk for broker in found]
    matches = open_match_counts(ids)
    links = open_broker_link_counts(ids)
    return [
        broker
        for broker in found
        if volunteer_readiness(broker, open_matches=matches[broker.pk] + links.get(broker.pk, 0)).matchable
    ]


def broker_pool_organisation_ids(request: BrokerRequest, coordinator: AnyUser | None) -> list[int]:
    """Whose social brokers form the team's pool for a request: the case's organisation, and the other
    organisations the coordinator coordinates (such as a volunteer centre whose brokers work with the team). With
    no coordinator (a proposal round's approval links the broker): the other organisations that any coordinator of
    the case's organisation coordinates, the pools the round could have proposed from."""
    if coordinator is not None:
        return sorted({request.case.organisation_id, *coordinated_organisation_ids(coordinator)})
    coordinators = party_user_queryset(request.case, Party.COORDINATOR)
    others = RoleAssignment.objects.filter(
        user__in=coordinators.values("pk"), role=Role.COORDINATOR, organisation_id__isnull=False
    ).values_list("organisation_id", flat=True)
    return sorted({request.case.organisation_id, *others})


def _brokers_for(request: BrokerRequest, coordinator: AnyUser | None) -> QuerySet[Volunteer]:
    """The team's pool: the active social brokers of `broker_pool_organisation_ids`."""
    return (
        Volunteer.objects.filter(
            organisation_id__in=broker_pool_organisation_ids(request, coordinator),
            status=Volunteer.Status.ACTIVE,
            roles__kind=VolunteerKind.SOCIAL_BROKER,
        )
        .distinct()
        .order_by("user__first_name", "user__last_name", "pk")
    )


def broker_candidates(request: BrokerRequest, coordinator: AnyUser) -> list[Volunteer]:
    """The brokers of the pool (`_brokers_for`) who can take the request now."""
    return _ready_brokers(_brokers_for(request, coordinator))


def broker_can_take(request: BrokerRequest, broker: Volunteer, coordinator: AnyUser | None) -> bool:
    """Whether `broker` is one of `broker_candidates(request, coordinator)`, checking only that broker (None: in the
    pool of any coordinator of the case's organisation, see `broker_pool_organisation_ids`)."""
    return bool(_ready_brokers(_brokers_for(request, coordinator).filter(pk=broker.pk)))


def broker_ids_for(young_person_id: int) -> list[int]:
    """The users who are the social broker of an open broker request of the young person: a support part for
    youth.parties.supporters_of. One query."""
    return list(
        BrokerRequest.objects.filter(
            case__young_person_id=young_person_id, ended_on__isnull=True, broker__isnull=False
        ).values_list("broker__user_id", flat=True)
    )
