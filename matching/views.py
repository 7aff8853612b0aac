"""Choosing together: the coordinator's and professional's proposal round, the family's choice from anonymised
profiles, the volunteer's answer, and the waiting list's global assignment as a planning aid."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import AccessLogEntry, Role
from accounts.selectors import has_role
from accounts.services import accesslog_record, accesslog_record_many
from hostfamilies.models import SupportRequest
from hostfamilies.selectors import supportrequest_get_for
from matching import selectors, services
from matching.forms import AnswerForm, ChooseForm, ReasonForm
from matching.models import ProposalStatus


def _messages(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _log(request: HttpRequest, support_request: SupportRequest, role: str | None = None) -> None:
    basis = None
    if selectors.proposal_is_coordinator(request.user, support_request):
        basis = (Role.COORDINATOR, support_request.organisation.name)
    elif role is not None:
        basis = (role, support_request.organisation.name if role == Role.VOLUNTEER else "")
    accesslog_record(
        request=request,
        young_person=support_request.case.young_person,
        what=AccessLogEntry.What.SUPPORT_FAMILY,
        basis=basis,
    )


def _staff_request(request: HttpRequest, pk: int, *, write: bool = False) -> SupportRequest:
    support_request = supportrequest_get_for(request.user, pk, write=write)
    if not selectors.proposal_is_staff(request.user, support_request):
        raise PermissionDenied
    return support_request


@login_required
def proposal_round(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _staff_request(request, pk)
    _log(request, support_request)
    proposals = selectors.proposal_round(support_request)
    context = {
        "support_request": support_request,
        "proposals": proposals,
        "suggested": [p for p in proposals if p.status == ProposalStatus.SUGGESTED],
        "with_family": [p for p in proposals if p.status != ProposalStatus.SUGGESTED],
        "is_coordinator": selectors.proposal_is_coordinator(request.user, support_request),
        "reason_form": ReasonForm(),
    }
    return render(request, "matching/round.html", context)


@login_required
@require_POST
def round_suggest(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _staff_request(request, pk, write=True)
    try:
        found = services.proposal_round_suggest(actor=request.user, support_request=support_request)
    except ValidationError as error:
        _messages(request, error)
    else:
        messages.success(
            request,
            ngettext("%(count)s support family found.", "%(count)s support families found.", len(found))
            % {"count": len(found)},
        )
    return redirect("matching:round", pk=pk)


@login_required
@require_POST
def round_show(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _staff_request(request, pk, write=True)
    try:
        services.proposal_round_show(actor=request.user, support_request=support_request)
    except ValidationError as error:
        _messages(request, error)
    else:
        messages.success(request, _("The family can now choose. They have received a message."))
    return redirect("matching:round", pk=pk)


@login_required
@require_POST
def exclude(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk, write=True)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Write down why, in a few words."))
        services.proposal_exclude(actor=request.user, proposal=proposal, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        _messages(request, error)
    else:
        messages.success(request, _("This support family is no longer proposed to this family."))
    return redirect("matching:round", pk=proposal.support_request_id)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk, write=True)
    try:
        match = services.proposal_approve(actor=request.user, proposal=proposal)
    except ValidationError as error:
        _messages(request, error)
        return redirect("matching:round", pk=proposal.support_request_id)
    messages.success(request, _("Approved. The introduction visits can start."))
    return redirect("hostfamilies:match_detail", pk=match.pk)


@login_required
def choose(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = selectors.proposal_family_request(request.user, pk)
    if request.method == "POST":
        form = ChooseForm(request.POST)
        if not form.is_valid():
            raise Http404
        try:
            if form.cleaned_data["others"]:
                services.proposal_ask_others(actor=request.user, support_request=support_request)
                messages.success(request, _("We have asked the coordinator for other support families."))
            elif form.cleaned_data["proposal"]:
                proposal = selectors.proposal_get_for(request.user, form.cleaned_data["proposal"], write=True)
                if proposal.support_request_id != support_request.pk:
                    raise Http404
                services.proposal_choose(actor=request.user, proposal=proposal)
                messages.success(request, _("Thank you for your choice. We will now ask this support family."))
        except ValidationError as error:
            _messages(request, error)
        return redirect("matching:choose", pk=pk)
    _log(request, support_request)
    rows = selectors.proposal_family_rows(request.user, support_request)
    context = {
        "support_request": support_request,
        "shown": [(p, selectors.anonymised_profile(p)) for p in rows if p.status == ProposalStatus.SHOWN],
        "chosen": [p for p in rows if p.status != ProposalStatus.SHOWN],
    }
    return render(request, "matching/choose.html", context)


@login_required
def ask(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk)
    if proposal.volunteer.user_id != request.user.pk:
        raise PermissionDenied
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        proposal = selectors.proposal_get_for(request.user, pk, write=True)
        if form.is_valid():
            try:
                services.proposal_answer(
                    actor=request.user,
                    proposal=proposal,
                    accept=form.cleaned_data["answer"] == "yes",
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _messages(request, error)
            else:
                messages.success(request, _("Thank you. Your answer is recorded."))
            return redirect("matching:ask", pk=pk)
    _log(request, proposal.support_request, role=Role.VOLUNTEER)
    context = {"proposal": proposal, "support_request": proposal.support_request, "form": form}
    return render(request, "matching/ask.html", context, status=400 if form.errors else 200)


@login_required
def waiting_list(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied
    plans = selectors.waiting_list_plans(request.user)
    accesslog_record_many(
        request=request,
        shown=(
            (row.support_request.case.young_person_id, (Role.COORDINATOR, plan.organisation_name))
            for plan in plans
            for row in plan.rows
        ),
    )
    return render(request, "matching/waiting_list.html", {"plans": plans})
