"""Pages of the sociale kaart: search and read (professionals, coordinators, social brokers), add and change
(keepers of an organisation's entries), a printable overview for a family, and CSV import and export
(coordinators)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organisation
from community import importexport, selectors, services
from community.forms import ImportForm, ResourceForm, SearchForm
from community.models import Category, Cost, Theme
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from youth.parties import coordinated_organisation_ids

PAGE_SIZE = 25


def _reader(request: HttpRequest) -> None:
    if not selectors.can_read_directory(request.user):
        raise PermissionDenied


def _keeper_context(request: HttpRequest) -> dict[str, Any]:
    keeps = bool(selectors.organisation_ids_keeping(request.user))
    return {"can_add": keeps, "can_import": selectors.can_import(request.user), "today": timezone.localdate()}


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The start of the sociale kaart: the search form and, for keepers, their entries that are due for review."""
    _reader(request)
    due = selectors.resource_due_for_review(request.user)
    context = {"form": SearchForm(), "due": due[:50], "due_count": due.count(), **_keeper_context(request)}
    return render(request, "community/index.html", context)


@login_required
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search results with tick boxes for a family's printed overview. A place is geocoded; nearest first."""
    _reader(request)
    form = SearchForm(request.GET)
    hits: list[selectors.Hit] = []
    if form.is_valid():
        data = form.cleaned_data
        search = selectors.Search(
            text=data["q"],
            theme=data["theme"],
            category=data["category"],
            age=data["age"],
            near=data["place"],
            within_km=float(data["within"] or 10),
        )
        hits = selectors.resource_search(request.user, search)
    page = Paginator(hits, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "print_limit": selectors.PRINT_LIMIT}
    return render(request, "community/search.html", context | _keeper_context(request))


@login_required
def resource_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    resource = selectors.resource_get_for(request.user, pk)
    can_change = selectors.resource_writable_by(request.user).filter(pk=pk).exists()
    context = {"resource": resource, "can_change": can_change, "today": timezone.localdate()}
    return render(request, "community/detail.html", context)


def _data(cleaned: dict[str, Any]) -> services.ResourceData:
    fields = services.ResourceData.__annotations__
    return {name: cleaned[name] for name in fields}  # type: ignore[return-value]


@login_required
def resource_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = Organisation.objects.filter(pk__in=selectors.organisation_ids_keeping(request.user))
    if not organisations:
        raise PermissionDenied
    form = ResourceForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_create(
                actor=request.user, organisation=form.cleaned_data["organisation"], data=_data(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is added to the sociale kaart.") % {"name": resource.name})
            return redirect("community:detail", pk=resource.pk)
    return render(request, "community/form.html", {"form": form, "resource": None})


@login_required
def resource_update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    resource = selectors.resource_get_for(request.user, pk, write=True)
    organisations = Organisation.objects.filter(pk=resource.organisation_id)
    form = ResourceForm(request.POST or None, organisations=organisations, initial=ResourceForm.initial_for(resource))
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_update(actor=request.user, resource=resource, data=_data(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes to %(name)s are saved.") % {"name": resource.name})
            return redirect("community:detail", pk=resource.pk)
    return render(request, "community/form.html", {"form": form, "resource": resource})


@login_required
@require_POST
def resource_mark_checked(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    resource = selectors.resource_get_for(request.user, pk, write=True)
    services.resource_mark_checked(actor=request.user, resource=resource)
    messages.success(request, _("%(name)s is marked as checked today.") % {"name": resource.name})
    return redirect("community:detail", pk=resource.pk)


@login_required
def print_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One printable page of chosen entries for a family: what, where, when, cost and contact; no personal data."""
    _reader(request)
    ids = [int(value) for value in request.GET.getlist("id") if value.isdigit()]
    problem = ""
    if not ids:
        problem = _("Tick at least one entry to print.")
    elif len(set(ids)) > selectors.PRINT_LIMIT:
        problem = _("Tick at most %(limit)s entries: the overview fits on one page.") % {"limit": selectors.PRINT_LIMIT}
    resources = [] if problem else selectors.resources_for_print(request.user, ids)
    if not problem and not resources:
        problem = _("These entries are not in the sociale kaart (any more).")
    context = {"resources": resources, "problem": problem, "today": timezone.localdate()}
    return render(request, "community/print.html", context, status=400 if problem else 200)


@login_required
def import_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A coordinator imports a CSV file: a dry run first; either every row is imported or none."""
    if not selectors.can_import(request.user):
        raise PermissionDenied
    organisations = Organisation.objects.filter(pk__in=coordinated_organisation_ids(request.user))
    form = ImportForm(request.POST or None, request.FILES or None, organisations=organisations)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.resource_import(
            actor=request.user,
            organisation=form.cleaned_data["organisation"],
            content=form.cleaned_data["file"].read(importexport.MAX_BYTES + 1),
        )
        if not report.errors:
            messages.success(
                request,
                _("The file is imported: %(created)s entries added, %(updated)s changed.")
                % {"created": report.created, "updated": report.updated},
            )
            return redirect("community:index")
    context = {
        "form": form,
        "report": report,
        "columns": [column for column, _field in importexport.COLUMNS],
        "required": importexport.REQUIRED_COLUMNS,
        "categories": Category.choices,
        "themes": Theme.choices,
        "costs": Cost.choices,
    }
    return render(request, "community/import.html", context, status=400 if report and report.errors else 200)


@login_required
def export_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A coordinator downloads the entries of their organisations (or, with ?alles=1, the whole directory)."""
    if not selectors.can_import(request.user):
        raise PermissionDenied
    everything = request.GET.get("alles") == "1"
    content = importexport.export_csv(selectors.resource_export_queryset(request.user, everything=everything))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    name = "sociale-kaart-alles" if everything else "sociale-kaart"
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.csv"'
    return response
