"""Volunteers: who they are, when they can, what they bring, and how far screening has come.

Stored is what matching and support need; culture or religion only when the volunteer chooses to share it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.models import Municipality, Organisation


class VolunteerKind(models.TextChoices):
    SUPPORT_FAMILY = "support_family", _("Support family")
    BUDDY = "buddy", _("Buddy")
    PLUS_BUDDY = "plus_buddy", _("Buddy for 16+ (towards living independently)")
    SOCIAL_BROKER = "social_broker", _("Social broker")


class Experience(models.TextChoices):
    AUTISM = "autism", _("Autism")
    ADHD = "adhd", _("ADHD")
    LVB = "lvb", _("Mild intellectual disability (LVB)")
    TRAUMA = "trauma", _("Trauma")
    DIVORCE = "divorce", _("Divorce")
    DEBT = "debt", _("Debt")
    ADDICTION = "addiction", _("Addiction")


class DayPart(models.TextChoices):
    MORNING = "morning", _("morning")
    AFTERNOON = "afternoon", _("afternoon")
    EVENING = "evening", _("evening")
    OVERNIGHT = "overnight", _("overnight")


class VolunteerStatus(models.TextChoices):
    """`Volunteer.Status`; stated before the model so that its index can name the statuses."""

    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    STOPPED = "stopped", _("stopped")


def pipeline_status_order() -> Case:
    """The coordinator's pipeline lists active volunteers first, then paused, then stopped: the first key of its
    order (volunteers.selectors.volunteer_pipeline_for) and of the index that serves that order."""
    return Case(
        When(status=VolunteerStatus.ACTIVE, then=Value(0)),
        When(status=VolunteerStatus.PAUSED, then=Value(1)),
        default=Value(2),
    )


class Volunteer(models.Model):
    Status = VolunteerStatus

    class Gender(models.TextChoices):
        ANY = "", _("No preference")
        GIRL = "girl", _("Girls")
        BOY = "boy", _("Boys")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("organisation")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    home_place = models.CharField(_("place"), max_length=100)
    home_postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    latitude = models.FloatField()
    longitude = models.FloatField()
    travel_radius_km = models.PositiveSmallIntegerField(
        _("how far you want to travel (km)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    capacity = models.PositiveSmallIntegerField(
        _("how many young people or families at the same time"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    experience = models.JSONField(_("experience"), default=list, blank=True)
    interests = models.CharField(_("interests and hobbies"), max_length=300, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    preferred_age_min = models.PositiveSmallIntegerField(_("from age"), default=0)
    preferred_age_max = models.PositiveSmallIntegerField(_("up to age"), default=23)
    preferred_gender = models.CharField(
        _("boys or girls"), max_length=4, choices=Gender.choices, default=Gender.ANY, blank=True
    )
    culture_or_religion = models.CharField(
        _("culture or religion"),
        max_length=100,
        blank=True,
        help_text=_("Only if you want to share it. Some families ask for this."),
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # When a stopped volunteer's profile is erased (retention policy); what the law requires is kept.
    erase_after = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["user__first_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(preferred_age_min__lte=F("preferred_age_max")), name="volunteer_age_range_ordered"
            ),
        ]
        indexes = [
            # The pipeline's order: a page of it is read from the index instead of joining and sorting every
            # volunteer a coordinator has (9 ms for 1,500 on a region, 0.2 ms so).
            models.Index(pipeline_status_order(), "registered_at", "id", name="volunteer_pipeline_order"),
        ]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return str(self.user)


class VolunteerRole(models.Model):
    """A kind of volunteering the volunteer registered for; one volunteer can have several."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("kind"), max_length=20, choices=VolunteerKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["volunteer", "kind"], name="volunteerrole_unique_kind")]


class Household(models.Model):
    """A support family's household: who lives there, pets, smoking, beds for stays."""

    volunteer = models.OneToOneField(Volunteer, on_delete=models.CASCADE, related_name="household")
    pets = models.CharField(_("pets"), max_length=100, blank=True, help_text=_("For example: a dog and two cats."))
    smoking = models.BooleanField(_("someone smokes in the house"), default=False)
    beds_for_stays = models.PositiveSmallIntegerField(
        _("beds for a child to stay the night"), default=0, validators=[MaxValueValidator(10)]
    )


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    first_name = models.CharField(_("first name"), max_length=100)
    is_adult = models.BooleanField(_("adult"), default=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)

    class Meta:
        ordering = ["-is_adult", "birth_year", "pk"]


class AvailabilitySlot(models.Model):
    """One weekly day part the volunteer is usually free."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])  # 0 = Monday
    day_part = models.CharField(max_length=10, choices=DayPart.choices)

    class Meta:
        ordering = ["weekday", "day_part"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "weekday", "day_part"], name="availabilityslot_unique")
        ]


class AvailabilityException(models.Model):
    """Dates on which the weekly pattern does not hold: holidays, blackout dates."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="exceptions")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="availabilityexception_ordered")
        ]


class VolunteerPolicy(models.Model):
    """An organisation's rules for its volunteers. Without a row the defaults below hold."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="volunteer_policy")
    vog_valid_years = models.PositiveSmallIntegerField(_("a VOG is valid for (years)"), default=3)
    expense_yearly_maximum = models.DecimalField(
        _("maximum expense allowance per year (€)"), max_digits=7, decimal_places=2, default=Decimal("2100.00")
    )
    expense_rate_per_km = models.DecimalField(
        _("allowance per kilometre (€)"), max_digits=4, decimal_places=2, default=Decimal("0.23")
    )
    retention_days = models.PositiveSmallIntegerField(_("days to keep a stopped volunteer's profile"), default=365)

    class Meta:
        verbose_name = _("volunteer policy")
        verbose_name_plural = _("volunteer policies")


class ScreeningStep(models.TextChoices):
    INTAKE = "intake", _("Intake conversation")
    REFERENCES = "references", _("Two references")
    HOME_VISIT = "home_visit", _("Home visit")
    VOG = "vog", _("Certificate of conduct (VOG)")


class ScreeningRequirement(models.Model):
    """A screening step an organisation requires for a kind of volunteer. With no rows: the defaults in services."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="screening_requirements")
    kind = models.CharField(_("kind of volunteer"), max_length=20, choices=VolunteerKind.choices)
    step = models.CharField(_("step"), max_length=20, choices=ScreeningStep.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "step"], name="screeningrequirement_unique")
        ]


class Outcome(models.TextChoices):
    POSITIVE = "positive", _("positive")
    DOUBTS = "doubts", _("positive, with doubts")
    NEGATIVE = "negative", _("negative")


class Intake(models.Model):
    volunteer = models.OneToOneField(Volunteer, on_delete=models.CASCADE, related_name="intake")
    held_on = models.DateField(_("date"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("short note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class HomeVisit(models.Model):
    volunteer = models.OneToOneField(Volunteer, on_delete=models.CASCADE, related_name="home_visit")
    held_on = models.DateField(_("date"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("short note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class Reference(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="references")
    name = models.CharField(_("name"), max_length=150)
    relation = models.CharField(_("how they know the volunteer"), max_length=100)
    contact = models.CharField(_("phone or email"), max_length=150)
    contacted_on = models.DateField(_("contacted on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["pk"]


class VogCheck(models.Model):
    """A certificate of conduct (VOG) from Justis: requested, received, valid until. No scan is stored."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="vog_checks")
    requested_on = models.DateField(_("requested on"))
    received_on = models.DateField(_("received on"), null=True, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    screening_profile = models.CharField(
        _("screening profile"), max_length=100, blank=True, help_text=_("As on the VOG, e.g. 'Minderjarigen'.")
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    reminder_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_on", "-pk"]
        get_latest_by = "requested_on"

    @property
    def is_received(self) -> bool:
        return self.received_on is not None

    def is_valid_on(self, day: date) -> bool:
        return self.valid_until is not None and self.valid_until >= day
