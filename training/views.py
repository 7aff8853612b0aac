"""Training pages: the catalogue (volunteers and coordinators), planning courses and sessions, enrolling and
cancelling, and the coordinator's session page with attendance. Each reads through a selector pair."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import has_role, organisations_where
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from training import selectors, services
from training.forms import AttendanceForm, CourseForm, SessionForm, VolunteerEnrolForm, WaitingListForm
from training.models import Enrolment
from volunteers.selectors import volunteer_own


@login_required
def catalogue(request: AuthenticatedHttpRequest) -> HttpResponse:
    volunteer = volunteer_own(request.user)
    is_coordinator = has_role(request.user, Role.COORDINATOR)
    if volunteer is None and not is_coordinator:
        raise PermissionDenied
    context = {
        "now": timezone.now(),
        "volunteer": volunteer,
        "mine": selectors.catalogue_for_volunteer(request.user, volunteer) if volunteer else None,
        "coordinated": selectors.catalogue_for_coordinator(request.user) if is_coordinator else None,
    }
    return render(request, "training/catalogue.html", context)


@login_required
def course_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = organisations_where(request.user, Role.COORDINATOR)
    if not organisations:
        raise PermissionDenied
    form = CourseForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="title")
        else:
            messages.success(request, _("The course “%(title)s” is added.") % {"title": course.title})
            return redirect("training:catalogue")
    return render(request, "training/course_form.html", {"form": form})


@login_required
def session_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_get_for(request.user, pk, write=True)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="starts_at")
        else:
            messages.success(request, _("The session is planned. Volunteers can enrol now."))
            return redirect("training:session_detail", pk=session.pk)
    return render(request, "training/session_form.html", {"form": form, "course": course})


@login_required
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(request.user, pk, write=True)
    people = selectors.session_list_for(session)
    context = {
        "session": session,
        "people": people,
        "places_left": people.places_left(session),
        "started": session.starts_at <= timezone.now(),
    }
    return render(request, "training/session_detail.html", context)


@login_required
@require_POST
def session_enrol(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(request.user, pk)
    volunteer = volunteer_own(request.user)
    if volunteer is None:
        raise PermissionDenied
    form = WaitingListForm(request.POST)
    waiting_list = form.is_valid() and form.cleaned_data["waiting_list"]
    try:
        enrolment = services.session_enrol(volunteer=volunteer, session=session, waiting_list=waiting_list)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if enrolment.status == Enrolment.Status.WAITING:
            messages.success(request, _("You are on the waiting list. We email you when a place is free."))
        else:
            messages.success(request, _("You are enrolled. See you there!"))
    return redirect("training:catalogue")


@login_required
def session_enrol_volunteer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(request.user, pk, write=True)
    form = VolunteerEnrolForm(request.POST or None, volunteers=selectors.volunteer_enrollable_by(request.user, session))
    if request.method == "POST" and form.is_valid():
        volunteer = form.cleaned_data["volunteer"]
        try:
            enrolment = services.session_enrol(
                volunteer=volunteer, session=session, waiting_list=form.cleaned_data["waiting_list"]
            )
        except ValidationError as error:
            add_service_errors(form, error, default_field="volunteer")
        else:
            if enrolment.status == Enrolment.Status.WAITING:
                messages.success(request, _("%(name)s is on the waiting list.") % {"name": volunteer})
            else:
                messages.success(request, _("%(name)s is enrolled.") % {"name": volunteer})
            return redirect("training:session_detail", pk=session.pk)
    return render(request, "training/enrol_volunteer.html", {"form": form, "session": session})


@login_required
@require_POST
def enrolment_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_get_for(request.user, pk, write=True)
    own = enrolment.volunteer.user_id == request.user.pk
    try:
        services.enrolment_cancel(enrolment=enrolment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if own:
            messages.success(request, _("You are no longer enrolled. Someone else can have your place."))
        else:
            messages.success(request, _("%(name)s is no longer enrolled.") % {"name": enrolment.volunteer})
    if own:
        return redirect("training:catalogue")
    return redirect("training:session_detail", pk=enrolment.session_id)


@login_required
@require_POST
def attendance_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_get_for(request.user, pk)
    # Attendance is the coordinator's: a volunteer sees their own enrolment but gets a 403 here.
    selectors.session_get_for(request.user, enrolment.session_id, write=True)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Something went wrong. Please choose again."))
        return redirect("training:session_detail", pk=enrolment.session_id)
    try:
        services.attendance_record(actor=request.user, enrolment=enrolment, attended=form.cleaned_data["attended"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if form.cleaned_data["attended"]:
            messages.success(request, _("%(name)s was present. The course is done.") % {"name": enrolment.volunteer})
        else:
            messages.success(request, _("%(name)s was absent.") % {"name": enrolment.volunteer})
    return redirect("training:session_detail", pk=enrolment.session_id)
