"""Writes about expense claims: submit, decide, withdraw."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import organisation_ids_where
from expenses.models import ExpenseClaim
from expenses.money import euro
from expenses.selectors import COUNTING, expense_policy_for
from volunteers.models import Volunteer

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def claim_amount(*, kilometres: Decimal, costs: Decimal, rate_per_km: Decimal) -> Decimal:
    """Kilometres times the rate, rounded to the cent (half up, as people round), plus the costs."""
    return (kilometres * rate_per_km).quantize(CENT, rounding=ROUND_HALF_UP) + costs.quantize(CENT)


def _one_year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February): the oldest activity date still claimable."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def claim_submit(
    *, volunteer: Volunteer, date: date, kilometres: Decimal, costs: Decimal, description: str
) -> ExpenseClaim:
    """Submit a claim for one activity; the amount is computed now with the organisation's rate and stored.

    Refused: a date in the future or more than a year back, negative numbers, a claim of €0, and a claim that
    would bring the volunteer's submitted and approved claims in that calendar year (by activity date) over the
    organisation's yearly maximum. Two submissions at the same moment could each fit alone and together exceed
    the maximum, so the check and the insert run under a row lock on the volunteer (select_for_update).
    """
    today = timezone.localdate()
    if date > today:
        raise ValidationError({"date": _("This date is in the future. You can only claim costs you already made.")})
    if date < _one_year_before(today):
        raise ValidationError({"date": _("This date is more than a year ago. You can no longer claim for it.")})
    if kilometres < 0 or costs < 0:
        raise ValidationError(_("Kilometres and costs cannot be negative."))
    description = description.strip()
    if not description:
        raise ValidationError({"description": _("Write in a few words what the claim is for.")})
    # Rounded as the columns store them, so the stored amount always follows from the stored numbers.
    kilometres = kilometres.quantize(TENTH, rounding=ROUND_HALF_UP)
    costs = costs.quantize(CENT, rounding=ROUND_HALF_UP)
    policy = expense_policy_for(volunteer.organisation_id)
    amount = claim_amount(kilometres=kilometres, costs=costs, rate_per_km=policy.expense_rate_per_km)
    if amount <= 0:
        raise ValidationError(_("This claim is € 0. Fill in kilometres or costs."))
    with transaction.atomic():
        # Only the volunteer's own row: the lock serialises this volunteer's submissions and nothing else.
        Volunteer.objects.select_for_update(of=("self",)).only("pk").get(pk=volunteer.pk)
        already = _counting_total(volunteer=volunteer, year=date.year)
        if already + amount > policy.expense_yearly_maximum:
            raise ValidationError(
                _over_maximum_message(
                    left=max(policy.expense_yearly_maximum - already, Decimal("0.00")),
                    maximum=policy.expense_yearly_maximum,
                    year=date.year,
                    this_year=date.year == today.year,
                )
            )
        return ExpenseClaim.objects.create(
            volunteer=volunteer,
            date=date,
            kilometres=kilometres,
            costs=costs,
            description=description,
            amount=amount,
        )


def _counting_total(*, volunteer: Volunteer, year: int) -> Decimal:
    """What the volunteer's waiting and approved claims for activities in `year` add up to."""
    total = ExpenseClaim.objects.filter(volunteer=volunteer, date__year=year, status__in=COUNTING).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal("0.00")


def _over_maximum_message(*, left: Decimal, maximum: Decimal, year: int, this_year: bool) -> str:
    """The refusal that tells the volunteer how much room is left, for this year or the year of the activity."""
    if this_year:
        return _(
            "With this claim you would get more than the maximum of %(maximum)s per year. "
            "You can claim %(left)s more this year."
        ) % {"maximum": euro(maximum), "left": euro(left)}
    return _(
        "With this claim you would get more than the maximum of %(maximum)s per year. "
        "You can claim %(left)s more for %(year)s."
    ) % {"maximum": euro(maximum), "left": euro(left), "year": year}


def claim_decide(*, actor: User, claim: ExpenseClaim, approve: bool, reason: str) -> ExpenseClaim:
    """Approve or refuse a waiting claim, as coordinator of the volunteer's organisation.

    Refusing needs a reason, which the volunteer sees. Only a claim that is still waiting can be decided: the
    claim row is locked (select_for_update), so two coordinators clicking at once give one decision and one
    clear error. Nobody decides on their own claim.
    """
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Write why you refuse this claim. The volunteer will see it.")})
    with transaction.atomic():
        locked = _locked(claim)
        if locked is None:
            raise ValidationError(_("The volunteer has withdrawn this claim."))
        if locked.volunteer.organisation_id not in organisation_ids_where(actor, Role.COORDINATOR):
            raise ValidationError(_("Only a coordinator of the volunteer's organisation can decide on this claim."))
        if locked.volunteer.user_id == actor.pk:
            raise ValidationError(_("You cannot decide on your own claim. Ask another coordinator."))
        if locked.status != ExpenseClaim.Status.SUBMITTED:
            raise ValidationError(_("This claim has already been decided on."))
        locked.status = ExpenseClaim.Status.APPROVED if approve else ExpenseClaim.Status.REFUSED
        locked.refusal_reason = "" if approve else reason
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    return locked


def claim_withdraw(*, actor: User, claim: ExpenseClaim) -> None:
    """Withdraw (delete) the actor's own claim while it is still waiting; a decided claim is history and stays.

    The claim row is locked (select_for_update) so a withdrawal and a decision at the same moment cannot both
    succeed.
    """
    with transaction.atomic():
        locked = _locked(claim)
        if locked is None or locked.volunteer.user_id != actor.pk:
            raise ValidationError(_("You can only withdraw your own claims."))
        if locked.status != ExpenseClaim.Status.SUBMITTED:
            raise ValidationError(_("This claim has already been decided on. You can no longer withdraw it."))
        locked.delete()


def _locked(claim: ExpenseClaim) -> ExpenseClaim | None:
    """The claim as it is now, with its row locked until the transaction ends; None when it was withdrawn."""
    return (
        ExpenseClaim.objects.select_for_update(of=("self",))
        .select_related("volunteer")
        .filter(pk=claim.pk)
        .order_by()
        .first()
    )
