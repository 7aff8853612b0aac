"""Writes of group activities and their sign-ups (who may do what: community/activities/selectors.py).

Races: the places of an activity. Every write that changes how many families take part or how many places there
are (signing up, signing off, changing the places, cancelling) locks the activity row (`select_for_update`) and
counts the live sign-ups inside the same transaction, so the count never goes over `places`, whatever the timing.
One live sign-up per activity and case is also a database constraint.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, Team, User
from accounts.notify import notify
from community.activities.selectors import (
    activitysignup_writable_by,
    case_may_join,
    cases_acted_for_by,
    groupactivity_writable_by,
)
from community.models import AGE_LIMIT, ActivitySignUp, GroupActivity
from community.selectors import social_broker_organisation_ids
from volunteers.models import Volunteer, VolunteerKind
from youth.ages import age_on
from youth.models import Case
from youth.parties import coordinated_organisation_ids, parents_of

MAX_PLACES = 500
LIMITS = {"title": 150, "description": 1000, "place": 150}


class ActivityData(TypedDict):
    """What an activity says; ages may be None (no limit)."""

    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    places: int
    age_min: int | None
    age_max: int | None


def _clean(data: ActivityData) -> dict[str, object]:
    """The cleaned values, or one ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    text = {field: str(data.get(field) or "").strip() for field in LIMITS}
    for field, value in text.items():
        if len(value) > LIMITS[field]:
            errors[field] = _("Use at most %(limit)s characters (now %(count)s).") % {
                "limit": LIMITS[field],
                "count": len(value),
            }
    if not text["title"]:
        errors["title"] = _("Give the activity a name.")
    if not text["description"]:
        errors["description"] = _("Say in a few sentences what happens and for whom.")
    if not text["place"]:
        errors["place"] = _("Say where it is, for example the name of the community centre.")
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts_at, datetime):
        errors["starts_at"] = _("Give the date and time it starts.")
    elif starts_at <= timezone.now():
        errors["starts_at"] = _("The start must be in the future.")
    if not isinstance(ends_at, datetime):
        errors["ends_at"] = _("Give the date and time it ends.")
    elif isinstance(starts_at, datetime) and ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    places = data.get("places")
    if not isinstance(places, int) or not 1 <= places <= MAX_PLACES:
        errors["places"] = _("The number of places must be a whole number from 1 to %(limit)s.") % {"limit": MAX_PLACES}
    age_min, age_max = data.get("age_min"), data.get("age_max")
    for field, age in (("age_min", age_min), ("age_max", age_max)):
        if age is not None and (not isinstance(age, int) or not 0 <= age <= AGE_LIMIT):
            errors[field] = _("An age must be a whole number from 0 to %(limit)s.") % {"limit": AGE_LIMIT}
    if "age_min" not in errors and "age_max" not in errors and age_min is not None and age_max is not None:
        if age_min > age_max:
            errors["age_max"] = _("The highest age cannot be lower than the lowest age.")
    if errors:
        raise ValidationError(errors)
    return {
        **text,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "places": places,
        "age_min": age_min,
        "age_max": age_max,
    }


def _is_screened_broker_of(volunteer: Volunteer, organisation_id: int) -> bool:
    return (
        volunteer.organisation_id == organisation_id
        and volunteer.roles.filter(kind=VolunteerKind.SOCIAL_BROKER).exists()
        and organisation_id in social_broker_organisation_ids(volunteer.user)
    )


def groupactivity_create(
    *,
    actor: User,
    organisation: Organisation,
    data: ActivityData,
    organiser: Volunteer | None = None,
    team: Team | None = None,
) -> GroupActivity:
    """A screened social broker of `organisation` organises an activity (they are the organiser), or a coordinator
    of it plans one for a screened social broker of the organisation (`organiser`). Refused with a message per
    field when something is wrong; nothing is saved then."""
    coordinates = organisation.pk in coordinated_organisation_ids(actor)
    if not coordinates:
        if organisation.pk not in social_broker_organisation_ids(actor):
            raise PermissionDenied(_("Only a social broker or coordinator of this organisation can plan activities."))
        own = Volunteer.objects.get(user=actor)
        if organiser is not None and organiser.pk != own.pk:
            raise PermissionDenied(_("A social broker plans activities for themselves only."))
        organiser = own
    errors: dict[str, str] = {}
    try:
        values = _clean(data)
    except ValidationError as error:
        errors.update({field: messages[0] for field, messages in error.message_dict.items()})
        values = {}
    if organiser is None or not _is_screened_broker_of(organiser, organisation.pk):
        errors["organiser"] = _("Choose a social broker of this organisation whose screening is complete.")
    if team is not None and team.organisation_id != organisation.pk:
        errors["team"] = _("Choose a team of this organisation.")
    if errors or organiser is None:
        raise ValidationError(errors)
    with transaction.atomic():
        return GroupActivity.objects.create(
            **values, organisation=organisation, team=team, organiser=organiser, created_by=actor
        )


def groupactivity_update(
    *, actor: User, activity: GroupActivity, data: ActivityData, team: Team | None
) -> GroupActivity:
    """The organiser or a coordinator of the organisation changes what the activity says and for which team of the
    organisation it is (None: no team). Refused once it is cancelled or has started, and when there would be fewer
    places than families signed up. Locks the activity row and counts the sign-ups under the lock."""
    if not groupactivity_writable_by(actor).filter(pk=activity.pk).exists():
        raise PermissionDenied
    values = _clean(data)
    if team is not None and team.organisation_id != activity.organisation_id:
        raise ValidationError({"team": _("Choose a team of this organisation.")})
    values["team"] = team
    with transaction.atomic():
        locked = GroupActivity.objects.select_for_update().get(pk=activity.pk)
        _refuse_when_over(locked)
        taken = locked.signups.filter(cancelled_at__isnull=True).count()
        if int(values["places"]) < taken:  # type: ignore[call-overload]
            raise ValidationError(
                {
                    "places": _("%(count)s families are already signed up. There cannot be fewer places than that.")
                    % {"count": taken}
                }
            )
        for field, value in values.items():
            setattr(locked, field, value)
        locked.save()
    return locked


def _refuse_when_over(activity: GroupActivity) -> None:
    if activity.cancelled_at is not None:
        raise ValidationError(_("This activity is cancelled."), code="cancelled")
    if activity.starts_at <= timezone.now():
        raise ValidationError(_("This activity has already started."), code="started")


CANCELLED_NOTICE = gettext_lazy("A group activity that a family of yours was signed up for does not go ahead.")


def groupactivity_cancel(*, actor: User, activity: GroupActivity) -> GroupActivity:
    """The organiser or a coordinator cancels the activity before it starts. The sign-ups stay, so each family
    sees on the page that it is cancelled, and the signed-up families hear of it after commit: the custodial
    parents and whoever signed the family up (a notice without names, see accounts.notify). Locks the activity row,
    so a family signing up at the same moment is either told or refused."""
    if not groupactivity_writable_by(actor).filter(pk=activity.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        locked = GroupActivity.objects.select_for_update().get(pk=activity.pk)
        _refuse_when_over(locked)
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["cancelled_at", "updated_at"])
        live = locked.signups.filter(cancelled_at__isnull=True)
        parents = parents_of(live.values("case__young_person_id"))
        families = User.objects.filter(
            Q(pk__in=parents.values("pk")) | Q(pk__in=live.values("signed_up_by_id")), is_active=True
        ).exclude(pk=actor.pk)
        notify(
            families.distinct(),
            notice=CANCELLED_NOTICE,
            path=reverse("community:activity_detail", args=[locked.pk]),
        )
    return locked


def activitysignup_create(*, actor: User, activity: GroupActivity, case: Case) -> ActivitySignUp:
    """Sign a family (a case) up for an activity. By the social broker linked to the case's open request, a
    professional or coordinator working on the case, or a parent or guardian with custody of its young person.

    Refused with a message (code in brackets), nothing changed: the activity is not for this family (not_linked),
    is cancelled (cancelled), has started (started); the case is closed (case_closed); the young person is
    outside the ages (age); the family is already signed up (already); no place is left (full).
    Locks the activity row and counts the live sign-ups in the same transaction: never more than `places`.
    """
    if not cases_acted_for_by(actor).filter(pk=case.pk).exists():
        raise PermissionDenied
    if not case_may_join(case, activity):
        raise ValidationError(
            _("This activity is for families that a social broker of %(organisation)s helps.")
            % {"organisation": activity.organisation},
            code="not_linked",
        )
    with transaction.atomic():
        locked = GroupActivity.objects.select_for_update().get(pk=activity.pk)
        _refuse_when_over(locked)
        fresh = Case.objects.select_related("young_person").get(pk=case.pk)
        if not fresh.is_open:
            raise ValidationError(_("This case is closed, so the family cannot sign up."), code="case_closed")
        age = age_on(fresh.young_person.date_of_birth, timezone.localtime(locked.starts_at).date())
        if (locked.age_min is not None and age < locked.age_min) or (
            locked.age_max is not None and age > locked.age_max
        ):
            raise ValidationError(
                _("This activity is for ages %(low)s to %(high)s. %(name)s will be %(age)s then.")
                % {
                    "low": locked.age_min if locked.age_min is not None else 0,
                    "high": locked.age_max if locked.age_max is not None else AGE_LIMIT,
                    "name": fresh.young_person.first_name,
                    "age": age,
                },
                code="age",
            )
        live = locked.signups.filter(cancelled_at__isnull=True)
        if live.filter(case=fresh).exists():
            raise ValidationError(_("This family is already signed up."), code="already")
        if live.count() >= locked.places:
            raise ValidationError(_("This activity is full: there is no place left."), code="full")
        return ActivitySignUp.objects.create(
            activity=locked, case=fresh, signed_up_by=actor, signed_up_at=timezone.now()
        )


def activitysignup_cancel(*, actor: User, signup: ActivitySignUp) -> ActivitySignUp:
    """Sign a family off before the activity starts: by the people who may sign it up, the organiser or a
    coordinator of the organisation. The place is free again at once. Locks the activity row."""
    if not activitysignup_writable_by(actor).filter(pk=signup.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        activity = GroupActivity.objects.select_for_update().get(pk=signup.activity_id)
        locked = ActivitySignUp.objects.get(pk=signup.pk)
        if locked.cancelled_at is not None:
            raise ValidationError(_("This sign-up is already cancelled."), code="already_cancelled")
        if activity.starts_at <= timezone.now():
            raise ValidationError(_("This activity has already started."), code="started")
        locked.cancelled_at = timezone.now()
        locked.cancelled_by = actor
        locked.save(update_fields=["cancelled_at", "cancelled_by"])
    return locked
