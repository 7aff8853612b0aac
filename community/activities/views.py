"""Pages of group activities: the list of upcoming ones, planning and changing (organiser, coordinators), the
activity with its places and the family's own sign-up, cancelling it, and signing a family up or off. Who may do
what is in community/activities/selectors.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record_many
from accounts.models import Organisation
from community.activities import selectors, services
from community.activities.forms import ActivityForm, ActivitySearchForm, SignUpForm
from community.selectors import social_broker_organisation_ids
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from core.paging import listing_of
from youth.models import Case
from youth.parties import coordinated_organisation_ids


def _log(request: HttpRequest, cases: list[Case]) -> None:
    """An access-log row for each family whose name the page shows."""
    bases = selectors.signup_access_bases(request.user, cases)
    accesslog_record_many(
        request=request,
        shown=((case.young_person_id, bases[case.pk]) for case in cases),
        what=AccessLogEntry.What.GROUP_ACTIVITY,
    )


def _user_may_use(request: HttpRequest) -> None:
    if not selectors.can_use_activities(request.user):
        raise PermissionDenied


def _data(cleaned: dict[str, Any]) -> services.ActivityData:
    return {name: cleaned[name] for name in services.ActivityData.__annotations__}  # type: ignore[return-value]


@login_required
def activity_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The activities that have not ended yet (or those that have), with the places left and whether one of the
    user's families goes."""
    _user_may_use(request)
    search = ActivitySearchForm(request.GET, teams=selectors.activity_team_choices(request.user))
    team = search.value("team")
    activities = selectors.groupactivity_list_for(
        request.user,
        when=search.value("wanneer") or "",
        team_id=team.pk if team else None,
        search=search.value("q") or "",
    )
    context = {
        "activities": listing_of(request, activities),
        "search": search,
        "can_plan": bool(selectors.activity_manager_organisation_ids(request.user)),
    }
    return render(request, "community/activities/list.html", context)


@login_required
def activity_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A social broker plans an activity for themselves; a coordinator plans one for a broker of the organisation."""
    coordinated = coordinated_organisation_ids(request.user)
    own = [pk for pk in social_broker_organisation_ids(request.user) if pk not in coordinated]
    organisations = Organisation.objects.filter(pk__in=coordinated + own).order_by("name")
    if not organisations:
        raise PermissionDenied
    organisers = selectors.activity_organiser_choices(coordinated) if coordinated else None
    form = ActivityForm(request.POST or None, organisations=organisations, organisers=organisers)
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data.get("organisation") or organisations[0]
        try:
            activity = services.groupactivity_create(
                actor=request.user,
                organisation=organisation,
                organiser=form.cleaned_data.get("organiser"),
                team=form.cleaned_data.get("team"),
                data=_data(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The activity %(title)s is planned.") % {"title": activity.title})
            return redirect("community:activity_detail", pk=activity.pk)
    context = {"form": form, "activity": None, "organisation": organisations[0]}
    return render(request, "community/activities/form.html", context)


@login_required
def activity_update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = selectors.groupactivity_get_for(request.user, pk, write=True)
    form = ActivityForm(
        request.POST or None,
        initial=ActivityForm.initial_for(activity),
        organisations=Organisation.objects.filter(pk=activity.organisation_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.groupactivity_update(
                actor=request.user,
                activity=activity,
                data=_data(form.cleaned_data),
                team=form.cleaned_data.get("team"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes to %(title)s are saved.") % {"title": activity.title})
            return redirect("community:activity_detail", pk=activity.pk)
    context = {"form": form, "activity": activity, "organisation": activity.organisation}
    return render(request, "community/activities/form.html", context)


@login_required
def activity_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The activity, its places left, the sign-ups whose names the user may see, and the sign-up button."""
    activity = selectors.groupactivity_get_for(request.user, pk)
    is_open = not activity.is_cancelled and activity.starts_at > timezone.now()
    signups = selectors.signups_shown_on(request.user, activity)
    _log(request, [signup.case for signup in signups])
    context = {
        "activity": activity,
        "is_open": is_open,
        "signups": signups,
        "can_change": is_open and selectors.groupactivity_writable_by(request.user).filter(pk=pk).exists(),
        "can_sign_up": is_open and bool(selectors.cases_to_sign_up(request.user, activity)),
    }
    return render(request, "community/activities/detail.html", context)


@login_required
def activity_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Asks first; the POST cancels the activity."""
    activity = selectors.groupactivity_get_for(request.user, pk, write=True)
    problem = ""
    if request.method == "POST":
        try:
            services.groupactivity_cancel(actor=request.user, activity=activity)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(request, _("The activity %(title)s is cancelled.") % {"title": activity.title})
            return redirect("community:activity_detail", pk=activity.pk)
    context = {"activity": activity, "problem": problem}
    return render(request, "community/activities/cancel.html", context, status=400 if problem else 200)


@login_required
def signup_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Sign a family up: the user chooses which of their families when they have several."""
    activity = selectors.groupactivity_get_for(request.user, pk)
    cases = selectors.cases_to_sign_up(request.user, activity)
    _log(request, cases)
    form = SignUpForm(request.POST or None, cases=cases)
    if request.method == "POST" and form.is_valid():
        try:
            services.activitysignup_create(actor=request.user, activity=activity, case=form.cleaned_data["case"])
        except ValidationError as error:
            add_service_errors(form, error, default_field="case")
        else:
            name = form.cleaned_data["case"].young_person.first_name
            messages.success(
                request, _("%(name)s is signed up for %(title)s.") % {"name": name, "title": activity.title}
            )
            return redirect("community:activity_detail", pk=activity.pk)
    status = 400 if form.errors else 200
    context = {"activity": activity, "form": form, "cases": cases}
    return render(request, "community/activities/signup.html", context, status=status)


@login_required
def signup_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Asks first; the POST signs the family off and frees the place."""
    signup = selectors.activitysignup_get_for(request.user, pk, write=True)
    _log(request, [signup.case])
    problem = ""
    if request.method == "POST":
        try:
            services.activitysignup_cancel(actor=request.user, signup=signup)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(
                request,
                _("%(name)s is signed off for %(title)s.")
                % {"name": signup.case.young_person.first_name, "title": signup.activity.title},
            )
            return redirect("community:activity_detail", pk=signup.activity_id)
    context = {"signup": signup, "problem": problem}
    return render(request, "community/activities/signup_cancel.html", context, status=400 if problem else 200)
