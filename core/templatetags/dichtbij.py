from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from accounts.models import User
from accounts.selectors import demo_users
from core.languages import language_label

register = template.Library()


@register.simple_tag
def demo_accounts() -> list[User]:
    """The demo people for the login page; empty outside demo mode."""
    return list(demo_users()) if settings.DICHTBIJ_DEMO else []


@register.filter
def spoken_language(code: str) -> str:
    return language_label(code)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """`mapping[key]` in a template, for per-row forms."""
    return mapping.get(key)
