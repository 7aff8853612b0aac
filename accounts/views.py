"""allauth's page for typing a login code, with one more sentence: when the code has expired, say so; and the demo
login (the health check is in core, the home page in the `home` app)."""

from __future__ import annotations

from typing import Any

from allauth.account.views import ConfirmLoginCodeView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.adapter import login_code_minutes
from accounts.selectors import demo_user_get


class LoginCodeConfirmView(ConfirmLoginCodeView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        # allauth found a login waiting for a code, but the code is too old (ACCOUNT_LOGIN_BY_CODE_TIMEOUT): it ends
        # the login and sends the person back to ask again, without a word. Give them one.
        if getattr(self, "_process", False) is None:
            messages.error(request, _("Your code has expired. Ask for a new code."))
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "code_minutes": login_code_minutes()}


confirm_login_code = LoginCodeConfirmView.as_view()


@require_POST
def demo_login(request: HttpRequest) -> HttpResponse:
    """Demo mode only: log in as one of the demo people with one click. Absent (404) outside demo mode."""
    if not settings.DICHTBIJ_DEMO:
        raise Http404
    user = demo_user_get(request.POST.get("email", ""))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("home")
