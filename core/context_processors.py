from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.models import Role
from accounts.selectors import is_staff_user, role_names


def dichtbij(request: HttpRequest) -> dict[str, Any]:
    """What templates need on every page: demo mode, the roles for the menu, and whether a second factor is
    required of this person (staff roles)."""
    user = getattr(request, "user", None)
    roles = role_names(user) if user else set()
    return {
        "dichtbij_demo": settings.DICHTBIJ_DEMO,
        "menu_cases": bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR}),
        "menu_volunteers": Role.COORDINATOR in roles,
        "menu_support_families": bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR}),
        # Training and expense claims are for volunteers and the coordinators who run the pool.
        "menu_training": bool(roles & {Role.VOLUNTEER, Role.COORDINATOR}),
        "mfa_required": bool(user) and is_staff_user(user),
    }
