from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.models import Role
from accounts.selectors import AnyUser, is_staff_user, role_names
from community.brokers.selectors import brokerrequest_visible_to
from community.selectors import is_active_social_broker
from messaging.selectors import unread_total_for
from portal.todo import todo_for_request
from respite.selectors import respiteoption_hosted_by


def dichtbij(request: HttpRequest) -> dict[str, Any]:
    """What templates need on every page: demo mode, the roles for the menu, the number of things to do (the home
    page's list itself, so the badge always equals it), and whether a second factor is required of this person
    (staff roles). Here, in the top layer, because the menu asks the features (core may not import them)."""
    # No user when the authentication middleware did not run (an error page answered before it).
    user: AnyUser | None = getattr(request, "user", None)
    roles = role_names(user) if user else set()
    # A support family sees the stays menu only when its beds are a respite option (one query, volunteers only).
    respite = bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR, Role.PARENT}) or (
        Role.VOLUNTEER in roles and user is not None and respiteoption_hosted_by(user).exists()
    )
    # One query, volunteers only; the sociale kaart itself also checks the broker's screening.
    broker = Role.VOLUNTEER in roles and user is not None and is_active_social_broker(user)
    return {
        "dichtbij_demo": settings.DICHTBIJ_DEMO,
        "menu_cases": bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR}),
        "menu_volunteers": Role.COORDINATOR in roles,
        # Parents see their requests there, support families their matches.
        "menu_support_families": bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR, Role.PARENT, Role.VOLUNTEER}),
        "menu_respite": respite,
        # Training and expense claims are for volunteers and the coordinators who run the pool.
        "menu_training": bool(roles & {Role.VOLUNTEER, Role.COORDINATOR}),
        # Everyone who can take part in a JIM mentorship.
        "menu_mentors": bool(
            roles & {Role.YOUNG_PERSON, Role.PARENT, Role.MENTOR, Role.PROFESSIONAL, Role.COORDINATOR}
        ),
        # Figures about groups: analysts for their region, coordinators for their organisation.
        "menu_insights": bool(roles & {Role.ANALYST, Role.COORDINATOR}),
        # The sociale kaart: professionals, coordinators and active social brokers.
        "menu_community": bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR}) or broker,
        # The social broker's requests: who can ask or link, the brokers, and families who have a request (one
        # query, parents and young people only).
        "menu_brokers": bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR})
        or broker
        or (
            bool(roles & {Role.PARENT, Role.YOUNG_PERSON})
            and user is not None
            and brokerrequest_visible_to(user).exists()
        ),
        # Group activities: also parents, who sign their family up (the page checks the broker's screening).
        "menu_activities": bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR, Role.PARENT}) or broker,
        # Everyone who can be in a conversation; the unread count is one query.
        "menu_messages": bool(roles - {Role.ANALYST, Role.ADMIN}),
        "menu_unread": unread_total_for(user) if user and roles - {Role.ANALYST, Role.ADMIN} else 0,
        "mfa_required": user is not None and is_staff_user(user),
        "menu_todo": len(todo_for_request(request)) if user else 0,
    }
