"""Pages of the social broker's work (issue #8): a professional asks for a broker for a case, a broker is found in
the matching engine's proposal rounds (matching/views.py: the coordinator shows three, the family chooses, the
broker says yes, the coordinator or professional approves, which links them; the request's page shows the way in
through matching's template tag `broker_request_round`, as matching is a layer above), the broker records
referrals (verbindingen) and follows each up twice; the family and the professional read the status. Reads go
through community.brokers.selectors, writes through community.brokers.services; every page that shows a young
person's request writes an access-log row."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record, accesslog_record_many
from accounts.models import Role
from accounts.selectors import has_role, organisations_where
from community.brokers import selectors, services
from community.brokers.forms import AskForm, BrokerRequestSearchForm, EndForm, ReferralForm, ReferralMoveForm
from community.models import FOLLOW_UP_AFTER, BrokerRequest, Referral
from community.selectors import is_active_social_broker, resource_visible_to
from community.states import MOVES, moves_from
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from core.paging import listing_of
from messaging.selectors import conversation_of_brokerrequest
from youth.consent import supporter_paused
from youth.selectors import case_access_bases, case_get_for
from youth.views import consent_paused_response


def _log(request: HttpRequest, broker_request: BrokerRequest) -> None:
    accesslog_record(
        request=request,
        young_person=broker_request.case.young_person,
        what=AccessLogEntry.What.SOCIAL_BROKER,
        basis=selectors.brokerrequest_access_basis(request.user, broker_request),
    )


@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not selectors.may_see_broker_requests(request.user):
        raise PermissionDenied
    user = request.user
    # Staff search and filter, and see the open requests first; a family sees its few requests, ended ones too.
    staff = has_role(user, Role.PROFESSIONAL, Role.COORDINATOR) or is_active_social_broker(user)
    search = BrokerRequestSearchForm(request.GET, organisations=organisations_where(user, Role.COORDINATOR))
    organisation = search.value("organisatie")
    found = listing_of(
        request,
        selectors.brokerrequest_list_for(
            user,
            stage=(search.value("staat") or "") if staff else selectors.ALL,
            organisation_id=organisation.pk if organisation else None,
            search=search.value("q") or "",
        ),
    )
    # The young people of this page only: a read of each record, in the role that gave access to it.
    by_case = case_access_bases(user, [r.case for r in found.rows])
    accesslog_record_many(
        request=request,
        shown=(
            (r.case.young_person_id, selectors.brokerrequest_access_basis(user, r) or by_case[r.case_id])
            for r in found.rows
        ),
    )
    return render(request, "community/brokers/overview.html", {"found": found, "search": search if staff else None})


@login_required
def ask(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    """A professional on the case (or a coordinator of its organisation) asks for a broker."""
    case = case_get_for(request.user, case_pk, write=True)
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.brokerrequest_ask(user=request.user, case=case, purpose=form.cleaned_data["purpose"])
        except ValidationError as error:
            add_service_errors(form, error, default_field="purpose")
        else:
            messages.success(request, _("Your request is sent. A coordinator links a social broker."))
            return redirect("community:brokerrequest_detail", pk=made.pk)
    # The page names the case's young person (the request's page logs from here on).
    accesslog_record(
        request=request,
        young_person=case.young_person,
        what=AccessLogEntry.What.SOCIAL_BROKER,
        basis=case_access_bases(request.user, [case])[case.pk],
    )
    status = 400 if form.errors else 200
    return render(request, "community/brokers/ask.html", {"form": form, "case": case}, status=status)


def _detail_page(request: HttpRequest, broker_request: BrokerRequest, **forms: Any) -> HttpResponse:
    if (paused := consent_paused_response(request, broker_request.case)) is not None:
        return paused
    user = request.user
    is_open = broker_request.is_open
    is_broker = broker_request.broker is not None and broker_request.broker.user_id == user.pk
    may_end = is_open and selectors.brokerrequest_writable_by(user).filter(pk=broker_request.pk).exists()
    referral_form = forms.get("referral_form")
    if referral_form is None and is_broker and is_open:
        referral_form = _referral_form(request, broker_request)
    context = {
        "broker_request": broker_request,
        "referrals": list(
            selectors.referral_visible_to(user).filter(request=broker_request).order_by("-created_on", "-pk")
        ),
        "end_form": forms.get("end_form")
        or (EndForm(reasons=selectors.end_reasons_for(broker_request)) if may_end else None),
        "referral_form": referral_form,
        "conversation": conversation_of_brokerrequest(user, broker_request),
    }
    return render(request, "community/brokers/request_detail.html", context, status=400 if forms else 200)


def _referral_form(request: HttpRequest, broker_request: BrokerRequest, data: Any = None) -> ReferralForm:
    return ReferralForm(
        data,
        resources=resource_visible_to(request.user).order_by("name", "pk"),
        parents=selectors.custodial_parents(broker_request),
    )


@login_required
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    broker_request = selectors.brokerrequest_get_for(request.user, pk)
    _log(request, broker_request)
    return _detail_page(request, broker_request)


@login_required
@require_POST
def end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    broker_request = selectors.brokerrequest_get_for(request.user, pk, write=True)
    form = EndForm(request.POST, reasons=selectors.end_reasons_for(broker_request))
    if form.is_valid():
        try:
            services.brokerrequest_end(user=request.user, request=broker_request, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error, default_field="reason")
        else:
            messages.success(request, _("The request has ended."))
            return redirect("community:brokerrequest_detail", pk=pk)
    return _detail_page(request, broker_request, end_form=form)


@login_required
@require_POST
def referral_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    broker_request = selectors.brokerrequest_get_for(request.user, pk)
    if not selectors.referral_may_record(request.user, broker_request):
        raise PermissionDenied
    form = _referral_form(request, broker_request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_record(
                user=request.user,
                request=broker_request,
                resource=data["resource"],
                for_whom=data["for_whom"],
                parent=data["parent"],
            )
        except ValidationError as error:
            add_service_errors(form, error, default_field="parent")
        else:
            messages.success(request, _("The referral is recorded. Now talk it over with the family."))
            return redirect("community:referral_detail", pk=referral.pk)
    return _detail_page(request, broker_request, referral_form=form)


def _referral_page(request: HttpRequest, referral: Referral, failed: ReferralMoveForm | None = None) -> HttpResponse:
    if (paused := consent_paused_response(request, referral.request.case)) is not None:
        return paused
    may_move = selectors.referral_writable_by(request.user).filter(pk=referral.pk).exists()
    moves = moves_from(referral.state) if may_move else []
    move_forms = [
        failed if failed is not None and failed.move == move else ReferralMoveForm(move=move) for move in moves
    ]
    if failed is not None and failed.move not in moves:
        # A step that is not possible now (another click came first) has no form on the page to show its error.
        for errors in failed.errors.values():
            # An ErrorList yields its messages; django-stubs types its items as ValidationError | str.
            for error in cast("list[str]", errors):
                messages.error(request, error)
    # The follow-up that is the next step, with the day it is due (for everyone who reads the referral).
    due = {
        move.name: referral.follow_up_due_on(move.name)
        for move in moves_from(referral.state)
        if move.name in FOLLOW_UP_AFTER
    }
    context = {"referral": referral, "broker_request": referral.request, "move_forms": move_forms, "due": due}
    return render(request, "community/brokers/referral_detail.html", context, status=400 if failed else 200)


@login_required
def referral_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_get_for(request.user, pk)
    _log(request, referral.request)
    return _referral_page(request, referral)


@login_required
@require_POST
def referral_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_get_for(request.user, pk, write=True)
    # The broker changes nothing while the sharing consent is not complete (youth/consent.py).
    if supporter_paused(request.user, referral.request.case):
        raise PermissionDenied
    move = MOVES.get(request.POST.get("move", ""))
    if move is None:
        messages.error(request, _("Something went wrong. Please choose again."))
        return redirect("community:referral_detail", pk=pk)
    form = ReferralMoveForm(request.POST, move=move)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_move(
                user=request.user,
                referral=referral,
                move=move.name,
                on=data.get("on"),
                answer=data.get("answer", ""),
                reason=data.get("reason", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error, default_field="reason" if "reason" in form.fields else None)
        else:
            messages.success(request, _("Saved: %(move)s.") % {"move": move.label})
            return redirect("community:referral_detail", pk=pk)
    return _referral_page(request, referral, failed=form)
