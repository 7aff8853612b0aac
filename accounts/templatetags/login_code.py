"""The form for asking a login code, for the login page (which allauth renders with its password form)."""

from __future__ import annotations

from django import template

from accounts.forms import LoginCodeRequestForm

register = template.Library()


@register.simple_tag
def login_code_form() -> LoginCodeRequestForm:
    return LoginCodeRequestForm()
