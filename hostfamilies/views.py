"""Support-family pages: requests, proposing a family, and each match with the moves its parties may make."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record, accesslog_record_cases, accesslog_record_many
from accounts.models import Role
from accounts.selectors import has_role, organisations_where
from agreements.forms import AgreementForm
from agreements.models import Agreement
from agreements.selectors import agreement_current_texts, agreement_overview, agreementversion_of
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from core.languages import language_label
from core.paging import listing_of
from hostfamilies import selectors, services
from hostfamilies.forms import (
    IntakeForm,
    MoveForm,
    OverviewSearchForm,
    ProposeForm,
    ReviewForm,
    SupportRequestForm,
    VisitForm,
)
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.selectors import VisitRecord
from hostfamilies.states import MOVES, VISIT_RECORDERS, State, Visit
from youth.consent import supporter_paused
from youth.parties import coordinated_organisation_ids
from youth.selectors import case_writable_by
from youth.views import consent_paused_response


@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not has_role(user, Role.COORDINATOR, Role.PROFESSIONAL, Role.PARENT, Role.VOLUNTEER):
        raise PermissionDenied
    # Staff search and filter, and see what waits and runs first; a parent or support family sees their few rows.
    staff = has_role(user, Role.PROFESSIONAL, Role.COORDINATOR)
    search = OverviewSearchForm(request.GET, organisations=organisations_where(user, Role.COORDINATOR))
    organisation = search.value("organisatie")
    organisation_id: int | None = organisation.pk if organisation else None
    text: str = search.value("q") or ""
    days = search.value("gevraagd")
    requests = listing_of(
        request,
        selectors.supportrequest_list_for(
            user,
            status=(search.value("status") or "") if staff else selectors.REQUESTS_ALL,
            asked_before=selectors.asked_before_days(days) if days else None,
            organisation_id=organisation_id,
            search=text,
        ),
        param="pagina_aanvragen",
    )
    matches = listing_of(
        request,
        selectors.match_list_for(
            user,
            state=(search.value("stap") or "") if staff else selectors.MATCHES_ALL,
            organisation_id=organisation_id,
            search=text,
        ),
        param="pagina_koppelingen",
    )
    # Each child named on the two pages is a read of their record, in the role that gave access to that row.
    shown = selectors.overview_access_bases(user, requests.rows, matches.rows)
    accesslog_record_many(request=request, shown=shown)
    context = {"requests": requests, "matches": matches, "search": search if staff else None, "can_ask": staff}
    return render(request, "hostfamilies/overview.html", context)


@login_required
def request_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    cases = case_writable_by(request.user).filter(closed_on__isnull=True)
    if not cases.exists():
        raise PermissionDenied
    form = SupportRequestForm(request.POST or None, cases=cases, initial={"languages": ["nl"]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        intake = form.intake()
        try:
            support_request = services.supportrequest_create(
                actor=request.user, case=data["case"], organisation=data["organisation"], **intake
            )
        except ValidationError as error:
            add_service_errors(form, error, default_field="what_for")
        else:
            messages.success(request, _("The request is on the waiting list."))
            return redirect("hostfamilies:request_detail", pk=support_request.pk)
    # The form offers each open case by its young person's name.
    accesslog_record_cases(request=request, cases=list(cases.select_related("organisation")))
    return render(request, "hostfamilies/request_form.html", {"form": form})


def _log(request: HttpRequest, support_request: SupportRequest) -> None:
    # A coordinator of the support organisation sees the child through the request, not through the case; the
    # case's professionals and parents are found by the case as everywhere else.
    coordinates = support_request.organisation_id in coordinated_organisation_ids(request.user)
    basis = (Role.COORDINATOR, support_request.organisation.name) if coordinates else None
    young_person = support_request.case.young_person
    accesslog_record(request=request, young_person=young_person, what=AccessLogEntry.What.SUPPORT_FAMILY, basis=basis)


@login_required
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    support_request = selectors.supportrequest_get_for(request.user, pk)
    _log(request, support_request)
    candidates = selectors.support_families_to_propose(request.user, support_request)
    matches = list(support_request.matches.select_related("volunteer__user").order_by("-created_at"))
    context = {
        "support_request": support_request,
        "matches": matches,
        "waited_until": matches[-1].created_at if matches else None,
        "position": selectors.waiting_list_positions([support_request]).get(support_request.pk),
        "languages": [language_label(code) for code in support_request.languages],
        "propose_form": ProposeForm(volunteers=candidates) if candidates is not None else None,
    }
    return render(request, "hostfamilies/request_detail.html", context)


@login_required
def request_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    support_request = selectors.supportrequest_get_for(request.user, pk, write=True)
    _log(request, support_request)
    form = IntakeForm(request.POST or None, initial=IntakeForm.initial_from(support_request))
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.supportrequest_update(actor=request.user, support_request=support_request, **changed)
        except ValidationError as error:
            add_service_errors(form, error, default_field="what_for")
        else:
            messages.success(request, _("Saved. Thank you for checking."))
            return redirect("hostfamilies:request_detail", pk=pk)
    return render(request, "hostfamilies/request_edit.html", {"form": form, "support_request": support_request})


@login_required
def request_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    support_request = selectors.supportrequest_get_for(request.user, pk, write=True)
    if request.method != "POST":
        _log(request, support_request)
        return render(request, "hostfamilies/request_withdraw.html", {"support_request": support_request})
    try:
        services.supportrequest_withdraw(actor=request.user, support_request=support_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The request is off the waiting list."))
    return redirect("hostfamilies:request_detail", pk=pk)


@login_required
@require_POST
def propose(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    support_request = selectors.supportrequest_get_for(request.user, pk, write=True)
    candidates = selectors.support_families_to_propose(request.user, support_request)
    if candidates is None:
        raise PermissionDenied
    form = ProposeForm(request.POST, volunteers=candidates)
    if not form.is_valid():
        messages.error(request, _("Choose a support family from the list."))
        return redirect("hostfamilies:request_detail", pk=pk)
    try:
        match = services.match_propose(
            actor=request.user, request=support_request, volunteer=form.cleaned_data["volunteer"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("hostfamilies:request_detail", pk=pk)
    messages.success(request, _("The support family is proposed."))
    return redirect("hostfamilies:match_detail", pk=match.pk)


def _visits_with_forms(
    match: SupportFamilyMatch, may_record: bool, refused: VisitForm | None
) -> list[tuple[VisitRecord, VisitForm | None]]:
    """Each introduction visit with its form: for those who may record it now, and always the refused one (so its
    error is shown beside the field, even when the match moved on in between)."""
    today = timezone.localdate()
    return [
        (
            record,
            refused
            if refused is not None and refused.visit == record.visit
            else VisitForm(visit=record.visit, initial={"on": record.on or today})
            if may_record
            else None,
        )
        for record in selectors.match_visits(match)
    ]


def _match_to_change(request: HttpRequest, pk: int) -> SupportFamilyMatch:
    match: SupportFamilyMatch = selectors.match_get_for(request.user, pk, write=True)
    # The support family changes nothing while the sharing consent is not complete (youth/consent.py).
    if supporter_paused(request.user, match.request.case):
        raise PermissionDenied
    return match


@login_required
def match_detail(
    request: AuthenticatedHttpRequest,
    pk: int,
    form: MoveForm | None = None,
    agreement_form: AgreementForm | None = None,
    review_form: ReviewForm | None = None,
    visit_form: VisitForm | None = None,
) -> HttpResponse:
    """The match with its introduction visits, the moves, the agreements and the reviews; re-rendered with a
    refused form's errors (400)."""
    match = selectors.match_get_for(request.user, pk)
    parties = selectors.match_parties(request.user, match)
    basis = selectors.match_access_basis(match, parties)
    accesslog_record(
        request=request,
        young_person=match.request.case.young_person,
        what=AccessLogEntry.What.SUPPORT_FAMILY,
        basis=basis,
    )
    if (paused := consent_paused_response(request, match.request.case)) is not None:
        return paused
    refused = any(f is not None for f in (form, agreement_form, review_form, visit_form))
    agreement = agreement_overview(match, Agreement.Kind.SUPPORT_FAMILY, request.user)
    if selectors.match_agreement_may_propose(parties, match.state, has_agreement=agreement.agreement is not None):
        texts = agreement.versions[0].version.sections if agreement.versions else None
        agreement_form = agreement_form or AgreementForm(kind=Agreement.Kind.SUPPORT_FAMILY, current=texts)
    if match.state == State.ACTIVE and parties & selectors.REVIEWERS:
        review_form = review_form or ReviewForm(initial={"held_on": timezone.localdate()})
    planned_review, held_reviews = selectors.match_reviews(match)
    context = {
        "match": match,
        "visits": _visits_with_forms(match, selectors.match_visits_may_record(parties, match.state), visit_form),
        "moves": selectors.match_moves_for(request.user, match),
        "form": form or MoveForm(),
        "agreement": agreement,
        "agreement_form": agreement_form,
        "agreement_propose_url": reverse("hostfamilies:match_agreement_propose", args=[pk]),
        "agreement_agree_url": reverse("hostfamilies:match_agreement_agree", args=[pk]) if match.is_open else None,
        "review_form": review_form,
        "planned_review": planned_review,
        "held_reviews": held_reviews,
    }
    return render(request, "hostfamilies/match_detail.html", context, status=400 if refused else 200)


@login_required
@require_POST
def match_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    match: SupportFamilyMatch = _match_to_change(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid() or form.cleaned_data["move"] not in MOVES:
        messages.error(request, _("Something went wrong. Please choose again."))
        return redirect("hostfamilies:match_detail", pk=pk)
    data = form.cleaned_data
    try:
        services.match_move(
            actor=request.user, match=match, move=data["move"], reason=data["reason"], outcome=data["outcome"]
        )
    except ValidationError as error:
        add_service_errors(form, error, default_field="reason")
        return match_detail(request, pk, form=form)
    messages.success(request, _("Done: %(move)s.") % {"move": MOVES[data["move"]].label})
    return redirect("hostfamilies:match_detail", pk=pk)


@login_required
@require_POST
def match_introduction_record(request: AuthenticatedHttpRequest, pk: int, visit: str) -> HttpResponse:
    match = _match_to_change(request, pk)
    if visit not in Visit.values:
        raise Http404
    if not selectors.match_parties(request.user, match) & VISIT_RECORDERS:
        raise PermissionDenied
    form = VisitForm(request.POST, visit=visit)
    if form.is_valid():
        try:
            services.match_introduction_record(actor=request.user, match=match, visit=visit, on=form.cleaned_data["on"])
        except ValidationError as error:
            add_service_errors(form, error, default_field="on")
        else:
            messages.success(request, _("The date is saved."))
            return redirect("hostfamilies:match_detail", pk=pk)
    return match_detail(request, pk, visit_form=form)


@login_required
@require_POST
def match_agreement_propose(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    match = _match_to_change(request, pk)
    current = agreement_current_texts(match)
    form = AgreementForm(request.POST, kind=Agreement.Kind.SUPPORT_FAMILY, current=current)
    if form.is_valid():
        try:
            services.match_agreement_propose(
                actor=request.user,
                match=match,
                sections=form.sections(),
                change_note=form.cleaned_data.get("change_note", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The agreements are proposed. Now everyone who has to agree can say yes."))
            return redirect("hostfamilies:match_detail", pk=pk)
    return match_detail(request, pk, agreement_form=form)


@login_required
@require_POST
def match_agreement_agree(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    match = _match_to_change(request, pk)
    version_id = request.POST.get("version", "")
    version = agreementversion_of(match, int(version_id)) if version_id.isdigit() else None
    if version is None:
        raise Http404
    try:
        services.match_agreement_agree(actor=request.user, match=match, version=version)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you. Your yes is recorded."))
    return redirect("hostfamilies:match_detail", pk=pk)


@login_required
@require_POST
def match_review_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    match = _match_to_change(request, pk)
    if not selectors.match_parties(request.user, match) & selectors.REVIEWERS:
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.matchreview_record(actor=request.user, match=match, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The review is recorded. The next one is planned in six months."))
            return redirect("hostfamilies:match_detail", pk=pk)
    return match_detail(request, pk, review_form=form)
