"""Respite (logeren): places where a child can stay a few nights so the parents get a break, the stays booked
there, and a support family's private calendar of the stays at their home."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from volunteers.models import Volunteer
from youth.models import Case


class RespiteOption(models.Model):
    """A place where a child can stay a few nights (logeren) so the parents get a break: the spare beds of a
    support family, or a logeerhuis (stay house) run by an organisation. The organisation's coordinators decide
    on stays; `beds_per_night` is the most children that can sleep there on one night. One of them is named as
    its `coordinator`: the person families see, and the one who hears of new requests."""

    class Kind(models.TextChoices):
        SUPPORT_FAMILY_BEDS = "support_family_beds", _("beds at a support family")
        STAY_HOUSE = "stay_house", _("stay house (logeerhuis)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Only for support_family_beds: the support family whose beds these are.
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="respite_options",
        verbose_name=_("support family"),
    )
    name = models.CharField(_("name"), max_length=150)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="respite_options", verbose_name=_("organisation")
    )
    beds_per_night = models.PositiveSmallIntegerField(
        _("beds per night"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    age_min = models.PositiveSmallIntegerField(_("from age"), default=0)
    age_max = models.PositiveSmallIntegerField(_("up to age"), default=23)
    rules = models.TextField(_("house rules"), blank=True)
    # A coordinator of `organisation` (checked by the services). SET_NULL, not PROTECT: naming someone is a
    # current responsibility, not a record of what they did, so it must not stop their account from being removed;
    # without a name every coordinator of the organisation hears of new requests. Empty also for options from
    # before coordinators were named, in an organisation that had none.
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordinated_respite_options",
        verbose_name=_("coordinator"),
    )
    active = models.BooleanField(_("open for bookings"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(beds_per_night__gte=1), name="respiteoption_beds_positive"),
            models.CheckConstraint(condition=Q(age_min__lte=F("age_max")), name="respiteoption_age_range_ordered"),
            # A support family's beds belong to that family; a stay house belongs to no volunteer.
            models.CheckConstraint(
                condition=(Q(kind="support_family_beds") & Q(volunteer__isnull=False))
                | (Q(kind="stay_house") & Q(volunteer__isnull=True)),
                name="respiteoption_volunteer_iff_family_beds",
            ),
        ]
        verbose_name = _("respite option")
        verbose_name_plural = _("respite options")

    def __str__(self) -> str:
        return self.name


class HostCalendarFeed(models.Model):
    """The secret address of a support family's private calendar (iCalendar) of the stays at their home. Anyone
    with the address can read the feed, so it says no more than a first name, and the family can renew the
    address at any time, which makes the old one stop working."""

    volunteer = models.OneToOneField(
        Volunteer, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("support family")
    )
    token = models.CharField(max_length=64, unique=True)
    renewed_at = models.DateTimeField(_("renewed at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.volunteer)


class Stay(models.Model):
    """A child's short stay at a respite option: the nights arrival … departure - 1.

    A stay takes one bed on each of its nights. A parent who comes along (`with_parent`) does not take a second
    bed: a stay with a parent is planned as one family room, so capacity counts stays, not people.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")
        REFUSED = "refused", _("refused")

    option = models.ForeignKey(
        RespiteOption, on_delete=models.PROTECT, related_name="stays", verbose_name=_("respite option")
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="stays", verbose_name=_("case"))
    arrival = models.DateField(_("arrival"))
    departure = models.DateField(_("departure"))
    with_parent = models.BooleanField(_("a parent comes along"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    refusal_reason = models.TextField(_("reason for refusing"), blank=True)
    # Set when a cancellation freed the beds this waiting stay needs and it went back to "requested": the
    # coordinator should look at these first.
    offered_at = models.DateTimeField(_("a bed came free at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        # Stays offered a freed bed come first, then first come, first served.
        ordering = [F("offered_at").asc(nulls_last=True), "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(departure__gt=F("arrival")), name="stay_departure_after_arrival"),
        ]
        indexes = [models.Index(fields=["option", "status", "arrival"], name="stay_option_status_arrival")]
        verbose_name = _("stay")
        verbose_name_plural = _("stays")

    def __str__(self) -> str:
        return f"{self.case.young_person} – {self.option} ({self.arrival} – {self.departure})"

    @property
    def nights(self) -> list[date]:
        """The nights of the stay: arrival up to the night before departure."""
        return [self.arrival + timedelta(days=n) for n in range((self.departure - self.arrival).days)]
