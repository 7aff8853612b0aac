"""The login pages' helpers: the form for asking a login code (the login page is rendered by allauth with its
password form), whether the first step of a login was a code, and the demo people."""

from __future__ import annotations

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django import template
from django.conf import settings

from accounts.forms import LoginCodeRequestForm
from accounts.models import User
from accounts.selectors import demo_users

register = template.Library()


@register.simple_tag
def login_code_form() -> LoginCodeRequestForm:
    return LoginCodeRequestForm()


@register.simple_tag(takes_context=True)
def first_step_by_code(context: template.Context) -> bool:
    """Whether the first step of the login under way was a code (not a password): the second-step page of staff
    then does not say "your password is correct"."""
    request = context.get("request")
    session = getattr(request, "session", None)
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY) if session is not None else None
    return bool(records) and isinstance(records, list) and records[-1].get("method") == "code"


@register.simple_tag
def demo_accounts() -> list[User]:
    """The demo people for the login page; empty outside demo mode."""
    return list(demo_users()) if settings.DICHTBIJ_DEMO else []
