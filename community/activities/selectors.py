"""Reads of group activities (a parents' group, a reading club) and their sign-ups.

Who sees an activity:
- coordinators and screened social brokers of its organisation: every activity of that organisation;
- a family's side (a professional or coordinator on the case, a custodial parent, the broker linked to the case)
  of a case with an open request with a linked broker at the activity's organisation: the upcoming activities
  that are not cancelled, plus the ones the family is signed up for (so they see that one was cancelled).
Who sees who signed up (names): the organiser and the organisation's coordinators see everyone; a family's side
sees only that family's own sign-up. Everybody else who sees the activity sees only how many places are left.
Pages that show the name of a family write access-log rows (`signup_access_bases`).
Who changes or cancels an activity: the organiser (while a screened social broker of the organisation) and the
organisation's coordinators. Who signs a family up or off: that family's side; the organiser and coordinators may
also sign a family off.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, Team
from accounts.selectors import AnyUser, has_role
from community.models import ActivitySignUp, BrokerRequest, GroupActivity
from community.selectors import social_broker_organisation_ids
from core.paging import words_in
from core.selectors import object_get_for
from volunteers.models import Volunteer, VolunteerKind
from youth.models import Case
from youth.parties import Party, coordinated_organisation_ids, young_people_where
from youth.selectors import case_access_bases, case_writable_by


def activity_manager_organisation_ids(user: AnyUser) -> list[int]:
    """The organisations whose activities the user sees in full: as coordinator or as screened social broker."""
    return sorted(set(coordinated_organisation_ids(user) + social_broker_organisation_ids(user)))


def can_use_activities(user: AnyUser) -> bool:
    """Who the activity pages are for: professionals, coordinators, parents and screened social brokers."""
    return has_role(user, Role.PROFESSIONAL, Role.COORDINATOR, Role.PARENT) or bool(
        social_broker_organisation_ids(user)
    )


def cases_acted_for_by(user: AnyUser) -> QuerySet[Case]:
    """The cases whose family the user may sign up or off: as professional or coordinator on the case, as parent
    or guardian with custody of its young person, or as the social broker linked to its open request."""
    if not user.is_authenticated:
        return Case.objects.none()
    linked = BrokerRequest.objects.filter(broker__user=user, ended_on__isnull=True)
    return Case.objects.filter(
        Q(pk__in=case_writable_by(user).values("pk"))
        | Q(young_person__in=young_people_where(user, Party.PARENT))
        | Q(pk__in=linked.values("case_id"))
    )


def _linked_requests() -> QuerySet[BrokerRequest]:
    return BrokerRequest.objects.filter(ended_on__isnull=True, broker__isnull=False)


def cases_linked_for_activities(user: AnyUser) -> QuerySet[Case]:
    """The user's cases (`cases_acted_for_by`) with an open request that has a linked broker: the families for
    whom the activities of the case's organisation are meant."""
    return cases_acted_for_by(user).filter(pk__in=_linked_requests().values("case_id"))


def case_may_join(case: Case, activity: GroupActivity) -> bool:
    """Whether the activity is meant for this family: the case is of the activity's organisation and has an open
    request with a linked social broker."""
    return case.organisation_id == activity.organisation_id and _linked_requests().filter(case=case).exists()


def _with_places(activities: QuerySet[GroupActivity], user: AnyUser) -> QuerySet[GroupActivity]:
    """Annotate `taken` (live sign-ups) and `mine` (one of the user's families is signed up): a list of any
    length costs one query."""
    live_mine = ActivitySignUp.objects.filter(
        activity=OuterRef("pk"), cancelled_at__isnull=True, case__in=cases_acted_for_by(user).values("pk")
    )
    return activities.select_related("organisation", "team", "organiser__user").annotate(
        taken=Count("signups", filter=Q(signups__cancelled_at__isnull=True)),
        mine=Exists(live_mine),
    )


def groupactivity_visible_to(user: AnyUser) -> QuerySet[GroupActivity]:
    """The activities the user may see (see the module docstring), with `taken` and `mine` annotated."""
    if not user.is_authenticated:
        return GroupActivity.objects.none()
    family_cases = cases_linked_for_activities(user)
    signed_up = ActivitySignUp.objects.filter(
        cancelled_at__isnull=True, case__in=cases_acted_for_by(user).values("pk")
    ).values("activity_id")
    scope = (
        Q(organisation_id__in=activity_manager_organisation_ids(user))
        | Q(
            organisation_id__in=family_cases.values("organisation_id"),
            cancelled_at__isnull=True,
            starts_at__gt=timezone.now(),
        )
        | Q(pk__in=signed_up)
    )
    return _with_places(GroupActivity.objects.filter(scope), user)


def groupactivity_writable_by(user: AnyUser) -> QuerySet[GroupActivity]:
    """The activities the user may change and cancel: their own as organiser while a screened social broker of
    the organisation, and every activity of the organisations they coordinate."""
    if not user.is_authenticated:
        return GroupActivity.objects.none()
    return GroupActivity.objects.filter(
        Q(organisation_id__in=coordinated_organisation_ids(user))
        | Q(organiser__user=user, organisation_id__in=social_broker_organisation_ids(user))
    )


def groupactivity_get_for(user: AnyUser, pk: int, write: bool = False) -> GroupActivity:
    """One activity: 404 when invisible, 403 when `write` is asked and the user is not its organiser or a
    coordinator of its organisation."""
    return object_get_for(groupactivity_visible_to(user), groupactivity_writable_by(user), pk, write=write)


# The list's "when" filter (community.activities.forms.ActivitySearchForm): the empty value is the default.
UPCOMING, PAST = "", "past"


def groupactivity_list_for(
    user: AnyUser, *, when: str = UPCOMING, team_id: int | None = None, search: str = ""
) -> QuerySet[GroupActivity]:
    """The visible activities that have not ended yet, soonest first (cancelled ones too, marked on the page); or
    with `when` "past" those that have ended, the latest first. Of one team; with every word of `search` in the
    title or the place."""
    activities = groupactivity_visible_to(user)
    if team_id is not None:
        activities = activities.filter(team_id=team_id)
    activities = words_in(activities, search, ["title", "place"])
    now = timezone.now()
    if when == PAST:
        return activities.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    return activities.filter(ends_at__gt=now).order_by("starts_at", "pk")


def activity_team_choices(user: AnyUser) -> QuerySet[Team]:
    """The teams whose activities the user may look for: those of the organisations they see in full."""
    return Team.objects.filter(organisation_id__in=activity_manager_organisation_ids(user)).select_related(
        "organisation"
    )


def activitysignup_visible_to(user: AnyUser) -> QuerySet[ActivitySignUp]:
    """The sign-ups whose family the user may know of: all of the activities they organise or coordinate, and
    those of the families they act for."""
    if not user.is_authenticated:
        return ActivitySignUp.objects.none()
    return ActivitySignUp.objects.filter(
        Q(activity__organiser__user=user)
        | Q(activity__organisation_id__in=coordinated_organisation_ids(user))
        | Q(case__in=cases_acted_for_by(user).values("pk"))
    ).select_related("activity", "case__young_person", "case__organisation", "signed_up_by")


def activitysignup_writable_by(user: AnyUser) -> QuerySet[ActivitySignUp]:
    """The sign-ups the user may cancel: the same people who may see them."""
    return activitysignup_visible_to(user)


def activitysignup_get_for(user: AnyUser, pk: int, write: bool = False) -> ActivitySignUp:
    """One sign-up: 404 when invisible, 403 when visible but `write` is asked and not allowed."""
    return object_get_for(activitysignup_visible_to(user), activitysignup_writable_by(user), pk, write=write)


def signups_shown_on(user: AnyUser, activity: GroupActivity) -> list[ActivitySignUp]:
    """The live sign-ups of the activity whose names the user may see (all, only their own families', or none)."""
    return list(activitysignup_visible_to(user).filter(activity=activity, cancelled_at__isnull=True))


def cases_to_sign_up(user: AnyUser, activity: GroupActivity) -> list[Case]:
    """The user's open cases that may join this activity and are not signed up yet: the choice on the sign-up
    form."""
    live = ActivitySignUp.objects.filter(activity=activity, cancelled_at__isnull=True).values("case_id")
    return list(
        cases_linked_for_activities(user)
        .filter(organisation_id=activity.organisation_id, closed_on__isnull=True)
        .exclude(pk__in=live)
        .select_related("young_person", "organisation")
        .order_by("young_person__first_name", "pk")
    )


def activity_organiser_choices(organisation_ids: list[int]) -> QuerySet[Volunteer]:
    """The volunteers who may organise an activity of these organisations: active social brokers (a service
    checks the chosen one's screening again)."""
    return (
        Volunteer.objects.filter(
            organisation_id__in=organisation_ids,
            status=Volunteer.Status.ACTIVE,
            roles__kind=VolunteerKind.SOCIAL_BROKER,
        )
        .select_related("user", "organisation")
        .distinct()
        .order_by("user__first_name", "user__last_name", "pk")
    )


def signup_access_bases(user: AnyUser, cases: list[Case]) -> dict[int, tuple[str, str]]:
    """Per case whose name an activity page shows the user: the role (and organisation) that gave access, for the
    access log. Those who work on the case, the young person and custodial parents see it through the case
    (`case_access_bases`); anyone else sees it as social broker, through the activity they organise or the request
    they are linked to. A constant number of queries; the cases must come with their organisation."""
    if not cases or not user.is_authenticated:
        return {}
    bases = case_access_bases(user, cases)
    in_custody = set(young_people_where(user, Party.PARENT).values_list("young_person_id", flat=True))
    broker = Volunteer.objects.filter(user_id=user.pk).select_related("organisation").first()
    for case in cases:
        if bases[case.pk][0] == Role.PARENT and case.young_person_id not in in_custody and broker is not None:
            bases[case.pk] = (Role.VOLUNTEER, broker.organisation.name)
    return bases
