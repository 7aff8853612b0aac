"""The home page per role, the health check and demo login."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import demo_user_get, role_names, roles_of
from accounts.services import accesslog_record_cases
from core.health import run_checks
from mentors.selectors import mentorship_visible_to
from mentors.states import OPEN_STATES as MENTORSHIP_OPEN_STATES
from volunteers.selectors import volunteer_own, volunteer_readiness
from youth.selectors import case_list_for, consent_tasks_for, youngperson_own_or_in_custody

HOME_CASES_SHOWN = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What this person must do next, one section per role they hold."""
    roles = role_names(request.user)
    own_volunteer = volunteer_own(request.user)
    works_on_cases = bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR})
    case_rows = case_list_for(request.user) if works_on_cases else []
    shown_rows = case_rows[:HOME_CASES_SHOWN]
    unassigned = [row.case for row in case_rows if not row.has_professional]
    # Every name on the page is a read of that young person's record.
    shown = {row.case.pk: row.case for row in shown_rows} | {case.pk: case for case in unassigned}
    accesslog_record_cases(request=request, cases=list(shown.values()))
    context = {
        "roles": roles,
        "Role": Role,
        "consent_tasks": consent_tasks_for(request.user),
        "own_records": youngperson_own_or_in_custody(request.user).order_by("first_name", "pk"),
        "case_rows": shown_rows,
        "case_count": len(case_rows),
        "cases_waiting_for_consent": sum(1 for row in case_rows if not row.consent_complete),
        "cases_without_professional": unassigned,
        "volunteer_readiness": volunteer_readiness(own_volunteer) if own_volunteer else None,
        "analyst_regions": [a.region for a in roles_of(request.user) if a.role == Role.ANALYST and a.region],
        "open_mentorships": mentorship_visible_to(request.user).filter(state__in=MENTORSHIP_OPEN_STATES).count()
        if Role.MENTOR in roles
        else 0,
    }
    return render(request, "core/home.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, channel layer and cache answer; 503 naming the parts that do not."""
    checks = run_checks()
    failing = sorted(name for name, state in checks.items() if state != "ok")
    body = {"status": "error" if failing else "ok", "checks": checks, "failing": failing}
    return JsonResponse(body, status=503 if failing else 200)


@require_POST
def demo_login(request: HttpRequest) -> HttpResponse:
    """Demo mode only: log in as one of the demo people with one click. Absent (404) outside demo mode."""
    if not settings.DICHTBIJ_DEMO:
        raise Http404
    user = demo_user_get(request.POST.get("email", ""))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("home")
