"""The pages of a young person's own account: the form that sends the link, and the link's page (no login)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from youth.invitation import selectors, services
from youth.invitation.forms import AcceptForm, InviteForm
from youth.selectors import youngperson_get_for


@login_required
def invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An inviter sends the young person their link. 404 for whoever does not see the young person, 403 for whoever
    sees them but is no inviter. Under 12 or with an account, the page says so instead of showing the form."""
    young_person = youngperson_get_for(request.user, pk)
    if not selectors.is_inviter(request.user, young_person):
        raise PermissionDenied
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.youngperson_invite(actor=request.user, young_person=young_person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="phone")
        else:
            accesslog_record(
                request=request,
                young_person=young_person,
                what=AccessLogEntry.What.PROFILE,
                action=AccessLogEntry.Action.CHANGE,
            )
            messages.success(request, _("The link is sent. It works once."))
            return redirect("youth:youngperson_detail", pk=young_person.pk)
    # The page names the young person: opening it is a read of the record.
    accesslog_record(request=request, young_person=young_person, what=AccessLogEntry.What.PROFILE)
    context = {
        "young_person": young_person,
        "form": form,
        "accounts": selectors.account_overview(young_person),
        "under_12": services.UNDER_12,
        "days": settings.YOUNG_PERSON_INVITATION_DAYS,
    }
    return render(request, "youth/invitation/invite.html", context, status=400 if form.errors else 200)


@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link's page: a short welcome, the young person checks their first name and says yes. Nobody is logged
    in by it. A link that no longer works says why (404 unknown, 410 replaced or expired, 200 for a used link, an
    account that exists or a young person under 12); someone logged in with another account is told so and
    nothing is linked to that account."""
    lookup = selectors.youngpersoninvitation_lookup(token)
    found = lookup.invitation
    if found is None or not lookup.valid:
        status = {"unknown": 404, "replaced": 410, "expired": 410}.get(lookup.status, 200)
        context: dict[str, object] = {"lookup": lookup, "found": found, "reason": services.CLOSED[lookup.status]}
        return render(request, "youth/invitation/closed.html", context, status=status)
    if request.user.is_authenticated:
        # The young person has no account yet, so whoever is logged in is someone else (on a shared phone, say).
        return render(request, "youth/invitation/wrong_person.html", {"invitation": found}, status=403)
    services.youngpersoninvitation_opened(invitation=found)
    form = AcceptForm(request.POST or None, initial={"first_name": found.young_person.first_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.youngpersoninvitation_accept(token=token, first_name=form.cleaned_data["first_name"])
        except ValidationError as error:
            add_service_errors(form, error, default_field="first_name")
        else:
            return redirect("youth:account_invitation", token=token)
    context = {"invitation": found, "young_person": found.young_person, "form": form}
    return render(request, "youth/invitation/welcome.html", context, status=400 if form.errors else 200)
