"""Pages of a young person's network map. Each reads through the network selectors and logs the access."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from youth import consent
from youth.models import NetworkPerson, YoungPerson
from youth.network import selectors, services
from youth.network.forms import MentorChoiceForm, NetworkPersonForm, NetworkSearchForm


def _log(request: HttpRequest, young_person: YoungPerson, *, changed: bool = False) -> None:
    action = AccessLogEntry.Action.CHANGE if changed else AccessLogEntry.Action.VIEW
    accesslog_record(request=request, young_person=young_person, what=AccessLogEntry.What.NETWORK, action=action)


def _person(request: HttpRequest, pk: int, person_pk: int) -> NetworkPerson:
    person = selectors.networkperson_get_for(request.user, person_pk, write=True)
    if person.young_person_id != pk:
        raise Http404
    return person


def _without_keeping(request: HttpRequest, young_person: YoungPerson) -> HttpResponse | None:
    """Without the consent to keep data the network is neither kept nor shown (youth/consent.py): a plain page that
    says so and points to the consent page; None when the consent is complete."""
    if consent.keeping_allowed(young_person):
        return None
    return render(request, "youth/network_paused.html", {"young_person": young_person})


@login_required
def network_map(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = selectors.network_youngperson_get_for(request.user, pk)
    _log(request, young_person)
    if (paused := _without_keeping(request, young_person)) is not None:
        return paused
    network = selectors.network_map_for(young_person)
    context = {
        "young_person": young_person,
        "network": network,
        "is_self": young_person.user_id == request.user.pk,
        "can_change": selectors.youngperson_network_writable_by(request.user).filter(pk=pk).exists(),
        "can_search": selectors.network_search_allowed(request.user, young_person),
        "map_size": selectors.MAP_SIZE,
        "radii": selectors.RING_RADII,
    }
    return render(request, "youth/network_map.html", context)


@login_required
def networkperson_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = selectors.network_youngperson_get_for(request.user, pk, write=True)
    if (paused := _without_keeping(request, young_person)) is not None:
        _log(request, young_person)
        return paused
    form = NetworkPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.networkperson_add(
                actor=request.user, young_person=young_person, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error, default_field="first_name")
        else:
            _log(request, young_person, changed=True)
            messages.success(request, _("%(name)s is added to the network.") % {"name": person.first_name})
            return redirect("youth:network_map", pk=pk)
    _log(request, young_person)
    return render(request, "youth/networkperson_form.html", {"form": form, "young_person": young_person})


@login_required
def networkperson_change(request: AuthenticatedHttpRequest, pk: int, person_pk: int) -> HttpResponse:
    person = _person(request, pk, person_pk)
    if (paused := _without_keeping(request, person.young_person)) is not None:
        _log(request, person.young_person)
        return paused
    form = NetworkPersonForm(request.POST or None, initial=NetworkPersonForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.networkperson_change(actor=request.user, person=person, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error, default_field="first_name")
        else:
            _log(request, person.young_person, changed=True)
            messages.success(request, _("The change is saved."))
            return redirect("youth:network_map", pk=pk)
    _log(request, person.young_person)
    context = {"form": form, "young_person": person.young_person, "person": person}
    return render(request, "youth/networkperson_form.html", context)


@login_required
def networkperson_remove(request: AuthenticatedHttpRequest, pk: int, person_pk: int) -> HttpResponse:
    person = _person(request, pk, person_pk)
    if request.method == "POST":
        try:
            services.networkperson_remove(actor=request.user, person=person)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("youth:network_map", pk=pk)
        _log(request, person.young_person, changed=True)
        messages.success(request, _("%(name)s is removed from the network.") % {"name": person.first_name})
        return redirect("youth:network_map", pk=pk)
    _log(request, person.young_person)
    chosen = person.young_person.mentor_choices.filter(person=person).first()
    context = {"young_person": person.young_person, "person": person, "choice": chosen}
    return render(request, "youth/networkperson_remove.html", context)


@login_required
def mentorchoice_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = selectors.network_youngperson_get_for(request.user, pk, write=True)
    if (paused := _without_keeping(request, young_person)) is not None:
        _log(request, young_person)
        return paused
    network = selectors.network_map_for(young_person)
    initial = {f"rank_{choice.rank}": choice.person_id for choice in network.choices}
    form = MentorChoiceForm(request.POST or None, initial=initial, people=network.people)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentorchoice_set(actor=request.user, young_person=young_person, person_ids=form.person_ids())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _log(request, young_person, changed=True)
            messages.success(request, _("Your choice is saved."))
            return redirect("youth:network_map", pk=pk)
    _log(request, young_person)
    context = {"form": form, "young_person": young_person, "network": network}
    return render(request, "youth/mentorchoice_form.html", context)


@login_required
def networksearch_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = selectors.network_youngperson_get_for(request.user, pk)
    if not selectors.network_search_allowed(request.user, young_person):
        raise PermissionDenied
    if (paused := _without_keeping(request, young_person)) is not None:
        _log(request, young_person)
        return paused
    form = NetworkSearchForm(request.POST or None, initial={"searched_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            search = services.networksearch_record(actor=request.user, young_person=young_person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="outcome")
        else:
            _log(request, young_person, changed=True)
            if search.buddy_requests.exists():
                messages.success(request, _("The search is saved. The request for a buddy waits for matching."))
            else:
                messages.success(request, _("The search is saved."))
            return redirect("youth:network_map", pk=pk)
    _log(request, young_person)
    network = selectors.network_map_for(young_person)
    context = {"form": form, "young_person": young_person, "network": network}
    return render(request, "youth/networksearch_form.html", context)
