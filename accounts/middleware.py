"""Request-wide rules that ask who the user is: session lifetimes (shorter for staff) and the second factor for
staff. The rules that ask nothing of accounts (no caching of personal pages, browser features) are in
core.middleware."""

from __future__ import annotations

import time
from functools import cache

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.selectors import (
    LAST_SEEN_RESOLUTION,
    SESSION_LAST_SEEN,
    SESSION_STARTED,
    is_staff_user,
    session_limits,
)
from core.middleware import Handler


class SessionTimeoutMiddleware:
    """Ends a session after idle time or absolute age; staff get shorter limits (README, "Sessies")."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SESSION_STARTED, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle, absolute = session_limits(staff=is_staff_user(request.user))
            if now - last_seen > idle.total_seconds():
                return self._end(
                    request, _("You were logged out because you were away for a while. Please log in again.")
                )
            if now - started > absolute.total_seconds():
                return self._end(
                    request, _("You were logged in for a long time, so we logged you out. Please log in again.")
                )
            if now - last_seen >= LAST_SEEN_RESOLUTION or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _end(request: HttpRequest, reason: str) -> HttpResponse:
        path = request.get_full_path()
        logout(request)
        messages.info(request, reason)
        return redirect_to_login(path)


class MfaRequiredMiddleware:
    """Staff roles reach only the second-factor setup pages (and logout) until they have a second factor."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_mfa_setup_paths())
            and is_staff_user(user)
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])
        ):
            if request.path != reverse("home"):
                messages.warning(request, _("First set up a second step for logging in. Then you can continue."))
            return redirect("mfa_index")
        return self.get_response(request)


@cache
def _mfa_setup_paths() -> tuple[str, ...]:
    """What staff without a second factor may still reach. Resolved once: it runs on every request."""
    return (
        reverse("mfa_index"),
        reverse("account_logout"),
        reverse("account_reauthenticate"),
        reverse("set_language"),
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
        reverse("healthz"),
    )
