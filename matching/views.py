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

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record, accesslog_record_many
from accounts.models import Role
from accounts.selectors import has_role
from community.models import BrokerRequest
from core.http import AuthenticatedHttpRequest
from core.paging import listing_of
from matching import selectors, services
from matching.forms import AnswerForm, ChooseForm, ReasonForm
from matching.models import ProposalStatus
from matching.selectors import BROKER, BUDDY, SUPPORT, RoundRequest
from mentors.models import Mentorship
from youth.views import consent_paused_response

# What the access log says a round page shows of the young person.
WHAT_IS_SHOWN = {
    SUPPORT: AccessLogEntry.What.SUPPORT_FAMILY,
    BUDDY: AccessLogEntry.What.NETWORK,
    BROKER: AccessLogEntry.What.SOCIAL_BROKER,
}


def _messages(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _log(request: HttpRequest, found: RoundRequest, role: str | None = None) -> None:
    basis: tuple[str, str] | None = None
    if selectors.proposal_is_coordinator(request.user, found):
        basis = (Role.COORDINATOR, found.organisation_name)
    elif role is not None:
        basis = (role, found.organisation_name if role == Role.VOLUNTEER else "")
    accesslog_record(
        request=request,
        young_person=found.young_person,
        what=WHAT_IS_SHOWN[found.kind],
        basis=basis,
    )


@login_required
def proposal_round(request: AuthenticatedHttpRequest, pk: int, kind: str = SUPPORT) -> HttpResponse:
    found = selectors.round_request_get_for(request.user, pk, kind)
    _log(request, found)
    proposals = selectors.proposal_round(found)
    context = {
        "round": found,
        "proposals": proposals,
        "suggested": [p for p in proposals if p.status == ProposalStatus.SUGGESTED],
        "with_family": [p for p in proposals if p.status != ProposalStatus.SUGGESTED],
        "is_coordinator": selectors.proposal_is_coordinator(request.user, found),
        "reason_form": ReasonForm(),
    }
    return render(request, "matching/round.html", context)


@login_required
@require_POST
def round_suggest(request: AuthenticatedHttpRequest, pk: int, kind: str = SUPPORT) -> HttpResponse:
    found = selectors.round_request_get_for(request.user, pk, kind, write=True)
    try:
        proposals = services.proposal_round_suggest(actor=request.user, support_request=found)
    except ValidationError as error:
        _messages(request, error)
    else:
        count = len(proposals)
        if found.is_buddy:
            text = ngettext("%(count)s buddy found.", "%(count)s buddies found.", count)
        elif found.is_broker:
            text = ngettext("%(count)s social broker found.", "%(count)s social brokers found.", count)
        else:
            text = ngettext("%(count)s support family found.", "%(count)s support families found.", count)
        messages.success(request, text % {"count": count})
    return redirect(found.round_path)


@login_required
@require_POST
def round_show(request: AuthenticatedHttpRequest, pk: int, kind: str = SUPPORT) -> HttpResponse:
    found = selectors.round_request_get_for(request.user, pk, kind, write=True)
    try:
        services.proposal_round_show(actor=request.user, support_request=found)
    except ValidationError as error:
        _messages(request, error)
    else:
        messages.success(request, _("The family can now choose. They have received a message."))
    return redirect(found.round_path)


@login_required
@require_POST
def exclude(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk, write=True)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Write down why, in a few words."))
        services.proposal_exclude(actor=request.user, proposal=proposal, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        _messages(request, error)
    else:
        if proposal.is_buddy:
            messages.success(request, _("This buddy is no longer proposed to this young person."))
        elif proposal.is_broker:
            messages.success(request, _("This social broker is no longer proposed to this family."))
        else:
            messages.success(request, _("This support family is no longer proposed to this family."))
    return redirect(selectors.round_of(proposal).round_path)


@login_required
@require_POST
def approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk, write=True)
    try:
        started = services.proposal_approve(actor=request.user, proposal=proposal)
    except ValidationError as error:
        _messages(request, error)
        return redirect(selectors.round_of(proposal).round_path)
    if isinstance(started, Mentorship):
        messages.success(request, _("Approved. Now the parents and the young person give their yes to the buddy."))
        return redirect("mentors:detail", pk=started.pk)
    if isinstance(started, BrokerRequest):
        messages.success(request, _("Approved. The social broker is linked and gets in touch with the family."))
        return redirect("community:brokerrequest_detail", pk=started.pk)
    messages.success(request, _("Approved. The introduction visits can start."))
    return redirect("hostfamilies:match_detail", pk=started.pk)


@login_required
def choose(request: AuthenticatedHttpRequest, pk: int, kind: str = SUPPORT) -> HttpResponse:
    found = selectors.proposal_family_request(request.user, pk, kind)
    if request.method == "POST":
        form = ChooseForm(request.POST)
        if not form.is_valid():
            raise Http404
        try:
            if form.cleaned_data["others"]:
                services.proposal_ask_others(actor=request.user, support_request=found)
                if found.is_buddy:
                    messages.success(request, _("We have asked the coordinator for other buddies."))
                elif found.is_broker:
                    messages.success(request, _("We have asked the coordinator for other social brokers."))
                else:
                    messages.success(request, _("We have asked the coordinator for other support families."))
            elif form.cleaned_data["proposal"]:
                proposal = selectors.proposal_get_for(request.user, form.cleaned_data["proposal"], write=True)
                if selectors.round_of(proposal) != found:
                    raise Http404
                services.proposal_choose(actor=request.user, proposal=proposal)
                if found.is_buddy:
                    messages.success(request, _("Thank you for your choice. We will now ask this buddy."))
                elif found.is_broker:
                    messages.success(request, _("Thank you for your choice. We will now ask this social broker."))
                else:
                    messages.success(request, _("Thank you for your choice. We will now ask this support family."))
        except ValidationError as error:
            _messages(request, error)
        return redirect(found.choose_path)
    _log(request, found)
    rows = selectors.proposal_family_rows(request.user, found)
    context = {
        "round": found,
        "shown": [(p, selectors.anonymised_profile(p)) for p in rows if p.status == ProposalStatus.SHOWN],
        "chosen": [p for p in rows if p.status != ProposalStatus.SHOWN],
    }
    return render(request, "matching/choose.html", context)


@login_required
def ask(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk)
    if proposal.volunteer.user_id != request.user.pk:
        raise PermissionDenied
    if (paused := consent_paused_response(request, proposal.case)) is not None:
        _log(request, selectors.round_of(proposal), role=Role.VOLUNTEER)
        return paused
    form = AnswerForm(request.POST or None, kind=selectors.round_of(proposal).kind)
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
    found = selectors.round_of(proposal)
    _log(request, found, role=Role.VOLUNTEER)
    context = {"proposal": proposal, "round": found, "form": form}
    return render(request, "matching/ask.html", context, status=400 if form.errors else 200)


@login_required
def waiting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied
    organisations = selectors.waiting_list_organisations(request.user)
    # The plan is read as last computed; a stale one is computed again in the background (matching.tasks).
    computing, stored = services.waiting_list_plans_keep_current(organisation_ids=[o.pk for o in organisations])
    # Each list pages on its own (a parameter each), and only the names on the pages shown go to the access log.
    plans = [
        (plan, listing_of(request, plan.rows, param=f"pagina_{plan.organisation_id}"))
        for plan in selectors.waiting_list_pages(organisations, computing=computing, plans=stored)
    ]
    buddies = listing_of(request, selectors.waiting_buddy_requests_for(request.user), param="pagina_maatjes")
    brokers = listing_of(request, selectors.waiting_broker_requests_for(request.user), param="pagina_makelaars")
    accesslog_record_many(
        request=request,
        shown=[
            *(
                (row.young_person_id, (Role.COORDINATOR, plan.organisation_name))
                for plan, rows in plans
                for row in rows.rows
            ),
            *((b.young_person_id, (Role.COORDINATOR, b.case.organisation.name)) for b in buddies.rows),
            *((b.case.young_person_id, (Role.COORDINATOR, b.case.organisation.name)) for b in brokers.rows),
        ],
    )
    context = {"plans": plans, "buddy_requests": buddies, "broker_requests": brokers}
    return render(request, "matching/waiting_list.html", context)
