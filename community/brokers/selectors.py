"""Reads of the social broker's work: requests for a broker and the referrals (verbindingen) the broker follows up.

Who reads: the case's professionals and the organisation's coordinators (through the case), the young person and
custodial parents (their own case, read-only), and the linked broker. Who writes: the case's professionals and
coordinators end a request; coordinators link a broker; only the linked broker records referrals while the request
is open. Pages that show these write access-log rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case as SqlCase
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from accounts.selectors import AnyUser, has_role
from community.models import BrokerRequest, Referral
from community.selectors import is_active_social_broker
from core.paging import words_in
from core.selectors import object_get_for
from hostfamilies.selectors import open_match_counts
from messaging.models import Conversation
from messaging.services.membership import BROKER_CONVERSATION_FROM_AGE, case_professionals_of
from volunteers.models import Volunteer, VolunteerKind
from volunteers.selectors import volunteer_readiness, with_readiness_data
from youth.ages import age_on
from youth.parties import Party, access_basis, coordinated_organisation_ids, party_user_queryset
from youth.selectors import case_visible_to, case_writable_by


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


# The overview's filter of stages (community.brokers.forms.BrokerRequestSearchForm); the empty value, the open
# requests, is the default.
OPEN, WAITING, LINKED, ENDED, ALL = "", "waiting", "linked", "ended", "all"

_STAGE = SqlCase(
    When(ended_on__isnull=False, then=Value(2)),
    When(broker__isnull=True, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


def brokerrequest_list_for(
    user: AnyUser, *, stage: str = OPEN, organisation_id: int | None = None, search: str = ""
) -> QuerySet[BrokerRequest]:
    """The overview's requests: those the user sees at `stage` (empty: every open one; "waiting" for a broker;
    "linked" to one; "ended"; "all"), of cases of one organisation, with every word of `search` in the young
    person's name or place or the broker's name. Each with `stage` (0 waiting, 1 linked, 2 ended) and
    `referral_count`: those waiting first, the longest waiting first, then the linked ones, then the ended ones,
    the last ended first."""
    requests = brokerrequest_visible_to(user)
    if stage in (OPEN, WAITING, LINKED):
        requests = requests.filter(ended_on__isnull=True)
    if stage in (WAITING, LINKED):
        requests = requests.filter(broker__isnull=stage == WAITING)
    elif stage == ENDED:
        requests = requests.filter(ended_on__isnull=False)
    if organisation_id is not None:
        requests = requests.filter(case__organisation_id=organisation_id)
    fields = [
        "case__young_person__first_name",
        "case__young_person__last_name",
        "case__young_person__home_place",
        "broker__user__first_name",
    ]
    return (
        words_in(requests, search, fields)
        .annotate(stage=_STAGE, referral_count=Count("referrals"))
        .order_by("stage", F("ended_on").desc(nulls_first=True), "asked_on", "pk")
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
