"""The home page: what waits for this person first, then a section per role they hold."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accesslog.services import accesslog_record_cases
from accounts.models import Role
from accounts.selectors import role_names, roles_of
from core.http import AuthenticatedHttpRequest
from mentors.selectors import mentorship_visible_to
from mentors.states import OPEN_STATES as MENTORSHIP_OPEN_STATES
from portal.todo import todo_for_request
from volunteers.selectors import volunteer_own, volunteer_readiness
from youth.models import YoungPerson
from youth.selectors import (
    CaseCounts,
    case_counts,
    case_list_for,
    case_rows,
    cases_waiting_first,
    decision_stage,
    youngperson_own_or_in_custody,
)

HOME_CASES_SHOWN = 10


def _own_record(records: list[YoungPerson], user_id: int | None) -> YoungPerson | None:
    return next((young_person for young_person in records if young_person.user_id == user_id), None)


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What this person must do next ("to do", the same list as the menu's badge), one section per role they hold."""
    roles = role_names(request.user)
    own_volunteer = volunteer_own(request.user)
    works_on_cases = bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR})
    cases = case_list_for(request.user)
    counts = case_counts(cases) if works_on_cases else CaseCounts(0, 0, 0)
    # The top of what waits (no professional, no consent, longest open), never the whole list: the count links on.
    shown_rows = case_rows(cases_waiting_first(cases, HOME_CASES_SHOWN)) if counts.total else []
    # Every name on the page is a read of that young person's record.
    accesslog_record_cases(request=request, cases=[row.case for row in shown_rows])
    own_records = list(youngperson_own_or_in_custody(request.user).order_by("first_name", "pk"))
    context = {
        "roles": roles,
        "Role": Role,
        "todo": todo_for_request(request),
        "own_records": own_records,
        # Who decides about the young person's own data, said on their home page (youth.selectors.consent_deciders).
        "own_decides": decision_stage(own) if (own := _own_record(own_records, request.user.pk)) else "",
        "case_rows": shown_rows,
        "case_count": counts.total,
        "cases_waiting_for_consent": counts.waiting_for_consent,
        "cases_without_professional": counts.without_professional,
        "volunteer_readiness": volunteer_readiness(own_volunteer) if own_volunteer else None,
        "own_capacity": own_volunteer.capacity if own_volunteer else 0,
        "analyst_regions": [a.region for a in roles_of(request.user) if a.role == Role.ANALYST and a.region],
        "open_mentorships": mentorship_visible_to(request.user).filter(state__in=MENTORSHIP_OPEN_STATES).count()
        if Role.MENTOR in roles
        else 0,
    }
    return render(request, "portal/home.html", context)
