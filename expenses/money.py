"""Amounts in euros as people read them: "€ 2.100,00" in Dutch, "€ 2,100.00" in English."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format


def euro(amount: Decimal) -> str:
    """The amount with the euro sign, two decimals and the separators of the active language."""
    return f"€\N{NO-BREAK SPACE}{number_format(amount, decimal_pos=2, force_grouping=True)}"
