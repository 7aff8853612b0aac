from __future__ import annotations

from decimal import Decimal

from django import template

from expenses.money import euro as format_euro

register = template.Library()


@register.filter
def euro(amount: Decimal) -> str:
    """`{{ claim.amount|euro }}` → "€ 12,50"."""
    return format_euro(amount)
