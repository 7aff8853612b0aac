"""Support families: a vraaggezin's request for support (the intake), the match with a steungezin that answers it,
and its six-monthly reviews. Respite (short stays) has an app of its own, respite/.

A match moves through the states in hostfamilies/states.py, only through `hostfamilies.services.match_move`; its
written agreement is an `agreements.Agreement` attached to the match.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from hostfamilies.states import FINISHED_STATES, State, Visit
from volunteers.models import Volunteer
from youth.models import Case


class SupportRequest(models.Model):
    """A family's request for a support family: the intake of the vraaggezin. The child is the case's young
    person; brothers and sisters who come along are recorded by age only. Only what matching and support need:
    no diagnoses (the reason is in the family's own words), no addresses (a place is enough to find families
    nearby). The family can read and correct it."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for a support family")
        MATCHED = "matched", _("matched")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("every week")
        FORTNIGHTLY = "fortnightly", _("every two weeks")
        MONTHLY = "monthly", _("once a month")
        LESS = "less", _("less than once a month")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="support_requests", verbose_name=_("case"))
    # The coordinator's organisation that looks for the support family; it can differ from the case's.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="support_requests", verbose_name=_("organisation")
    )
    what_for = models.CharField(_("what the family needs support for"), max_length=200)
    other_children_ages = models.JSONField(_("ages of brothers and sisters who come along"), default=list, blank=True)
    wants_weekend_stays = models.BooleanField(_("weekend stays"), default=False)
    wants_weekday_afternoons = models.BooleanField(_("weekday afternoons"), default=False)
    frequency = models.CharField(_("how often"), max_length=12, choices=Frequency.choices, blank=True)
    wishes = models.TextField(_("other wishes"), blank=True)
    # Where the family lives, as a place name; the coordinates find support families nearby.
    home_place = models.CharField(_("place"), max_length=100)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    languages = models.JSONField(_("languages spoken at home"), default=list, blank=True)
    pet_allergy = models.BooleanField(_("allergic to pets"), default=False)
    smoke_free = models.BooleanField(_("needs a smoke-free home"), default=False)
    culture_or_religion = models.CharField(
        _("wishes about culture or religion"),
        max_length=150,
        blank=True,
        help_text=_("Only if the family wants this. For example: a Muslim family, or no pork."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # An organisation's waiting list in its order: the overview's place on the list and the count of those
            # who wait are ranges of it (hostfamilies.selectors.supportrequest_list_for, waiting_list_positions).
            models.Index(fields=["organisation", "status", "created_at", "id"], name="supportrequest_org_status_at"),
            # The overview's list of one status in its order (the waiting ones the longest waiting first, ties the
            # newest first; read backwards, the others newest first), a page at a time.
            models.Index(fields=["status", "created_at", "-id"], name="supportrequest_status_order"),
        ]
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")

    def __str__(self) -> str:
        return f"{self.case} – {self.what_for}"


# For each introduction visit: the match's field with its date and the one with who recorded it.
VISIT_FIELDS: dict[str, tuple[str, str]] = {
    Visit.FAMILY: ("family_visited_on", "family_visit_recorded_by"),
    Visit.HOST: ("host_visited_on", "host_visit_recorded_by"),
    Visit.MEETING: ("families_met_on", "meeting_recorded_by"),
}


class SupportFamilyMatch(models.Model):
    class Outcome(models.TextChoices):
        REACHED = "reached", _("the goals were reached")
        PARTLY = "partly", _("the goals were partly reached")
        NOT_REACHED = "not_reached", _("the goals were not reached")

    request = models.ForeignKey(
        SupportRequest, on_delete=models.PROTECT, related_name="matches", verbose_name=_("support request")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="support_matches", verbose_name=_("support family")
    )
    state = models.CharField(_("step"), max_length=12, choices=State.choices, default=State.PROPOSED)
    trial_weeks = models.PositiveSmallIntegerField(
        _("weeks of trial period"), default=6, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    trial_ends_on = models.DateField(_("trial period ends on"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    # The introduction visits (states.Visit), each the day it happened and the coordinator who recorded it. Both
    # families can say yes only once all three are recorded (services.match_introduction_record, match_move).
    family_visited_on = models.DateField(_("the coordinator visited the family on"), null=True, blank=True)
    family_visit_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visit to the family recorded by"),
    )
    host_visited_on = models.DateField(_("the coordinator visited the support family on"), null=True, blank=True)
    host_visit_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visit to the support family recorded by"),
    )
    families_met_on = models.DateField(_("the two families met on"), null=True, blank=True)
    meeting_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meeting of the families recorded by"),
    )
    family_yes_at = models.DateTimeField(_("the family said yes at"), null=True, blank=True)
    # Who recorded the family's yes: a parent, or the professional on the family's behalf.
    family_yes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    host_yes_at = models.DateTimeField(_("the support family said yes at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A family has one support family at a time; a new one only after the match ended or stopped.
            models.UniqueConstraint(
                fields=["request"],
                condition=~Q(state__in=sorted(FINISHED_STATES)),
                name="supportfamilymatch_one_open_per_request",
            ),
            models.CheckConstraint(condition=Q(trial_weeks__gte=1), name="supportfamilymatch_trial_weeks_positive"),
            # Who recorded a visit is only known together with its date. (A date without a recorder is allowed: the
            # recorder is SET_NULL when their account is removed, and the visit still happened.)
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{on}__isnull": False}) | Q(**{f"{by}__isnull": True}),
                    name=f"supportfamilymatch_{visit}_visit_recorder_has_date",
                )
                for visit, (on, by) in VISIT_FIELDS.items()
            ),
        ]
        indexes = [
            models.Index(fields=["volunteer", "state"], name="supportfamilymatch_vol_state"),
            # The overview lists matches newest first, a page at a time: read backwards, the index gives the page
            # without sorting every visible match first.
            models.Index(fields=["created_at", "id"], name="supportfamilymatch_created"),
        ]
        verbose_name = _("support-family match")
        verbose_name_plural = _("support-family matches")

    def __str__(self) -> str:
        return f"{self.volunteer} – {self.request}"

    @property
    def is_open(self) -> bool:
        return self.state not in FINISHED_STATES

    @property
    def visits_recorded(self) -> bool:
        """Whether all three introduction visits are recorded (the families may say yes only then)."""
        return all(getattr(self, on) is not None for on, _by in VISIT_FIELDS.values())


class MatchReview(models.Model):
    """A review (evaluatie) of a running match with both families, due every six months. The next review is
    planned when the match becomes active and each time one is held; a reminder goes out before it is due."""

    match = models.ForeignKey(
        SupportFamilyMatch, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("support-family match")
    )
    due_on = models.DateField(_("due on"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    family_view = models.TextField(_("how the family thinks it goes"), blank=True)
    host_view = models.TextField(_("how the support family thinks it goes"), blank=True)
    agreed_next = models.TextField(_("what was agreed"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminder_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # One planned review at a time: a new one is planned only when the previous one is held.
            models.UniqueConstraint(
                fields=["match"], condition=Q(held_on__isnull=True), name="matchreview_one_planned_per_match"
            ),
        ]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.match} – {self.due_on}"
