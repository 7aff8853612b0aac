"""Writes about volunteers: registration, screening, VOG reminders, pausing and stopping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Municipality, Organisation, Role, User
from accounts.services import user_invite
from core.geo import geocode
from volunteers.models import (
    AvailabilityException,
    AvailabilitySlot,
    HomeVisit,
    Household,
    HouseholdMember,
    Intake,
    Reference,
    VogCheck,
    Volunteer,
    VolunteerKind,
    VolunteerRole,
)
from volunteers.selectors import REFERENCES_NEEDED, VOG_REMINDER_BEFORE, policy_for


@dataclass(frozen=True)
class HouseholdData:
    adults: list[str]
    children: list[tuple[str, int]]  # first name, age
    pets: str
    smoking: bool
    beds_for_stays: int


def volunteer_register(
    *,
    email: str,
    first_name: str,
    last_name: str,
    phone: str,
    organisation: Organisation,
    kinds: list[str],
    home_place: str,
    home_postcode: str,
    municipality: Municipality,
    travel_radius_km: int,
    capacity: int,
    availability: list[tuple[int, str]],
    unavailable_from: date | None,
    unavailable_to: date | None,
    experience: list[str],
    interests: str,
    languages: list[str],
    preferred_age_min: int,
    preferred_age_max: int,
    preferred_gender: str,
    culture_or_religion: str,
    household: HouseholdData | None,
    signed_in: User | None = None,
) -> Volunteer | None:
    """Register a volunteer with an account (a link to choose a password is emailed) and everything they told us.

    The place is looked up and every rule checked before anything is written; then all is written in one
    transaction, so a refusal saves nothing half.

    An email address that already has an account (someone else's than `signed_in`'s, or an existing volunteer's)
    is not refused: that would tell anyone who tries an address that its owner has an account here, and so may be
    a youth-care client or a parent. Nothing is written and None is returned; the page answers as for a new
    registration, and the owner of the address gets an email instead (`_send_known_address_notice`), which tells
    the requester nothing. Every other check runs first, so a form with mistakes answers the same for both too.
    """
    errors: dict[str, str] = {}
    if not kinds:
        errors["kinds"] = _("Choose at least one way to volunteer.")
    if preferred_age_min > preferred_age_max:
        errors["preferred_age_max"] = _("The highest age must be at least the lowest age.")
    if VolunteerKind.SUPPORT_FAMILY in kinds and (household is None or not household.adults):
        errors["adults"] = _("A support family has at least one adult. Fill in the adults who live in the house.")
    if unavailable_from and unavailable_to and unavailable_to < unavailable_from:
        errors["unavailable_to"] = _("The last day cannot be before the first day.")
    if not availability:
        errors["availability"] = _("Choose at least one part of the week when you are free.")
    if errors:
        raise ValidationError(errors)
    place = geocode(home_place)
    existing = User.objects.filter(email__iexact=email.strip()).first()
    if existing is not None and (existing != signed_in or Volunteer.objects.filter(user=existing).exists()):
        # Also never hangs a volunteer profile on somebody else's account, nor registers anyone twice.
        transaction.on_commit(lambda: _send_known_address_notice(existing))
        return None
    with transaction.atomic():
        user = user_invite(
            email=email, first_name=first_name, last_name=last_name, role=Role.VOLUNTEER, organisation=organisation
        )
        volunteer = Volunteer.objects.create(
            user=user,
            organisation=organisation,
            phone=phone,
            home_place=place.name,
            home_postcode=home_postcode,
            municipality=municipality,
            latitude=place.latitude,
            longitude=place.longitude,
            travel_radius_km=travel_radius_km,
            capacity=capacity,
            experience=experience,
            interests=interests,
            languages=languages,
            preferred_age_min=preferred_age_min,
            preferred_age_max=preferred_age_max,
            preferred_gender=preferred_gender,
            culture_or_religion=culture_or_religion,
        )
        VolunteerRole.objects.bulk_create(VolunteerRole(volunteer=volunteer, kind=kind) for kind in kinds)
        AvailabilitySlot.objects.bulk_create(
            AvailabilitySlot(volunteer=volunteer, weekday=day, day_part=part) for day, part in availability
        )
        if unavailable_from and unavailable_to:
            AvailabilityException.objects.create(
                volunteer=volunteer, starts_on=unavailable_from, ends_on=unavailable_to, reason=_("holiday")
            )
        if household is not None and VolunteerKind.SUPPORT_FAMILY in kinds:
            _household_create(volunteer=volunteer, data=household)
    return volunteer


def _send_known_address_notice(user: User) -> None:
    """Tell the owner of an address that someone registered as a volunteer with it, and how to log in or choose a
    new password if it was them. Nothing the requester typed is in it (it may not have been the owner)."""
    if not user.email:  # found by its address, so it has one; the check keeps the type honest
        return
    context = {
        "user": user,
        "login_url": f"{settings.SITE_URL}{reverse('account_login')}",
        "reset_url": f"{settings.SITE_URL}{reverse('account_reset_password')}",
    }
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            subject=render_to_string("volunteers/email/known_address_subject.txt", context).strip(),
            message=render_to_string("volunteers/email/known_address_message.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )


def _household_create(*, volunteer: Volunteer, data: HouseholdData) -> None:
    home = Household.objects.create(
        volunteer=volunteer, pets=data.pets, smoking=data.smoking, beds_for_stays=data.beds_for_stays
    )
    this_year = timezone.localdate().year
    HouseholdMember.objects.bulk_create(
        [HouseholdMember(household=home, first_name=name, is_adult=True) for name in data.adults]
        + [
            HouseholdMember(household=home, first_name=name, is_adult=False, birth_year=this_year - age)
            for name, age in data.children
        ]
    )


def intake_record(*, actor: User, volunteer: Volunteer, held_on: date, outcome: str, note: str) -> Intake:
    """Record (or correct) the intake conversation."""
    _refuse_future(held_on, "held_on")
    intake, _created = Intake.objects.update_or_create(
        volunteer=volunteer, defaults={"held_on": held_on, "outcome": outcome, "note": note, "recorded_by": actor}
    )
    return intake


def home_visit_record(*, actor: User, volunteer: Volunteer, held_on: date, outcome: str, note: str) -> HomeVisit:
    """Record (or correct) the home visit of a support family."""
    _refuse_future(held_on, "held_on")
    visit, _created = HomeVisit.objects.update_or_create(
        volunteer=volunteer, defaults={"held_on": held_on, "outcome": outcome, "note": note, "recorded_by": actor}
    )
    return visit


def reference_add(*, volunteer: Volunteer, name: str, relation: str, contact: str) -> Reference:
    """Add a reference; two are asked, a third is refused so the list stays what the policy asks."""
    with transaction.atomic():
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
        if volunteer.references.count() >= REFERENCES_NEEDED:
            raise ValidationError(_("There are already two references."))
        return Reference.objects.create(volunteer=volunteer, name=name, relation=relation, contact=contact)


def reference_record(*, reference: Reference, contacted_on: date, outcome: str) -> Reference:
    """Record that a reference was contacted, and what they said (as an outcome, not their words)."""
    _refuse_future(contacted_on, "contacted_on")
    reference.contacted_on, reference.outcome = contacted_on, outcome
    reference.save(update_fields=["contacted_on", "outcome"])
    return reference


def vog_request(*, volunteer: Volunteer, requested_on: date) -> VogCheck:
    """Note that a VOG was requested (at Justis, free for volunteers in this field)."""
    _refuse_future(requested_on, "requested_on")
    return VogCheck.objects.create(volunteer=volunteer, requested_on=requested_on)


def vog_receive(*, actor: User, vog: VogCheck, received_on: date, issued_on: date, screening_profile: str) -> VogCheck:
    """Record a received VOG: who checked it, and until when it counts (the organisation's policy, default three
    years after issue). Schedules the reminder eight weeks before it expires, in the same transaction."""
    _refuse_future(received_on, "received_on")
    _refuse_future(issued_on, "issued_on")
    if issued_on > received_on:
        raise ValidationError({"issued_on": _("The date of issue cannot be after the day it was received.")})
    if issued_on < vog.requested_on - timedelta(days=1):
        raise ValidationError({"issued_on": _("The date of issue cannot be before the request.")})
    years = policy_for(vog.volunteer.organisation_id).vog_valid_years
    with transaction.atomic():
        vog.received_on, vog.issued_on, vog.screening_profile = received_on, issued_on, screening_profile
        vog.checked_by = actor
        vog.valid_until = _add_years(issued_on, years)
        vog.reminder_sent_on = None
        vog.save()
        # tasks.py imports this module to run the work: imported at call time to break the cycle.
        from volunteers.tasks import vog_expiry_reminder

        remind_at = timezone.make_aware(datetime.combine(vog.valid_until - VOG_REMINDER_BEFORE, time(9)))
        vog_expiry_reminder.using(run_after=max(remind_at, timezone.now())).enqueue(vog.pk)
    return vog


def vog_remind(*, vog_id: int) -> bool:
    """Email the volunteer and their coordinators that the VOG expires soon. Does nothing when a newer VOG was
    requested, the volunteer stopped, or the reminder went out already; returns whether it sent."""
    with transaction.atomic():
        vog = VogCheck.objects.select_for_update().select_related("volunteer__user").filter(pk=vog_id).first()
        if vog is None or vog.reminder_sent_on or vog.valid_until is None:
            return False
        volunteer = vog.volunteer
        newer = volunteer.vog_checks.filter(requested_on__gt=vog.requested_on).exists()
        if newer or volunteer.status == Volunteer.Status.STOPPED:
            return False
        coordinators = User.objects.filter(
            roles__role=Role.COORDINATOR, roles__organisation=volunteer.organisation_id, is_active=True
        ).distinct()
        # Accounts without an email address (reachable by phone only) are left out of this email.
        emails = [volunteer.user.email, *coordinators.values_list("email", flat=True)]
        recipients = [address for address in emails if address]
        context = {"volunteer": volunteer, "vog": vog, "url": f"{settings.SITE_URL}/vrijwilligers/mijn/"}
        with translation.override(settings.LANGUAGE_CODE):
            send_mail(
                subject=_("Your certificate of conduct (VOG) expires soon"),
                message=render_to_string("volunteers/email/vog_reminder.txt", context),
                from_email=None,
                recipient_list=recipients,
            )
        vog.reminder_sent_on = timezone.localdate()
        vog.save(update_fields=["reminder_sent_on"])
    return True


def volunteer_pause(*, volunteer: Volunteer) -> Volunteer:
    """Pause: no new proposals until the volunteer starts again."""
    return _status_set(volunteer, Volunteer.Status.PAUSED)


def volunteer_resume(*, volunteer: Volunteer) -> Volunteer:
    """Start again after a pause."""
    if volunteer.status == Volunteer.Status.STOPPED:
        raise ValidationError(_("You have stopped. Register again if you want to volunteer again."))
    return _status_set(volunteer, Volunteer.Status.ACTIVE)


def volunteer_stop(*, volunteer: Volunteer) -> Volunteer:
    """Stop volunteering. The profile is erased after the organisation's retention period (see volunteer_erase);
    until then the coordinator can still see the history."""
    with transaction.atomic():
        _status_set(volunteer, Volunteer.Status.STOPPED)
        volunteer.erase_after = timezone.localdate() + timedelta(
            days=policy_for(volunteer.organisation_id).retention_days
        )
        volunteer.save(update_fields=["erase_after"])
        # tasks.py imports this module to run the work: imported at call time to break the cycle.
        from volunteers.tasks import volunteer_erase_when_due

        erase_at = timezone.make_aware(datetime.combine(volunteer.erase_after, time(3)))
        volunteer_erase_when_due.using(run_after=erase_at).enqueue(volunteer.pk)
    return volunteer


def volunteer_erase(*, volunteer_id: int) -> bool:
    """Remove what a stopped volunteer's profile held beyond what must be kept: household, availability,
    experience, interests, preferences, references and notes. Kept: name, organisation, the dates of screening
    (who checked which VOG when: evidence that the organisation screened) and expense claims (tax law)."""
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().filter(pk=volunteer_id).first()
        if volunteer is None or volunteer.status != Volunteer.Status.STOPPED:
            return False
        if volunteer.erase_after is None or volunteer.erase_after > timezone.localdate():
            return False
        Household.objects.filter(volunteer=volunteer).delete()
        volunteer.availability.all().delete()
        volunteer.exceptions.all().delete()
        volunteer.references.all().delete()
        Intake.objects.filter(volunteer=volunteer).update(note="")
        HomeVisit.objects.filter(volunteer=volunteer).update(note="")
        volunteer.phone = volunteer.home_postcode = volunteer.interests = volunteer.culture_or_religion = ""
        volunteer.experience, volunteer.languages = [], []
        volunteer.save()
    return True


def _status_set(volunteer: Volunteer, status: str) -> Volunteer:
    volunteer.status = status
    volunteer.status_changed_at = timezone.now()
    volunteer.save(update_fields=["status", "status_changed_at"])
    return volunteer


def _refuse_future(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def availability_set(*, volunteer: Volunteer, slots: list[tuple[int, str]]) -> None:
    """Replace the weekly pattern of day parts the volunteer is usually free."""
    if not slots:
        raise ValidationError({"availability": _("Choose at least one part of the week when you are free.")})
    with transaction.atomic():
        volunteer.availability.all().delete()
        AvailabilitySlot.objects.bulk_create(
            AvailabilitySlot(volunteer=volunteer, weekday=day, day_part=part) for day, part in slots
        )


def unavailability_add(*, volunteer: Volunteer, starts_on: date, ends_on: date, reason: str) -> AvailabilityException:
    """Add dates on which the volunteer cannot, whatever the weekly pattern says (a holiday, a busy week)."""
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day cannot be before the first day.")})
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": _("These dates are in the past.")})
    return AvailabilityException.objects.create(
        volunteer=volunteer, starts_on=starts_on, ends_on=ends_on, reason=reason
    )
