"""Reads of expense claims. Every access goes through `claim_visible_to` / `claim_get_for`.

Who sees what:
- a volunteer: their own claims (read-only; withdrawing is checked by the service);
- a coordinator: the claims of the volunteers of the organisations where they are coordinator, and decides them;
- everyone else: none. Claims are personal financial data; analysts and administrators see them nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import AnyUser, has_role, organisation_ids_where
from core.paging import words_in
from core.selectors import object_get_for
from expenses.models import ExpenseClaim
from volunteers import selectors as volunteers_selectors
from volunteers.models import Volunteer, VolunteerPolicy

# Claims that use up the yearly maximum: a refused claim gives its room back.
COUNTING = (ExpenseClaim.Status.SUBMITTED, ExpenseClaim.Status.APPROVED)


def claim_writable_by(user: AnyUser) -> QuerySet[ExpenseClaim]:
    """Claims the user may decide: those of volunteers in organisations where the user is coordinator."""
    organisation_ids = organisation_ids_where(user, Role.COORDINATOR)
    if not organisation_ids:
        return ExpenseClaim.objects.none()
    return ExpenseClaim.objects.filter(volunteer__organisation_id__in=organisation_ids)


def claim_visible_to(user: AnyUser) -> QuerySet[ExpenseClaim]:
    """Claims the user may see: their own as a volunteer, and the ones they decide as coordinator."""
    if not user.is_authenticated:
        return ExpenseClaim.objects.none()
    scope: Q | None = None
    if has_role(user, Role.VOLUNTEER):
        scope = Q(volunteer__user=user)
    coordinator_orgs = organisation_ids_where(user, Role.COORDINATOR)
    if coordinator_orgs:
        coordinated = Q(volunteer__organisation_id__in=coordinator_orgs)
        scope = coordinated if scope is None else scope | coordinated
    if scope is None:
        return ExpenseClaim.objects.none()
    return ExpenseClaim.objects.filter(scope)


def claim_get_for(user: AnyUser, pk: int, write: bool = False) -> ExpenseClaim:
    """One claim: 404 when the user may not see it, 403 when `write` (deciding) is asked by someone who only reads."""
    visible = claim_visible_to(user).select_related("volunteer__user", "volunteer__organisation", "decided_by")
    return object_get_for(visible, claim_writable_by(user), pk, write=write)


def volunteer_own(user: AnyUser) -> Volunteer | None:
    """The user's own volunteer profile when they hold the volunteer role, else None."""
    # The claim rule names the role: a profile whose volunteer role was taken away claims nothing.
    if not has_role(user, Role.VOLUNTEER):
        return None
    return volunteers_selectors.volunteer_own(user)


def expense_policy_for(organisation_id: int) -> VolunteerPolicy:
    """The organisation's rate per kilometre and yearly maximum; the model's defaults when it set none."""
    return volunteers_selectors.policy_for(organisation_id)


def claimed_in_year(*, volunteer: Volunteer, year: int) -> dict[str, Decimal]:
    """Totals of the volunteer's claims per status for activities in `year` (one query)."""
    rows = (
        ExpenseClaim.objects.filter(volunteer=volunteer, date__year=year)
        .values("status")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    totals = {status: Decimal("0.00") for status in ExpenseClaim.Status.values}
    totals.update({row["status"]: row["total"] for row in rows})
    return totals


@dataclass(frozen=True)
class YearSummary:
    """What a volunteer claimed in one calendar year and how much room is left."""

    year: int
    approved: Decimal
    submitted: Decimal
    maximum: Decimal
    rate_per_km: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.maximum - self.approved - self.submitted, Decimal("0.00"))


def claim_year_summary(*, volunteer: Volunteer, year: int | None = None) -> YearSummary:
    """The volunteer's approved and waiting totals for a calendar year (default: this year, by activity date),
    with the organisation's maximum and rate."""
    year = year or timezone.localdate().year
    totals = claimed_in_year(volunteer=volunteer, year=year)
    policy = expense_policy_for(volunteer.organisation_id)
    return YearSummary(
        year=year,
        approved=totals[ExpenseClaim.Status.APPROVED],
        submitted=totals[ExpenseClaim.Status.SUBMITTED],
        maximum=policy.expense_yearly_maximum,
        rate_per_km=policy.expense_rate_per_km,
    )


def claim_list_own(*, volunteer: Volunteer, today: date | None = None) -> QuerySet[ExpenseClaim]:
    """The volunteer's claims for this year, and any older one still waiting (a December trip claimed in
    January must not vanish from the list)."""
    year = (today or timezone.localdate()).year
    return (
        ExpenseClaim.objects.filter(volunteer=volunteer)
        .filter(Q(date__year=year) | Q(status=ExpenseClaim.Status.SUBMITTED))
        .select_related("decided_by")
        .order_by("-date", "-pk")
    )


def _claim_search(claims: QuerySet[ExpenseClaim], text: str) -> QuerySet[ExpenseClaim]:
    # Every word of the search box in the volunteer's name or place.
    return words_in(
        claims, text, ["volunteer__user__first_name", "volunteer__user__last_name", "volunteer__home_place"]
    )


def claim_list_waiting(user: AnyUser, *, text: str = "") -> QuerySet[ExpenseClaim]:
    """Claims waiting for the coordinator's decision, oldest activity first, narrowed by the search box. A
    coordinator who also volunteers does not see their own claims here: another coordinator decides them."""
    if not user.is_authenticated:
        return ExpenseClaim.objects.none()
    return _claim_search(
        claim_writable_by(user)
        .filter(status=ExpenseClaim.Status.SUBMITTED)
        .exclude(volunteer__user=user)
        .select_related("volunteer__user", "volunteer__organisation"),
        text,
    ).order_by("date", "pk")


def claim_list_decided(user: AnyUser, *, text: str = "", status: str = "") -> QuerySet[ExpenseClaim]:
    """The coordinator's decided claims, the most recent decision first (a list pages through them), narrowed by
    the search box and to one decision (`status`: approved or refused) when asked."""
    claims = claim_writable_by(user).exclude(status=ExpenseClaim.Status.SUBMITTED)
    if status:
        claims = claims.filter(status=status)
    return _claim_search(
        claims.select_related("volunteer__user", "volunteer__organisation", "decided_by"), text
    ).order_by("-decided_at", "-pk")
