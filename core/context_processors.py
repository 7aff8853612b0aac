from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.models import Role
from accounts.selectors import role_names


def dichtbij(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: demo mode and the roles for the menu."""
    roles = role_names(request.user) if hasattr(request, "user") else set()
    return {
        "dichtbij_demo": settings.DICHTBIJ_DEMO,
        "menu_cases": bool(roles & {Role.PROFESSIONAL, Role.COORDINATOR}),
    }
