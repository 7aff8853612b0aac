"""Writes about respite (logeren): offering a respite option, asking for a stay, and the coordinator's decisions.

The rule that matters: on no night does an option hold more confirmed stays than it has beds
(`RespiteOption.beds_per_night`). Every service that confirms a stay, or frees a bed and offers it again, first
locks the option's row (select_for_update), so the decisions about one option happen one after the other and each
counts the beds as they are. Lowering the beds (`respiteoption_update`) takes the same lock before it counts.

Lock order, to never deadlock: the option row, then the young person row, then the stay row.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import TypedDict, Unpack

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, Role, User
from accounts.notify import notify
from respite.models import HostCalendarFeed, RespiteOption, Stay
from respite.selectors import coordinators_of, stay_writable_by, support_families_for_respite
from volunteers.models import Volunteer
from youth.ages import age_on
from youth.consent import KEEPING, SHARING, consent_require
from youth.models import Case, YoungPerson
from youth.parties import Party, coordinates, is_custodial_parent, party_user_queryset
from youth.selectors import case_writable_by

# A stay in one of these states holds (or asks for) the child's nights; the child cannot be elsewhere then.
LIVE_STATUSES: tuple[str, ...] = (Stay.Status.REQUESTED, Stay.Status.CONFIRMED, Stay.Status.WAITING)


def _is_coordinator(actor: User, option: RespiteOption) -> bool:
    return coordinates(actor, option.organisation_id)


def _check_decides(actor: User, stay: Stay) -> None:
    if not stay_writable_by(actor).filter(pk=stay.pk).exists():
        raise PermissionDenied(
            _("Only the coordinator of this respite option decides on its stays.")
            if _is_coordinator(actor, stay.option)
            else _("Only a coordinator of the organisation of this respite option can do this.")
        )


def _has_custody(actor: User, case: Case) -> bool:
    return is_custodial_parent(actor, case.young_person_id)


def _coordinators(option: RespiteOption) -> QuerySet[User]:
    return User.objects.filter(roles__role=Role.COORDINATOR, roles__organisation_id=option.organisation_id).distinct()


def _deciders(option: RespiteOption) -> QuerySet[User]:
    """Who hears that a stay waits for a decision: the option's named coordinator, or every coordinator of the
    organisation when none is named or the named one is no longer a coordinator there (or no longer active)."""
    everyone = _coordinators(option)
    if option.coordinator_id is not None:
        named = everyone.filter(pk=option.coordinator_id, is_active=True)
        if named.exists():
            return named
    return everyone


def _requester_and_parents(stay: Stay) -> QuerySet[User]:
    """Who hears about a decision on a stay: whoever asked for it and the parents or guardians with custody."""
    return User.objects.filter(
        Q(pk=stay.requested_by_id) | Q(pk__in=party_user_queryset(stay.case, Party.PARENT, active=False).values("pk"))
    ).distinct()


def _stay_path(stay: Stay) -> str:
    return reverse("respite:stay_detail", args=[stay.pk])


def _first_full_night(option: RespiteOption, arrival: date, departure: date) -> date | None:
    """The first night from arrival to departure - 1 on which every bed of the option is taken by a confirmed
    stay; None when each night has a bed free. One query; only meaningful under the option's row lock."""
    taken: dict[date, int] = {}
    confirmed = Stay.objects.filter(
        option=option, status=Stay.Status.CONFIRMED, arrival__lt=departure, departure__gt=arrival
    ).values_list("arrival", "departure")
    for other_arrival, other_departure in confirmed:
        night = max(other_arrival, arrival)
        while night < min(other_departure, departure):
            taken[night] = taken.get(night, 0) + 1
            night += timedelta(days=1)
    night = arrival
    while night < departure:
        # One bed per stay, also with a parent along (see Stay).
        if taken.get(night, 0) + 1 > option.beds_per_night:
            return night
        night += timedelta(days=1)
    return None


MAX_BEDS = 100  # as RespiteOption.beds_per_night's validator


def _check_coordinator(coordinator: User | None, organisation_id: int) -> None:
    if coordinator is None or not coordinators_of([organisation_id]).filter(pk=coordinator.pk).exists():
        raise ValidationError({"coordinator": _("Choose a coordinator of the organisation of this respite option.")})


def _check_beds(beds_per_night: int | None) -> int:
    if not beds_per_night or beds_per_night < 1:
        raise ValidationError({"beds_per_night": _("A respite option needs at least one bed per night.")})
    if beds_per_night > MAX_BEDS:
        raise ValidationError(
            {"beds_per_night": _("A respite option has at most %(max)s beds per night.") % {"max": MAX_BEDS}}
        )
    return beds_per_night


def _check_ages(age_min: int, age_max: int) -> None:
    if age_min > age_max:
        raise ValidationError({"age_max": _("The highest age cannot be lower than the lowest age.")})


def respiteoption_create(
    *,
    actor: User,
    organisation: Organisation,
    kind: str,
    name: str,
    coordinator: User,
    volunteer: Volunteer | None = None,
    beds_per_night: int | None = None,
    age_min: int = 0,
    age_max: int = 23,
    rules: str = "",
) -> RespiteOption:
    """A coordinator of `organisation` offers a respite option: a support family's beds (`volunteer` required, a
    support family of the organisation that has not stopped; the beds default to the household's `beds_for_stays`)
    or a stay house (`beds_per_night` required). `coordinator` is named as the option's coordinator and must be
    a coordinator of `organisation` (the actor or a colleague). The option is open for bookings.

    Nothing can race here: one insert; the check constraints back up the age range and the beds.
    """
    if not coordinates(actor, organisation.pk):
        raise PermissionDenied(_("Only a coordinator of this organisation can offer a respite option."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the respite option a name.")})
    if kind == RespiteOption.Kind.SUPPORT_FAMILY_BEDS:
        if volunteer is None:
            raise ValidationError({"volunteer": _("Choose the support family whose beds these are.")})
        if not support_families_for_respite([organisation.pk]).filter(pk=volunteer.pk).exists():
            raise ValidationError({"volunteer": _("Choose a support family of this organisation.")})
        if beds_per_night is None:
            try:
                beds_per_night = volunteer.household.beds_for_stays
            except ObjectDoesNotExist:
                beds_per_night = 0
    elif kind == RespiteOption.Kind.STAY_HOUSE:
        volunteer = None
    else:
        raise ValidationError({"kind": _("Choose what kind of respite option this is.")})
    beds_per_night = _check_beds(beds_per_night)
    _check_ages(age_min, age_max)
    _check_coordinator(coordinator, organisation.pk)
    with transaction.atomic():
        return RespiteOption.objects.create(
            organisation=organisation,
            kind=kind,
            name=name,
            coordinator=coordinator,
            volunteer=volunteer,
            beds_per_night=beds_per_night,
            age_min=age_min,
            age_max=age_max,
            rules=rules.strip(),
        )


class OptionChanges(TypedDict, total=False):
    """What `respiteoption_update` may change. The kind, the support family and the organisation stay."""

    name: str
    beds_per_night: int
    age_min: int
    age_max: int
    rules: str
    coordinator: User
    active: bool


def _first_overfull_night(option: RespiteOption, beds_per_night: int) -> tuple[date, int] | None:
    """The first night from today on on which the option holds more confirmed stays than `beds_per_night`, with
    the number of stays that night; None when every night fits. One query; only meaningful under the option's
    row lock."""
    today = timezone.localdate()
    change: dict[date, int] = {}
    confirmed = Stay.objects.filter(option=option, status=Stay.Status.CONFIRMED, departure__gt=today).values_list(
        "arrival", "departure"
    )
    for arrival, departure in confirmed:
        # A stay takes a bed from its first night (not before today) up to the night before departure.
        first_night = max(arrival, today)
        change[first_night] = change.get(first_night, 0) + 1
        change[departure] = change.get(departure, 0) - 1
    staying = 0
    for night in sorted(change):
        staying += change[night]
        if staying > beds_per_night:
            return night, staying
    return None


def respiteoption_update(*, actor: User, option: RespiteOption, **changes: Unpack[OptionChanges]) -> RespiteOption:
    """A coordinator of the option's organisation changes its name, beds per night, age range, house rules, named
    coordinator (a coordinator of the organisation) or whether it is open for bookings. Returns the option as
    saved.

    Beds: lowering `beds_per_night` below the confirmed stays on any night from today on is refused, with a
    ValidationError on `beds_per_night` that names the first such night and the number of children staying then;
    nothing is changed. Raising is always fine.
    Ages: a new age range applies to new requests only; stays already asked for or confirmed are not touched.
    Closing (`active=False`) stops new requests; confirmed stays go ahead and requests already made can still be
    decided on.

    Races: a confirmation at the same moment could take a bed while the beds are lowered. So the option's row is
    locked (select_for_update) before counting the confirmed stays, in the same transaction as the update; every
    confirmation locks the same row first (`stay_confirm`), so one waits for the other and the later one counts
    with what the earlier one did. On no night can there be more confirmed stays than beds, whatever the timing.
    """
    unknown = set(changes) - OptionChanges.__optional_keys__
    if unknown:
        raise TypeError(f"respiteoption_update cannot change {sorted(unknown)}")
    if not _is_coordinator(actor, option):
        raise PermissionDenied(_("Only a coordinator of the organisation of this respite option can do this."))
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if not changes["name"]:
            raise ValidationError({"name": _("Give the respite option a name.")})
    if "rules" in changes:
        changes["rules"] = changes["rules"].strip()
    if "beds_per_night" in changes:
        _check_beds(changes["beds_per_night"])
    if "coordinator" in changes:
        _check_coordinator(changes["coordinator"], option.organisation_id)
    with transaction.atomic():
        locked = RespiteOption.objects.select_for_update().get(pk=option.pk)
        _check_ages(changes.get("age_min", locked.age_min), changes.get("age_max", locked.age_max))
        beds = changes.get("beds_per_night", locked.beds_per_night)
        if beds < locked.beds_per_night:
            overfull = _first_overfull_night(locked, beds)
            if overfull is not None:
                night, staying = overfull
                # More stays than beds means at least two children, so the plural always fits.
                raise ValidationError(
                    {
                        "beds_per_night": _(
                            "On %(date)s, %(count)s children are already staying here. Keep at least %(count)s "
                            "beds, or first cancel stays on that night."
                        )
                        % {"date": formats.date_format(night), "count": staying}
                    }
                )
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(changes))
    return locked


def _require_consent(option: RespiteOption, young_person: YoungPerson) -> None:
    """A stay is booked and confirmed only with the consent to keep data; at a support family's beds also with the
    consent to share what the host family needs (youth/consent.py). A stay house is run by a youth-care
    organisation, not by a volunteer, so sharing with a supporter is not what happens there."""
    consent_require(young_person, purposes=[KEEPING, SHARING] if option.volunteer_id else [KEEPING])


def stay_request(
    *, actor: User, option: RespiteOption, case: Case, arrival: date, departure: date, with_parent: bool = False
) -> Stay:
    """Ask for a stay at `option` for the young person of `case`, for the nights arrival … departure - 1.

    Asked by someone who works on the case (`case_writable_by`) or a parent or guardian with custody of the
    child. Refused: a closed case, an option not open for bookings, departure on or before arrival, arrival in
    the past, a child whose consent is not complete (`_require_consent`), a child younger or older than the
    option takes on the day of arrival, and a child who already has
    a requested, confirmed or waiting stay on one of these nights (at any option). The option's named coordinator
    gets a notice after commit (every coordinator of its organisation when none is named).

    Races: two requests for the same child could both find no overlapping stay, so the young person's row is
    locked (select_for_update) before looking.
    """
    if not (case_writable_by(actor).filter(pk=case.pk).exists() or _has_custody(actor, case)):
        raise PermissionDenied(_("You may not ask for a stay for this child."))
    if not case.is_open:
        raise ValidationError(_("This case is closed. Ask for a stay from an open case."))
    if not option.active:
        raise ValidationError(_("This respite option does not take bookings at the moment."))
    if departure <= arrival:
        raise ValidationError({"departure": _("The day of departure must come after the day of arrival.")})
    if arrival < timezone.localdate():
        raise ValidationError({"arrival": _("The day of arrival has already passed. Choose a later day.")})
    young_person = case.young_person
    _require_consent(option, young_person)
    age = age_on(young_person.date_of_birth, arrival)
    if not option.age_min <= age <= option.age_max:
        raise ValidationError(
            _(
                "%(name)s will be %(age)s on the day of arrival; %(option)s takes children from %(min)s up to "
                "%(max)s years old."
            )
            % {
                "name": young_person.first_name,
                "age": age,
                "option": option.name,
                "min": option.age_min,
                "max": option.age_max,
            }
        )
    with transaction.atomic():
        YoungPerson.objects.select_for_update().only("pk").get(pk=young_person.pk)
        overlapping = (
            Stay.objects.filter(
                case__young_person_id=young_person.pk,
                status__in=LIVE_STATUSES,
                arrival__lt=departure,
                departure__gt=arrival,
            )
            .order_by("arrival")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                _("%(name)s already has a stay from %(arrival)s to %(departure)s. Choose other days.")
                % {
                    "name": young_person.first_name,
                    "arrival": formats.date_format(overlapping.arrival),
                    "departure": formats.date_format(overlapping.departure),
                }
            )
        stay = Stay.objects.create(
            option=option,
            case=case,
            arrival=arrival,
            departure=departure,
            with_parent=with_parent,
            requested_by=actor,
        )
        notify(
            _deciders(option),
            notice=gettext_lazy("Someone asked for a stay. Please decide on it."),
            path=_stay_path(stay),
        )
        return stay


def _locked(stay: Stay) -> tuple[RespiteOption, Stay]:
    """Lock the stay's option row, then the stay row, and return both as they are now (inside a transaction)."""
    option = RespiteOption.objects.select_for_update().get(pk=stay.option_id)
    locked = Stay.objects.select_for_update(of=("self",)).select_related("case").get(pk=stay.pk)
    return option, locked


def _not_now(stay: Stay) -> ValidationError:
    return ValidationError(
        _("This is not possible now: the stay is %(status)s.") % {"status": stay.get_status_display()}
    )


def stay_confirm(*, actor: User, stay: Stay) -> Stay:
    """The option's coordinator (see `stay_writable_by`) confirms a requested (or waiting) stay.

    Capacity: on every night of the stay, the confirmed stays at the option plus this one must fit in
    `beds_per_night`. When a night is full the stay stays as it was and a ValidationError names the night; the
    coordinator can then put it on the waiting list (`stay_wait`). A stay whose case was closed meanwhile is
    not confirmed, nor one whose consent is no longer complete (`_require_consent`). Whoever asked for the stay
    and the parents with custody get a notice after commit.

    Races: two coordinators confirming stays at the same option could each count the last bed free. So the
    option's row is locked (select_for_update) before counting, in the same transaction as the update:
    confirmations at one option happen one after the other, whatever the timing.
    """
    _check_decides(actor, stay)
    with transaction.atomic():
        option, locked = _locked(stay)
        if locked.status not in (Stay.Status.REQUESTED, Stay.Status.WAITING):
            raise _not_now(locked)
        _require_consent(option, locked.case.young_person)
        if not locked.case.is_open:
            raise ValidationError(_("The case of this child was closed. Refuse or cancel the stay instead."))
        full = _first_full_night(option, locked.arrival, locked.departure)
        if full is not None:
            raise ValidationError(
                _("There is no bed left on %(date)s.") % {"date": formats.date_format(full)}, code="full"
            )
        locked.status = Stay.Status.CONFIRMED
        locked.decided_by = actor
        locked.save(update_fields=["status", "decided_by", "updated_at"])
        notify(
            _requester_and_parents(locked),
            notice=gettext_lazy("A stay was confirmed. There is a bed for every night."),
            path=_stay_path(locked),
        )
    return locked


def stay_wait(*, actor: User, stay: Stay) -> Stay:
    """The option's coordinator puts a requested stay on the waiting list (for when a bed frees).
    Whoever asked for the stay and the parents with custody get a notice after commit.

    Races: the stay row is locked (select_for_update, after the option row as everywhere here) so a cancellation
    or a confirmation at the same time is not overwritten.
    """
    _check_decides(actor, stay)
    with transaction.atomic():
        _option, locked = _locked(stay)
        if locked.status != Stay.Status.REQUESTED:
            raise _not_now(locked)
        locked.status = Stay.Status.WAITING
        locked.decided_by = actor
        locked.save(update_fields=["status", "decided_by", "updated_at"])
        notify(
            _requester_and_parents(locked),
            notice=gettext_lazy("A stay is on the waiting list. We let you know when a bed comes free."),
            path=_stay_path(locked),
        )
    return locked


def stay_refuse(*, actor: User, stay: Stay, reason: str) -> Stay:
    """The option's coordinator refuses a requested or waiting stay, with a reason. Whoever asked
    for the stay and the parents with custody get a notice (without the reason) after commit.

    Races: as in `stay_wait`, the option and stay rows are locked so a decision at the same time is not lost.
    """
    _check_decides(actor, stay)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Write down why, in a few words.")})
    with transaction.atomic():
        _option, locked = _locked(stay)
        if locked.status not in (Stay.Status.REQUESTED, Stay.Status.WAITING):
            raise _not_now(locked)
        locked.status = Stay.Status.REFUSED
        locked.decided_by = actor
        locked.refusal_reason = reason
        locked.save(update_fields=["status", "decided_by", "refusal_reason", "updated_at"])
        # The reason stays behind the login: the notice only says that there is news.
        notify(
            _requester_and_parents(locked),
            notice=gettext_lazy("A stay was refused. You can read why in Dichtbij."),
            path=_stay_path(locked),
        )
    return locked


def stay_cancel(*, actor: User, stay: Stay) -> Stay:
    """Cancel a requested, waiting or confirmed stay: by whoever asked for it, a parent or guardian with custody
    of the child, someone who works on the case, or a coordinator of the option's organisation.

    When a confirmed stay is cancelled its beds are free again, and in the same transaction the first stay on the
    waiting list at this option (oldest first) whose nights now all have a bed free goes back to "requested" with
    `offered_at` set, so the coordinator sees it first and confirms it. The option's named coordinator (or every
    coordinator, as in `stay_request`) and whoever asked for that stay (and the child's parents with custody) get a
    notice after commit.

    Races: the option's row is locked (select_for_update) before the stay and before counting, as in
    `stay_confirm`, so the freed bed is offered while no confirmation can take it in between.
    """
    allowed = (
        stay.requested_by_id == actor.pk
        or _is_coordinator(actor, stay.option)
        or case_writable_by(actor).filter(pk=stay.case_id).exists()
        or _has_custody(actor, stay.case)
    )
    if not allowed:
        raise PermissionDenied(_("You may not cancel this stay."))
    with transaction.atomic():
        option, locked = _locked(stay)
        if locked.status not in LIVE_STATUSES:
            raise _not_now(locked)
        freed_a_bed = locked.status == Stay.Status.CONFIRMED
        locked.status = Stay.Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        if freed_a_bed:
            waiting = Stay.objects.filter(
                option=option,
                status=Stay.Status.WAITING,
                arrival__lt=locked.departure,
                departure__gt=locked.arrival,
            ).order_by("created_at", "pk")
            for candidate in waiting:
                if _first_full_night(option, candidate.arrival, candidate.departure) is None:
                    candidate.status = Stay.Status.REQUESTED
                    candidate.offered_at = timezone.now()
                    candidate.save(update_fields=["status", "offered_at", "updated_at"])
                    notify(
                        [*_deciders(option), *_requester_and_parents(candidate)],
                        notice=gettext_lazy("A bed came free for a stay on the waiting list. Please have a look."),
                        path=_stay_path(candidate),
                    )
                    break
    return locked


def _new_token() -> str:
    # 32 random bytes: 43 URL-safe characters, far beyond guessing.
    return secrets.token_urlsafe(32)


def _check_host(actor: User, volunteer: Volunteer) -> None:
    if volunteer.user_id != actor.pk:
        raise PermissionDenied(_("Only the support family itself can see its calendar address."))
    if not RespiteOption.objects.filter(volunteer=volunteer, kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS).exists():
        raise PermissionDenied(_("There are no stays at your home, so there is no calendar."))


def calendarfeed_get_or_create(*, actor: User, volunteer: Volunteer) -> HostCalendarFeed:
    """The support family's private calendar address, made (with a new secret token) the first time it is asked
    for. Only the family itself may ask, and only when its beds are a respite option.

    Races: two first requests at once both try to insert; the one-to-one on the volunteer lets one win and
    `get_or_create` then reads the winner's row.
    """
    _check_host(actor, volunteer)
    feed, _created = HostCalendarFeed.objects.get_or_create(volunteer=volunteer, defaults={"token": _new_token()})
    return feed


def calendarfeed_renew(*, actor: User, volunteer: Volunteer) -> HostCalendarFeed:
    """Give the support family's calendar a new secret address; the old address stops working at once (it is no
    longer in the table, so the feed answers 404). Made when there was none yet.

    Races: the feed row is locked (select_for_update) so two renewals at once end with one token, not a mix.
    """
    _check_host(actor, volunteer)
    with transaction.atomic():
        feed = HostCalendarFeed.objects.select_for_update().filter(volunteer=volunteer).first()
        if feed is None:
            return HostCalendarFeed.objects.create(volunteer=volunteer, token=_new_token())
        feed.token = _new_token()
        feed.save(update_fields=["token", "renewed_at"])
    return feed
