"""Pages about expense claims: a volunteer claims and follows their claims; a coordinator decides."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import has_role
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from core.paging import listing_of
from expenses import selectors, services
from expenses.forms import ClaimForm, ClaimSearchForm, RefuseForm
from expenses.models import ExpenseClaim


@login_required
def claim_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The volunteer's claims and claim form, and the coordinator's claims to decide; POST submits a claim."""
    if not has_role(request.user, Role.VOLUNTEER, Role.COORDINATOR):
        raise PermissionDenied
    volunteer = selectors.volunteer_own(request.user)
    if request.method == "POST" and volunteer is None:
        raise PermissionDenied
    context: dict[str, Any] = {"volunteer": volunteer, "is_volunteer": has_role(request.user, Role.VOLUNTEER)}
    if volunteer is not None:
        summary = selectors.claim_year_summary(volunteer=volunteer)
        form = ClaimForm(request.POST or None, rate_per_km=summary.rate_per_km)
        if request.method == "POST" and form.is_valid():
            try:
                services.claim_submit(volunteer=volunteer, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your claim has been sent. A coordinator will look at it."))
                return redirect("expenses:claim_list")
        context |= {"summary": summary, "form": form, "own_claims": selectors.claim_list_own(volunteer=volunteer)}
    if has_role(request.user, Role.COORDINATOR):
        search = ClaimSearchForm(request.GET)
        text, status = search.value("q") or "", search.value("status") or ""
        # Two lists that page apart; the status filter shows only the list it belongs to.
        waiting = (
            listing_of(request, selectors.claim_list_waiting(request.user, text=text))
            if status in ("", ExpenseClaim.Status.SUBMITTED)
            else None
        )
        decided = (
            listing_of(
                request, selectors.claim_list_decided(request.user, text=text, status=status), param="pagina_besloten"
            )
            if status != ExpenseClaim.Status.SUBMITTED
            else None
        )
        context |= {
            "is_coordinator": True,
            "search": search,
            "waiting_listing": waiting,
            "decided_listing": decided,
            "waiting": waiting.rows if waiting else [],
            "decided": decided.rows if decided else [],
        }
    return render(request, "expenses/claim_list.html", context)


@login_required
@require_POST
def claim_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(request.user, pk, write=True)
    try:
        services.claim_decide(actor=request.user, claim=claim, approve=True, reason="")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The claim of %(name)s is approved.") % {"name": claim.volunteer})
    return redirect("expenses:claim_list")


@login_required
def claim_refuse(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(request.user, pk, write=True)
    form = RefuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_decide(actor=request.user, claim=claim, approve=False, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error, default_field="reason")
        else:
            messages.success(request, _("The claim of %(name)s is refused.") % {"name": claim.volunteer})
            return redirect("expenses:claim_list")
    return render(request, "expenses/claim_refuse.html", {"claim": claim, "form": form})


@login_required
@require_POST
def claim_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(request.user, pk)
    if claim.volunteer.user_id != request.user.pk:
        raise PermissionDenied
    try:
        services.claim_withdraw(actor=request.user, claim=claim)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your claim has been withdrawn."))
    return redirect("expenses:claim_list")
