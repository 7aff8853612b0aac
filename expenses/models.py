"""Expense claims: what a volunteer asks back for kilometres driven and costs made (vrijwilligersvergoeding).

The amount is computed once, at submission, with the organisation's rate of that day and stored: a later change
of the rate must not change what was already claimed or paid.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from volunteers.models import Volunteer


class ExpenseClaim(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("waiting for a decision")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    # Claims are kept when a volunteer stops (tax law), so a volunteer with claims cannot be deleted.
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="expense_claims", verbose_name=_("volunteer")
    )
    date = models.DateField(_("date of the activity"))
    kilometres = models.DecimalField(_("kilometres"), max_digits=6, decimal_places=1)
    costs = models.DecimalField(_("costs (€)"), max_digits=7, decimal_places=2)
    description = models.CharField(_("what was it for"), max_length=200)
    amount = models.DecimalField(_("amount (€)"), max_digits=8, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusing"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("submitted on"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["volunteer", "date"], name="expenseclaim_volunteer_date")]
        constraints = [
            models.CheckConstraint(condition=Q(kilometres__gte=0), name="expenseclaim_kilometres_not_negative"),
            models.CheckConstraint(condition=Q(costs__gte=0), name="expenseclaim_costs_not_negative"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="expenseclaim_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "approved", "refused"]), name="expenseclaim_status_known"
            ),
            # A decision always says who and when; a claim still waiting has neither.
            models.CheckConstraint(
                condition=Q(status="submitted", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status="submitted") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="expenseclaim_decision_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="expenseclaim_refusal_has_reason"
            ),
        ]
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")

    def __str__(self) -> str:
        return f"{self.volunteer} {self.date:%Y-%m-%d} {self.amount}"
