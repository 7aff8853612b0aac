"""Support families: a vraaggezin's request for support, and the match with a steungezin that answers it.

The request is kept minimal for now (what for, wishes); the full intake comes later. A match moves through the
states in hostfamilies/states.py, only through `hostfamilies.services.match_move`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from hostfamilies.states import FINISHED_STATES, State
from volunteers.models import Volunteer
from youth.models import Case


class SupportRequest(models.Model):
    """A family's request for a support family. The children are the case's young person (more may come later)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for a support family")
        MATCHED = "matched", _("matched")
        WITHDRAWN = "withdrawn", _("withdrawn")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="support_requests", verbose_name=_("case"))
    # The coordinator's organisation that looks for the support family; it can differ from the case's.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="support_requests", verbose_name=_("organisation")
    )
    what_for = models.CharField(_("what the family needs support for"), max_length=200)
    wishes = models.TextField(
        _("wishes"), blank=True, help_text=_("For example: weekend stays, weekday afternoons, how often.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")

    def __str__(self) -> str:
        return f"{self.case} – {self.what_for}"


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
        ]
        indexes = [models.Index(fields=["volunteer", "state"], name="supportfamilymatch_vol_state")]
        verbose_name = _("support-family match")
        verbose_name_plural = _("support-family matches")

    def __str__(self) -> str:
        return f"{self.volunteer} – {self.request}"

    @property
    def is_open(self) -> bool:
        return self.state not in FINISHED_STATES
