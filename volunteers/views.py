"""Volunteer pages: public registration, the volunteer's own progress, and the coordinator's pipeline and screening."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import has_role
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from core.paging import listing_of
from volunteers import selectors, services
from volunteers.forms import (
    AvailabilityForm,
    PipelineSearchForm,
    ReferenceAddForm,
    ReferenceRecordForm,
    StepForm,
    UnavailabilityForm,
    VogReceiveForm,
    VogRequestForm,
    VolunteerRegisterForm,
)
from volunteers.models import Volunteer


def register(request: HttpRequest) -> HttpResponse:
    """The public registration form. It answers the same whether the email address is known or not (the service
    emails the owner of a known one instead), and each client address may send only a few (settings,
    ACCOUNT_RATE_LIMITS["volunteer_signup"]): every registration sends an email to the address typed in."""
    if selectors.volunteer_own(request.user) is not None:
        return redirect("volunteers:own")
    form = VolunteerRegisterForm(request.POST or None)
    if request.method == "POST" and not ratelimit.consume(request, action="volunteer_signup"):
        form.add_error(None, _("You have sent this form too many times. Please try again later."))
        return render(request, "volunteers/register.html", {"form": form}, status=HTTPStatus.TOO_MANY_REQUESTS)
    if request.method == "POST" and form.is_valid():
        try:
            signed_in = request.user if request.user.is_authenticated else None
            services.volunteer_register(**form.service_arguments(), signed_in=signed_in)
        except ValidationError as error:
            add_service_errors(form, error, default_field="home_place")
        else:
            return redirect("volunteers:registered")
    return render(request, "volunteers/register.html", {"form": form})


def registered(request: HttpRequest) -> HttpResponse:
    return render(request, "volunteers/registered.html")


def _own_volunteer(request: HttpRequest) -> Volunteer:
    volunteer = selectors.volunteer_own(request.user)
    if volunteer is None:
        raise Http404
    return volunteer


def _own_page(request: HttpRequest, bound: dict[str, Form] | None = None) -> HttpResponse:
    """The volunteer's own page; `bound` holds a submitted form with errors."""
    volunteer = selectors.with_readiness_data(Volunteer.objects.filter(pk=_own_volunteer(request).pk)).get()
    slots = [f"{slot.weekday}-{slot.day_part}" for slot in volunteer.availability.all()]
    context = {
        "volunteer": volunteer,
        "readiness": selectors.volunteer_readiness(volunteer),
        "unavailable": volunteer.exceptions.filter(ends_on__gte=timezone.localdate()),
        "availability_form": AvailabilityForm(initial={"availability": slots}),
        "unavailability_form": UnavailabilityForm(),
        **(bound or {}),
    }
    return render(request, "volunteers/own.html", context, status=400 if bound else 200)


@login_required
def own(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _own_page(request)


@login_required
@require_POST
def own_availability(request: AuthenticatedHttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        return _own_page(request, {"availability_form": form})
    services.availability_set(volunteer=volunteer, slots=form.slots())
    messages.success(request, _("Saved."))
    return redirect("volunteers:own")


@login_required
@require_POST
def own_unavailability_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    form = UnavailabilityForm(request.POST)
    if form.is_valid():
        try:
            services.unavailability_add(volunteer=volunteer, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("volunteers:own")
    return _own_page(request, {"unavailability_form": form})


@login_required
@require_POST
def own_unavailability_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    selectors.unavailability_get_for(request.user, pk, write=True).delete()
    messages.success(request, _("Removed."))
    return redirect("volunteers:own")


@login_required
@require_POST
def own_status(request: AuthenticatedHttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    action = request.POST.get("action")
    if action == "stop" and request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that you want to stop."))
        return redirect("volunteers:own")
    change = {"pause": services.volunteer_pause, "resume": services.volunteer_resume, "stop": services.volunteer_stop}
    if action not in change:
        messages.error(request, _("Something went wrong. Please choose again."))
        return redirect("volunteers:own")
    try:
        change[action](volunteer=volunteer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = {
            "pause": _("You have paused. We will not ask you for anything new until you start again."),
            "resume": _("Welcome back. You can be asked again."),
            "stop": _("You have stopped. Thank you for everything you did."),
        }
        messages.success(request, done[action])
    return redirect("volunteers:own")


@login_required
def pipeline(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied
    search = PipelineSearchForm(request.GET)
    volunteers = selectors.volunteer_pipeline_search(
        selectors.volunteer_pipeline_for(request.user),
        text=search.value("q") or "",
        status=search.value("status") or "",
        kind=search.value("soort") or "",
        registered_before=search.registered_before(),
        without_intake=bool(search.value("zonder_intake")),
    )
    listing = listing_of(request, volunteers)
    counts = selectors.volunteer_status_counts(request.user)
    context = {
        "search": search,
        "listing": listing,
        "rows": selectors.pipeline_rows(listing.rows),
        "status_counts": [(status, label, counts[status]) for status, label in Volunteer.Status.choices],
        "total": sum(counts.values()),
    }
    return render(request, "volunteers/pipeline.html", context)


def _detail(request: HttpRequest, volunteer: Volunteer, bound: dict[str, Any] | None = None) -> HttpResponse:
    """The coordinator's page of one volunteer; `bound` holds a submitted form with errors, shown in its place."""
    bound = dict(bound or {})
    volunteer = selectors.with_readiness_data(Volunteer.objects.filter(pk=volunteer.pk)).get()
    references = list(volunteer.references.all())
    forms: dict[str, Any] = {
        "intake_form": StepForm(prefix="intake"),
        "home_visit_form": StepForm(prefix="visit"),
        "reference_form": ReferenceAddForm(prefix="reference"),
        "vog_request_form": VogRequestForm(prefix="vog"),
        "vog_receive_form": VogReceiveForm(prefix="received"),
        "reference_record_forms": {r.pk: ReferenceRecordForm(prefix=f"ref{r.pk}") for r in references},
    }
    forms["reference_record_forms"].update(bound.pop("reference_record_forms", {}))
    forms.update(bound)
    context = {
        "volunteer": volunteer,
        "readiness": selectors.volunteer_readiness(volunteer),
        "required_steps": selectors.required_screening(volunteer),
        "references": references,
        "vog": selectors.latest_vog(volunteer),
        **forms,
    }
    return render(request, "volunteers/detail.html", context, status=400 if bound else 200)


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.volunteer_get_for(request.user, pk))


def _screening_post(
    request: HttpRequest,
    volunteer: Volunteer,
    form: Form,
    bound: dict[str, Any],
    save: Callable[[dict[str, Any]], object],
) -> HttpResponse:
    """One screening form: save through its service and go back to the volunteer, or show the page with errors."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("volunteers:detail", pk=volunteer.pk)
    return _detail(request, volunteer, bound)


@login_required
@require_POST
def intake(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_get_for(request.user, pk, write=True)
    form = StepForm(request.POST, prefix="intake")
    save = lambda data: services.intake_record(actor=request.user, volunteer=volunteer, **data)  # noqa: E731
    return _screening_post(request, volunteer, form, {"intake_form": form}, save)


@login_required
@require_POST
def home_visit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_get_for(request.user, pk, write=True)
    form = StepForm(request.POST, prefix="visit")
    save = lambda data: services.home_visit_record(actor=request.user, volunteer=volunteer, **data)  # noqa: E731
    return _screening_post(request, volunteer, form, {"home_visit_form": form}, save)


@login_required
@require_POST
def reference_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_get_for(request.user, pk, write=True)
    form = ReferenceAddForm(request.POST, prefix="reference")
    save = lambda data: services.reference_add(volunteer=volunteer, **data)  # noqa: E731
    return _screening_post(request, volunteer, form, {"reference_form": form}, save)


@login_required
@require_POST
def reference_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reference = selectors.reference_get_for(request.user, pk, write=True)
    form = ReferenceRecordForm(request.POST, prefix=f"ref{reference.pk}")
    save = lambda data: services.reference_record(reference=reference, **data)  # noqa: E731
    return _screening_post(request, reference.volunteer, form, {"reference_record_forms": {reference.pk: form}}, save)


@login_required
@require_POST
def vog_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_get_for(request.user, pk, write=True)
    form = VogRequestForm(request.POST, prefix="vog")
    save = lambda data: services.vog_request(volunteer=volunteer, **data)  # noqa: E731
    return _screening_post(request, volunteer, form, {"vog_request_form": form}, save)


@login_required
@require_POST
def vog_receive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    vog = selectors.vogcheck_get_for(request.user, pk, write=True)
    form = VogReceiveForm(request.POST, prefix="received")
    save = lambda data: services.vog_receive(actor=request.user, vog=vog, **data)  # noqa: E731
    return _screening_post(request, vog.volunteer, form, {"vog_receive_form": form}, save)
