"""Reads of respite options and stays.

Who sees an option: every professional, coordinator and parent sees the active ones (to book a stay); the
coordinators of the option's organisation also see its inactive ones and are the only ones who change it.

Who sees a stay: the coordinators of the option's organisation, whoever works on the child's case
(`youth.selectors.case_writable_by`) and the parents and guardians with custody of the child. The option's named
coordinator decides on its stays (`write`); every coordinator of the organisation does when none is named, or when
the named one no longer coordinates there. The others may still cancel a stay through the service, which checks them.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Case as SqlCase
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from accounts.selectors import AnyUser, has_role
from core.paging import words_in
from core.selectors import object_get_for
from respite.models import HostCalendarFeed, RespiteOption, Stay
from volunteers.models import Volunteer, VolunteerKind
from youth.models import Case
from youth.parties import Party, coordinated_organisation_ids, young_people_where
from youth.selectors import case_writable_by

__all__ = [
    "calendarfeed_by_token",
    "cases_bookable_by",
    "coordinators_of",
    "feed_stays",
    "nights_booked",
    "respiteoption_decided_by",
    "respiteoption_get_for",
    "respiteoption_hosted_by",
    "respiteoption_visible_to",
    "respiteoption_writable_by",
    "stay_get_for",
    "stay_list_for",
    "stay_visible_to",
    "stay_writable_by",
    "stays_by_night",
    "stays_requested_for",
    "stays_to_decide",
    "stays_waiting_for",
    "support_families_for_respite",
    "waiting_position",
]


def respiteoption_writable_by(user: AnyUser) -> QuerySet[RespiteOption]:
    """Options the user runs: those of the organisations where they are a coordinator."""
    if not user.is_authenticated:
        return RespiteOption.objects.none()
    return RespiteOption.objects.filter(organisation_id__in=coordinated_organisation_ids(user))


def respiteoption_visible_to(user: AnyUser) -> QuerySet[RespiteOption]:
    """Options the user may see: active ones for anyone who may book (professional, coordinator, parent), and
    every option of the organisations where the user is a coordinator."""
    if not user.is_authenticated:
        return RespiteOption.objects.none()
    scope = Q(organisation_id__in=coordinated_organisation_ids(user))
    if has_role(user, Role.PROFESSIONAL, Role.COORDINATOR, Role.PARENT):
        scope |= Q(active=True)
    return RespiteOption.objects.filter(scope)


def respiteoption_get_for(user: AnyUser, pk: int, write: bool = False) -> RespiteOption:
    """One option: 404 when invisible to the user, 403 when `write` is asked and the user is not its coordinator."""
    visible = respiteoption_visible_to(user).select_related("organisation", "volunteer__user", "coordinator")
    return object_get_for(visible, respiteoption_writable_by(user), pk, write=write)


def coordinators_of(organisation_ids: list[int]) -> QuerySet[User]:
    """The active users who hold the coordinator role in one of these organisations: who can be named as an
    option's coordinator (`respite.services` checks the same list)."""
    return (
        User.objects.filter(is_active=True, roles__role=Role.COORDINATOR, roles__organisation_id__in=organisation_ids)
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def support_families_for_respite(organisation_ids: list[int]) -> QuerySet[Volunteer]:
    """The support families of these organisations that have not stopped, whose beds can be offered as a respite
    option, each with `beds` (their household's beds for stays, 0 without a household)."""
    return (
        Volunteer.objects.filter(organisation_id__in=organisation_ids, roles__kind=VolunteerKind.SUPPORT_FAMILY)
        .exclude(status=Volunteer.Status.STOPPED)
        .annotate(beds=Coalesce("household__beds_for_stays", 0))
        .select_related("user", "organisation")
        .order_by("user__first_name", "user__last_name", "pk")
    )


def _without_named_coordinator() -> Q:
    """Options with nobody named who still coordinates there: none named, or the named one no longer holds the
    coordinator role in the option's organisation or no longer logs in. `respite.services._deciders` (who hears that
    a stay waits) follows the same rule."""
    still_coordinates = RoleAssignment.objects.filter(
        user_id=OuterRef("coordinator_id"),
        user__is_active=True,
        role=Role.COORDINATOR,
        organisation_id=OuterRef("organisation_id"),
    )
    return Q(coordinator__isnull=True) | Q(~Exists(still_coordinates))


def respiteoption_decided_by(user: AnyUser) -> QuerySet[RespiteOption]:
    """Options whose stays the user decides on: those they are the named coordinator of, and those of their
    organisations (as coordinator) without a named coordinator who still coordinates there."""
    return respiteoption_writable_by(user).filter(Q(coordinator_id=user.pk) | _without_named_coordinator())


def stay_writable_by(user: AnyUser) -> QuerySet[Stay]:
    """Stays the user decides on (confirm, waiting list, refuse): those at the options they decide on."""
    if not user.is_authenticated:
        return Stay.objects.none()
    return Stay.objects.filter(option__in=respiteoption_decided_by(user))


def stay_visible_to(user: AnyUser) -> QuerySet[Stay]:
    """Stays the user takes part in: as coordinator of the option's organisation, as someone who works on the
    child's case, or as a parent or guardian with custody of the child."""
    if not user.is_authenticated:
        return Stay.objects.none()
    return Stay.objects.filter(
        Q(option__organisation_id__in=coordinated_organisation_ids(user))
        | Q(case__in=case_writable_by(user).values("pk"))
        | Q(case__young_person__in=young_people_where(user, Party.PARENT))
    )


def stay_get_for(user: AnyUser, pk: int, write: bool = False) -> Stay:
    """One stay: 404 when invisible to the user, 403 when `write` is asked and the user does not decide on it."""
    visible = stay_visible_to(user).select_related(
        "option__organisation", "option__coordinator", "case__young_person", "requested_by"
    )
    return object_get_for(visible, stay_writable_by(user), pk, write=write)


def nights_booked(option: RespiteOption, month_start: date, month_end: date) -> dict[date, int]:
    """Beds taken by confirmed stays on each night from `month_start` up to and including `month_end`: every
    night in that range is a key (0 when free).

    One query for any range. Not a lock: a service that confirms a stay counts again under the option's row lock.
    """
    nights = {month_start + timedelta(days=n): 0 for n in range((month_end - month_start).days + 1)}
    if not nights:
        return nights
    stays = Stay.objects.filter(
        option=option, status=Stay.Status.CONFIRMED, arrival__lte=month_end, departure__gt=month_start
    ).values_list("arrival", "departure")
    for arrival, departure in stays:
        night = max(arrival, month_start)
        while night < departure and night <= month_end:
            nights[night] += 1
            night += timedelta(days=1)
    return nights


def respiteoption_hosted_by(user: AnyUser) -> QuerySet[RespiteOption]:
    """The respite options that are the user's own beds, as a support family (for their calendar feed)."""
    if not user.is_authenticated:
        return RespiteOption.objects.none()
    return RespiteOption.objects.filter(kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS, volunteer__user=user)


def cases_bookable_by(user: AnyUser) -> QuerySet[Case]:
    """The open cases for which the user may ask for a stay: those they work on, and those of children of whom
    they have custody (the same rule as `respite.services.stay_request`)."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(
        Q(pk__in=case_writable_by(user).values("pk")) | Q(young_person__in=young_people_where(user, Party.PARENT)),
        closed_on__isnull=True,
    )


_STATUS_RANK = SqlCase(
    When(status=Stay.Status.CONFIRMED, then=Value(0)),
    When(status=Stay.Status.REQUESTED, then=Value(1)),
    When(status=Stay.Status.WAITING, then=Value(2)),
    When(status=Stay.Status.REFUSED, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


# The overview's "when" filter (respite.forms.StaySearchForm): the empty value is the default.
UPCOMING, PAST, ANY_TIME = "", "past", "all"


def stay_list_for(
    user: AnyUser, *, when: str = UPCOMING, status: str = "", organisation_id: int | None = None, search: str = ""
) -> QuerySet[Stay]:
    """The overview's stays: those the user sees that have not ended yet (`when` empty), or have ended ("past"),
    or all; with `status` (empty: any); at an option of one organisation; with every word of `search` in the
    child's name, the option's name or the child's place. Upcoming ones grouped by status (confirmed, requested,
    waiting, refused, cancelled), the soonest first within each; past ones the latest first."""
    today = timezone.localdate()
    stays = stay_visible_to(user)
    if when == UPCOMING:
        stays = stays.filter(departure__gte=today)
    elif when == PAST:
        stays = stays.filter(departure__lt=today)
    if status:
        stays = stays.filter(status=status)
    if organisation_id is not None:
        stays = stays.filter(option__organisation_id=organisation_id)
    fields = [
        "case__young_person__first_name",
        "case__young_person__last_name",
        "option__name",
        "case__young_person__home_place",
    ]
    stays = words_in(stays, search, fields).select_related(
        "option__organisation", "case__young_person", "case__organisation"
    )
    if when == UPCOMING:
        return stays.annotate(status_rank=_STATUS_RANK).order_by("status_rank", "arrival", "pk")
    return stays.order_by("-arrival", "-pk")


def stays_requested_for(user: AnyUser) -> QuerySet[Stay]:
    """The requested stays the user decides on: offered a freed bed first, then first come, first served."""
    return (
        stay_writable_by(user)
        .filter(status=Stay.Status.REQUESTED)
        .select_related("option__organisation", "case__young_person", "case__organisation")
    )


def stays_waiting_for(user: AnyUser) -> QuerySet[Stay]:
    """The waiting list of the options the user decides on, per option, each stay with `position` (1 = next in
    line at its option)."""
    return (
        stay_writable_by(user)
        .filter(status=Stay.Status.WAITING)
        .select_related("option__organisation", "case__young_person", "case__organisation")
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F("option_id")], order_by=[F("created_at").asc(), F("pk").asc()]
            ),
        )
        .order_by("option__name", "option_id", "created_at", "pk")
    )


def stays_to_decide(user: AnyUser) -> tuple[list[Stay], list[Stay]]:
    """What a coordinator has to decide: `stays_requested_for` and `stays_waiting_for`, whole. Two queries."""
    return list(stays_requested_for(user)), list(stays_waiting_for(user))


def waiting_position(stay: Stay) -> int | None:
    """A waiting stay's place in line at its option (1 = next), None when the stay is not waiting."""
    if stay.status != Stay.Status.WAITING:
        return None
    ahead = Stay.objects.filter(option_id=stay.option_id, status=Stay.Status.WAITING).filter(
        Q(created_at__lt=stay.created_at) | Q(created_at=stay.created_at, pk__lt=stay.pk)
    )
    return ahead.count() + 1


def stays_by_night(option: RespiteOption, month_start: date, month_end: date) -> dict[date, list[Stay]]:
    """The confirmed stays at the option on each night from `month_start` up to and including `month_end`, with
    the young person (for the coordinators' calendar, which shows first names). One query."""
    nights: dict[date, list[Stay]] = {
        month_start + timedelta(days=n): [] for n in range((month_end - month_start).days + 1)
    }
    if not nights:
        return nights
    stays = (
        Stay.objects.filter(
            option=option, status=Stay.Status.CONFIRMED, arrival__lte=month_end, departure__gt=month_start
        )
        .select_related("case__young_person")
        .order_by("arrival", "pk")
    )
    for stay in stays:
        night = max(stay.arrival, month_start)
        while night < stay.departure and night <= month_end:
            nights[night].append(stay)
            night += timedelta(days=1)
    return nights


def calendarfeed_by_token(token: str) -> HostCalendarFeed | None:
    """The calendar feed with this secret token, None when there is none (never was, or renewed since).

    An equality lookup on the unique index: its time does not depend on how much of the token matches."""
    return HostCalendarFeed.objects.filter(token=token).select_related("volunteer").first()


def feed_stays(feed: HostCalendarFeed) -> QuerySet[Stay]:
    """The confirmed stays at the feed's support family, from a year ago on, with the young person (whose first
    name is all the feed shows)."""
    since = timezone.localdate() - timedelta(days=365)
    return (
        Stay.objects.filter(
            option__volunteer_id=feed.volunteer_id,
            option__kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS,
            status=Stay.Status.CONFIRMED,
            departure__gte=since,
        )
        .select_related("case__young_person")
        .order_by("arrival", "pk")
    )


def host_family_ids_for(young_person_id: int) -> list[int]:
    """The users whose family hosts a stay of the young person still to come (requested, confirmed or waiting): a
    support part for youth.parties.supporters_of. One query."""
    return list(
        Stay.objects.filter(
            case__young_person_id=young_person_id,
            departure__gte=timezone.localdate(),
            status__in=[Stay.Status.REQUESTED, Stay.Status.CONFIRMED, Stay.Status.WAITING],
            option__volunteer__isnull=False,
        ).values_list("option__volunteer__user_id", flat=True)
    )
