from __future__ import annotations

from typing import Any

from django import template

from core.languages import language_label

register = template.Library()


@register.filter
def spoken_language(code: str) -> str:
    return language_label(code)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """`mapping[key]` in a template, for per-row forms."""
    return mapping.get(key)
