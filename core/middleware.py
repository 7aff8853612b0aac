"""Request-wide rules that need nobody's role: no caching of personal pages, which browser features pages may use,
and "busy" instead of an error when no database connection comes free. Session lifetimes and the second factor for
staff ask for roles: accounts.middleware."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from core.health import HEALTH_PATH

logger = logging.getLogger(__name__)

# How long a visitor who was told "busy" is asked to wait before trying again.
BUSY_RETRY_AFTER_SECONDS = 30

Handler = Callable[[HttpRequest], HttpResponse]


class NoStoreForPersonalDataMiddleware:
    """Pages for a logged-in person may show someone's data: no browser or proxy may keep a copy."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class PermissionsPolicyMiddleware:
    """Every response tells the browser which powerful features no page of ours uses (settings.PERMISSIONS_POLICY),
    so a script that slips in cannot switch on a young person's camera, microphone or location."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """{"camera": [], "publickey-credentials-get": ["self"]} → 'camera=(), publickey-credentials-get=(self)'."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


class BusyWhenNoConnectionMiddleware:
    """A request takes its database connection here, before anything else uses it. When none comes (the pool of
    DATABASE_POOL_SIZE stayed full for DATABASE_POOL_TIMEOUT, or the database is away), the visitor reads "it is busy,
    try again soon" (503 with Retry-After, the page rendered without the database) instead of an error page (500)
    from somewhere in the middle of the request; nothing has been done yet, so nothing is half done. /healthz is left
    to answer for itself: it names the part that is down."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != f"/{HEALTH_PATH}":
            try:
                connection.ensure_connection()
            except OperationalError as error:
                # The type says enough (a pool timeout, a refused connection); the message may hold a host.
                logger.warning("no database connection for a request: %s", type(error.__cause__ or error).__name__)
                response = HttpResponse(render_to_string("503.html"), status=503)
                response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
                return response
        return self.get_response(request)
