"""Pages about young people and their cases. Each one reads through a selector pair and logs the access."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record, accesslog_record_cases
from accounts.models import Role
from accounts.selectors import AnyUser, has_role, organisations_where, teams_where
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from core.paging import listing_of
from youth import consent, selectors, services
from youth.ages import adult_born_by
from youth.forms import (
    CaseProfessionalForm,
    CaseSearchForm,
    ConsentForm,
    ConsentRecordForm,
    GuardianAddForm,
    GuardianshipAnswerForm,
    ParentAccessForm,
    YoungPersonRegisterForm,
)
from youth.invitation import selectors as invitation_selectors
from youth.invitation.services import UNDER_12
from youth.models import Case, Guardianship, YoungPerson
from youth.parties import Party, is_professional_of, party_user_queryset
from youth.selectors import accesslogentry_visible_to

# The case page shows what features above youth keep for the case (community: the request for a social broker).
# Each registers, when it loads (its AppConfig.ready), a context name and how to find its object for (user, case id)
# as far as the user may see it; youth names no feature.
CasePagePart = Callable[[AnyUser, int], object]
_case_page_parts: dict[str, CasePagePart] = {}


def case_page_part_register(name: str, find: CasePagePart) -> None:
    """Register the case page's context entry `name`, found by `find(user, case_id)`."""
    _case_page_parts[name] = find


def consent_paused_response(request: HttpRequest, case: Case) -> HttpResponse | None:
    """The plain "paused" page (403) for a supporter's record page while the sharing consent is not complete
    (youth/consent.py); None when the page may show. Only the young person's first name is on it, and the way to
    the conversations, which the people keep."""
    if not consent.supporter_paused(request.user, case):
        return None
    return render(request, "youth/consent_paused.html", {"first_name": case.young_person.first_name}, status=403)


@login_required
def youngperson_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.PROFESSIONAL, Role.COORDINATOR):
        raise PermissionDenied
    search = CaseSearchForm(
        request.GET,
        teams=teams_where(request.user, Role.PROFESSIONAL, Role.COORDINATOR),
        mine=has_role(request.user, Role.PROFESSIONAL),
    )
    cases = selectors.case_list_search(
        selectors.case_list_for(request.user),
        user=request.user,
        text=search.value("q") or "",
        team=search.value("team"),
        waiting_for_consent=bool(search.value("toestemming")),
        without_professional=bool(search.value("zonder_professional")),
        mine=bool(search.value("alleen_mijn")),
    )
    listing = listing_of(request, cases)
    rows = selectors.case_rows(listing.rows)
    # Only the names on this page are read, so only they are logged.
    accesslog_record_cases(request=request, cases=[row.case for row in rows])
    return render(request, "youth/youngperson_list.html", {"cases": rows, "listing": listing, "search": search})


@login_required
def youngperson_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = organisations_where(request.user, Role.PROFESSIONAL)
    if not organisations.exists():
        raise PermissionDenied
    form = YoungPersonRegisterForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.youngperson_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="home_place")
        else:
            messages.success(request, _("The young person is registered and the case is open."))
            return redirect("youth:youngperson_detail", pk=case.young_person_id)
    return render(request, "youth/youngperson_register.html", {"form": form})


@login_required
def youngperson_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = selectors.youngperson_get_for(request.user, pk)
    accesslog_record(request=request, young_person=young_person, what=AccessLogEntry.What.PROFILE)
    can_write = selectors.youngperson_writable_by(request.user).filter(pk=pk).exists()
    is_own = selectors.is_own_or_in_custody(request.user, young_person)
    context = {
        "young_person": young_person,
        "cases": selectors.case_visible_to(request.user)
        .filter(young_person=young_person)
        .select_related("organisation"),
        "guardianships": selectors.guardian_rows_for(request.user, young_person),
        "can_write": can_write,
        "is_own": is_own,
        # Who has an account and who is invited: for those who work on the case and for the parents.
        "accounts": invitation_selectors.account_overview(young_person)
        if can_write or (is_own and young_person.user_id != request.user.pk)
        else None,
        "may_invite": invitation_selectors.is_inviter(request.user, young_person),
        "under_12": UNDER_12,
    }
    return render(request, "youth/youngperson_detail.html", context)


@login_required
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    accesslog_record(request=request, young_person=case.young_person, what=AccessLogEntry.What.CASE)
    return _case_page(request, case)


def _case_page(request: HttpRequest, case: Case, form: CaseProfessionalForm | None = None) -> HttpResponse:
    assignments = list(case.assignments.select_related("professional").order_by("-is_lead", "professional__first_name"))
    context = {
        "case": case,
        "assignments": assignments,
        "is_coordinator": selectors.case_access_role(request.user, case) == Role.COORDINATOR,
        "form": form or CaseProfessionalForm(case=case),
        # A professional of the case can start a conversation with each parent with custody.
        "parents_to_message": (
            party_user_queryset(case, Party.PARENT).order_by("first_name", "pk")
            if is_professional_of(request.user, case, assigned=[a.professional_id for a in assignments])
            and case.closed_on is None
            else []
        ),
        **{name: find(request.user, case.pk) for name, find in _case_page_parts.items()},
        "may_ask_broker": case.is_open and selectors.case_writable_by(request.user).filter(pk=case.pk).exists(),
    }
    return render(request, "youth/case_detail.html", context, status=400 if form is not None else 200)


def _case_for_coordinator(request: HttpRequest, pk: int) -> Case:
    """Only a coordinator of the case's organisation changes who works on it (403 for its professionals)."""
    case = selectors.case_get_for(request.user, pk, write=True)
    if selectors.case_access_role(request.user, case) != Role.COORDINATOR:
        raise PermissionDenied
    return case


@login_required
@require_POST
def case_professional_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case_for_coordinator(request, pk)
    form = CaseProfessionalForm(request.POST, case=case)
    if form.is_valid():
        try:
            services.case_professional_add(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="professional")
        else:
            messages.success(request, _("The professional now works on this case."))
            return redirect("youth:case_detail", pk=case.pk)
    return _case_page(request, case, form)


@login_required
@require_POST
def case_professional_remove(request: AuthenticatedHttpRequest, pk: int, user_pk: int) -> HttpResponse:
    case = _case_for_coordinator(request, pk)
    assignment = get_object_or_404(case.assignments.select_related("professional"), professional_id=user_pk)
    try:
        services.case_professional_remove(actor=request.user, case=case, professional=assignment.professional)
    except ValidationError as error:  # taken off by someone else a moment ago
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The professional no longer works on this case."))
    return redirect("youth:case_detail", pk=case.pk)


@login_required
def guardian_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = selectors.youngperson_get_for(request.user, pk, write=True)
    form = GuardianAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guardianship = services.guardian_add(actor=request.user, young_person=young_person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="email")
            if form.has_error("other_role_confirmed"):
                form.show_other_role()
        else:
            accesslog_record(
                request=request,
                young_person=young_person,
                what=AccessLogEntry.What.PROFILE,
                action=AccessLogEntry.Action.CHANGE,
            )
            if guardianship.status == Guardianship.Status.WAITING:
                messages.success(
                    request,
                    _(
                        "This person already has an account. We asked them to confirm that they are a parent or "
                        "guardian. Until they say yes, they see nothing."
                    ),
                )
            else:
                messages.success(
                    request, _("The parent or guardian is linked. They get an email with a link to choose a password.")
                )
            return redirect("youth:youngperson_detail", pk=young_person.pk)
    # The form names the young person: opening it is a read of the record.
    accesslog_record(request=request, young_person=young_person, what=AccessLogEntry.What.PROFILE)
    return render(request, "youth/guardian_add.html", {"form": form, "young_person": young_person})


@login_required
def guardianship_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The asked person answers "are you the parent of ...?" (404 for everyone else, and once answered)."""
    guardianship = selectors.guardianship_request_get_for(request.user, pk)
    young_person = guardianship.young_person
    form = GuardianshipAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        yes = form.cleaned_data["answer"] == "yes"
        answer = services.guardianship_confirm if yes else services.guardianship_refuse
        try:
            answer(actor=request.user, guardianship=guardianship)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if not yes:
                messages.success(request, _("Thank you. You are not linked. The professional is told."))
            else:
                messages.success(request, _("Thank you. You are now linked as parent or guardian."))
                # From 18 the record opens only when the young adult lets this parent look along.
                if selectors.youngperson_visible_to(request.user).filter(pk=young_person.pk).exists():
                    return redirect("youth:youngperson_detail", pk=young_person.pk)
        return redirect("home")
    # The question names the young person to someone who is no parent yet: the young person's log shows it, with
    # no role, as that person has none in their life until they say yes.
    accesslog_record(request=request, young_person=young_person, what=AccessLogEntry.What.PROFILE, basis=("", ""))
    return render(request, "youth/guardianship_confirm.html", {"guardianship": guardianship, "form": form})


def _own_adult_record(request: HttpRequest, pk: int) -> YoungPerson:
    """The young person's own record: 404 for whoever cannot see it, 403 for those who can but are not them."""
    young_person = selectors.youngperson_get_for(request.user, pk)
    if young_person.user_id != request.user.pk:
        raise PermissionDenied
    return young_person


@login_required
def parent_access(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The young person's own page: from 18, per parent, may look along or not."""
    young_person = _own_adult_record(request, pk)
    accesslog_record(request=request, young_person=young_person, what=AccessLogEntry.What.PROFILE)
    context = {
        "young_person": young_person,
        "guardianships": selectors.parent_access_rows(young_person),
        "adult": young_person.date_of_birth <= adult_born_by(),
    }
    return render(request, "youth/parent_access.html", context)


@login_required
@require_POST
def parent_access_decide(request: AuthenticatedHttpRequest, pk: int, guardianship_pk: int) -> HttpResponse:
    young_person = _own_adult_record(request, pk)
    guardianship = get_object_or_404(selectors.parent_access_rows_queryset(young_person), pk=guardianship_pk)
    form = ParentAccessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Something went wrong. Please choose again."))
        return redirect("youth:parent_access", pk=pk)
    grant = form.cleaned_data["decision"] == "grant"
    decide = services.parent_access_grant if grant else services.parent_access_revoke
    try:
        decide(actor=request.user, guardianship=guardianship)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        name = guardianship.guardian.get_full_name()
        done = _("Saved. %(name)s may look along.") if grant else _("Saved. %(name)s may not look along.")
        messages.success(request, done % {"name": name})
    return redirect("youth:parent_access", pk=pk)


@login_required
def consent_page(
    request: AuthenticatedHttpRequest, pk: int, record_form: ConsentRecordForm | None = None
) -> HttpResponse:
    young_person = selectors.youngperson_get_for(request.user, pk)
    accesslog_record(request=request, young_person=young_person, what=AccessLogEntry.What.CONSENT)
    overview = selectors.consent_overview(young_person=young_person)
    context = {
        "young_person": young_person,
        "overview": overview,
        "parties": selectors.consent_parties_required(young_person=young_person),
        "may_record": selectors.consent_recordable_by(request.user, young_person),
        "record_form": record_form or ConsentRecordForm(),
    }
    return render(request, "youth/consent.html", context, status=400 if record_form is not None else 200)


@login_required
@require_POST
def consent_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A professional of the case writes down an answer given in person or on paper."""
    young_person = selectors.youngperson_get_for(request.user, pk, write=True)
    if not selectors.consent_recordable_by(request.user, young_person):
        raise PermissionDenied
    form = ConsentRecordForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(actor=request.user, young_person=young_person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="answer")
        else:
            accesslog_record(
                request=request,
                young_person=young_person,
                what=AccessLogEntry.What.CONSENT,
                action=AccessLogEntry.Action.CHANGE,
            )
            messages.success(request, _("The answer is written down."))
            return redirect("youth:consent", pk=pk)
    return consent_page(request, pk, record_form=form)


@login_required
@require_POST
def consent_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = selectors.youngperson_get_for(request.user, pk)
    if not selectors.is_own_or_in_custody(request.user, young_person):
        raise PermissionDenied
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Something went wrong. Please choose again."))
        return redirect("youth:consent", pk=pk)
    decide = services.consent_give if form.cleaned_data["decision"] == "give" else services.consent_withdraw
    try:
        decide(actor=request.user, young_person=young_person, purpose=form.cleaned_data["purpose"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if form.cleaned_data["decision"] == "give":
            messages.success(request, _("Thank you. Your consent is saved."))
        else:
            messages.success(request, _("Your consent is taken back."))
    return redirect("youth:consent", pk=pk)


@login_required
def accesslog_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = selectors.youngperson_get_for(request.user, pk)
    if not selectors.is_own_or_in_custody(request.user, young_person):
        raise PermissionDenied
    entries = accesslogentry_visible_to(request.user).filter(young_person=young_person)  # newest first
    listing = listing_of(request, entries, per_page=ACCESSLOG_PAGE_SIZE)
    context = {"young_person": young_person, "page": listing.page, "asked_page_missing": listing.asked_page_missing}
    return render(request, "youth/accesslog.html", context)


# Rows of "Who looked at the data?" per page: enough to scroll on a phone, few enough to read.
ACCESSLOG_PAGE_SIZE = 50
