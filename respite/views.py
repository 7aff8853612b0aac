"""Respite (logeren) pages: the options, booking a stay, the coordinator's decisions, and the support family's
private calendar feed."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from icalendar import Calendar, Event

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record, accesslog_record_many
from accounts.models import Role
from accounts.selectors import has_role, organisations_where
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from core.paging import listing_of
from respite import selectors, services
from respite.forms import DecideForm, NewOptionForm, OptionForm, StayForm, StaySearchForm
from respite.models import RespiteOption, Stay
from volunteers.models import Volunteer
from volunteers.selectors import volunteer_own
from youth.consent import young_person_ids_sharing_allowed
from youth.parties import coordinated_organisation_ids
from youth.selectors import case_access_bases
from youth.views import consent_paused_response

MONTH = re.compile(r"(\d{4})-(\d{2})")


# Access log


def _log_stays(request: HttpRequest, stays: list[Stay], what: str) -> None:
    # A coordinator of the option sees the child through the stay, not through the case; the others through the case
    # (they work on it) or their custody of the child.
    coordinated = set(coordinated_organisation_ids(request.user))
    by_case = case_access_bases(request.user, [s.case for s in stays if s.option.organisation_id not in coordinated])
    accesslog_record_many(
        request=request,
        shown=(
            (
                stay.case.young_person_id,
                (Role.COORDINATOR, stay.option.organisation.name)
                if stay.option.organisation_id in coordinated
                else by_case[stay.case_id],
            )
            for stay in stays
        ),
        what=what,
    )


def _log_stay(request: HttpRequest, stay: Stay) -> None:
    coordinates = stay.option.organisation_id in coordinated_organisation_ids(request.user)
    accesslog_record(
        request=request,
        young_person=stay.case.young_person,
        what=AccessLogEntry.What.SUPPORT_FAMILY,
        basis=(Role.COORDINATOR, stay.option.organisation.name) if coordinates else None,
    )


# Overview and options


@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    hosted = list(selectors.respiteoption_hosted_by(user).select_related("organisation"))
    if not (has_role(user, Role.PROFESSIONAL, Role.COORDINATOR, Role.PARENT) or hosted):
        raise PermissionDenied
    coordinates = bool(coordinated_organisation_ids(user))
    search = StaySearchForm(request.GET, organisations=organisations_where(user, Role.COORDINATOR))
    organisation = search.value("organisatie")
    stays = listing_of(
        request,
        selectors.stay_list_for(
            user,
            when=search.value("wanneer") or "",
            status=search.value("status") or "",
            organisation_id=organisation.pk if organisation else None,
            search=search.value("q") or "",
        ),
    )
    # Each list of the page pages by itself, so that paging one keeps the place in the others.
    no_stays: list[Stay] = []
    requested = listing_of(
        request, selectors.stays_requested_for(user) if coordinates else no_stays, param="pagina_beslissen"
    )
    waiting = listing_of(
        request, selectors.stays_waiting_for(user) if coordinates else no_stays, param="pagina_wachtlijst"
    )
    options = selectors.respiteoption_visible_to(user).select_related("organisation", "coordinator")
    _log_stays(request, [*stays.rows, *requested.rows, *waiting.rows], AccessLogEntry.What.LIST)
    context = {
        "options": listing_of(request, options.order_by("name", "pk"), param="pagina_plekken"),
        "stays": stays,
        "search": search,
        "coordinates": coordinates,
        "requested": requested,
        "waiting": waiting,
        "hosted": hosted,
    }
    return render(request, "respite/overview.html", context)


def _month_from(value: str | None) -> date:
    """The first day of the month in `?maand=YYYY-MM`; this month for anything else."""
    this_month = timezone.localdate().replace(day=1)
    found = MONTH.fullmatch(value or "")
    if found is None:
        return this_month
    year, month = int(found[1]), int(found[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return this_month
    return date(year, month, 1)


def _day_text(free: int, total: int) -> tuple[str, str]:
    """What a calendar day says about the beds: in full, and short (for narrow screens)."""
    if total == 1:
        return (_("The bed is free") if free else _("Full: the bed is taken")), (_("free") if free else _("full"))
    if free:
        return _("%(free)s of %(total)s beds free") % {"free": free, "total": total}, f"{free}/{total}"
    return _("Full: all %(total)s beds are taken") % {"total": total}, _("full")


@login_required
def option_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    option = selectors.respiteoption_get_for(request.user, pk)
    first = _month_from(request.GET.get("maand"))
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    coordinates = option.organisation_id in coordinated_organisation_ids(request.user)
    booked = selectors.nights_booked(option, first, last)
    # Only the option's coordinators see who sleeps there; everyone else sees whether there is room.
    guests = selectors.stays_by_night(option, first, last) if coordinates else {}
    if coordinates:
        shown = {stay.pk: stay for night in guests.values() for stay in night}
        basis = (Role.COORDINATOR, option.organisation.name)
        accesslog_record_many(
            request=request,
            shown=((s.case.young_person_id, basis) for s in shown.values()),
            what=AccessLogEntry.What.SUPPORT_FAMILY,
        )
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(first.year, first.month):
        days: list[dict[str, Any] | None] = []
        for day in week:
            if day.month != first.month:
                days.append(None)
                continue
            free = max(option.beds_per_night - booked[day], 0)
            long, short = _day_text(free, option.beds_per_night)
            days.append({"date": day, "free": free, "long": long, "short": short, "guests": guests.get(day, [])})
        weeks.append(days)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    context = {
        "option": option,
        "coordinates": coordinates,
        "month": first,
        "weekdays": calendar.Calendar().monthdatescalendar(first.year, first.month)[0],
        "weeks": weeks,
        "previous": previous if previous.year >= 2000 else None,
        "following": following if following.year <= 2100 else None,
        "can_book": option.active and selectors.cases_bookable_by(request.user).exists(),
    }
    return render(request, "respite/option_detail.html", context)


@login_required
def option_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisation_ids = coordinated_organisation_ids(request.user)
    if not organisation_ids:
        raise PermissionDenied
    form = NewOptionForm(
        request.POST or None,
        organisations=organisations_where(request.user, Role.COORDINATOR).order_by("name", "pk"),
        families=selectors.support_families_for_respite(organisation_ids),
        coordinators=selectors.coordinators_of(organisation_ids),
        initial={"kind": RespiteOption.Kind.STAY_HOUSE, "coordinator": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            option = services.respiteoption_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The new place to stay is saved. Families can ask for a stay now."))
            return redirect("respite:option_detail", pk=option.pk)
    return render(request, "respite/option_form.html", {"form": form, "option": None})


OPTION_FIELDS = ("name", "beds_per_night", "age_min", "age_max", "rules", "coordinator", "active")


@login_required
def option_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    option = selectors.respiteoption_get_for(request.user, pk, write=True)
    form = OptionForm(
        request.POST or None,
        initial={field: getattr(option, field) for field in OPTION_FIELDS},
        coordinators=selectors.coordinators_of([option.organisation_id]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.respiteoption_update(actor=request.user, option=option, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes to %(name)s are saved.") % {"name": form.cleaned_data["name"]})
            return redirect("respite:option_detail", pk=option.pk)
    return render(request, "respite/option_form.html", {"form": form, "option": option})


# Stays


@login_required
def stay_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    option: RespiteOption = selectors.respiteoption_get_for(request.user, pk)
    cases = selectors.cases_bookable_by(request.user)
    if not cases.exists():
        raise PermissionDenied
    form = StayForm(request.POST or None, cases=cases)
    if request.method == "POST" and form.is_valid():
        try:
            stay = services.stay_request(actor=request.user, option=option, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your request is sent. The coordinator decides and lets you know."))
            return redirect("respite:stay_detail", pk=stay.pk)
    choices = list(form.fields["case"].queryset)  # type: ignore[attr-defined]
    bases = case_access_bases(request.user, choices)
    accesslog_record_many(request=request, shown=((c.young_person_id, bases[c.pk]) for c in choices))
    return render(request, "respite/stay_form.html", {"form": form, "option": option})


@login_required
def stay_detail(
    request: AuthenticatedHttpRequest, pk: int, form: DecideForm | None = None, full: bool = False
) -> HttpResponse:
    stay = selectors.stay_get_for(request.user, pk)
    _log_stay(request, stay)
    if (paused := consent_paused_response(request, stay.case)) is not None:
        return paused
    decides = selectors.stay_writable_by(request.user).filter(pk=stay.pk).exists()
    undecided = stay.status in (Stay.Status.REQUESTED, Stay.Status.WAITING)
    context = {
        "stay": stay,
        "nights": len(stay.nights),
        "position": selectors.waiting_position(stay),
        "can_decide": decides and undecided,
        "can_wait": decides and stay.status == Stay.Status.REQUESTED,
        # Everyone who sees a stay may cancel it (respite.services.stay_cancel checks again).
        "can_cancel": stay.status in services.LIVE_STATUSES,
        "form": form or DecideForm(),
        "full": full,
    }
    return render(request, "respite/stay_detail.html", context, status=400 if form else 200)


@login_required
@require_POST
def stay_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    stay = selectors.stay_get_for(request.user, pk, write=True)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Something went wrong. Please choose again."))
        return redirect("respite:stay_detail", pk=pk)
    decision = form.cleaned_data["decision"]
    try:
        if decision == "confirm":
            services.stay_confirm(actor=request.user, stay=stay)
            done = _("The stay is confirmed. We let the family know.")
        elif decision == "wait":
            services.stay_wait(actor=request.user, stay=stay)
            done = _("The stay is on the waiting list. We let the family know.")
        else:
            services.stay_refuse(actor=request.user, stay=stay, reason=form.cleaned_data["reason"])
            done = _("The stay is refused. We let the family know.")
    except ValidationError as error:
        add_service_errors(form, error)
        return stay_detail(request, pk, form=form, full=getattr(error, "code", None) == "full")
    messages.success(request, done)
    return redirect("respite:stay_detail", pk=pk)


@login_required
def stay_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    stay = selectors.stay_get_for(request.user, pk)
    if request.method == "POST":
        try:
            services.stay_cancel(actor=request.user, stay=stay)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The stay is cancelled. The bed is free for someone else."))
        return redirect("respite:stay_detail", pk=pk)
    if stay.status not in services.LIVE_STATUSES:
        messages.info(request, _("This stay cannot be cancelled any more."))
        return redirect("respite:stay_detail", pk=pk)
    _log_stay(request, stay)
    if (paused := consent_paused_response(request, stay.case)) is not None:
        return paused
    return render(request, "respite/stay_cancel.html", {"stay": stay})


# The support family's calendar


def _own_host(request: HttpRequest) -> Volunteer:
    volunteer = volunteer_own(request.user)
    if volunteer is None:
        raise PermissionDenied
    return volunteer


@login_required
def feed_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    feed = services.calendarfeed_get_or_create(actor=request.user, volunteer=_own_host(request))
    url = settings.SITE_URL.rstrip("/") + reverse("respite:feed", args=[feed.token])
    context = {"feed": feed, "url": url, "webcal": "webcal://" + url.split("://", 1)[-1]}
    return render(request, "respite/feed_page.html", context)


@login_required
@require_POST
def feed_renew(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.calendarfeed_renew(actor=request.user, volunteer=_own_host(request))
    messages.success(request, _("Your calendar has a new address. The old address does not work any more."))
    return redirect("respite:feed_page")


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The support family's private calendar. No login: the secret address is the key, so the feed says no more
    than a first name, and it touches neither the session nor the CSRF cookie."""
    found = selectors.calendarfeed_by_token(token)
    if found is None:
        return HttpResponseNotFound(b"Not found", content_type="text/plain; charset=utf-8")
    domain = urlsplit(settings.SITE_URL).hostname or "dichtbij"
    ical = Calendar()
    ical.add("prodid", "-//Dichtbij//Logeren//NL")
    ical.add("version", "2.0")
    with translation.override(settings.LANGUAGE_CODE):
        ical.add("x-wr-calname", _("Dichtbij: stays at your home"))
        stays = list(selectors.feed_stays(found))
        # The dates are the practical schedule: only while the family agrees to share it (youth/consent.py).
        shared = young_person_ids_sharing_allowed(stay.case.young_person_id for stay in stays)
        for stay in stays:
            if stay.case.young_person_id not in shared:
                continue
            name = stay.case.young_person.first_name
            summary = (
                _("Stay: %(name)s (with a parent)") % {"name": name}
                if stay.with_parent
                else _("Stay: %(name)s") % {"name": name}
            )
            event = Event()
            event.add("uid", f"stay-{stay.pk}@{domain}")
            event.add("dtstamp", stay.updated_at)
            event.add("dtstart", stay.arrival)
            event.add("dtend", stay.departure)
            event.add("summary", summary)
            ical.add_component(event)
    response = HttpResponse(ical.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
