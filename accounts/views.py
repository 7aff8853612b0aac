"""allauth's page for typing a login code, with one more sentence: when the code has expired, say so."""

from __future__ import annotations

from typing import Any

from allauth.account.views import ConfirmLoginCodeView
from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from accounts.adapter import login_code_minutes


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
